"""Trained versions of the real models of real_models.py, so int8's top-1 retention is measured on models whose
logits have margins (random-init ones have almost none; no pretrained weights can be downloaded here).

  trained_models.py train DIR [NAME...] [--budget SECONDS] [--label-smoothing S] [--weight-decay W] [--seed N]
        trains each model (or those named) for SECONDS of wall time (default 150) with Adam (cross-entropy with label
        smoothing S, default 0; torchvision's EfficientNet recipe uses 0.1), or AdamW with decoupled weight decay W
        when W > 0 (default 0), from seed N (default 1: the weights' initialisation; N - 1 shuffles the batches),
        and saves, per model:
        DIR/NAME.script.pt and DIR/NAME.trace.pt (CNNs; the same weights scripted and traced),
        DIR/NAME.pt (bert, lstm: one file; transformer: .pt scripted and .trace.pt traced),
        DIR/NAME.data.pt  {'x', 'y'}: 256 training rows (calibration),
        DIR/NAME.eval.pt  {'x', 'y'}: 1000 held-out rows (Fashion-MNIST's test split, or fresh synthetic rows);
        prints one JSON line per model with its fp32 accuracy on the held-out rows.
  trained_models.py small DIR [--steps N]
        the CI model: a residual CNN (SmallResNet: strided stem, two of graph_models.py's residual blocks) trained N
        (default 300) steps on Fashion-MNIST (3x28x28), scripted: DIR/trained_resnet.pt, .data.pt (256 training rows), .eval.pt (500 test rows),
        .eval.x.npy (the same inputs for Java).
  trained_models.py eval REF OUT EVAL [PY.npy|-] [x86|onednn|qnnpack]
        one JSON line: OUT (a TorchSlim output) loads and runs in Python on the quantized engine given (default x86;
        give the engine OUT was quantized for: a file is packed for the engine of the process that loads it, so an
        onednn file run on x86 runs FBGEMM's kernels on 8-bit activations), its quantized op count, accuracy of REF
        and OUT on EVAL's labels, top-1 agreement of OUT with REF (the retention), and with PY.npy (logits saved by
        python-int8) the largest difference between OUT's logits and Python's int8 model's.
  trained_models.py python-int8 REF DATA EVAL [minmax|histogram] [OUT] [KEEP,FLOAT] [x86|onednn|qnnpack]
        Python's own quantize_jit of REF (activation observer MinMax or Histogram, with reduce_range on the x86
        engine (default) and without it on onednn/qnnpack, as TorchSlim's --engine; per-channel weights, DATA's x in
        batches of 16; the comma-separated module paths KEEP,FLOAT get qconfig None, i.e. stay in float): one JSON
        line with its retention on EVAL; OUT saves its logits (.npy) for eval's PY.npy ('-' for none).

Models: resnet18, mobilenet_v2, efficientnet_b0, shufflenet_v2 (torchvision, weights=None, num_classes=10,
shufflenet_v2_x1_0) on Fashion-MNIST (dataset-fashion-mnist, /usr/share/datasets/fashion-mnist or
$TORCHSLIM_DATA), grayscale repeated to 3 channels and resized to 32x32 (ShuffleNetV2: 64x64); bert (real_models.Bert with a 4-class head), lstm
(real_models.LstmClassifier) and transformer (real_models.Encoder) on a synthetic task: the class is the most
frequent of 4 token ranges (bert) or of 10 prototype vectors (lstm, transformer; each step is one prototype plus
noise); rows with a tie are dropped."""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_models  # noqa: E402  (stubs torchvision._meta_registrations, sets the x86 engine)

