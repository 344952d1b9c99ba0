"""Python peer of TorchSlim's data-parallel fine-tuning, for docs/distributed.md.

  ddp_peer.py data FILE ROWS SEED    writes {'x': [ROWS, 8, 16], 'y': [ROWS] in 0..5} (the transformer
                                     oracle model's input shape) to FILE
  torchrun --nproc-per-node N ddp_peer.py train MODEL DATA BATCH EPOCHS [BUCKET_MB=25]
                                     DDP (gloo, buckets of BUCKET_MB) fine-tuning of torch.jit.load(MODEL) with Adam lr 1e-3,
                                     CE, DistributedSampler(seed 0), per-rank batch BATCH // N; rank 0
                                     prints {"train_s": seconds of the training loop, "world": N}
"""
import json
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def data(file, rows, seed):
    g = torch.Generator().manual_seed(int(seed))
    torch.save({"x": torch.randn(int(rows), 8, 16, generator=g), "y": torch.randint(0, 6, (int(rows),), generator=g)}, file)


def train(model_file, data_file, batch, epochs, bucket_mb=25):
    dist.init_process_group("gloo")
    world = dist.get_world_size()
    model = torch.jit.load(model_file)
    model.train()
    ddp = DistributedDataParallel(model, bucket_cap_mb=float(bucket_mb)) if world > 1 else model
    d = torch.load(data_file)
    ds = TensorDataset(d["x"], d["y"])
    sampler = DistributedSampler(ds, seed=0)
    loader = DataLoader(ds, batch_size=int(batch) // world, sampler=sampler)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    dist.barrier()
    t0 = time.perf_counter()
    for e in range(int(epochs)):
        sampler.set_epoch(e)
        for x, y in loader:
            opt.zero_grad()
            F.cross_entropy(ddp(x), y).backward()
            opt.step()
    dist.barrier()
    if dist.get_rank() == 0:
        print(json.dumps({"train_s": time.perf_counter() - t0, "world": world}))
    dist.destroy_process_group()


if __name__ == "__main__":
    {"data": data, "train": train}[sys.argv[1]](*sys.argv[2:])
