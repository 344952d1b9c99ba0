"""Python peer of QuantizationBenchmark: median and minimum latencies (ms) of 2 x Linear 4096x4096 in fp32 and
dynamic int8 at batch 1/16/128, and of SimpleModel fp32 and static int8 at batch 64.
quant_bench.py --threads N; prints one JSON line per figure."""
import argparse
import json
import time
import warnings

import torch
from torch import nn
from torch.ao.quantization import DeQuantStub, QuantStub, convert, get_default_qconfig, prepare

warnings.filterwarnings("ignore")
p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--runs", type=float, default=1.0)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
RUNS = {1: 200, 16: 100, 128: 30, 64: 60}
FP32_RUNS = {1: 20, 16: 20, 128: 10, 64: 30}  # as the Java side


def median_ms(f, x, runs):
    with torch.no_grad():
        for _ in range(10):
            f(x)
        ts = []
        for _ in range(max(5, int(runs * a.runs))):
            t0 = time.perf_counter_ns()
            f(x)
            ts.append((time.perf_counter_ns() - t0) / 1e6)
    ts.sort()
    return ts[len(ts) // 2], ts[0]


def emit(what, batch, ms):
    print(json.dumps({"what": what, "batch": batch, "ms": ms[0], "min": ms[1]}), flush=True)


linear = nn.Sequential(nn.Linear(4096, 4096), nn.Linear(4096, 4096)).eval()
q = torch.ao.quantization.quantize_dynamic(linear, {nn.Linear}, dtype=torch.qint8)
for batch in (1, 16, 128):
    x = torch.randn(batch, 4096)
    emit("linear_fp32", batch, median_ms(linear, x, FP32_RUNS[batch]))
    emit("linear_dynamic_int8", batch, median_ms(q, x, RUNS[batch]))


class Simple(nn.Module):  # dev.torchslim.model.SimpleModel, with stubs at the int8 edges
    def __init__(self):
        super().__init__()
        self.quant, self.dequant = QuantStub(), DeQuantStub()
        self.body = nn.Sequential(nn.Conv2d(1, 10, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(10, 20, 5),
                                  nn.Dropout2d(0.5), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(320, 50),
                                  nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10))

    def forward(self, x):
        return torch.log_softmax(self.dequant(self.body(self.quant(x))), 1)


model = Simple().eval()
x = torch.randn(64, 1, 28, 28)
emit("simple_fp32", 64, median_ms(model, x, FP32_RUNS[64]))
model = torch.ao.quantization.fuse_modules(model, [["body.8", "body.9"]])
model.qconfig = get_default_qconfig("x86")
prepare(model, inplace=True)
with torch.no_grad():
    for _ in range(8):
        model(torch.randn(64, 1, 28, 28))
convert(model, inplace=True)
emit("simple_static_int8", 64, median_ms(model, x, RUNS[64]))
