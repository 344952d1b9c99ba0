"""Python's static int8 of the Java model: quant_static.py DIR SPEC PER_CHANNEL ENGINE BATCH.
Eager-mode PTQ with MinMax activation observers (quint8, reduce_range except on qnnpack) and
symmetric qint8 weights, Conv/Linear+ReLU fused, calibrated on DIR/calib.npy in batches of BATCH;
writes DIR/out.npy for DIR/x.npy."""
import sys
import warnings

import numpy as np
import torch
from torch import nn
from torch.ao.quantization import (DeQuantStub, MinMaxObserver, PerChannelMinMaxObserver, QConfig, QuantStub,
                                   convert, fuse_modules, prepare)

import quant_models

warnings.filterwarnings("ignore")
directory, spec, per_channel, engine, batch = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4], int(sys.argv[5])
torch.backends.quantized.engine = engine


class Wrapped(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.quant, self.body, self.dequant = QuantStub(), body, DeQuantStub()

    def forward(self, x):
        return self.dequant(self.body(self.quant(x)))


body = quant_models.load_weights(quant_models.build(spec), directory)
model = Wrapped(body).eval()
kinds = [type(m) for m in body]
pairs = [[f"body.{i}", f"body.{i + 1}"] for i in range(len(kinds) - 1)
         if kinds[i] in (nn.Conv2d, nn.Linear) and kinds[i + 1] is nn.ReLU]
if pairs:
    model = fuse_modules(model, pairs)
weight = (PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric) if per_channel
          else MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric))
model.qconfig = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8, reduce_range=engine != "qnnpack"),
                        weight=weight)
prepare(model, inplace=True)
with torch.no_grad():
    for chunk in quant_models.load(directory, "calib").split(batch):
        model(chunk)
convert(model, inplace=True)
with torch.no_grad():
    out = model(quant_models.load(directory, "x"))
np.save(directory + "/out.npy", out.numpy())
print(model.body)