DATA = os.environ.get("TORCHSLIM_DATA", "/usr/share/datasets/fashion-mnist")
CNNS = ("resnet18", "mobilenet_v2", "efficientnet_b0", "shufflenet_v2")
SEQUENCE = ("bert", "lstm", "transformer")
N_CALIB, N_EVAL = 256, 1000
# Input side per CNN: 32 gives every model a 1x1 final feature map; ShuffleNetV2 then ends in a quantized
# aten::mean over [2, 3] of a 1x1 quantized conv output, which LibTorch 2.13 refuses ("required rank 4 tensor to use
# channels_last format", in Python's quantize_jit output too), so it is trained at 64 (2x2 final map).
SIZE = {"shufflenet_v2": 64}
# TORCHSLIM_CNN_SIZE="efficientnet_b0=64,resnet18=96" trains those at another side (a larger final feature map).
SIZE.update({k: int(v) for k, v in (kv.split("=") for kv in os.environ.get("TORCHSLIM_CNN_SIZE", "").split(",") if kv)})
# EfficientNet-B0 from scratch learns slowly with the default recipe (Adam 1e-3, stochastic depth 0.2): 0.19 held-out
# accuracy after 92 steps against 0.45 with lr 3e-3 and no stochastic depth (96 steps, 150 s each, side by side, 16:04
# UTC, loaded machine), and 0.67 after 300 s; it is trained with those (the StochasticDepth modules stay in the file,
# with p = 0, so the scripted file keeps their training branch).
LR = {"efficientnet_b0": 3e-3}
# Threads for every sub-command ($TORCHSLIM_TRAIN_THREADS); one by default: on a machine shared with other jobs,
# two OpenMP threads that wait on each other at every op made MobileNetV2's training step 15x slower than one
# thread (13 s against 0.6 s forward, measured 13:14 UTC).
THREADS = int(os.environ.get("TORCHSLIM_TRAIN_THREADS", "1"))


def idx(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.from_numpy(np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape).copy())


def fashion(split, size):
    """Fashion-MNIST split ('train' or 't10k') as float 3 x size x size (normalised, grayscale repeated: an expanded
    view, one copy in memory), labels."""
    x = idx(f"{split}-images-idx3-ubyte.gz").float().div_(255).sub_(0.2860).div_(0.3530).unsqueeze(1)
    y = idx(f"{split}-labels-idx1-ubyte.gz").long()
    if size != 28:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return x.expand(-1, 3, -1, -1), y


def cnn(name):
    import torchvision.models as tv
    ctor = {"resnet18": tv.resnet18, "mobilenet_v2": tv.mobilenet_v2, "efficientnet_b0": tv.efficientnet_b0,
            "shufflenet_v2": tv.shufflenet_v2_x1_0}[name]
    extra = {"stochastic_depth_prob": 0.0} if name == "efficientnet_b0" else {}
    return ctor(weights=None, num_classes=10, **extra)


def most_frequent(g, n, length, classes, p_class):
    """n rows of length symbols in [0, classes): each symbol is the row's drawn class with probability p_class,
    else uniform; the label is the most frequent symbol; rows with a tie are dropped (fewer than n may remain)."""
    drawn = torch.randint(0, classes, (n, 1), generator=g)
    uniform = torch.randint(0, classes, (n, length), generator=g)
    pick = torch.rand(n, length, generator=g) < p_class
    sym = torch.where(pick, drawn.expand(-1, length), uniform)
    counts = F.one_hot(sym, classes).sum(1)
    top = counts.topk(2, 1).values
    keep = top[:, 0] > top[:, 1]
    return sym[keep], counts[keep].argmax(1)


def synthetic(name, g, n):
    if name == "bert":
        sym, y = most_frequent(g, n, 16, 4, 0.2)
        return sym * 250 + torch.randint(0, 250, sym.shape, generator=g), y  # token ids in range sym
    dim, length = (64, 20) if name == "lstm" else (128, 16)
    proto = torch.randn(10, dim, generator=torch.Generator().manual_seed(7))
    sym, y = most_frequent(g, n, length, 10, 0.2)
    return proto[sym] + 0.8 * torch.randn(sym.shape[0], length, dim, generator=g), y


def sequence_model(name):
    if name == "bert":
        m = real_models.Bert()
        m.fc = nn.Linear(128, 4)
        return m
    return real_models.LstmClassifier() if name == "lstm" else real_models.Encoder()


def fit(model, x, y, budget, batch=64, lr=1e-3, seed=0, max_steps=None, label_smoothing=0.0, weight_decay=0.0):
    """Adam at lr (AdamW when weight_decay > 0), cosine-decayed over max_steps steps or, without max_steps, over
    budget seconds of wall time (the shared machine's speed varies too much to fix a step count in advance); returns
    the number of steps."""
    torch.manual_seed(seed)
    model.train()
    if weight_decay > 0:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    order = torch.randperm(x.shape[0])
    step, start, pos = 0, time.time(), 0
    while True:
        done = step / max_steps if max_steps else (time.time() - start) / budget
        if done >= 1:
            break
        for group in opt.param_groups:
            group["lr"] = lr * 0.5 * (1 + np.cos(np.pi * done))
        if pos + batch > x.shape[0]:
            order, pos = torch.randperm(x.shape[0]), 0
        i = order[pos:pos + batch]
        pos += batch
        loss = F.cross_entropy(model(x[i].contiguous()), y[i], label_smoothing=label_smoothing)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 100 == 0 or step == 10:
            print(f"  step {step} loss {loss.item():.3f} {time.time() - start:.0f}s", file=sys.stderr, flush=True)
    model.eval()
    return step


