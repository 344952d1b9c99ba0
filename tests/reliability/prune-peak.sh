#!/usr/bin/env bash
# Whole-run speed and peak memory of `./torchslim prune --method l1-global` on a large TorchScript
# file against Python's load + prune.global_unstructured + prune.remove + save of the same file,
# interleaved in one run, plus the resident size of a JVM that only loads what the command loads
# (LoadProbe light: LibTorch's and TorchSlim's libraries) as the baseline. Needs a build
# (mvn -DskipTests package: the CLI jar and the test classes) and the Python oracle.
# Usage: tests/reliability/prune-peak.sh [ROUNDS] [DIR]   (DIR default target/prune-peak)
# Prints one line per run ("java|python|jvm-baseline SECONDS MAXRSS_KB") and the medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
dir=${2:-$root/target/prune-peak}
py="$root/target/pyenv/bin/python"
mkdir -p "$dir"
[ -f "$dir/model.pt" ] || "$py" "$root/tests/oracle/bench_prune_file.py" make "$dir/model.pt"
# Private copies of the jars: a rebuild of this checkout during the runs does not touch them.
cp=$("$root/tests/bench/private-classpath.sh" "$dir")
# The launcher's JVM options (./torchslim).
java_opts=(-Xmx2g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0)
size=$(stat -c %s "$dir/model.pt")
echo "model $(basename "$dir")/model.pt: $size bytes; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure() { /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > "$dir/out.txt" 2> "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }; cat "$dir/time.txt"; }
declare -a jt jm pt pm bm_kb
for ((i = 0; i < rounds; i++)); do
  read -r t m < <(measure java "${java_opts[@]}" -Dtorchslim.timing=true -cp "$cp" dev.torchslim.cli.Main prune \
    --in "$dir/model.pt" --out "$dir/java.pt" --method l1-global --amount 0.5 --force)
  echo "java   $t s  $m KB   $(grep timing "$dir/err.txt")"; jt+=("$t"); jm+=("$m")
  read -r t m < <(measure "$py" "$root/tests/oracle/bench_prune_file.py" run "$dir/model.pt" "$dir/python.pt" 0.5)
  echo "python $t s  $m KB   $(cat "$dir/out.txt")"; pt+=("$t"); pm+=("$m")
  read -r t m < <(measure java "${java_opts[@]}" -cp "$root/tests/target/test-classes:$cp" dev.torchslim.reliability.LoadProbe light)
  echo "jvm-baseline $t s  $m KB"; bm_kb+=("$m")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
j=$(median "${jt[@]}"); p=$(median "${pt[@]}"); jk=$(median "${jm[@]}"); pk=$(median "${pm[@]}"); bk=$(median "${bm_kb[@]}")
awk -v j="$j" -v p="$p" -v jk="$jk" -v pk="$pk" -v bk="$bk" -v size="$size" 'BEGIN {
  printf "median whole run: java %.2f s, python %.2f s: java %.2fx faster\n", j, p, p / j
  printf "median peak RSS: java %.0f MB, python %.0f MB, JVM baseline %.0f MB: java %.2fx the file above the baseline\n",
    jk / 1024, pk / 1024, bk / 1024, (jk - bk) * 1024 / size }'
"$py" - "$dir/java.pt" "$dir/python.pt" <<'PY'
import sys, torch
a, b = torch.jit.load(sys.argv[1]).state_dict(), torch.jit.load(sys.argv[2]).state_dict()
diff = sum(int((a[k] != b[k]).sum()) for k in a)
zeros = sum(int((a[k] == 0).sum()) for k in a if k.endswith("weight"))
# Equal magnitudes at the threshold may be chosen differently (topk's order among ties is unspecified).
print(f"java vs python outputs: {diff} of {sum(v.numel() for v in a.values())} values differ; java zeros {zeros}")
PY
