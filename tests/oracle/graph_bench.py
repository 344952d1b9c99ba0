"""Python peer of dev.torchslim.bench.GraphQuantBenchmark (same files, same variants).

  graph_bench.py mlp DIR            DIR/mlp.pt (2 x Linear 4096x4096, scripted), DIR/mlp.x.npy
  graph_bench.py time DIR THREADS   one line per "model|batch|variant<TAB>median ms"
  graph_bench.py fp32 DIR THREADS   peer of Fp32GemmBenchmark: "mlp|batch|python<TAB>median ms" at batch 1, 16, 128
  graph_bench.py ops DIR            DIR/op-NAME.pt: one small op repeated (a 64-token x 128 layer's sizes), for
                                    OpLatencyBenchmark
  graph_bench.py ops-time DIR THREADS  one line per "NAME<TAB>median us per op" in Python
  graph_bench.py conv DIR           for MobileNetConvBenchmark, one file per convolution shape of MobileNetV2's at
                                    224 x 224, dense and with half the channels: DIR/dw-C-H-S.pt, a 3x3 depthwise
                                    Conv2d (C channels, H x H input, stride S, padding 1), and DIR/pw-I-O-H.pt, a 1x1
                                    Conv2d (I -> O channels, H x H input)
  graph_bench.py conv-time DIR THREADS   one line per "dw-C-H-S<TAB>median us" / "pw-I-O-H<TAB>median us" in Python
                                    at batch 1 """
import sys
import time
import warnings

import numpy as np
import torch
from torch import nn

warnings.filterwarnings("ignore")
torch.backends.quantized.engine = "x86"


def mlp(directory):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 4096)).eval()
    torch.jit.script(m).save(f"{directory}/mlp.pt")
    np.save(f"{directory}/mlp.x.npy", torch.randn(128, 4096).numpy())


def median_ms(m, x):
    with torch.no_grad():
        for _ in range(5):
            m(x)
        times = []
        deadline = time.perf_counter() + 2.0
        while len(times) < 10 or (time.perf_counter() < deadline and len(times) < 200):
            t = time.perf_counter()
            m(x)
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]


def timing(directory, threads):
    from torch.ao.quantization import (QConfig, MinMaxObserver, default_dynamic_qconfig,
                                       default_per_channel_weight_observer, quantize_dynamic_jit, quantize_jit)
    torch.set_num_threads(threads)
    for name in ["resnet18.trace", "bert", "mlp"]:
        for batch in (1, 32):
            fp32 = torch.jit.load(f"{directory}/{name}.pt").eval()
            x = torch.from_numpy(np.load(f"{directory}/{name}.x.npy"))[:batch]
            opt = torch.jit.optimize_for_inference(torch.jit.load(f"{directory}/{name}.pt").eval())
            if name.startswith("resnet"):
                calib = torch.load(f"{directory}/{name}.data.pt")["x"][:64]
                qconfig = QConfig(activation=MinMaxObserver.with_args(reduce_range=True),
                                  weight=default_per_channel_weight_observer)

                def calibrate(model, data):
                    with torch.no_grad():
                        for i in range(0, data.shape[0], 16):
                            model(data[i:i + 16])

                int8 = quantize_jit(torch.jit.load(f"{directory}/{name}.pt").eval(), {"": qconfig}, calibrate, [calib])
            else:
                int8 = quantize_dynamic_jit(torch.jit.load(f"{directory}/{name}.pt").eval(), {"": default_dynamic_qconfig})
            for variant, m in (("fp32", fp32), ("fp32 optimized", opt), ("int8", int8)):
                print(f"{name}|{batch}|{variant}\t{median_ms(m, x):.4f}", flush=True)


OP_REPEATS = 20


class _Repeated(nn.Module):
    """Repeats its op OP_REPEATS times; a TorchScript constant, so the loop compiles as with a literal."""
    __constants__ = ["repeats"]

    def __init__(self):
        super().__init__()
        self.repeats = OP_REPEATS


class _LayerNorm(_Repeated):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(128)

    def forward(self, x):
        for _ in range(self.repeats):
            x = self.norm(x)
        return x


class _Linear(_Repeated):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(128, 128)

    def forward(self, x):
        for _ in range(self.repeats):
            x = self.fc(x)
        return x


