"""Where static int8 loses a model's top-1: Python's quantize_jit with chosen modules kept in float (qconfig None).

  int8_keep_float.py REF DATA EVAL CONFIG...
        REF a TorchScript classifier (trained_models.py), DATA its calibration rows ({'x'}, batches of 16), EVAL the
        held-out rows ({'x', 'y'}). Per CONFIG one JSON line: top-1 retention against REF and int8 accuracy on EVAL.
        CONFIG: 'all' (everything int8), comma-separated module paths to keep in float, or 'se' (every
        SqueezeExcitation module); a prefix 'hist:' uses the Histogram activation observer instead of MinMax
        (both with reduce_range, per-channel weights: trained_models.py python-int8's qconfig).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trained_models as tm  # noqa: E402  (imports real_models: the x86 engine, the torchvision stub)
from torch.ao.quantization import (QConfig, HistogramObserver, MinMaxObserver,  # noqa: E402
                                   default_per_channel_weight_observer, quantize_jit)


def main(ref_file, data_file, eval_file, configs):
    d = torch.load(eval_file)
    x, y = d["x"], d["y"]
    ref = torch.jit.load(ref_file).eval()
    want = tm.logits(ref, x)
    calib = torch.load(data_file)["x"]
    se = [n for n, m in ref.named_modules() if m.original_name == "SqueezeExcitation"]
    print(json.dumps({"fp32_accuracy": float((want.argmax(1) == y).float().mean())}), flush=True)
    for config in configs:
        t0 = time.time()
        hist = config.startswith("hist:")
        spec = config[5:] if hist else config
        keep = [] if spec == "all" else se if spec == "se" else spec.split(",")
        act = HistogramObserver if hist else MinMaxObserver
        qconfig_dict = {"": QConfig(activation=act.with_args(reduce_range=True),
                                    weight=default_per_channel_weight_observer)}
        qconfig_dict.update({k: None for k in keep})

        def calibrate(m, data):
            with torch.no_grad():
                for i in range(0, data.shape[0], 16):
                    m(data[i:i + 16])

        q = quantize_jit(torch.jit.load(ref_file).eval(), qconfig_dict, calibrate, [calib])
        got = tm.logits(q, x)
        print(json.dumps({"config": config, "float_modules": len(keep),
                          "retention": round(float((got.argmax(1) == want.argmax(1)).float().mean()), 3),
                          "int8_accuracy": round(float((got.argmax(1) == y).float().mean()), 3),
                          "seconds": round(time.time() - t0, 1)}), flush=True)


if __name__ == "__main__":
    torch.set_num_threads(tm.THREADS)
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
