#!/usr/bin/env bash
# Gradient all-reduce during backward (--overlap on) against after backward (--overlap off):
# ./torchslim finetune --nproc 2 on the same TorchScript model and data, alternating REPS times,
# beside Python DDP (torchrun, gloo; DDP always overlaps) in the same run. Prints seconds of the
# training loop and per step for each run.
# Usage: tests/oracle/ddp_overlap_bench.sh MODEL.pt DATA.pt [BATCH=16] [EPOCHS=2] [BUCKET_MB=25] [REPS=2]
#        (from the repository root; DATA.pt is torch.save({'x': X, 'y': Y}) with class targets)
set -euo pipefail
model=$1; data=$2; batch=${3:-16}; epochs=${4:-2}; bucket=${5:-25}; reps=${6:-2}
py=target/pyenv/bin/python; torchrun=target/pyenv/bin/torchrun
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rows=$($py -c "import torch,sys; print(torch.load(sys.argv[1])['x'].shape[0])" "$data")
steps=$(( epochs * ((rows + batch - 1) / batch) ))
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model $(basename "$model"), $rows rows, global batch $batch, $epochs epochs = $steps steps, buckets of $bucket MiB, 2 processes"
for r in $(seq 1 "$reps"); do
  for o in off on; do
    ${TORCHSLIM:-./torchslim} finetune --in "$model" --out "$work/out.pt" --data "$data" --batch "$batch" \
          --epochs "$epochs" --force --nproc 2 --overlap $o --bucket-mb "$bucket" > "$work/log"
    s=$(grep -o 'training took [0-9.]* s' "$work/log" | grep -o '[0-9.]*' | head -1)
    echo "run $r, overlap $o: Java ${s} s, $($py -c "print('%.3f' % ($s / $steps))") s/step (load $(cut -d' ' -f1 /proc/loadavg))"
    grep -o 'gradient all-reduce over.*' "$work/log" | sed 's/^/    /'

  done
done
p=$(OMP_NUM_THREADS=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 )) $torchrun --standalone --nproc-per-node 2 \
      tests/oracle/ddp_peer.py train "$model" "$data" "$batch" "$epochs" "$bucket" 2>/dev/null | grep train_s | \
      $py -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["train_s"])')
echo "Python DDP (overlapped, buckets of $bucket MiB): ${p} s, $($py -c "print('%.3f' % ($p / $steps))") s/step"
