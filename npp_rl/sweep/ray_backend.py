"""Ray as the sweep's engine: connect (a local Ray, or an existing cluster by address), run each
trial as a Ray task with its resources and retries, and hand results back as they complete.

Ray schedules, retries (``max_retries`` with ``retry_exceptions``) and resolves the dependency of a
pretrained trial on its architecture's pretrain task; nothing here queues or retries by itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from npp_rl.sweep.config import RayOptions
from npp_rl.sweep.store import worker_env


class RayMissing(RuntimeError):
    """Ray is not installed (it is the optional extra ``npp-rl[ray]``)."""


def import_ray():
    try:
        import ray
    except ImportError:
        raise RayMissing("--backend ray needs Ray: pip install 'npp-rl[ray]' (or use --backend local)") from None
    return ray


def connect(opts: RayOptions, tracking_uri: str):
    """``ray.init`` for a local Ray (``num_cpus``) or the cluster at ``address``; every worker
    process gets the tracking URI through the job's runtime environment."""
    ray = import_ray()
    env = worker_env(tracking_uri, opts.cpus_per_trial)
    if opts.address:
        env.pop("PYTHONPATH", None)  # a cluster's nodes have their own install of npp-rl
    kwargs = {"runtime_env": {"env_vars": env}, "log_to_driver": True, "ignore_reinit_error": True}
    if opts.address:
        kwargs["address"] = opts.address
    else:
        kwargs.update(num_cpus=opts.num_cpus, include_dashboard=False)
        if opts.gpus_per_trial == 0:
            kwargs["num_gpus"] = 0
    t0 = time.monotonic()
    ctx = ray.init(**kwargs)
    res = ray.cluster_resources()
    where = opts.address or "a local Ray"
    print(f"[sweep] connected to {where} in {time.monotonic() - t0:.1f}s: {res.get('CPU', 0):g} CPUs, "
          f"{res.get('GPU', 0):g} GPUs, {len(ray.nodes())} node(s)", file=sys.stderr, flush=True)
    return ray, ctx


def remote(ray, fn: Callable, opts: RayOptions, max_retries: int):
    return ray.remote(fn).options(num_cpus=opts.cpus_per_trial, num_gpus=opts.gpus_per_trial,
                                  max_retries=max_retries, retry_exceptions=True)


def gather(ray, refs: dict, on_done: Callable[[str, object, BaseException | None], None]) -> None:
    """Wait for every ref (name -> ObjectRef), calling ``on_done(name, value, error)`` as each completes."""
    by_ref = {r: n for n, r in refs.items()}
    while by_ref:
        ready, _ = ray.wait(list(by_ref), num_returns=1)
        for r in ready:
            name = by_ref.pop(r)
            try:
                value, error = ray.get(r), None
            except Exception as exc:  # a task that failed after its retries (RayTaskError and kin)
                value, error = None, getattr(exc, "cause", None) or exc
            on_done(name, value, error)
