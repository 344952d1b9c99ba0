"""Python peer of the demo's "pruned 50%" stage, from the same baseline weights.

usage: prune_demo_peer.py BASELINE.pt DATA_DIR [AMOUNT] [FINETUNE_EPOCHS]
Loads the Java baseline (a C++ torch::serialize archive), prunes it with
torch.nn.utils.prune.global_unstructured (L1) and prints the test accuracy before and after.
"""
import gzip
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune

path, data = sys.argv[1], sys.argv[2]
amount = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 0
torch.set_num_threads(2)
torch.manual_seed(42)


def idx(name):
    with gzip.open(f"{data}/{name}", "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


x = torch.from_numpy(idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
x = (x - 0.1307) / 0.3081
y = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))

model = nn.Sequential()
for name, m in [("conv1", nn.Conv2d(1, 10, 5)), ("pool1", nn.MaxPool2d(2)), ("relu1", nn.ReLU()),
                ("conv2", nn.Conv2d(10, 20, 5)), ("conv2_drop", nn.Dropout2d(0.5)), ("pool2", nn.MaxPool2d(2)),
                ("relu2", nn.ReLU()), ("flatten", nn.Flatten()), ("fc1", nn.Linear(320, 50)),
                ("relu3", nn.ReLU()), ("dropout", nn.Dropout(0.5)), ("fc2", nn.Linear(50, 10)),
                ("log_softmax", nn.LogSoftmax(1))]:
    model.add_module(name, m)
archive = torch.jit.load(path)
state = {k: v for k, v in archive.state_dict().items()}
model.load_state_dict(state)
model.eval()


def accuracy():
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


before = accuracy()
layers = [(model.conv1, "weight"), (model.conv2, "weight"), (model.fc1, "weight"), (model.fc2, "weight")]
prune.global_unstructured(layers, pruning_method=prune.L1Unstructured, amount=amount)
print(f"baseline {100 * before:.2f}% pruned {100 * amount:.0f}% (global L1, no fine-tune) {100 * accuracy():.2f}%")
if epochs:
    xt = torch.from_numpy(idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255.0).unsqueeze(1)
    xt = (xt - 0.1307) / 0.3081
    yt = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(yt))
        for b in range(0, len(yt), 64):
            i = perm[b:b + 64]
            opt.zero_grad()
            nn.functional.nll_loss(model(xt[i]), yt[i]).backward()
            opt.step()
    model.eval()
    for m, n in layers:
        prune.remove(m, n)
    zeros = sum(int((m.weight == 0).sum()) for m, _ in layers)
    print(f"after {epochs} epoch(s) of fine-tuning (Adam 1e-3, batch 64) {100 * accuracy():.2f}%, zero weights {zeros}")
