"""Builds the small Sequential models of the quantization parity tests from a spec string shared
with the Java tests ("conv:1:4:3,relu,maxpool:2,flatten,linear:36:5") and loads their weights
from <dir>/<name>.npy (written by the Java side)."""
import os

import numpy as np
import torch
from torch import nn


def build(spec):
    layers = []
    for item in spec.split(","):
        kind, *args = item.split(":")
        a = [int(v) for v in args]
        if kind == "linear":
            layers.append(nn.Linear(a[0], a[1]))
        elif kind == "conv":
            layers.append(nn.Conv2d(a[0], a[1], a[2]))
        elif kind == "relu":
            layers.append(nn.ReLU())
        elif kind == "maxpool":
            layers.append(nn.MaxPool2d(a[0]))
        elif kind == "flatten":
            layers.append(nn.Flatten())
        else:
            raise ValueError("unknown layer " + kind)
    return nn.Sequential(*layers)


def load(directory, name):
    return torch.from_numpy(np.load(os.path.join(directory, name + ".npy")))


def load_weights(model, directory, prefix=""):
    state = {k: load(directory, k[len(prefix):]) for k in model.state_dict()}
    model.load_state_dict(state)
    return model
