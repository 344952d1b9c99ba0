"""TorchScript round trip for `torchslim prune`.

usage: prune_torchscript.py make DIR        writes DIR/model.pt (torch.jit.script of a small CNN)
       prune_torchscript.py check DIR OUT METHOD AMOUNT [N DIM]
         loads DIR/model.pt and OUT; checks that only Conv/Linear weights changed and, for l1,
         l1-global and ln, that they equal torch.nn.utils.prune's result; prints "ok <sparsity>"
"""
import sys

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2))
        self.fc1 = nn.Linear(8 * 13 * 13, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(torch.relu(self.fc1(x)))


def eager_copy(scripted):
    net = Net()
    net.load_state_dict(scripted.state_dict())
    return net


mode, d = sys.argv[1], sys.argv[2]
if mode == "make":
    torch.manual_seed(0)
    net = Net().eval()
    with torch.no_grad():
        net.features[1].running_mean.uniform_(-1, 1)
        # Tie-free magnitudes across all weights (torch.topk's tie order is unspecified).
        ws = [net.features[0].weight, net.fc1.weight, net.fc2.weight]
        total = sum(w.numel() for w in ws)
        mags = (torch.randperm(total) + 1).float() / total * 0.1
        signs = torch.randint(0, 2, (total,)).float() * 2 - 1
        offset = 0
        for w in ws:
            w.copy_((mags[offset:offset + w.numel()] * signs[offset:offset + w.numel()]).view_as(w))
            offset += w.numel()
    torch.jit.save(torch.jit.script(net), f"{d}/model.pt")
    print("made")
    sys.exit(0)

out, method, amount = sys.argv[3], sys.argv[4], float(sys.argv[5])
n = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
dim = int(sys.argv[7]) if len(sys.argv) > 7 else 0
orig = torch.jit.load(f"{d}/model.pt")
pruned = torch.jit.load(out)
a, b = orig.state_dict(), pruned.state_dict()
assert a.keys() == b.keys(), (a.keys(), b.keys())
weights = ["features.0.weight", "fc1.weight", "fc2.weight"]
for k in a:
    if k not in weights:
        assert torch.equal(a[k], b[k]), f"{k} changed"

ref = eager_copy(orig)
mods = [ref.features[0], ref.fc1, ref.fc2]
if method == "l1":
    for m in mods:
        prune.l1_unstructured(m, "weight", amount=amount)
elif method == "l1-global":
    prune.global_unstructured([(m, "weight") for m in mods], pruning_method=prune.L1Unstructured, amount=amount)
elif method == "ln":
    for m in mods:
        prune.ln_structured(m, "weight", amount=amount, n=n, dim=dim)
if method in ("l1", "l1-global", "ln"):
    for k, m in zip(weights, mods):
        assert torch.equal(m.weight, b[k]), f"{k} differs from torch.nn.utils.prune"
else:
    for k in weights:
        changed = (a[k] != b[k])
        assert torch.all(b[k][changed] == 0), f"{k}: a weight changed to something other than zero"
x = torch.randn(2, 1, 28, 28)
assert pruned(x).shape == (2, 10)
total = sum(b[k].numel() for k in weights)
zeros = sum(int((b[k] == 0).sum()) for k in weights)
print(f"ok {zeros / total:.4f}")
