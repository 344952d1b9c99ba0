"""Models and references for TorchSlim's low-rank tests.

  lowrank_models.py twins FILE      a scripted model with two Linear(8, 8): one TorchScript class, two instances
  lowrank_models.py bench N RANK    Python's side of the SVD benchmark: torch.linalg.svd (full, then truncated)
                                    and torch.svd_lowrank (niter 2) of a seeded N x N Gaussian matrix; prints
                                    JSON with seconds and Frobenius errors"""
import json
import sys
import time

import torch
from torch import nn


class Twins(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        return self.out(torch.relu(self.b(torch.relu(self.a(x)))))


def twins(path):
    torch.manual_seed(5)
    torch.jit.script(Twins().eval()).save(path)


def bench(n, rank):
    torch.set_num_threads(2)
    a = torch.randn(n, n, generator=torch.Generator().manual_seed(0))
    t = time.perf_counter()
    u, s, vh = torch.linalg.svd(a, full_matrices=False)
    exact_s = time.perf_counter() - t
    best = torch.linalg.norm(a - (u[:, :rank] * s[:rank]) @ vh[:rank])
    t = time.perf_counter()
    u2, s2, v2 = torch.svd_lowrank(a, q=rank + 10, niter=2)
    low_s = time.perf_counter() - t
    err = torch.linalg.norm(a - (u2[:, :rank] * s2[:rank]) @ v2[:, :rank].T)
    print(json.dumps({"n": n, "rank": rank, "threads": torch.get_num_threads(), "exact_svd_s": exact_s,
                      "svd_lowrank_s": low_s, "optimal_error": best.item(), "svd_lowrank_error": err.item(),
                      "svd_lowrank_ratio": (err / best).item()}))


if __name__ == "__main__":
    if sys.argv[1] == "twins":
        twins(sys.argv[2])
    elif sys.argv[1] == "bench":
        bench(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
