"""Python peer of GlobalPruneBench: global 50% L1 pruning (global_unstructured + remove) of
12 x Linear 2048x2048 on 2 threads, one copy of all weights, and the demo CNN's latency.

usage: bench_prune_global.py [reps]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(2)
torch.manual_seed(0)
model = nn.Sequential(*[nn.Linear(2048, 2048) for _ in range(12)])
print("threads", torch.get_num_threads(), "params", sum(p.numel() for p in model.parameters()))
originals = [m.weight.detach().clone() for m in model]
prune_t, copy_t = [], []
for _ in range(reps):
    t0 = time.perf_counter()
    with torch.no_grad():
        for m, w in zip(model, originals):
            m.weight.copy_(w)
    t1 = time.perf_counter()
    prune.global_unstructured([(m, "weight") for m in model], pruning_method=prune.L1Unstructured, amount=0.5)
    for m in model:
        prune.remove(m, "weight")
    t2 = time.perf_counter()
    copy_t.append((t1 - t0) * 1e3)
    prune_t.append((t2 - t1) * 1e3)
zeros = sum(int((m.weight == 0).sum()) for m in model)
print(f"zeros(after)={zeros}")
print(f"python global_unstructured+remove median {statistics.median(prune_t):.1f} ms  min {min(prune_t):.1f} ms")
print(f"python copy of all weights          median {statistics.median(copy_t):.1f} ms  min {min(copy_t):.1f} ms")
