#!/usr/bin/env bash
# Issue "Structural pruning" acceptance timing at the models' own input sizes: ./torchslim prune --method channel
# --amount 0.5 on torchvision ResNet-18 / MobileNetV2 / EfficientNet-B0 (scripted and traced) at 3x224x224, the
# traced tiny BERT (2 layers, width 128) and BERT-Small (4 layers, width 512) on 64 token ids (their max_position_embeddings) and the 2-layer TransformerEncoder (scripted, traced
# under no_grad, traced with grad) on 64 tokens of width 128; dense vs pruned timed interleaved in one JVM at batch 1
# and 32 on THREADS threads; the same encoder at nn.Transformer's default width (512, 8 heads, FFN 2048; scripted and
# traced) on 64 tokens of width 512. Every output is loaded and run in Python (torch 2.13) at that input. Writes a markdown
# table. Timings mean something only on a quiet machine: the script prints the load average beside each row.
# Usage: [MODELS="resnet18.script bert"] [THREADS=2] [RUNS=9] tests/bench/channel-prune-latency.sh [DIR]
#   DIR: files of tests/oracle/real_models.py make DIR (made there when missing), default target/real-models
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dir=${1:-target/real-models}
threads=${THREADS:-2}
runs=${RUNS:-9}
py=target/pyenv/bin/python
out="$dir/channel-latency"
mkdir -p "$out"
mvn -q -DskipTests package -pl java/torchslim-cli -am
cp=$(tests/bench/private-classpath.sh "$out")
run() { java -Xmx6g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -cp "$cp" dev.torchslim.cli.Main "$@"; }
"$py" - "$out" <<'PY'
import sys, numpy as np, torch
torch.manual_seed(0)
np.save(f"{sys.argv[1]}/ids64.npy", torch.randint(0, 1000, (32, 64)).numpy())
np.save(f"{sys.argv[1]}/tokens64.npy", torch.randn(32, 64, 128).numpy())
np.save(f"{sys.argv[1]}/tokens64x512.npy", torch.randn(32, 64, 512).numpy())
PY
models=${MODELS:-"resnet18.script resnet18.trace mobilenet_v2.script mobilenet_v2.trace efficientnet_b0.script efficientnet_b0.trace bert bert.small transformer transformer.trace transformer.grad transformer.wide transformer.wide.trace"}
for m in $models; do
  [ -f "$dir/$m.pt" ] || "$py" tests/oracle/real_models.py make "$dir" "$m"
done
report="$out/report${MODELS:+-$(echo $MODELS | tr ' ' '_')}.md"
echo "| model | input | params dense -> pruned | batch 1 dense / pruned ms | batch 32 dense / pruned ms | loads and runs in Python | load average |" > "$report"
echo "|---|---|---|---|---|---|---|" >> "$report"
for m in $models; do
  case "$m" in
    bert*) xfile="$out/ids64.npy"; what="64 token ids" ;;
    transformer.wide*) xfile="$out/tokens64x512.npy"; what="64 tokens x 512" ;;
    transformer*) xfile="$out/tokens64.npy"; what="64 tokens x 128" ;;
    *) xfile=""; what="3x224x224" ;;
  esac
  if [ -n "$xfile" ]; then input=(--data "$xfile"); else input=(--shape 3,224,224); fi
  log="$out/$m.log"
  run prune --in "$dir/$m.pt" --out "$out/$m.pruned.pt" --method channel --amount 0.5 "${input[@]}" \
    --batch 1,32 --runs "$runs" --threads "$threads" --force --no-progress --json "$out/$m.json" > "$log" 2>&1
  check=$("$py" - "$dir/$m.pt" "$out/$m.pruned.pt" "$xfile" <<'PY'
import sys, numpy as np, torch
dense, pruned, xfile = torch.jit.load(sys.argv[1]).eval(), torch.jit.load(sys.argv[2]).eval(), sys.argv[3]
x = torch.from_numpy(np.load(xfile))[:2] if xfile else torch.randn(2, 3, 224, 224)
with torch.no_grad():
    a, b = dense(x), pruned(x)
print("yes" if a.shape == b.shape and torch.isfinite(b).all() else f"NO {tuple(a.shape)} vs {tuple(b.shape)}")
PY
)
  "$py" - "$out/$m.json" "$m" "$what" "$check" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$report" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
lat = {r["batch"]: r for r in j["latency"]}
cell = lambda b: f'{lat[b]["dense_ms"]:.2f} / {lat[b]["pruned_ms"]:.2f} ({lat[b]["speedup"]:.2f}x)'
pb, pa = j["params_before"], j["params_after"]
print(f'| {sys.argv[2]} | {sys.argv[3]} | {pb:,} -> {pa:,} ({100.0 * (pa - pb) / pb:+.1f}%) | {cell(1)} | {cell(32)} | {sys.argv[4]} | {sys.argv[5]} |')
PY
  tail -n 1 "$report"
done
echo "wrote $report"
