"""Why channel pruning's batch-1 speed-up falls short on some models: per-op measurements in Python (torch 2.13).

  channel_prune_profile.py classes DENSE PRUNED C,H,W THREADS
        profiler self time per op class (depthwise conv, other conv, batch norm, activation, the rest), batch 1,
        the fastest of 9 profiled runs per op and input shape, dense vs pruned
  channel_prune_profile.py ops DENSE PRUNED (C,H,W | X.npy) THREADS
        profiler self time per op (the fastest of 9 profiled runs), batch 1, dense vs pruned, with call counts
  channel_prune_profile.py depthwise
        MobileNetV2's depthwise 3x3 convs (96x96 input, batch 1) at their dense and halved channel counts:
        thread CPU time (time.thread_time_ns, so other processes' load does not count), 1 thread, fastest of 300
  channel_prune_profile.py align
        1x1 / depthwise convs at channel counts that are and are not multiples of 8 (same measure)
  channel_prune_profile.py cpu DENSE PRUNED (C,H,W | X.npy) [ofi]
        the whole models' thread CPU time at batch 1, 1 thread, fastest of 25 interleaved runs; with ofi also both
        after torch.jit.freeze + optimize_for_inference (BN folded, oneDNN weights prepacked)
"""
import collections
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd import profiler


def cpu_us(f, n=300):
    for _ in range(10):
        f()
    best = 1 << 62
    for _ in range(n):
        t0 = time.thread_time_ns()
        f()
        best = min(best, time.thread_time_ns() - t0)
    return best / 1e3


