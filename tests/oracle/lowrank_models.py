"""Models and references for TorchSlim's low-rank tests.

  lowrank_models.py twins FILE      a scripted model with two Linear(8, 8): one TorchScript class, two instances
  lowrank_models.py convs DIR       DIR/convs.script.pt, DIR/convs.trace.pt (one CNN: a 3x5 conv with stride (2,1),
                                    padding (1,2), dilation (1,2) and bias; a 3x3 conv without bias; a grouped conv;
                                    a 1x1 conv), DIR/convs.x.npy
  lowrank_models.py resnet18 DIR    DIR/resnet18.pt (torchvision ResNet-18, random weights, scripted, 3x96x96),
                                    DIR/resnet18.x.npy, DIR/resnet18.data.pt (as real_models.py makes them)
  lowrank_models.py teacher FILE DATA N
                                    labels N random inputs of FILE's shape (a graph_models.py model) with FILE's own
                                    argmax ("teacher-labelled"): DATA = {'x', 'y'}
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


class Convs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(6, 12, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2))
        self.b = nn.Conv2d(12, 16, 3, padding=1, bias=False)
        self.g = nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.c = nn.Conv2d(16, 8, 1)

    def forward(self, x):
        x = torch.relu(self.a(x))
        x = torch.relu(self.b(x))
        return self.c(torch.relu(self.g(x)))


def convs(directory):
    import numpy as np
    torch.manual_seed(3)
    m = Convs().eval()
    x = torch.randn(4, 6, 20, 20, generator=torch.Generator().manual_seed(4))
    torch.jit.script(m).save(f"{directory}/convs.script.pt")
    torch.jit.trace(m, x[:2]).save(f"{directory}/convs.trace.pt")
    np.save(f"{directory}/convs.x.npy", x.numpy())


def resnet18(directory):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import real_models
    real_models.make(directory, only={"resnet18.script": "resnet18"}, n_inputs=2, n_calib=4)


def teacher(file, data, n):
    m = torch.jit.load(file).eval()
    shape = {"resnet": (3, 16, 16)}.get(file.rsplit("/", 1)[-1].split(".")[0])
    x = torch.randn(int(n), *shape, generator=torch.Generator().manual_seed(21))
    with torch.no_grad():
        y = m(x).argmax(1)
    torch.save({"x": x, "y": y}, data)


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
    elif sys.argv[1] == "convs":
        convs(sys.argv[2])
    elif sys.argv[1] == "resnet18":
        resnet18(sys.argv[2])
    elif sys.argv[1] == "teacher":
        teacher(*sys.argv[2:5])
    elif sys.argv[1] == "bench":
        bench(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
