#!/usr/bin/env bash
# Fourth acceptance pass of issue "Any model": int8 top-1 retention on TRAINED real architectures
# (tests/oracle/trained_models.py: torchvision CNNs on Fashion-MNIST, BERT / LSTM / TransformerEncoder on a
# synthetic task; random-init models have no logit margin, see docs/benchmarks.md). For every file and mode:
# ./torchslim quantize, then in Python: the output loads, runs, has quantized ops; fp32 and int8 accuracy on
# 1000 held-out rows; retention = top-1 agreement of int8 with fp32 on them; for static modes also Python's own
# quantize_jit of the same file (same observer, same 256 calibration rows in batches of 16): its retention and the
# largest logit difference between the two int8 models. Writes a markdown table.
# Usage: [MODELS="resnet18.trace lstm"] [BUDGET=150] [LABEL_SMOOTHING=0] [WEIGHT_DECAY=0] [SKIP_BUILD=1] [THREADS=1]
#        tests/bench/trained-models.sh [DIR] [MODES...]
#   DIR default target/trained-models; MODES from static (MinMax), static-histogram, static-per-tensor, dynamic, qat,
#   static-agree and static-histogram-agree (--min-agreement ${MIN_AGREEMENT:-0.95} on the 256 calibration rows; Python's
#   quantize_jit then keeps the same modules in float), static-onednn and static-histogram-onednn (--engine onednn: 8-bit
#   activations; Python's quantize_jit on the onednn engine), qat-kd (labels-free QAT: --loss fp32-kd, 3 epochs)
#   (default: static static-histogram dynamic qat). WEIGHT_DECAY > 0 trains with AdamW (trained_models.py).
#   KEEP_FLOAT="a,b" adds --keep-float a,b to every mode (paths, * patterns or class names; Python gets the paths the
#   CLI resolved them to). Models are trained once per DIR (about BUDGET s each).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dir=${1:-target/trained-models}; shift || true
modes=("$@"); [ ${#modes[@]} -gt 0 ] || modes=(static static-histogram dynamic qat)
py=target/pyenv/bin/python
# One thread per process on the shared machine (trained_models.py's note): LibTorch in the JVM reads OMP_NUM_THREADS.
export OMP_NUM_THREADS=${THREADS:-1} TORCHSLIM_TRAIN_THREADS=${THREADS:-1}
mkdir -p "$dir/out"
# One build (SKIP_BUILD=1: use the checkout's jars as they are), then a private copy of the jar: later rebuilds of
# this checkout don't touch the runs.
[ -n "${SKIP_BUILD:-}" ] || mvn -q -DskipTests package -pl java/torchslim-cli -am
cp=$(tests/bench/private-classpath.sh "$dir")
run() { java -Xmx4g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -cp "$cp" dev.torchslim.cli.Main "$@"; }
bases="resnet18 mobilenet_v2 efficientnet_b0 shufflenet_v2 bert lstm transformer"
[ -z "${MODELS:-}" ] || bases=$(for m in $MODELS; do m=${m%.script}; echo "${m%.trace}"; done | sort -u)
for m in $bases; do
  [ -f "$dir/$m.eval.pt" ] || "$py" tests/oracle/trained_models.py train "$dir" "$m" --budget "${BUDGET:-150}" \
    --label-smoothing "${LABEL_SMOOTHING:-0}" --weight-decay "${WEIGHT_DECAY:-0}" | tee -a "$dir/train.jsonl"
done
report="$dir/report${MODELS:+-$(echo $MODELS | tr ' ' '_')}.md"
echo "| model | mode | exit | quantized ops | fp32 accuracy | int8 accuracy | retention (TorchSlim) | retention (Python quantize_jit) | max abs diff TorchSlim vs Python | size in -> out (bytes) | kept in float |" > "$report"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >> "$report"
files=()
if [ -n "${MODELS:-}" ]; then for m in $MODELS; do files+=("$dir/$m.pt"); done; else files=("$dir"/*.pt); fi
for f in "${files[@]}"; do
  case "$f" in *.data.pt|*.eval.pt) continue;; esac
  name=$(basename "$f" .pt)
  base=${name%.script}; base=${base%.trace}
  for mode in "${modes[@]}"; do
    out="$dir/out/$name.$mode.pt"
    rm -f "$out"
    args=(--mode "${mode%%-*}" --json "$dir/out/$name.$mode.json")
    [ -z "${KEEP_FLOAT:-}" ] || args+=(--keep-float "$KEEP_FLOAT")
    observer=minmax
    engine=x86
    case "$mode" in
      static*) args+=(--data "$dir/$base.data.pt" --batch 16 --calib 16);;
      qat) args+=(--data "$dir/$base.data.pt" --batch 16 --epochs 1 --loss ce --lr 1e-4);;
      qat-kd) args+=(--data "$dir/$base.data.pt" --batch 16 --epochs 3 --loss fp32-kd --lr 1e-4);;
    esac
    case "$mode" in *-onednn) args+=(--engine onednn); engine=onednn;; esac
    case "$mode" in
      static-histogram*) args+=(--observer histogram); observer=histogram;;
      static-per-tensor) args+=(--per-tensor);;
    esac
    case "$mode" in *-agree) args+=(--min-agreement "${MIN_AGREEMENT:-0.95}");; esac
    set +e
    run quantize --in "$f" --out "$out" "${args[@]}" > "$dir/out/$name.$mode.log" 2>&1
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then
      echo "| $name | $mode | $rc | - | - | - | - | - | - | $(tail -n 1 "$dir/out/$name.$mode.log" | tr '|' '/' | cut -c1-120) | - |" >> "$report"
      continue
    fi
    pyline='{}'
    compare=()
    rm -f "$dir/out/$name.$mode.python.npy"
    if [ "${mode%%-*}" = static ] && [ "$mode" != static-per-tensor ]; then
      kept=$("$py" -c 'import json, sys; print(",".join(json.load(open(sys.argv[1])).get("keep_float", [])))' \
        "$dir/out/$name.$mode.json")
      pyline=$("$py" tests/oracle/trained_models.py python-int8 "$f" "$dir/$base.data.pt" "$dir/$base.eval.pt" \
        "$observer" "$dir/out/$name.$mode.python.npy" "$kept" "$engine" 2>/dev/null | tail -n 1) \
        || pyline="{\"error\": \"Python's quantize_jit crashed: exit status $?\"}"
      [ -f "$dir/out/$name.$mode.python.npy" ] && compare=("$dir/out/$name.$mode.python.npy")
    fi
    [ ${#compare[@]} -gt 0 ] || compare=(-)
    line=$("$py" tests/oracle/trained_models.py eval "$f" "$out" "$dir/$base.eval.pt" "${compare[@]}" "$engine" \
      2>/dev/null | tail -n 1) \
      || line="{\"error\": \"Python exited with status $?\"}"
    "$py" - "$line" "$pyline" "$name" "$mode" "$(stat -c %s "$f") -> $(stat -c %s "$out")" "$dir/out/$name.$mode.json" >> "$report" <<'EOF'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
kept = json.load(open(sys.argv[6])).get("keep_float", [])
f = lambda v: "-" if v is None else "%.3f" % v
py = p.get("error", "-")[:60] if "retention" not in p else f(p["retention"])
diff = r.get("max_diff_vs_python_int8")
print("| %s | %s | 0 | %s | %s | %s | %s | %s | %s | %s | %s |" % (sys.argv[3], sys.argv[4],
      r.get("quantized_ops", r.get("error", "-")), f(r.get("fp32_accuracy")), f(r.get("accuracy")),
      f(r.get("retention")), py, "-" if diff is None else "%.2g" % diff, sys.argv[5],
      ", ".join(kept) if len(kept) <= 6 else "%d modules: %s, ..." % (len(kept), ", ".join(kept[:4]))))
EOF
  done
done
cat "$report"
