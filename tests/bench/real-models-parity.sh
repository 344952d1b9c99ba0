#!/usr/bin/env bash
# After tests/bench/real-models.sh: compares every static/dynamic output with Python's own quantize_jit /
# quantize_dynamic_jit of the same file (same observers and calibration batches). Prints a markdown table.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dir=${1:-target/real-models}
py=target/pyenv/bin/python
echo "| model | mode | max abs difference, TorchSlim (Java) vs Python int8 | argmax agreement with fp32 |"
echo "|---|---|---|---|"
for out in "$dir"/out/*.static.pt "$dir"/out/*.dynamic.pt; do
  [ -f "$out" ] || continue
  base=$(basename "$out" .pt); name=${base%.*}; mode=${base##*.}
  [ "$name" = lstm ] && [ "$mode" = dynamic ] && continue  # TorchSlim also quantizes the LSTM; quantize_dynamic_jit does not
  line=$("$py" tests/oracle/real_models.py check "$dir/$name.pt" "$out" "$dir/$name.x.npy" "$mode" "$dir/$name.data.pt" 2>/dev/null | tail -n 1)
  "$py" -c 'import json,sys; r=json.loads(sys.argv[1]); print("| %s | %s | %s | %.3f |" % (sys.argv[2], sys.argv[3], r.get("max_diff_vs_python_int8", r.get("error")), r.get("argmax_agreement", float("nan"))))' "$line" "$name" "$mode"
done