class _Add(_Repeated):
    def forward(self, x):
        y = x
        for _ in range(self.repeats):
            y = y + x
        return y


class _Attention(_Repeated):
    def forward(self, x):
        q = x.view(1, 64, 4, 32).transpose(1, 2)
        y = q
        for _ in range(self.repeats):
            y = torch.nn.functional.scaled_dot_product_attention(y, q, q)
        return y


class _View(_Repeated):
    def forward(self, x):
        for _ in range(self.repeats):
            x = x.view(1, 64, 4, 32).transpose(1, 2)
            x = x.transpose(1, 2).reshape(1, 64, 128)
        return x


OPS = {"layer_norm": _LayerNorm, "linear_64x128x128": _Linear, "add": _Add, "sdpa_4x64x32": _Attention,
       "view_transpose_reshape": _View}


def ops(directory):
    torch.manual_seed(0)
    for name, cls in OPS.items():
        torch.jit.script(cls().eval()).save(f"{directory}/op-{name}.pt")


def ops_time(directory, threads):
    torch.set_num_threads(threads)
    x = torch.randn(1, 64, 128)
    for name in OPS:
        m = torch.jit.load(f"{directory}/op-{name}.pt").eval()
        print(f"{name}\t{median_ms(m, x) * 1e3 / OP_REPEATS:.3f}", flush=True)


# MobileNetV2's convolutions at 224 x 224, each also with half its channels (what channel pruning at 0.5 leaves):
# 3x3 depthwise (channels, input side, stride, count) and 1x1 (in, out, input side, count).
DEPTHWISE = [(32, 112, 1, 1), (96, 112, 2, 1), (144, 56, 1, 1), (144, 56, 2, 1), (192, 28, 1, 2), (192, 28, 2, 1),
             (384, 14, 1, 4), (576, 14, 1, 2), (576, 14, 2, 1), (960, 7, 1, 3)]
POINTWISE = [(32, 16, 112, 1), (16, 96, 112, 1), (96, 24, 56, 1), (24, 144, 56, 2), (144, 24, 56, 1), (144, 32, 28, 1),
             (32, 192, 28, 3), (192, 32, 28, 2), (192, 64, 14, 1), (64, 384, 14, 4), (384, 64, 14, 3), (384, 96, 14, 1),
             (96, 576, 14, 3), (576, 96, 14, 2), (576, 160, 7, 1), (160, 960, 7, 3), (960, 160, 7, 2), (960, 320, 7, 1),
             (320, 1280, 7, 1)]


def conv_layers():
    """(file name, module, input shape) per benchmarked convolution, dense and with half its channels."""
    out = []
    for c, h, s, _ in DEPTHWISE:
        for k in (c, c // 2):
            out.append((f"dw-{k}-{h}-{s}", nn.Conv2d(k, k, 3, s, 1, groups=k), (1, k, h, h)))
    for i, o, h, _ in POINTWISE:
        for a, b in ((i, o), (i // 2, o // 2)):
            out.append((f"pw-{a}-{b}-{h}", nn.Conv2d(a, b, 1), (1, a, h, h)))
    return out


def conv(directory):
    torch.manual_seed(0)
    for name, m, _ in conv_layers():
        torch.jit.script(m.eval()).save(f"{directory}/{name}.pt")


def conv_time(directory, threads):
    torch.set_num_threads(threads)
    for name, _, shape in conv_layers():
        m = torch.jit.load(f"{directory}/{name}.pt").eval()
        print(f"{name}\t{median_ms(m, torch.randn(*shape)) * 1e3:.2f}", flush=True)


def fp32(directory, threads):
    torch.set_num_threads(threads)
    m = torch.jit.load(f"{directory}/mlp.pt").eval()
    x = torch.from_numpy(np.load(f"{directory}/mlp.x.npy"))
    for batch in (1, 16, 128):
        print(f"mlp|{batch}|python\t{median_ms(m, x[:batch].contiguous()):.4f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "mlp":
        mlp(sys.argv[2])
    elif sys.argv[1] == "fp32":
        fp32(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "time":
        timing(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "ops":
        ops(sys.argv[2])
    elif sys.argv[1] == "ops-time":
        ops_time(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "conv":
        conv(sys.argv[2])
    elif sys.argv[1] == "conv-time":
        conv_time(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
