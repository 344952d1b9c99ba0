"""Masks of torch.nn.utils.prune on seeded, tie-free random weights: the parity oracle.

usage: prune_masks.py OUT_DIR SEED
Writes w_I.npy (weights), l1_I.npy (l1_unstructured, amount per layer in amounts.txt),
global_I.npy (global_unstructured L1, 0.6), ln_N_DIM_I.npy (ln_structured, 0.4).
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

out, seed = sys.argv[1], int(sys.argv[2])
torch.manual_seed(seed)
shapes = [(16, 8, 3, 3), (50, 320), (5, 7), (3, 5), (1, 5), (10, 1, 5, 5)]
amounts = [0.37, 0.5, 0.5, 0.5, 0.5, 0.9]


def module_for(w):
    m = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2]) if w.dim() == 4 else nn.Linear(w.shape[1], w.shape[0])
    with torch.no_grad():
        m.weight.copy_(w)
    return m


weights = [torch.randn(s) for s in shapes]
for i, w in enumerate(weights):
    np.save(f"{out}/w_{i}.npy", w.numpy())
    m = module_for(w)
    prune.l1_unstructured(m, "weight", amount=amounts[i])
    np.save(f"{out}/l1_{i}.npy", m.weight_mask.numpy())
    for n, tag in [(1, "1"), (2, "2"), (float("inf"), "inf")]:
        for dim in (0, 1):
            m = module_for(w)
            prune.ln_structured(m, "weight", amount=0.4, n=n, dim=dim)
            np.save(f"{out}/ln_{tag}_{dim}_{i}.npy", m.weight_mask.numpy())

modules = [module_for(w) for w in weights]
prune.global_unstructured([(m, "weight") for m in modules], pruning_method=prune.L1Unstructured, amount=0.6)
for i, m in enumerate(modules):
    np.save(f"{out}/global_{i}.npy", m.weight_mask.numpy())
with open(f"{out}/amounts.txt", "w") as f:
    f.write(" ".join(str(a) for a in amounts))
print(len(shapes))
