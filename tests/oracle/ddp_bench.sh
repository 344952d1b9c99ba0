#!/usr/bin/env bash
# Data-parallel fine-tuning, Java (./torchslim finetune --nproc N) beside Python DDP (torchrun, gloo)
# on the same TorchScript file and data: seconds of the training loop for N = 1, 2, 4.
# Usage: tests/oracle/ddp_bench.sh MODEL.pt [ROWS=4096] [BATCH=64] [EPOCHS=1]   (from the repository root)
set -euo pipefail
model=$1; rows=${2:-4096}; batch=${3:-64}; epochs=${4:-1}
py=target/pyenv/bin/python; torchrun=target/pyenv/bin/torchrun
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
$py tests/oracle/ddp_peer.py data "$work/data.pt" "$rows" 0
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1 2 4; do
  j=$(${TORCHSLIM:-./torchslim} finetune --in "$model" --out "$work/out$n.pt" --data "$work/data.pt" --batch "$batch" \
        --epochs "$epochs" --force $([ "$n" -gt 1 ] && echo --nproc $n) | grep -o 'training took [0-9.]* s' | grep -o '[0-9.]*' | head -1)
  p=$(OMP_NUM_THREADS=$(( $(nproc) / n > 0 ? $(nproc) / n : 1 )) $torchrun --standalone --nproc-per-node $n \
        tests/oracle/ddp_peer.py train "$model" "$work/data.pt" "$batch" "$epochs" 2>/dev/null | grep train_s | \
        $py -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["train_s"])')
  echo "processes $n: Java ${j} s, Python DDP ${p} s, Java/Python $($py -c "print('%.2f' % ($j / $p))")"
done