def example(spec, batch=1):
    if spec.endswith(".npy"):
        t = torch.from_numpy(np.load(spec))
        return t.repeat((batch + t.shape[0] - 1) // t.shape[0], *([1] * (t.dim() - 1)))[:batch]
    return torch.randn([batch] + [int(s) for s in spec.split(",")])


def op_classes(path, x):
    m = torch.jit.load(path).eval()
    best = {}
    with torch.no_grad():
        for _ in range(5):
            m(x)
        for _ in range(9):
            with profiler.profile(record_shapes=True) as p:
                m(x)
            for e in p.key_averages(group_by_input_shape=True):
                k = (e.key, str(e.input_shapes))
                t = e.self_cpu_time_total / e.count
                if k not in best or t < best[k][0]:
                    best[k] = (t, e.count, e.input_shapes)
    c = collections.Counter()
    for (key, _), (t, n, shapes) in best.items():
        if key in ("aten::mkldnn_convolution", "aten::_slow_conv2d_forward"):
            w = shapes[1] if len(shapes) > 1 else []
            cls = "conv depthwise" if len(w) == 4 and w[1] == 1 and w[0] > 1 else "conv other"
        elif key == "aten::native_batch_norm":
            cls = "batch norm"
        elif key in ("aten::clamp", "aten::silu_", "aten::sigmoid", "aten::hardtanh_", "aten::hardtanh", "aten::relu_"):
            cls = "activation"
        else:
            cls = "the rest (dispatch, add, mul, pool, linear)"
        c[cls] += t * n
    return c


def classes(dense, pruned, shape, threads):
    torch.set_num_threads(int(threads))
    x = example(shape)
    d, q = op_classes(dense, x), op_classes(pruned, x)
    print("| op class | dense us | pruned us | dense / pruned |\n|---|---|---|---|")
    for k in sorted(set(d) | set(q), key=lambda k: -d[k]):
        print("| %s | %.0f | %.0f | %.2fx |" % (k, d[k], q[k], d[k] / max(q[k], 1)))
    print("| total | %.0f | %.0f | %.2fx |" % (sum(d.values()), sum(q.values()), sum(d.values()) / sum(q.values())))


def ops(dense, pruned, spec, threads):
    torch.set_num_threads(int(threads))
    x = example(spec)
    best, calls = [{}, {}], [{}, {}]
    ms = [torch.jit.load(p).eval() for p in (dense, pruned)]
    with torch.no_grad():
        for m in ms:
            for _ in range(5):
                m(x)
        for _ in range(9):
            for i, m in enumerate(ms):
                with profiler.profile() as p:
                    m(x)
                for e in p.key_averages():
                    best[i][e.key] = min(best[i].get(e.key, float("inf")), e.self_cpu_time_total)
                    calls[i][e.key] = e.count
    print("| op | dense us | calls | pruned us | calls |\n|---|---|---|---|---|")
    for k in sorted(set(best[0]) | set(best[1]), key=lambda k: -max(best[0].get(k, 0), best[1].get(k, 0))):
        d, q = best[0].get(k, 0), best[1].get(k, 0)
        if max(d, q) >= 10:
            print("| %s | %.0f | %s | %.0f | %s |" % (k, d, calls[0].get(k, 0), q, calls[1].get(k, 0)))
    print("| sum | %.0f | | %.0f | |" % (sum(best[0].values()), sum(best[1].values())))


def depthwise():
    torch.set_num_threads(1)
    # (dense channels, spatial size, stride, count in MobileNetV2 at 96x96)
    shapes = [(32, 48, 1, 1), (96, 48, 2, 1), (144, 24, 1, 1), (144, 24, 2, 1), (192, 12, 1, 2), (192, 12, 2, 1),
              (384, 6, 1, 4), (576, 6, 1, 2), (576, 6, 2, 1), (960, 3, 1, 3)]
    total = [0.0, 0.0]
    print("| depthwise 3x3 | count | dense us | pruned us | dense / pruned |\n|---|---|---|---|---|")
    with torch.no_grad():
        for c, s, stride, n in shapes:
            r = []
            for ch in (c, c // 2):
                x, w = torch.randn(1, ch, s, s), torch.randn(ch, 1, 3, 3)
                r.append(cpu_us(lambda: F.conv2d(x, w, None, stride, 1, 1, ch)))
            total[0] += r[0] * n
            total[1] += r[1] * n
            print("| %d -> %d ch at %dx%d, stride %d | %d | %.1f | %.1f | %.2fx |" % (c, c // 2, s, s, stride, n, r[0], r[1],
                                                                                  r[0] / r[1]))
    print("| all 17 | | %.0f | %.0f | %.2fx |" % (total[0], total[1], total[0] / total[1]))


def align():
    torch.set_num_threads(1)
    cases = []
    for c in (12, 16, 24):
        x, w = torch.randn(1, c, 24, 24), torch.randn(6 * c, c, 1, 1)
        cases.append(("1x1 conv %d -> %d at 24x24" % (c, 6 * c), lambda x=x, w=w: F.conv2d(x, w)))
    for c in (72, 80, 96):
        x, w = torch.randn(1, c, 24, 24), torch.randn(c, 1, 3, 3)
        cases.append(("depthwise %d at 24x24" % c, lambda x=x, w=w, c=c: F.conv2d(x, w, None, 1, 1, 1, c)))
    for c in (20, 24, 40):
        x, w = torch.randn(1, 6 * c, 12, 12), torch.randn(c, 6 * c, 1, 1)
        cases.append(("1x1 conv %d -> %d at 12x12" % (6 * c, c), lambda x=x, w=w: F.conv2d(x, w)))
    with torch.no_grad():
        for name, f in cases:
            print("| %s | %.1f us |" % (name, cpu_us(f)))


def cpu(dense, pruned, spec, *flags):
    torch.set_num_threads(1)
    x = example(spec)
    ms = {}
    with torch.no_grad():
        for name, p in (("dense", dense), ("pruned", pruned)):
            ms[name] = torch.jit.load(p).eval()
            if "ofi" in flags:
                ms[name + " ofi"] = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.load(p).eval()))
        best = {k: float("inf") for k in ms}
        for m in ms.values():
            for _ in range(5):
                m(x)
        for _ in range(25):
            for k, m in ms.items():
                t0 = time.thread_time_ns()
                m(x)
                best[k] = min(best[k], (time.thread_time_ns() - t0) / 1e6)
    for suffix in ("", " ofi"):
        if "dense" + suffix in best:
            d, p = best["dense" + suffix], best["pruned" + suffix]
            print("%s: dense %.3f ms, pruned %.3f ms, %.2fx" % (suffix.strip() or "as given", d, p, d / p))


if __name__ == "__main__":
    {"classes": classes, "ops": ops, "depthwise": depthwise, "align": align, "cpu": cpu}[sys.argv[1]](*sys.argv[2:])
