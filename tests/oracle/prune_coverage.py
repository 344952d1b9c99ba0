"""Coverage oracle for `torchslim prune` mask methods on real architectures.

usage: prune_coverage.py make DIR NAME...    writes DIR/NAME.pt and DIR/NAME.x.pt (inputs); NAME: resnet (scripted
                                             residual CNN), lstm (scripted), transformer (traced encoder layer),
                                             misc (scripted: Conv1d/3d, ConvTranspose2d, bidirectional GRU, RNN,
                                             LSTMCell, MultiheadAttention with kdim/vdim, a Linear subclass, Bilinear,
                                             Embedding, EmbeddingBag), bert (traced small BERT, real_models.py)
       prune_coverage.py check DIR NAME OUT JSON METHOD AMOUNT N DIM NM_N NM_M EMBEDDING(0|1)
         Independently of TorchSlim, picks the weights a PyTorch user names (isinstance on the eager model that
         holds the file's tensors), prunes them with torch.nn.utils.prune (l1_unstructured, global_unstructured
         over all of them, ln_structured; nm: a stable-argsort N:M reference; random: only zeros, exact count),
         and checks: OUT's covered tensors equal that, every other tensor is bit-identical, the JSON lists exactly
         those weights as pruned (shape, params, nonzero) and every other parameter as left out with a reason,
         and OUT loads and runs. Prints "ok <sparsity> pruned=<n> left=<n>".
"""
import json
import os
import sys
import types
import warnings

warnings.filterwarnings("ignore")
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch
import torch.nn as nn
import torch.nn.utils.prune as prune


class MyLinear(nn.Linear):
    """A user's Linear subclass: TorchScript keeps its attributes, not its base class."""

    def forward(self, x):
        return nn.functional.linear(x, self.weight, self.bias) * 2.0


class Misc(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 8, 3)
        self.c3 = nn.Conv3d(2, 4, 2)
        self.ct = nn.ConvTranspose2d(3, 4, 3)
        self.gru = nn.GRU(8, 8, bidirectional=True, batch_first=True)
        self.rnn = nn.RNN(16, 8, batch_first=True)
        self.cell = nn.LSTMCell(8, 8)
        self.mha = nn.MultiheadAttention(8, 2, kdim=4, vdim=4, batch_first=True)
        self.mine = MyLinear(8, 8)
        self.bil = nn.Bilinear(8, 8, 4)
        self.emb = nn.Embedding(20, 8)
        self.bag = nn.EmbeddingBag(20, 8)
        self.scale = nn.Parameter(torch.ones(3, 3))

    def forward(self, x1, x3, x2, ids):
        a = self.c1(x1).sum() + self.c3(x3).sum() + self.ct(x2).sum() + self.scale.sum()
        e = self.emb(ids)  # (B, T, 8)
        g, _ = self.gru(e)
        r, _ = self.rnn(g)
        h, c = self.cell(r[:, -1])
        k = torch.ones(ids.shape[0], ids.shape[1], 4)
        m, _ = self.mha(r, k, k)
        y = self.mine(m[:, -1] + h) + self.bag(ids).sum()
        return self.bil(y, y) + a


def build(name):
    if name in ("resnet", "lstm", "transformer"):
        import graph_models
        m, shape, _, how = graph_models.build(name)
        x = (torch.randn(2, *shape, generator=torch.Generator().manual_seed(3)),)
        return m, x, how
    torch.manual_seed(5)
    if name == "misc":
        g = torch.Generator().manual_seed(3)
        x = (torch.randn(2, 4, 10, generator=g), torch.randn(2, 2, 4, 4, 4, generator=g),
             torch.randn(2, 3, 5, 5, generator=g), torch.randint(0, 20, (2, 6), generator=g))
        return Misc().eval(), x, "script"
    if name == "bert":
        import real_models
        x = (torch.randint(0, 1000, (2, 16), generator=torch.Generator().manual_seed(3)),)
        return real_models.Bert().eval(), x, "trace"
    raise SystemExit(f"unknown model {name}")


def covered(mod, pname, embeddings):
    if isinstance(mod, nn.modules.conv._ConvNd) or isinstance(mod, (nn.Linear, nn.Bilinear)):
        return pname == "weight"
    if isinstance(mod, nn.RNNBase):
        return pname.startswith("weight_")
    if isinstance(mod, nn.RNNCellBase):
        return pname in ("weight_ih", "weight_hh")
    if isinstance(mod, nn.MultiheadAttention):
        return pname in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight")
    if isinstance(mod, (nn.Embedding, nn.EmbeddingBag)):
        return embeddings and pname == "weight"
    return False


