"""torchrun support: process-group setup, per-minibatch gradient all-reduce, cross-rank gathers.

Launch with ``torchrun --nproc-per-node N -m npp_rl.cli train ...`` (or ``.venv/bin/torchrun ...
$(which npp-rl) train ...``); multi-node is the same command with ``--nnodes M --node-rank R
--rdzv-backend c10d --rdzv-endpoint HOST:PORT``. A plain ``npp-rl train`` is world size 1.
"""

from __future__ import annotations

import contextlib
import datetime
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


#: Seconds a collective waits for the other ranks before failing (``NPP_RL_DIST_TIMEOUT_S`` overrides).
#: Rank 0 alone uploads checkpoints and evaluates between collectives, so leave it minutes.
DEFAULT_TIMEOUT_S = 600.0


class CollectiveError(RuntimeError):
    """Ranks disagreed on, or did not all reach, a collective; the message names rank and step."""


_TIMEOUT: dict[str, float] = {}


def timeout_s(explicit: float | None = None) -> float:
    """The collective timeout: ``explicit``, else the one the process group was made with, else
    ``NPP_RL_DIST_TIMEOUT_S``, else :data:`DEFAULT_TIMEOUT_S`."""
    if explicit:
        return float(explicit)
    return _TIMEOUT.get("s") or float(os.environ.get("NPP_RL_DIST_TIMEOUT_S") or DEFAULT_TIMEOUT_S)


def init_distributed(device: str = "cpu", timeout: float | None = None) -> DistInfo:
    """Join the torchrun process group (gloo on CPU, NCCL on GPU) with a collective timeout, so that
    ranks that stop meeting each other fail with a :class:`CollectiveError` instead of hanging;
    world size 1 without torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    if not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") and dist.is_nccl_available() else "gloo"
        backend = os.environ.get("NPP_RL_DIST_BACKEND") or backend  # --distributed-backend of train-and-compare
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        _TIMEOUT["s"] = timeout_s(timeout)
        dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=_TIMEOUT["s"]))
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
    with collective("gradient all-reduce"):
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat.div_(world)
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset: offset + n].view_as(p).to(p.dtype)
        offset += n
    if max_grad_norm is not None and math.isfinite(max_grad_norm):
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)


@contextlib.contextmanager
def collective(what: str, step: int | None = None):
    """Name a collective: a timeout or a broken peer inside it becomes a :class:`CollectiveError`
    saying which rank, at which global step, waited in what."""
    try:
        yield
    except CollectiveError:
        raise
    except (RuntimeError, dist.DistBackendError) as e:
        info = current()
        at = f" at global step {step}" if step is not None else ""
        raise CollectiveError(
            f"rank {info.rank}/{info.world_size}{at}: collective '{what}' failed or timed out after "
            f"{timeout_s():.0f}s (another rank diverged, died or is elsewhere): {type(e).__name__}: {e}") from e


def gather_objects(obj, what: str = "gather", step: int | None = None) -> list:
    """``all_gather_object`` when distributed, else ``[obj]``."""
    info = current()
    if not info.enabled:
        return [obj]
    out = [None] * info.world_size
    with collective(what, step):
        dist.all_gather_object(out, obj)
    return out


def agree(what: str, step: int, payload=None) -> list:
    """Every rank states that it is at ``what`` at global ``step``; any rank elsewhere fails all of
    them with a message naming each rank's step. Returns every rank's ``payload``."""
    parts = gather_objects((what, int(step), payload), what=what, step=step)
    seen = {(p[0], p[1]) for p in parts}
    if len(seen) > 1:
        ranks = ", ".join(f"rank {r}: {p[0]}@{p[1]}" for r, p in enumerate(parts))
        raise CollectiveError(f"ranks diverged at '{what}' (rank {current().rank}, step {step}): {ranks}")
    return [p[2] for p in parts]


def broadcast_object(obj, src: int = 0, what: str = "broadcast"):
    info = current()
    if not info.enabled:
        return obj
    box = [obj]
    with collective(what):
        dist.broadcast_object_list(box, src=src)
    return box[0]


def barrier(what: str = "barrier", step: int | None = None) -> None:
    if current().enabled:
        with collective(what, step):
            dist.barrier()
