"""Real model files of every kind a user may hand to TorchSlim, for the file-diagnosis tests.

usage: model_files.py DIR    writes into DIR: scripted.pt (torch.jit.script), traced.pt
       (torch.jit.trace), state_dict.pt and module.pt (torch.save), legacy.pt (torch.save with the
       pre-1.6 pickle format), exported.pt2 (torch.export.save); prints "made <names>"
"""
import sys

import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.fc = nn.Linear(4 * 6 * 6, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


d = sys.argv[1]
torch.manual_seed(0)
net = Net().eval()
x = torch.randn(1, 1, 8, 8)
made = []
torch.jit.script(net).save(f"{d}/scripted.pt"); made.append("scripted.pt")
torch.jit.trace(net, x).save(f"{d}/traced.pt"); made.append("traced.pt")
torch.save(net.state_dict(), f"{d}/state_dict.pt"); made.append("state_dict.pt")
torch.save(net, f"{d}/module.pt"); made.append("module.pt")
torch.save(net.state_dict(), f"{d}/legacy.pt", _use_new_zipfile_serialization=False); made.append("legacy.pt")
torch.export.save(torch.export.export(net, (x,)), f"{d}/exported.pt2"); made.append("exported.pt2")
print("made " + " ".join(made))