def logits(m, x, batch=200):
    with torch.no_grad():
        outs = [m(x[i:i + batch]) for i in range(0, x.shape[0], batch)]
    outs = [o[0] if isinstance(o, (tuple, list)) else o for o in outs]
    return torch.cat(outs).float()


def train(directory, names, budget, label_smoothing=0.0, weight_decay=0.0, seed=1):
    os.makedirs(directory, exist_ok=True)
    fmnist = None
    for name in names:
        t0 = time.time()
        torch.manual_seed(seed)
        if name in CNNS:
            size = SIZE.get(name, 32)
            if fmnist is None or fmnist[0] != size:
                fmnist = size, fashion("train", size), fashion("t10k", size)
            _, (x, y), (tx, ty) = fmnist
            calib, held = (x[:N_CALIB].contiguous(), y[:N_CALIB]), (tx[:N_EVAL].contiguous(), ty[:N_EVAL])
            m = cnn(name)
        else:
            g = torch.Generator().manual_seed(3)
            x, y = synthetic(name, g, 60000)
            calib = (x[:N_CALIB], y[:N_CALIB])
            tx, ty = synthetic(name, torch.Generator().manual_seed(4), N_EVAL + 200)
            held = (tx[:N_EVAL], ty[:N_EVAL])
            m = sequence_model(name)
        steps = fit(m, x, y, budget, lr=LR.get(name, 1e-3), seed=seed - 1, label_smoothing=label_smoothing,
                    weight_decay=weight_decay)
        with torch.no_grad():
            if name in CNNS:
                files = {"script": torch.jit.script(m), "trace": torch.jit.trace(m, calib[0][:2], check_trace=False)}
            elif name == "transformer":
                files = {"": torch.jit.script(m), "trace": torch.jit.trace(m, calib[0][:2], check_trace=False)}
            elif name == "bert":
                files = {"": torch.jit.trace(m, calib[0][:2], check_trace=False)}
            else:
                files = {"": torch.jit.script(m)}
        for how, ts in files.items():
            ts.save(os.path.join(directory, f"{name}.{how}.pt" if how else f"{name}.pt"))
        torch.save({"x": calib[0], "y": calib[1]}, os.path.join(directory, f"{name}.data.pt"))
        torch.save({"x": held[0], "y": held[1]}, os.path.join(directory, f"{name}.eval.pt"))
        out = logits(m, held[0])
        top2 = out.topk(2, 1).values
        gap = ((top2[:, 0] - top2[:, 1]) / (out.max(1).values - out.min(1).values)).median()
        print(json.dumps({"model": name, "seed": seed, "steps": steps, "label_smoothing": label_smoothing,
                          "weight_decay": weight_decay,
                          "train_s": round(time.time() - t0, 1),
                          "fp32_accuracy": float((out.argmax(1) == held[1]).float().mean()),
                          "median_top1_gap_of_range": float(gap),
                          "logit_range": [round(float(out.min()), 2), round(float(out.max()), 2)]}), flush=True)


class SmallResNet(nn.Module):
    """The CI model: a strided stem and two of graph_models.py's residual blocks (BasicBlock, 32 channels)."""

    def __init__(self):
        super().__init__()
        import graph_models
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layer1 = nn.Sequential(graph_models.BasicBlock(32), graph_models.BasicBlock(32))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.layer1(self.stem(x))), 1))


def small(directory, steps):
    """The CI model (SmallResNet) trained steps steps on Fashion-MNIST 3x28x28."""
    os.makedirs(directory, exist_ok=True)
    x, y = fashion("train", 28)
    tx, ty = fashion("t10k", 28)
    torch.manual_seed(1)
    m = SmallResNet()
    t0 = time.time()
    fit(m, x, y, None, batch=64, lr=3e-3, max_steps=steps)
    print(f"  trained in {time.time() - t0:.1f}s", file=sys.stderr)
    base = os.path.join(directory, "trained_resnet")
    torch.jit.script(m).save(base + ".pt")
    tx, ty = tx[:500].contiguous(), ty[:500]
    torch.save({"x": x[:N_CALIB].contiguous(), "y": y[:N_CALIB]}, base + ".data.pt")
    torch.save({"x": tx, "y": ty}, base + ".eval.pt")
    np.save(base + ".eval.x.npy", tx.numpy())
    print(json.dumps({"fp32_accuracy": float((logits(m, tx).argmax(1) == ty).float().mean())}))


