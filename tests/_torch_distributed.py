"""Worker of the two-process distributed test (imported by the spawned processes)."""

from __future__ import annotations

import os


def data():
    import numpy as np
    import torch

    rng = np.random.default_rng(21)
    maps = torch.tensor(rng.random((6, 12, 16)))
    refs = torch.tensor(rng.random((6, 12, 16)) ** 2)
    lengths = torch.tensor([3, 5, 0, 4, 2, 6])
    x = torch.tensor(rng.uniform(0, 16, (6, 6)))
    y = torch.tensor(rng.uniform(0, 12, (6, 6)))
    return maps, refs, x, y, lengths


METRICS = ["auc", "nss", "cc", "kld", "sim"]


def worker(rank, world_size, port, out):
    import torch
    import torch.distributed as dist

    from salbench.torch import StreamingScores

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world_size)
    try:
        maps, refs, x, y, lengths = data()
        mine = slice(0, 4) if rank == 0 else slice(4, 6)  # uneven shares
        metric = StreamingScores(METRICS)
        metric.update(maps[mine], x[mine], y[mine], lengths[mine], reference_maps=refs[mine])
        result = metric.compute()  # torchmetrics syncs the states across the group here
        if rank == 0:
            torch.save({k: v.clone() for k, v in result.items()}, out)
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    worker(int(os.environ["RANK"]), 2, int(os.environ["PORT"]), os.environ["OUT"])
