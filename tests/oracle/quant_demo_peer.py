"""Python peer of the demo's int8 stages on the same SimpleModel weights (DIR/<param>.npy written by
QuantizationDemoPeer): test accuracy of fp32, quantize_dynamic (Linear) and eager static PTQ (x86 default
qconfig, calibrated on the first 32 batches of 64 training images, as the Java stage).
usage: quant_demo_peer.py DIR [--data DIR]; prints one JSON line."""
import argparse
import json
import warnings

import numpy as np
import torch
from torch import nn
from torch.ao.quantization import DeQuantStub, QuantStub, convert, get_default_qconfig, prepare

from simple_model_train import SimpleModel, load

warnings.filterwarnings("ignore")
p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
a = p.parse_args()
torch.backends.quantized.engine = "x86"


def accuracy(model, x, y):
    with torch.no_grad():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000)) / len(x)


model = SimpleModel()
model.load_state_dict({k: torch.from_numpy(np.load(f"{a.dir}/{k}.npy")) for k in model.state_dict()})
model.eval()
xt, yt = load(a.data, "t10k")
xs, _ = load(a.data, "train")
result = {"fp32": accuracy(model, xt, yt)}
result["dynamic_int8"] = accuracy(torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8), xt, yt)


class Static(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.quant, self.dequant = QuantStub(), DeQuantStub()
        self.conv1, self.conv2, self.fc1, self.fc2 = m.conv1, m.conv2, m.fc1, m.fc2
        self.pool, self.relu1, self.relu2, self.relu3 = nn.MaxPool2d(2), nn.ReLU(), nn.ReLU(), nn.ReLU()

    def forward(self, x):
        x = self.relu1(self.pool(self.conv1(self.quant(x))))
        x = self.relu2(self.pool(self.conv2(x)))
        x = self.relu3(self.fc1(x.flatten(1)))
        return torch.log_softmax(self.dequant(self.fc2(x)), 1)


s = torch.ao.quantization.fuse_modules(Static(model).eval(), [["fc1", "relu3"]])
s.qconfig = get_default_qconfig("x86")
prepare(s, inplace=True)
with torch.no_grad():
    for b in range(32):
        s(xs[b * 64:(b + 1) * 64])
convert(s, inplace=True)
result["static_int8"] = accuracy(s, xt, yt)
print(json.dumps(result))
