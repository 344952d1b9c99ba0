"""Randomized SVD (the algorithm of native/src/lowrank/svd.cpp, in Python torch): Frobenius error over the
optimal truncation and time, for power iterations q and oversampling p, on seeded Gaussian matrices
(flat spectrum, the hard case). usage: python rsvd_sweep.py"""
import torch, time
torch.set_num_threads(2)
def rsvd(a, r, q, p, seed=0):
    g = torch.Generator().manual_seed(seed)
    om = torch.randn(a.shape[1], r + p, generator=g)
    Q = torch.linalg.qr(a @ om).Q
    for _ in range(q):
        Z = torch.linalg.qr(a.T @ Q).Q
        Q = torch.linalg.qr(a @ Z).Q
    ub, s, vh = torch.linalg.svd(Q.T @ a, full_matrices=False)
    return Q @ ub[:, :r], s[:r], vh[:r]
for (m, n, r) in [(700, 600, 50), (4096, 4096, 512)]:
    a = torch.randn(m, n, generator=torch.Generator().manual_seed(1))
    s = torch.linalg.svdvals(a)
    opt = s[r:].pow(2).sum().sqrt()
    for q, p in [(2, 10), (3, 10), (2, 50), (4, 10), (2, r // 2 if r > 100 else 25)]:
        t = time.time(); u, ss, vh = rsvd(a, r, q, p); dt = time.time() - t
        err = torch.linalg.norm(a - (u * ss) @ vh)
        print(m, r, q, p, round((err / opt).item(), 5), round(dt, 2), flush=True)
