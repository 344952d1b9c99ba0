"""TorchScript side of the quantization parity tests.
  quant_jit.py make SPEC DIR        scripted nn.Sequential -> DIR/model.pt, DIR/x.npy, DIR/ref.npy (float),
                                    DIR/dynamic.npy (quantize_dynamic of the same model, x86)
  quant_jit.py simple FILE         SimpleModel as a scripted nn.Sequential -> FILE
  quant_jit.py run FILE X OUT       torch.jit.load(FILE)(X) -> OUT
  quant_jit.py weights FILE DIR     dequantizes a TorchSlim weight-only FILE into the model of DIR/model.pt,
                                    runs DIR/x.npy -> DIR/weights.npy"""
import math
import sys
import warnings

import numpy as np
import torch
import torch.jit._pickle
from torch import nn

import quant_models

warnings.filterwarnings("ignore")
torch.backends.quantized.engine = "x86"


def make(spec, directory):
    torch.manual_seed(3)
    model = nn.Sequential(quant_models.build(spec)[:2], *quant_models.build(spec)[2:]).eval()  # one nested Sequential
    torch.jit.script(model).save(directory + "/model.pt")
    x = torch.rand(16, 1, 8, 8) if spec.startswith("conv") else torch.randn(16, int(spec.split(":")[1]))
    np.save(directory + "/x.npy", x.numpy())
    with torch.no_grad():
        np.save(directory + "/ref.npy", model(x).numpy())
        q = torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
        np.save(directory + "/dynamic.npy", q(x).numpy())


def simple(file):
    """dev.torchslim.model.SimpleModel as a scripted nn.Sequential with random weights."""
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(1, 10, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(10, 20, 5), nn.Dropout2d(0.5),
                          nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(320, 50), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(50, 10), nn.LogSoftmax(dim=1)).eval()
    torch.jit.script(model).save(file)


def run(file, x, out):
    m = torch.jit.load(file)
    xs = torch.from_numpy(np.load(x))
    params = list(m.parameters()) + list(m.buffers())
    if params and params[0].is_floating_point():
        xs = xs.to(params[0].dtype)  # fp16/bf16 files take inputs of their dtype
    with torch.no_grad():
        np.save(out, m(xs).float().numpy())
    print(params[0].dtype if params else "no tensors")


def unpack(e, bits):
    data, scales, group, shape = e["data"], e["scales"], e["group"], e["shape"]
    rows = data.shape[0]
    if bits == 8:
        w = data.float() * scales[:, None]
    else:
        b = data.to(torch.int16)
        q = torch.stack([(b & 15) - 8, (b >> 4) - 8], 2).reshape(rows, -1, group).float()
        w = (q * scales[:, :, None]).reshape(rows, -1)
    return w[:, :math.prod(shape[1:])].reshape(shape)


def weights(file, directory):
    # C++ pickles typed dicts and int lists with these two helpers of torch.jit.
    with torch.serialization.safe_globals([torch.jit._pickle.restore_type_tag, torch.jit._pickle.build_intlist]):
        saved = torch.load(file, weights_only=True)
    assert saved["format"] == "torchslim.weight_only/1", saved["format"]
    m = torch.jit.load(directory + "/model.pt")
    state = {k: (e["tensor"] if "tensor" in e else unpack(e, saved["bits"])) for k, e in saved["tensors"].items()}
    with torch.no_grad():
        for name, p in list(m.named_parameters()) + list(m.named_buffers()):
            p.copy_(state[name])
        np.save(directory + "/weights.npy", m(torch.from_numpy(np.load(directory + "/x.npy"))).numpy())


if __name__ == "__main__":
    {"make": make, "simple": simple, "run": run, "weights": weights}[sys.argv[1]](*sys.argv[2:])
