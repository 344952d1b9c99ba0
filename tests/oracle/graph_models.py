"""Real test models and Python's graph-mode quantization references for TorchSlim's graph tests.

  graph_models.py make DIR      for each model NAME: DIR/NAME.pt (TorchScript), DIR/NAME.x.npy (inputs),
                                DIR/NAME.data.pt ({'x': calibration inputs, 'y': targets}),
                                DIR/NAME.ref.npy (fp32 output), DIR/NAME.dynamic.npy (quantize_dynamic_jit),
                                DIR/NAME.static.npy (quantize_jit, MinMax activations, per-channel weights,
                                DIR/NAME.static_histogram.npy the same with HistogramObserver activations,
                                calibrated on data.pt's x in batches of 16), DIR/NAME.eager_dynamic.npy
                                (lstm only: torch.ao.quantization.quantize_dynamic of the nn.Module, Linear and LSTM)
  graph_models.py run FILE X OUT   torch.jit.load(FILE)(X) -> OUT (.npy, float32); prints
                                {"quantized_ops": n, "params": n} of the loaded graph
Models: resnet (user-written residual CNN, scripted), depthwise (torchvision MobileNetV2 inverted residual
blocks, traced), lstm (LSTM classifier, scripted), transformer (nn.TransformerEncoderLayer classifier, traced),
mbconv (EfficientNet MBConv with StochasticDepth, scripted; no Python int8 reference: quantize_jit refuses it),
features (residual MLP blocks on [batch, 6, 16] input features, scripted; fp32 reference only: a pruning model)."""
import json
import sys
import types
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
torch.backends.quantized.engine = "x86"
# torchvision's compiled ops belong to a CUDA build that cannot load beside CPU torch: the models are pure Python.
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + x)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.layer1 = nn.Sequential(BasicBlock(16), BasicBlock(16))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer1(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class Depthwise(nn.Module):
    def __init__(self):
        super().__init__()
        from torchvision.models.mobilenetv2 import InvertedResidual
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU6())
        self.blocks = nn.Sequential(InvertedResidual(16, 16, 1, 4), InvertedResidual(16, 24, 2, 4),
                                    InvertedResidual(24, 24, 1, 4))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(12, 32, num_layers=2, batch_first=True)
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


class TransformerClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 32)
        self.encoder = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(32, 6)

    def forward(self, x):
        return self.fc(self.encoder(self.proj(x)).mean(1))


class MbConvNet(nn.Module):
    """torchvision's EfficientNet MBConv block (squeeze-excitation, StochasticDepth), scripted: Python's
    quantize_jit refuses it ("branches for `if` should return values that are observed consistently")."""

    def __init__(self):
        super().__init__()
        from functools import partial
        from torchvision.models.efficientnet import MBConv, MBConvConfig
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.SiLU())
        self.block = MBConv(MBConvConfig(4, 3, 1, 16, 16, 1), 0.2, partial(nn.BatchNorm2d, eps=1e-3))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.block(self.stem(x))), 1))


class FeatureResidual(nn.Module):
    """Residual MLP blocks on the input features themselves (no embedding or projection first): the
    residual stream starts at the model input, so its channels leave by selecting input features."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 32)
        self.fc4 = nn.Linear(32, 16)
        self.head = nn.Linear(16, 6)

    def forward(self, x):
        x = x + self.fc2(torch.relu(self.fc1(x)))
        x = x + self.fc4(torch.relu(self.fc3(x)))
        return self.head(x.mean(1))


def build(name):
    torch.manual_seed(7)
    if name == "resnet":
        m, shape, classes, how = ResNet(), (3, 16, 16), 10, "script"
    elif name == "depthwise":
        m, shape, classes, how = Depthwise(), (3, 16, 16), 10, "trace"
    elif name == "mbconv":
        m, shape, classes, how = MbConvNet(), (3, 16, 16), 10, "script"
    elif name == "lstm":
        m, shape, classes, how = LstmClassifier(), (10, 12), 5, "script"
    elif name == "features":
        m, shape, classes, how = FeatureResidual(), (6, 16), 6, "script"
    else:
        m, shape, classes, how = TransformerClassifier(), (8, 16), 6, "trace"
    m.eval()
    # BatchNorm statistics that are not the identity, so folding matters.
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    return m, shape, classes, how


NAMES = ["resnet", "depthwise", "lstm", "transformer", "mbconv", "features"]


def make(directory):
    from torch.ao.quantization import (QConfig, HistogramObserver, MinMaxObserver, default_dynamic_qconfig,
                                       default_per_channel_weight_observer, quantize_dynamic, quantize_dynamic_jit,
                                       quantize_jit)
    for name in NAMES:
        m, shape, classes, how = build(name)
        g = torch.Generator().manual_seed(11)
        x = torch.randn(8, *shape, generator=g)
        calib = torch.randn(64, *shape, generator=g)
        y = torch.randint(0, classes, (64,), generator=g)
        ts = torch.jit.script(m) if how == "script" else torch.jit.trace(m, x[:2], check_trace=False)
        ts.save(f"{directory}/{name}.pt")
        np.save(f"{directory}/{name}.x.npy", x.numpy())
        torch.save({"x": calib, "y": y}, f"{directory}/{name}.data.pt")
        with torch.no_grad():
            np.save(f"{directory}/{name}.ref.npy", ts(x).numpy())
            if name == "features":  # a pruning model: no quantization references
                continue
            if name != "mbconv":
                dyn = quantize_dynamic_jit(torch.jit.load(f"{directory}/{name}.pt"), {"": default_dynamic_qconfig})
                np.save(f"{directory}/{name}.dynamic.npy", dyn(x).numpy())
            if name == "lstm":
                eager = quantize_dynamic(m, {nn.Linear, nn.LSTM}, dtype=torch.qint8)
                np.save(f"{directory}/{name}.eager_dynamic.npy", eager(x).numpy())
            qconfig = QConfig(activation=MinMaxObserver.with_args(reduce_range=True),
                              weight=default_per_channel_weight_observer)

            def calibrate(model, data):
                for i in range(0, data.shape[0], 16):
                    model(data[i:i + 16])

            if name != "mbconv":  # Python's passes refuse it; TorchSlim folds the eval-mode branches first
                st = quantize_jit(torch.jit.load(f"{directory}/{name}.pt"), {"": qconfig}, calibrate, [calib])
                np.save(f"{directory}/{name}.static.npy", st(x).numpy())
                hist = QConfig(activation=HistogramObserver.with_args(reduce_range=True),
                               weight=default_per_channel_weight_observer)
                st = quantize_jit(torch.jit.load(f"{directory}/{name}.pt"), {"": hist}, calibrate, [calib])
                np.save(f"{directory}/{name}.static_histogram.npy", st(x).numpy())


def run(file, x, out):
    m = torch.jit.load(file)
    xs = torch.from_numpy(np.load(x))
    with torch.no_grad():
        y = m(xs)
        if isinstance(y, (tuple, list)):
            y = y[0]
        np.save(out, y.float().numpy())
    g = m.graph.copy() if hasattr(m, "graph") else None
    if g is not None:
        torch._C._jit_pass_inline(g)
    kinds = [n.kind() for n in g.nodes()] if g is not None else []
    quantized = sum(1 for k in kinds if k.startswith("quantized::") or k.startswith("aten::quantized_"))
    print(json.dumps({"quantized_ops": quantized, "params": sum(p.numel() for p in m.parameters())}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "run":
        run(*sys.argv[2:5])
    else:
        sys.exit(__doc__)
