"""The Python peer of the demo's distillation stages (torch 2.13): the teacher is SimpleModel
trained for --epochs; the student (TinyModel, SimpleModel's layers at 4/8/16 channels) is trained
from scratch and by logit KD, same initial weights, same epochs, same batch order, Adam lr 1e-3,
batch 64. Prints one JSON line per (temperature, alpha) tried and per from-scratch run.

usage: python kd_demo_peer.py [--epochs 3] [--seed 1] [--grid 1:0.5,4:0.9] [--dropout 0|1] [--data DIR]
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


class TinyModel(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
        self.conv2 = nn.Conv2d(4, 8, kernel_size=5)
        self.drop = dropout
        self.fc1 = nn.Linear(128, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = self.conv2(x)
        if self.drop:
            x = F.dropout2d(x, training=self.training)
        x = F.relu(F.max_pool2d(x, 2))
        x = F.relu(self.fc1(x.flatten(1)))
        if self.drop:
            x = F.dropout(x, training=self.training)
        return F.log_softmax(self.fc2(x), dim=1)


def kd_loss(s, t, y, temperature, alpha):
    soft = F.kl_div(F.log_softmax(s / temperature, 1), F.softmax(t / temperature, 1), reduction="batchmean")
    return soft * temperature * temperature * alpha + (1 - alpha) * F.cross_entropy(s, y)


def train(model, x, y, epochs, seed, teacher_logits=None, temperature=1.0, alpha=0.0):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(x.shape[0], generator=g)
        for i in range(0, x.shape[0], 64):
            idx = order[i:i + 64]
            out = model(x[idx])
            loss = F.nll_loss(out, y[idx]) if teacher_logits is None else \
                kd_loss(out, teacher_logits[idx], y[idx], temperature, alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                   for i in range(0, x.shape[0], 1000)) / x.shape[0] * 100


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--grid", default="4:0.9")
    p.add_argument("--dropout", type=int, default=1)
    p.add_argument("--data", default=os.environ.get("TORCHSLIM_DATA", "/usr/share/datasets/fashion-mnist"))
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    torch.manual_seed(a.seed)
    t0 = time.time()
    teacher = train(SimpleModel(), xtr, ytr, a.epochs, a.seed)
    print(json.dumps({"model": "teacher SimpleModel", "accuracy": accuracy(teacher, xte, yte),
                      "seconds": time.time() - t0}), flush=True)
    teacher.eval()
    with torch.no_grad():
        logits = torch.cat([teacher(xtr[i:i + 1000]) for i in range(0, xtr.shape[0], 1000)])
    torch.manual_seed(a.seed + 100)
    init = TinyModel(a.dropout).state_dict()
    params = sum(v.numel() for v in init.values())
    scratch = TinyModel(a.dropout)
    scratch.load_state_dict(init)
    torch.manual_seed(a.seed)
    train(scratch, xtr, ytr, a.epochs, a.seed)
    print(json.dumps({"model": "student from scratch", "params": params, "dropout": a.dropout,
                      "accuracy": accuracy(scratch, xte, yte)}), flush=True)
    for item in a.grid.split(","):
        t, al = (float(v) for v in item.split(":"))
        st = TinyModel(a.dropout)
        st.load_state_dict(init)
        torch.manual_seed(a.seed)
        train(st, xtr, ytr, a.epochs, a.seed, logits, t, al)
        print(json.dumps({"model": "distilled student", "temperature": t, "alpha": al, "dropout": a.dropout,
                          "accuracy": accuracy(st, xte, yte)}), flush=True)


if __name__ == "__main__":
    main()
