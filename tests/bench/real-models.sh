#!/usr/bin/env bash
# Acceptance run of issue "Any model": ./torchslim quantize in every mode on real architectures saved by
# Python torch 2.13 (tests/oracle/real_models.py), each output checked in Python (loads, runs, quantized
# ops, argmax agreement with fp32 on 32 inputs, max error / output range). Writes a markdown table.
# Usage: [MODELS="resnet18.trace lstm"] tests/bench/real-models.sh [DIR] [MODES...]   (DIR default target/real-models)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dir=${1:-target/real-models}; shift || true
modes=("$@"); [ ${#modes[@]} -gt 0 ] || modes=(dynamic static qat fp16 bf16 weight-int8 weight-int4)
py=target/pyenv/bin/python
mkdir -p "$dir/out"
# One build, then a private copy of the jar: later rebuilds of this checkout don't touch the runs.
mvn -q -DskipTests package -pl java/torchslim-cli -am
cp=$(tests/bench/private-classpath.sh "$dir")
run() { java -Xmx4g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -cp "$cp" dev.torchslim.cli.Main "$@"; }
[ -f "$dir/transformer.pt" ] || "$py" tests/oracle/real_models.py make "$dir"
report="$dir/report${MODELS:+-$(echo $MODELS | tr ' ' '_')}.md"
echo "| model | mode | exit | loads | runs | quantized ops | argmax agreement | max error / range | size in -> out (bytes) |" > "$report"
echo "|---|---|---|---|---|---|---|---|---|" >> "$report"
files=()
if [ -n "${MODELS:-}" ]; then for m in $MODELS; do files+=("$dir/$m.pt"); done; else files=("$dir"/*.pt); fi
for f in "${files[@]}"; do
  case "$f" in *.data.pt) continue;; esac
  name=$(basename "$f" .pt)
  for mode in "${modes[@]}"; do
    out="$dir/out/$name.$mode.pt"
    rm -f "$out"
    extra=()
    case "$mode" in static|qat) extra=(--data "$dir/$name.data.pt" --batch 16 --epochs 1);; esac
    set +e
    run quantize --in "$f" --out "$out" --mode "$mode" "${extra[@]}" > "$dir/out/$name.$mode.log" 2>&1
    rc=$?
    set -e
    if [ $rc -eq 0 ]; then
      line=$("$py" tests/oracle/real_models.py check "$f" "$out" "$dir/$name.x.npy" 2>/dev/null | tail -n 1)
      row=$("$py" -c 'import json,sys; r=json.loads(sys.argv[1]); print("| %s | %s | %s | %s | %s | %s | %.3f | %.4f |" % (sys.argv[2], sys.argv[3], 0, r["loads"], r["runs"], r.get("quantized_ops","-"), r.get("argmax_agreement",float("nan")), r.get("max_error_of_range",float("nan"))))' "$line" "$name" "$mode")
      echo "$row $(stat -c %s "$f") -> $(stat -c %s "$out") |" >> "$report"
    else
      echo "| $name | $mode | $rc | - | - | - | - | - | $(tail -n 1 "$dir/out/$name.$mode.log" | tr '|' '/' | cut -c1-120) |" >> "$report"
    fi
  done
done
cat "$report"
