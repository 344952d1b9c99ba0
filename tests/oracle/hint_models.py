"""Feature-distillation references for TorchSlim's tests (torch 2.13).

  hint_models.py make DIR         DIR/teacher.pt (graph_models' residual CNN, 16 channels, scripted),
                                  DIR/student.pt (a residual CNN at 8 channels whose stem has stride 2,
                                  scripted), DIR/data.pt ({'x': [64, 3, 16, 16], 'y'}), DIR/x.npy (8 rows),
                                  and Python's forward-hook outputs on x: DIR/teacher.LAYER.npy,
                                  DIR/student.LAYER.npy for LAYER in layer1, layer1.0.conv1, stem
  hint_models.py loss KIND S T W B G   the hint loss of student features S and teacher features T (.npy)
                                  with adapter weight W and bias B (.npy, or "-" for none), as TorchSlim
                                  defines it, computed with torch.nn.functional; prints {"loss": x} and
                                  writes d loss / d S to G, and d loss / d W to G with ".w.npy" for W
  hint_models.py params FILE      prints {"params": [names], "count": n, "out": [shape]} of a saved model
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from graph_models import BasicBlock, ResNet  # noqa: E402

LAYERS = ["layer1", "layer1.0.conv1", "stem"]


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = nn.Sequential(BasicBlock(8))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.layer1(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


def make(d):
    torch.manual_seed(7)
    teacher = torch.jit.script(ResNet().eval())
    torch.manual_seed(8)
    student = torch.jit.script(SmallResNet().eval())
    teacher.save(f"{d}/teacher.pt")
    student.save(f"{d}/student.pt")
    g = torch.Generator().manual_seed(11)
    x = torch.randn(8, 3, 16, 16, generator=g)
    data = torch.randn(64, 3, 16, 16, generator=g)
    with torch.no_grad():
        y = teacher(data).argmax(1)
    torch.save({"x": data, "y": y}, f"{d}/data.pt")
    np.save(f"{d}/x.npy", x.numpy())
    for name, m in (("teacher", teacher), ("student", student)):
        eager = torch.jit.load(f"{d}/{name}.pt")
        store = {}
        # hooks on a loaded ScriptModule are not allowed: walk the scripted module's children instead
        ref = ResNet() if name == "teacher" else SmallResNet()
        ref.load_state_dict({k: v for k, v in eager.state_dict().items()})
        ref.eval()
        for layer in LAYERS:
            ref.get_submodule(layer).register_forward_hook(lambda mod, i, o, layer=layer: store.__setitem__(layer, o))
        with torch.no_grad():
            ref(x)
        for layer in LAYERS:
            np.save(f"{d}/{name}.{layer}.npy", store[layer].numpy())


def attention(a):
    return F.normalize(a.pow(2).sum(1).flatten(1), dim=1)


def loss(kind, sf, tf, wf, bf, gf):
    s = torch.from_numpy(np.load(sf)).requires_grad_(True)
    t = torch.from_numpy(np.load(tf))
    w = None if wf == "-" else torch.from_numpy(np.load(wf)).requires_grad_(True)
    b = None if bf == "-" else torch.from_numpy(np.load(bf))
    if t.dim() == 4 and t.shape[2:] != s.shape[2:]:
        t = F.adaptive_avg_pool2d(t, s.shape[2:])
    if kind == "at":
        value = (attention(s) - attention(t)).pow(2).mean()
    else:
        a = s if w is None else (F.conv2d(s, w, b) if s.dim() == 4 else F.linear(s, w, b))
        value = F.mse_loss(a, t)
    value.backward()
    np.save(gf, s.grad.numpy())
    if w is not None:
        np.save(gf + ".w.npy", w.grad.numpy())
    print(json.dumps({"loss": value.item()}))


def params(f):
    m = torch.jit.load(f)
    with torch.no_grad():
        out = m(torch.randn(2, 3, 16, 16))
    names = [n for n, _ in m.named_parameters()]
    print(json.dumps({"params": names, "count": sum(p.numel() for p in m.parameters()), "out": list(out.shape)}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "loss":
        loss(*sys.argv[2:8])
    elif sys.argv[1] == "params":
        params(sys.argv[2])
    else:
        sys.exit(__doc__)
