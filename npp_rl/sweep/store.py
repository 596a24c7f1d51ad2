"""Tracking from many processes at once: the embedded SQLite store under concurrent trials, the
environment each worker process gets, and the trial runs found by their tags.

Several trial processes writing one SQLite file take turns on its write lock. MLflow's sessions wait
up to 20 s for it (``PRAGMA busy_timeout``); in SQLite's default rollback journal a reader also
blocks the writer, so we switch the file to write-ahead logging (WAL: readers never block the
writer; the mode is stored in the file and stays) before any trial starts, and our own tracking
calls retry ``database is locked`` with a backoff. A trial that still fails on it is retried whole.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TAG_SWEEP = "npp_rl.sweep"
TAG_TRIAL = "npp_rl.trial"
TAG_ATTEMPT = "npp_rl.attempt"

#: Variables a worker process needs to reach the same tracking target (no credentials: on a cluster
#: those come from the nodes' own environment, e.g. a Kubernetes secret, never through Ray).
FORWARDED_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_S3_ENDPOINT_URL", "MLFLOW_REGISTRY_URI", "NPP_RL_HOME",
                 "PYTHONPATH", "MLFLOW_DISABLE_TELEMETRY", "MLFLOW_ENABLE_ASYNC_LOGGING")


def sqlite_path(uri: str) -> str | None:
    if uri.startswith("sqlite:///") and len(uri) > len("sqlite:///"):
        return uri[len("sqlite:///"):].split("?", 1)[0]
    return None


def enable_wal(uri: str) -> str | None:
    """Put a SQLite tracking database into WAL mode; returns the journal mode (None: not SQLite)."""
    path = sqlite_path(uri)
    if not path:
        return None
    with sqlite3.connect(path, timeout=30) as con:
        return str(con.execute("PRAGMA journal_mode=WAL").fetchone()[0])


def is_locked_error(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return "database is locked" in text or "database table is locked" in text


def retry_locked(fn: Callable[[], T], attempts: int = 8, wait: float = 0.5) -> T:
    """``fn()``, retried with a doubling wait while SQLite answers ``database is locked``."""
    for i in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if not is_locked_error(exc) or i == attempts - 1:
                raise
            print(f"tracking database is locked; retrying in {wait * 2 ** i:.1f}s", file=sys.stderr)
            time.sleep(wait * 2 ** i)
    raise AssertionError("unreachable")


def worker_env(tracking_uri: str, cpus: float) -> dict[str, str]:
    """Environment of a trial process: the tracking URI (explicitly), a few non-secret MLflow
    settings, and thread counts matching the CPUs the trial reserved."""
    env = {k: os.environ[k] for k in FORWARDED_ENV if os.environ.get(k)}
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    threads = str(max(1, int(cpus)))
    env.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads, NUMBA_NUM_THREADS=threads)
    return env


def set_tags(run_id: str, tags: dict) -> None:
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    for k, v in tags.items():
        if v is not None:
            retry_locked(lambda k=k, v=v: client.set_tag(run_id, k, str(v)))


def last_run_id() -> str | None:
    """The id of the run this thread had open most recently (the one a step function just closed or
    failed in); only the id, so no store is asked (``mlflow.last_active_run`` fetches the run)."""
    import mlflow
    from mlflow.tracking import fluent

    holder = getattr(fluent, "_last_active_run_id", None)
    if holder is not None and hasattr(holder, "get"):
        return holder.get()
    try:
        run = mlflow.last_active_run()
    except Exception:  # the id names a run of another store
        return None
    return run.info.run_id if run is not None else None


def trial_runs(experiment_id: str, sweep: str, status: str | None = None) -> list:
    """Runs of one sweep (any step), newest first."""
    from mlflow.tracking import MlflowClient

    f = f"tags.`{TAG_SWEEP}` = '{sweep}'"
    if status:
        f += f" and attributes.status = '{status}'"
    return retry_locked(lambda: MlflowClient().search_runs([experiment_id], f, max_results=5000,
                                                          order_by=["attributes.start_time DESC"]))
