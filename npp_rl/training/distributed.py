"""torchrun support: process-group setup, per-minibatch gradient all-reduce, cross-rank gathers.

Launch with ``torchrun --nproc-per-node N -m npp_rl.cli train ...`` (or ``.venv/bin/torchrun ...
$(which npp-rl) train ...``); multi-node is the same command with ``--nnodes M --node-rank R
--rdzv-backend c10d --rdzv-endpoint HOST:PORT``. A plain ``npp-rl train`` is world size 1.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device: str = "cpu") -> DistInfo:
    """Join the torchrun process group (gloo on CPU, NCCL on GPU); world size 1 without torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") and dist.is_nccl_available() else "gloo"
        backend = os.environ.get("NPP_RL_DIST_BACKEND") or backend  # --distributed-backend of train-and-compare
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend=backend)
    return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def current() -> DistInfo:
    if dist.is_available() and dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))
    return DistInfo()


def allreduce_gradients(params: list[torch.nn.Parameter], max_grad_norm: float | None) -> None:
    """Average gradients of ``params`` over ranks in one flat all-reduce, then clip the global norm.

    Parameters without a gradient on this rank count as zeros (and get a zero gradient), so every
    rank applies exactly the same update. Clipping after the average matches single-process PPO
    with a ``world_size`` times larger minibatch (the same as DDP).
    """
    world = dist.get_world_size()
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads]).float()
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat.div_(world)
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset: offset + n].view_as(p).to(p.dtype)
        offset += n
    if max_grad_norm is not None and math.isfinite(max_grad_norm):
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)


def gather_objects(obj) -> list:
    """``all_gather_object`` when distributed, else ``[obj]``."""
    info = current()
    if not info.enabled:
        return [obj]
    out = [None] * info.world_size
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(obj, src: int = 0):
    info = current()
    if not info.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def barrier() -> None:
    if current().enabled:
        dist.barrier()
