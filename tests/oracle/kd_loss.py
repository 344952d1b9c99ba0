"""Python's logit distillation loss, the reference of TorchSlim's native KD loss.

  kd_loss.py STUDENT.npy TEACHER.npy TARGET.npy T ALPHA GRAD_OUT.npy
prints {"loss": ...} for F.kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean')*T*T*alpha
+ (1-alpha)*F.cross_entropy(s, y) in float64 and writes d loss / d s to GRAD_OUT.npy."""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main(student, teacher, target, temperature, alpha, grad_out):
    s = torch.from_numpy(np.load(student)).double().requires_grad_()
    t = torch.from_numpy(np.load(teacher)).double()
    y = torch.from_numpy(np.load(target)).long()
    T, a = float(temperature), float(alpha)
    loss = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean") * T * T * a \
        + (1 - a) * F.cross_entropy(s, y)
    loss.backward()
    np.save(grad_out, s.grad.float().numpy())
    print(json.dumps({"loss": loss.item()}))


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    main(*sys.argv[1:])
