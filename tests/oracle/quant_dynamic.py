"""Python's dynamic int8 of the Java model: quant_dynamic.py DIR SPEC PER_CHANNEL ENGINE.
Reads DIR/<param>.npy and DIR/x.npy, writes DIR/out.npy from torch.ao.quantization.quantize_dynamic."""
import sys
import warnings

import numpy as np
import torch
from torch import nn
from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

import quant_models

warnings.filterwarnings("ignore")
directory, spec, per_channel, engine = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
torch.backends.quantized.engine = engine
model = quant_models.load_weights(quant_models.build(spec), directory).eval()
qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
q = torch.ao.quantization.quantize_dynamic(model, {nn.Linear: qconfig}, dtype=torch.qint8)
with torch.no_grad():
    out = q(quant_models.load(directory, "x"))
np.save(directory + "/out.npy", out.numpy())
print(" ".join(type(m).__module__ + "." + type(m).__name__ for m in q))
