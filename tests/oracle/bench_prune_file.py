"""Python peer of `./torchslim prune --method l1-global` on a large TorchScript file.

usage: bench_prune_file.py make PATH [LAYERS] [WIDTH]   torch.jit.script(Sequential of LAYERS x Linear(WIDTH, WIDTH))
                                                         .save(PATH); default 3 x 4096 (50.3M parameters, 201 MB)
       bench_prune_file.py run IN OUT AMOUNT            what a Python user does with that file: torch.jit.load,
         the weights into an eager copy, prune.global_unstructured (L1) over every Linear weight, prune.remove,
         torch.jit.script(...).save(OUT). Prints the phase times (ms) on one line.
"""
import sys
import time

t_start = time.perf_counter()
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.utils.prune as prune  # noqa: E402

t_import = time.perf_counter()


def net(layers, width):
    return nn.Sequential(*[nn.Linear(width, width) for _ in range(layers)])


if sys.argv[1] == "make":
    layers = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    width = int(sys.argv[4]) if len(sys.argv) > 4 else 4096
    torch.manual_seed(0)
    m = net(layers, width).eval()
    torch.jit.script(m).save(sys.argv[2])
    print("params", sum(p.numel() for p in m.parameters()))
    sys.exit(0)

src, out, amount = sys.argv[2], sys.argv[3], float(sys.argv[4])
t0 = time.perf_counter()
ts = torch.jit.load(src)
sd = ts.state_dict()
layers = len([k for k in sd if k.endswith(".weight")])
width = sd["0.weight"].shape[0]
with torch.device("meta"):
    m = net(layers, width)
m.load_state_dict(sd, assign=True)
t1 = time.perf_counter()
prune.global_unstructured([(l, "weight") for l in m], pruning_method=prune.L1Unstructured, amount=amount)
for l in m:
    prune.remove(l, "weight")
t2 = time.perf_counter()
torch.jit.script(m).save(out)
t3 = time.perf_counter()
print(f"python ms: import torch {1e3 * (t_import - t_start):.0f}, load {1e3 * (t1 - t0):.0f}, "
      f"prune+remove {1e3 * (t2 - t1):.0f}, save {1e3 * (t3 - t2):.0f}")