def evaluate(ref_file, out_file, eval_file, compare_file=None, engine="x86"):
    d = torch.load(eval_file)
    x, y = d["x"], d["y"]
    want = logits(torch.jit.load(ref_file).eval(), x)
    result = {"file": out_file, "engine": engine, "loads": False, "runs": False}
    compare_file = None if compare_file == "-" else compare_file
    torch.backends.quantized.engine = engine
    try:
        m = torch.jit.load(out_file)
        result["loads"] = True
        got = logits(m, x)
        result["runs"] = True
        result["quantized_ops"] = real_models.quantized_ops(m)
        result["fp32_accuracy"] = float((want.argmax(1) == y).float().mean())
        result["accuracy"] = float((got.argmax(1) == y).float().mean())
        result["retention"] = float((got.argmax(1) == want.argmax(1)).float().mean())
        result["max_error_of_range"] = float((got - want).abs().max() / (want.max() - want.min()))
        if compare_file:
            result["max_diff_vs_python_int8"] = float((got - torch.from_numpy(np.load(compare_file))).abs().max())
    except Exception as e:  # reported, not raised: the runner tabulates failures
        result["error"] = str(e).splitlines()[0][:200]
    print(json.dumps(result))


def python_int8(ref_file, data_file, eval_file, observer="minmax", out_file=None, keep_float="", engine="x86"):
    from torch.ao.quantization import (QConfig, HistogramObserver, MinMaxObserver,
                                       default_per_channel_weight_observer, quantize_jit)
    d = torch.load(eval_file)
    x, y = d["x"], d["y"]
    ref = torch.jit.load(ref_file).eval()
    want = logits(ref, x)
    result = {"file": ref_file, "observer": observer, "engine": engine,
              "keep_float": [k for k in keep_float.split(",") if k]}
    try:
        torch.backends.quantized.engine = engine
        act = HistogramObserver if observer == "histogram" else MinMaxObserver
        qconfig = QConfig(activation=act.with_args(reduce_range=engine in ("x86", "fbgemm")),
                          weight=default_per_channel_weight_observer)
        calib = torch.load(data_file)["x"]

        def calibrate(m, data):
            with torch.no_grad():
                for i in range(0, data.shape[0], 16):
                    m(data[i:i + 16])

        qconfig_dict = {"": qconfig}
        qconfig_dict.update({k: None for k in result["keep_float"]})
        q = quantize_jit(ref, qconfig_dict, calibrate, [calib])  # inplace=False: ref stays fp32
        got = logits(q, x)
        result["accuracy"] = float((got.argmax(1) == y).float().mean())
        result["retention"] = float((got.argmax(1) == want.argmax(1)).float().mean())
        if out_file and out_file != "-":
            np.save(out_file, got.numpy())
    except Exception as e:
        result["error"] = str(e).splitlines()[0][:200]
    print(json.dumps(result))


def take_option(args, flag, default, cast):
    """The value after flag in args, cast (removing both from args), or default when flag is absent."""
    if flag not in args:
        return default
    i = args.index(flag)
    value = cast(args[i + 1])
    del args[i:i + 2]
    return value


if __name__ == "__main__":
    torch.set_num_threads(THREADS)
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    if args[0] == "train":
        budget = take_option(args, "--budget", 150.0, float)
        smoothing = take_option(args, "--label-smoothing", 0.0, float)
        decay = take_option(args, "--weight-decay", 0.0, float)
        seed = take_option(args, "--seed", 1, int)
        train(args[1], args[2:] or list(CNNS + SEQUENCE), budget, smoothing, decay, seed)
    elif args[0] == "small":
        small(args[1], take_option(args, "--steps", 300, int))
    elif args[0] == "eval":
        evaluate(*args[1:6])
    elif args[0] == "python-int8":
        python_int8(*args[1:8])
    else:
        sys.exit(__doc__)