def nm_reference(w, n, m):
    perm = [0] + list(range(2, w.dim())) + [1]
    inverse = [perm.index(i) for i in range(w.dim())]
    a = w.permute(perm).contiguous()
    groups = a.abs().reshape(-1, m)
    order = torch.argsort(groups, dim=1, stable=True)  # ascending; equal magnitudes: lower index pruned first
    mask = torch.ones_like(groups)
    mask.scatter_(1, order[:, : m - n], 0.0)
    return w * mask.reshape(a.shape).permute(inverse)


def make(d, name):
    m, x, how = build(name)
    with torch.no_grad():
        ts = torch.jit.script(m) if how == "script" else torch.jit.trace(m, x, check_trace=False)
    ts.save(f"{d}/{name}.pt")
    torch.save(list(x), f"{d}/{name}.x.pt")
    print("made", name)


def check(d, name, out, json_file, method, amount, n, dim, nm_n, nm_m, embeddings):
    orig = torch.jit.load(f"{d}/{name}.pt")
    pruned = torch.jit.load(out)
    a, b = orig.state_dict(), pruned.state_dict()
    assert a.keys() == b.keys(), (a.keys() ^ b.keys())
    eager, _, _ = build(name)
    # Non-persistent buffers a traced file keeps (BERT's position_ids) are not in the eager state_dict.
    loaded = eager.load_state_dict(a, strict=False)
    assert not loaded.missing_keys, loaded.missing_keys
    targets, left = [], []
    for mname, mod in eager.named_modules():
        for pname, p in mod.named_parameters(recurse=False):
            full = f"{mname}.{pname}" if mname else pname
            ok = p.dim() >= 2 and p.numel() > 0 and covered(mod, pname, embeddings)
            if ok and method == "ln" and dim >= p.dim():
                ok = False
            if ok and method == "nm" and p.shape[1] % nm_m != 0:
                ok = False
            (targets if ok else left).append((full, mod, pname, p))
    assert targets, "nothing to prune"
    expected = {}
    if method == "l1":
        for full, mod, pname, _ in targets:
            prune.l1_unstructured(mod, pname, amount=amount)
    elif method == "l1-global":
        prune.global_unstructured([(mod, pname) for _, mod, pname, _ in targets],
                                  pruning_method=prune.L1Unstructured, amount=amount)
    elif method == "ln":
        for full, mod, pname, _ in targets:
            prune.ln_structured(mod, pname, amount=amount, n=n, dim=dim)
    if method in ("l1", "l1-global", "ln"):
        for full, mod, pname, _ in targets:
            expected[full] = getattr(mod, pname).detach()
    elif method == "nm":
        for full, _, _, p in targets:
            expected[full] = nm_reference(a[full], nm_n, nm_m)
    names = {t[0] for t in targets}
    for k in a:
        if k in names:
            if method == "random":
                changed = a[k] != b[k]
                assert torch.all(b[k][changed] == 0), f"{k}: a weight changed to something other than zero"
                want = round(amount * a[k].numel())
                zeros, before = int((b[k] == 0).sum()), int((a[k] == 0).sum())
                assert want <= zeros <= want + before, f"{k}: {zeros} zeros, expected {want}"
            else:
                assert torch.equal(expected[k], b[k]), f"{k} differs from the torch.nn.utils.prune reference"
        else:
            assert a[k].dtype == b[k].dtype and torch.equal(a[k], b[k]), f"{k} changed but is not a pruned weight"
    report = json.load(open(json_file))
    got = {r["name"]: r for r in report["pruned"]}
    assert set(got) == names, f"pruned per JSON {sorted(got)} != expected {sorted(names)}"
    for k, r in got.items():
        assert r["shape"] == list(b[k].shape) and r["params"] == b[k].numel(), r
        assert r["nonzero"] == int(b[k].count_nonzero()), r
    gone = {r["name"]: r["reason"] for r in report["left_out"]}
    assert set(gone) == {t[0] for t in left}, f"left out per JSON {sorted(gone)} != {sorted(t[0] for t in left)}"
    assert all(gone.values()), "a left-out parameter without a reason"
    x = torch.load(f"{d}/{name}.x.pt")
    with torch.no_grad():
        y = pruned(*x)
        y = y[0] if isinstance(y, tuple) else y
    assert torch.isfinite(y).all()
    total = sum(b[k].numel() for k in names)
    zeros = sum(int((b[k] == 0).sum()) for k in names)
    print(f"ok {zeros / total:.4f} pruned={len(names)} left={len(gone)}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        for model in sys.argv[3:]:
            make(sys.argv[2], model)
    else:
        d, name, out, js, method = sys.argv[2:7]
        amount, n, dim, nm_n, nm_m, emb = sys.argv[7:13]
        check(d, name, out, js, method, float(amount), float(n), int(dim), int(nm_n), int(nm_m), emb == "1")
