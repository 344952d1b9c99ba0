"""The Python peer used to search the demo's distillation settings (torch 2.13): a teacher
(SimpleModel, trained --teacher-epochs, cached in --cache) and a student (SimpleModel's layers at
--student channels, no dropout) trained from scratch and distilled with logit KD plus optional
feature hints (FitNets MSE through a 1x1-conv adapter, or attention transfer), same initial
weights, same epochs, same batch order, Adam lr 1e-3, batch 64. One JSON line per run.

A config is T:alpha[:kind:weight:teacherLayer=studentLayer+...], kind mse or at, e.g.
  1:0.5                      logit KD only
  1:0.5:mse:1:conv2=conv2    plus a FitNets hint on conv2's output
  1:0:at:100:conv1=conv1+conv2=conv2

usage: python hint_demo_peer.py [--epochs 3] [--seed 1] [--teacher-epochs 3] [--student 4,8,16]
                                [--grid CONFIG,CONFIG] [--cache DIR] [--threads 1]
                                [--train-rows N (students see the first N rows; the teacher all)]
                                [--teacher-seed S (default --seed)]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from simple_model_train import SimpleModel, load  # noqa: E402
from kd_demo_peer import accuracy, kd_loss  # noqa: E402


class Student(nn.Module):
    def __init__(self, c1, c2, f):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, kernel_size=5)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=5)
        self.fc1 = nn.Linear(c2 * 16, f)
        self.fc2 = nn.Linear(f, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(x.flatten(1)))
        return F.log_softmax(self.fc2(x), dim=1)


def attention(a):
    return F.normalize(a.pow(2).sum(1).flatten(1), dim=1)


def hint_loss(kind, s, t, adapter):
    if t.dim() == 4 and t.shape[2:] != s.shape[2:]:
        t = F.adaptive_avg_pool2d(t, s.shape[2:])
    if kind == "at":
        return (attention(s) - attention(t)).pow(2).mean()
    return F.mse_loss(adapter(s) if adapter is not None else s, t)


def capture(model, names):
    store = {}
    for n in names:
        getattr(model, n).register_forward_hook(lambda m, i, o, n=n: store.__setitem__(n, o))
    return store


def train(model, x, y, epochs, seed, teacher=None, cfg=None):
    params = list(model.parameters())
    hints, adapters = [], []
    if cfg is not None and cfg["hints"]:
        tstore = capture(teacher, [t for t, _ in cfg["hints"]])
        sstore = capture(model, [s for _, s in cfg["hints"]])
        with torch.no_grad():
            teacher(x[:2])
            model(x[:2])
        for t, s in cfg["hints"]:
            tc, sc = tstore[t].shape[1], sstore[s].shape[1]
            ad = nn.Conv2d(sc, tc, 1) if cfg["kind"] == "mse" and tc != sc else None
            adapters.append(ad)
            if ad is not None:
                params += list(ad.parameters())
        hints = cfg["hints"]
    opt = torch.optim.Adam(params, lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(x.shape[0], generator=g)
        for i in range(0, x.shape[0], 64):
            idx = order[i:i + 64]
            out = model(x[idx])
            if cfg is None:
                loss = F.nll_loss(out, y[idx])
            else:
                with torch.no_grad():
                    tl = teacher(x[idx])
                loss = kd_loss(out, tl, y[idx], cfg["T"], cfg["alpha"])
                for (t, s), ad in zip(hints, adapters):
                    loss = loss + cfg["weight"] * hint_loss(cfg["kind"], sstore[s], tstore[t], ad)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def parse(item):
    p = item.split(":")
    cfg = {"T": float(p[0]), "alpha": float(p[1]), "kind": None, "weight": 0.0, "hints": []}
    if len(p) > 2:
        cfg["kind"], cfg["weight"] = p[2], float(p[3])
        cfg["hints"] = [tuple(h.split("=")) for h in p[4].split("+")]
    return cfg


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--teacher-epochs", type=int, default=3)
    p.add_argument("--student", default="4,8,16")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--grid", default="1:0.5")
    p.add_argument("--cache", default="/tmp")
    p.add_argument("--no-scratch", action="store_true")
    p.add_argument("--teacher-seed", type=int, default=None, help="the teacher's seed (default --seed)")
    p.add_argument("--train-rows", type=int, default=0, help="students train on the first N rows (0: all)")
    p.add_argument("--data", default=os.environ.get("TORCHSLIM_DATA", "/usr/share/datasets/fashion-mnist"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    tseed = a.seed if a.teacher_seed is None else a.teacher_seed
    cached = os.path.join(a.cache, "teacher-e%d-s%d.pt" % (a.teacher_epochs, tseed))
    teacher = SimpleModel()
    if os.path.exists(cached):
        teacher.load_state_dict(torch.load(cached))
    else:
        torch.manual_seed(tseed)
        train(teacher, xtr, ytr, a.teacher_epochs, tseed)
        torch.save(teacher.state_dict(), cached)
    print(json.dumps({"model": "teacher", "epochs": a.teacher_epochs, "accuracy": accuracy(teacher, xte, yte)}), flush=True)
    teacher.eval()
    if a.train_rows:
        xtr, ytr = xtr[:a.train_rows], ytr[:a.train_rows]
    shape = [int(v) for v in a.student.split(",")]
    torch.manual_seed(a.seed + 100)
    init = Student(*shape).state_dict()
    if not a.no_scratch:
        t0 = time.time()
        scratch = Student(*shape)
        scratch.load_state_dict(init)
        train(scratch, xtr, ytr, a.epochs, a.seed)
        print(json.dumps({"model": "scratch", "student": a.student, "seed": a.seed, "epochs": a.epochs,
                          "train_rows": xtr.shape[0], "accuracy": accuracy(scratch, xte, yte), "s": round(time.time() - t0)}), flush=True)
    for item in a.grid.split(","):
        t0 = time.time()
        st = Student(*shape)
        st.load_state_dict(init)
        torch.manual_seed(a.seed)
        train(st, xtr, ytr, a.epochs, a.seed, teacher, parse(item))
        print(json.dumps({"model": "distilled", "config": item, "student": a.student, "seed": a.seed,
                          "teacher_epochs": a.teacher_epochs, "epochs": a.epochs,
                          "train_rows": xtr.shape[0], "accuracy": accuracy(st, xte, yte), "s": round(time.time() - t0)}), flush=True)


if __name__ == "__main__":
    main()
