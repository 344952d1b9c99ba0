"""The demo CNN for sensitivity-based channel pruning (torch 2.13): the demo's trained baseline
(SimpleModel, a LibTorch archive in target/demo-cache) as a TorchScript file, calibration data,
and the test accuracy/loss of pruned files.

usage: python channel_sensitivity_demo.py make BASELINE DIR [--rows 2000]
         writes DIR/simple.pt (scripted SimpleModel, eval) and DIR/calib.pt ({'x','y'}: the first
         --rows Fashion-MNIST training rows)
       python channel_sensitivity_demo.py eval FILE [FILE...]
         one JSON line per file: parameters, test accuracy and mean NLL on the 10,000 test rows
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from simple_model_train import SimpleModel, load  # noqa: E402

DATA = os.environ.get("TORCHSLIM_DATA", "/usr/share/datasets/fashion-mnist")


def make(baseline, directory, rows):
    archive = torch.jit.load(baseline)
    m = SimpleModel()
    m.load_state_dict({n: p for n, p in archive.named_parameters()})
    m.eval()
    os.makedirs(directory, exist_ok=True)
    torch.jit.script(m).save(os.path.join(directory, "simple.pt"))
    x, y = load(DATA, "train")
    torch.save({"x": x[:rows].clone(), "y": y[:rows].clone()}, os.path.join(directory, "calib.pt"))


def evaluate(files):
    x, y = load(DATA, "t10k")
    for f in files:
        m = torch.jit.load(f)
        m.eval()
        with torch.no_grad():
            out = torch.cat([m(x[i:i + 1000]) for i in range(0, x.shape[0], 1000)])
        print(json.dumps({"file": f, "params": sum(p.numel() for p in m.parameters()),
                          "accuracy": (out.argmax(1) == y).float().mean().item() * 100,
                          "nll": F.nll_loss(out, y).item()}), flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["make", "eval"])
    p.add_argument("args", nargs="+")
    p.add_argument("--rows", type=int, default=2000)
    a = p.parse_args()
    if a.cmd == "make":
        make(a.args[0], a.args[1], a.rows)
    else:
        evaluate(a.args)
