"""Ray as the sweep's engine: connect (a local Ray, or an existing cluster by address), run each
trial as a Ray task with its resources and retries, and hand results back as they complete.

Ray schedules, retries (``max_retries`` with ``retry_exceptions``) and resolves the dependency of a
pretrained trial on its architecture's pretrain task; nothing here queues or retries by itself.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from npp_rl.sweep.config import RayOptions
from npp_rl.sweep.store import worker_env


class RayMissing(RuntimeError):
    """Ray is not installed (it is the optional extra ``npp-rl[ray]``)."""


def check_ray() -> None:
    """Fail early when Ray is missing, without importing it (Ray reads some settings at import)."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        raise RayMissing("--backend ray needs Ray: pip install 'npp-rl[ray]' (or use --backend local)")


def import_ray():
    try:
        import ray
    except ImportError:
        raise RayMissing("--backend ray needs Ray: pip install 'npp-rl[ray]' (or use --backend local)") from None
    return ray


#: Ray's switch for single-machine clusters: "0" makes Ray use loopback as this node's address.
SINGLE_NODE_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
LOOPBACK = ("127.0.0.1", "localhost")


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LocalHead:
    """A Ray head on loopback started with Ray's own CLI (``ray start --head --block``) and stopped
    with its process group. Every agent port is given explicitly: a raylet left to discover them
    waits ~15 s for each agent's port file and aborts when a loaded machine starts the agent slower
    (seen here at a load of 17 on 2 cores), which is what a plain ``ray.init()`` does."""

    def __init__(self, num_cpus: int | None = None, num_gpus: float | None = 0, log: Path | None = None):
        """``num_gpus=None`` lets Ray count the GPUs."""
        self.num_cpus, self.num_gpus, self.log = num_cpus, num_gpus, log
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 300.0, attempts: int = 3) -> str:
        """Start the head (retried: under heavy load Ray's raylet may abort waiting for its agents)."""
        for i in range(attempts):
            try:
                return self._start_once(timeout)
            except RuntimeError as exc:
                if i == attempts - 1:
                    raise
                print(f"[sweep] {exc}; starting the Ray head again ({i + 2}/{attempts})", file=sys.stderr, flush=True)
        raise AssertionError("unreachable")

    def _start_once(self, timeout: float) -> str:
        import_ray()
        exe = shutil.which("ray", path=str(Path(sys.executable).parent)) or shutil.which("ray")
        if not exe:
            raise RayMissing("the `ray` command is not on PATH; pip install 'npp-rl[ray]'")
        self.port, grpc, listen, export, renv = _free_ports(5)
        cmd = [exe, "start", "--head", "--block", "--disable-usage-stats", "--node-ip-address", "127.0.0.1",
               "--port", str(self.port), "--include-dashboard=false", "--dashboard-agent-grpc-port", str(grpc),
               "--dashboard-agent-listen-port", str(listen), "--metrics-export-port", str(export),
               "--runtime-env-agent-port", str(renv)]
        if self.num_gpus is not None:
            cmd += ["--num-gpus", f"{self.num_gpus:g}"]
        if self.num_cpus:
            cmd += ["--num-cpus", str(self.num_cpus)]
        env = dict(os.environ, RAY_raylet_start_wait_time_s=os.environ.get("RAY_raylet_start_wait_time_s", "300"))
        env[SINGLE_NODE_ENV] = "0"  # a loopback head: single machine
        env.setdefault("RAY_AUTH_MODE", "disabled")
        start_at = Path(self.log).stat().st_size if self.log and Path(self.log).exists() else 0
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the head
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        t_start = time.time()
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"`ray start --head` exited with {self.proc.returncode}"
                                   + (f"; see {self.log}" if self.log else ""))
            if self._raylet_aborted(t_start):
                self.stop()
                raise RuntimeError("the raylet aborted while starting (see raylet.err in Ray's session logs)")
            if self.log and b"Ray runtime started" in Path(self.log).read_bytes()[start_at:]:
                return self.address
            if not self.log:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                        return self.address
                except OSError:
                    pass
            time.sleep(1.0)
        self.stop()
        raise TimeoutError(f"the Ray head on port {self.port} did not come up within {timeout:.0f}s")

    @staticmethod
    def _raylet_aborted(since: float) -> bool:
        """Ray's newest session has a raylet that hit a fatal check after ``since`` (``ray start`` itself
        would only notice after ``RAY_raylet_start_wait_time_s``)."""
        err = Path(os.environ.get("RAY_TMPDIR", "/tmp/ray")) / "session_latest" / "logs" / "raylet.err"
        try:
            return err.stat().st_mtime >= since and b"Check failed" in err.read_bytes()
        except OSError:
            return False

    def stop(self, timeout: float = 60.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass


def connect(opts: RayOptions, tracking_uri: str, log_dir: Path | None = None):
    """Join the cluster at ``opts.address``, or start a :class:`LocalHead` (``num_cpus``) and join it;
    every worker process gets the tracking URI through the job's runtime environment.
    Returns ``(ray, head)``; ``head`` (None when joining) is stopped by :func:`disconnect`."""
    if not opts.address or opts.address.rsplit(":", 1)[0] in LOOPBACK:
        # one machine: keep Ray on loopback (Ray otherwise swaps 127.0.0.1 for the node's address);
        # read by Ray at import, so set before it
        os.environ.setdefault(SINGLE_NODE_ENV, "0")
        # nothing off this machine can reach a loopback head; Ray's token would only be one more
        # file to keep in step between the head and the driver
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray = import_ray()
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")
    env = worker_env(tracking_uri, opts.cpus_per_trial)
    head = None
    t0 = time.monotonic()
    address = opts.address
    if address:
        env.pop("PYTHONPATH", None)  # a cluster's nodes have their own install of npp-rl
    else:
        head = LocalHead(opts.num_cpus, None if opts.gpus_per_trial else 0,
                         log=(log_dir / "ray-head.log") if log_dir else None)
        if log_dir:
            log_dir.mkdir(parents=True, exist_ok=True)
        address = head.start()
    try:
        for i in range(60):  # a just-started head may take a moment to accept drivers
            try:
                ray.init(address=address, runtime_env={"env_vars": env}, log_to_driver=True)
                break
            except ConnectionError:
                if i == 59:
                    raise
                time.sleep(2.0)
    except BaseException:
        if head:
            head.stop()
        raise
    res = ray.cluster_resources()
    where = opts.address or f"a local Ray head at {address}"
    print(f"[sweep] connected to {where} in {time.monotonic() - t0:.1f}s: {res.get('CPU', 0):g} CPUs, "
          f"{res.get('GPU', 0):g} GPUs, {len(ray.nodes())} node(s)", file=sys.stderr, flush=True)
    return ray, head


def disconnect(ray, head: LocalHead | None) -> None:
    ray.shutdown()
    if head is not None:
        head.stop()


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
