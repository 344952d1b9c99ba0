"""Which single activation tensor's int8 rounding costs a trained CNN its top-1 agreement with fp32.

  int8_tensor_sensitivity.py NAME REF.pt DATA.pt EVAL.pt [LEVELS]

NAME is a torchvision CNN of trained_models.py (resnet18, mobilenet_v2, efficientnet_b0, shufflenet_v2); REF.pt its
TorchScript file (the eager model is rebuilt and given REF's state dict); DATA.pt the calibration rows and EVAL.pt the
held-out rows ({'x', 'y'}). Each BatchNorm (= a folded conv's output), SiLU, Sigmoid, squeeze-excitation, MBConv and
Linear output is rounded alone, per tensor, to LEVELS steps (127: quint8 with reduce_range, the x86 engine's activations;
255 for onednn/qnnpack) over its min/max on the calibration rows; prints the 25 with the lowest agreement on the
held-out rows, worst first."""
import sys

import torch
from torch import nn

import trained_models

torch.set_num_threads(1)


def main(name, ref_file, data_file, eval_file, levels=127):
    ts = torch.jit.load(ref_file)
    m = trained_models.cnn(name)
    m.load_state_dict(ts.state_dict(), strict=True)
    m.eval()
    calib = torch.load(data_file)["x"]
    held = torch.load(eval_file)["x"]
    with torch.no_grad():
        ref = m(held)
    kinds = (nn.BatchNorm2d, nn.SiLU, nn.Sigmoid, nn.Linear, nn.ReLU, nn.ReLU6)
    targets = [(n, mod) for n, mod in m.named_modules()
               if isinstance(mod, kinds) or type(mod).__name__ in ("SqueezeExcitation", "MBConv", "InvertedResidual", "BasicBlock")]
    ranges = {}

    def record(name):
        def hook(mod, inputs, out):
            lo, hi = float(out.min()), float(out.max())
            a, b = ranges.get(name, (lo, hi))
            ranges[name] = (min(a, lo), max(b, hi))
        return hook

    hooks = [mod.register_forward_hook(record(n)) for n, mod in targets]
    with torch.no_grad():
        for i in range(0, calib.shape[0], 16):
            m(calib[i:i + 16])
    for h in hooks:
        h.remove()

    def step(lo, hi):  # the grid covers 0, as quantized tensors' ranges do
        return (max(hi, 0.0) - min(lo, 0.0)) / levels

    def rounded(t, lo, hi):
        scale = step(lo, hi)
        zero = round(-min(lo, 0.0) / scale)
        return (torch.clamp(torch.round(t / scale) + zero, 0, levels) - zero) * scale

    rows = []
    for n, mod in targets:
        if n not in ranges:
            continue
        lo, hi = ranges[n]
        h = mod.register_forward_hook(lambda mod, i, o, lo=lo, hi=hi: rounded(o, lo, hi))
        with torch.no_grad():
            got = m(held)
        h.remove()
        rows.append((float((got.argmax(1) == ref.argmax(1)).float().mean()), n, type(mod).__name__, lo, hi))
    rows.sort()
    print("| agreement | tensor | module | calibration range | one step |")
    print("|---|---|---|---|---|")
    for r, n, kind, lo, hi in rows[:25]:
        print(f"| {r:.3f} | `{n}` | {kind} | {lo:.2f} … {hi:.2f} | {step(lo, hi):.3f} |")


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) < 4:
        sys.exit(__doc__)
    main(a[0], a[1], a[2], a[3], int(a[4]) if len(a) > 4 else 127)
