"""Inference benchmark per architecture: parameters, latency p50/p95 at batch 1 and 64, throughput, memory.

What is timed is what serving does for a request: observation arrays -> tensors -> features ->
action distribution -> most likely action (``PolicyPyfunc.predict_obs``), under ``torch.no_grad``.
Observations are real ones: a generated ``simple`` level played for a few random steps in the batched
environment (so graph sizes and images are typical). On CPU the figures are for ``threads`` torch
threads (default 1: one request per core is how a server scales); on CUDA the same with
``torch.cuda.synchronize`` around each call.

Memory: on CUDA ``torch.cuda.max_memory_allocated`` during the batch-64 passes; on CPU the peak
resident set while building the policy and running it, above the resident set before: on Linux the
kernel's peak counter is reset first (``/proc/self/clear_refs``) and read back from ``VmHWM``; elsewhere
the growth of ``ru_maxrss`` (only meaningful for the first architecture of a process, hence
``isolate=True``: each architecture in its own subprocess).
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class BenchConfig:
    """Settings of ``npp-rl bench inference``."""

    architectures: list[str] = field(default_factory=list)
    """Registry names (empty = all)."""
    batch_sizes: tuple[int, ...] = (1, 64)
    """Batch sizes timed."""
    repeats: int = 100
    """Timed calls per batch size (after ``warmup`` untimed ones)."""
    warmup: int = 5
    """Untimed calls before timing."""
    threads: int = 1
    """``torch.set_num_threads`` on CPU."""
    devices: tuple[str, ...] = ("cpu", "cuda")
    """Devices to measure; CUDA is skipped where none is present."""
    isolate: bool = False
    """Measure each architecture in a fresh subprocess (exact CPU peak memory, slower)."""
    target_ms: float = 5.0
    """The batch-1 CPU p50 target every architecture should meet."""


def _maxrss_mb() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 if sys.platform != "darwin" else r / 2**20


def _proc_status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _proc_status_mb("VmHWM") is not None
    except OSError:
        return False


class _PeakRss:
    """Peak resident set (MiB) above the resident set at the start of the ``with`` block."""

    def __enter__(self):
        self.exact = _reset_peak_rss()
        self.start = _proc_status_mb("VmRSS") if self.exact else _maxrss_mb()
        return self

    def peak_mb(self) -> float:
        now = _proc_status_mb("VmHWM") if self.exact else _maxrss_mb()
        return max(0.0, (now or 0.0) - (self.start or 0.0))

    def __exit__(self, *exc):
        return False


def sample_observations(modalities, n: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` real observations of ``modalities`` from a generated level after random steps."""
    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch
    from npp_rl.levels import generate

    levels = [generate("simple", seed).map, generate("medium", seed).map]
    wb = WorldBatch(levels, n, EnvConfig(observation_modalities=tuple(modalities)), seed=seed)
    wb.reset_worlds(range(n), [k % len(levels) for k in range(n)])
    rng = np.random.default_rng(seed)
    for _ in range(int(rng.integers(5, 15))):
        wb.step(rng.integers(0, 6, n))
    return wb.observe()


def _time_calls(fn, repeats: int, warmup: int, sync=None) -> np.ndarray:
    for _ in range(warmup):
        fn()
    out = np.empty(repeats)
    for i in range(repeats):
        if sync:
            sync()
        t = time.perf_counter()
        fn()
        if sync:
            sync()
        out[i] = (time.perf_counter() - t) * 1e3
    return out


def bench_architecture(arch: str, config: BenchConfig, obs: dict | None = None) -> dict:
    """Figures of one architecture: ``{"architecture", "parameters", "cpu": {...}, "cuda": {...}}``."""
    import torch

    from npp_rl.envs.env import observation_space
    from npp_rl.models import build_policy, get_architecture

    spec = get_architecture(arch)
    space = observation_space(spec.modalities)
    if obs is None:
        obs = sample_observations(spec.modalities, max(config.batch_sizes))
    mem = _PeakRss().__enter__()
    policy = build_policy(arch, space)
    policy.set_training_mode(False)
    res: dict = {"architecture": arch, "modalities": list(spec.modalities),
                 "parameters": int(sum(p.numel() for p in policy.parameters() if p.requires_grad))}
    for dev in config.devices:
        if dev == "cuda" and not torch.cuda.is_available():
            continue
        device = torch.device(dev)
        policy.to(device)
        if dev == "cpu":
            torch.set_num_threads(max(1, config.threads))
        sync = torch.cuda.synchronize if dev == "cuda" else None
        if dev == "cuda":
            torch.cuda.reset_peak_memory_stats()
        figures: dict = {"threads": torch.get_num_threads() if dev == "cpu" else None}
        for bs in config.batch_sizes:
            batch = {k: v[:bs] for k, v in obs.items()}

            def call(batch=batch):
                with torch.no_grad():
                    t, _ = policy.obs_to_tensor(batch)
                    d = policy.get_distribution(t)
                    return d.distribution.probs.argmax(dim=-1).cpu()

            ms = _time_calls(call, config.repeats if bs == 1 else max(10, config.repeats // 4), config.warmup, sync)
            figures[f"latency_ms_b{bs}_p50"] = float(np.percentile(ms, 50))
            figures[f"latency_ms_b{bs}_p95"] = float(np.percentile(ms, 95))
            figures[f"throughput_obs_per_s_b{bs}"] = float(bs / (np.mean(ms) / 1e3))
        if dev == "cuda":
            figures["peak_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
            figures["device_name"] = torch.cuda.get_device_name()
        else:
            figures["peak_memory_mb"] = mem.peak_mb()
            figures["peak_memory_exact"] = mem.exact
        figures["meets_target"] = figures.get("latency_ms_b1_p50", 1e9) < config.target_ms if dev == "cpu" else None
        res[dev] = figures
        policy.to("cpu")
    return res


def _isolated(arch: str, config: BenchConfig) -> dict:
    code = ("import json,sys\nfrom npp_rl.evaluation.bench import BenchConfig, bench_architecture\n"
            "c=BenchConfig(**json.loads(sys.argv[2]))\nprint(json.dumps(bench_architecture(sys.argv[1], c)))\n")
    cfg = asdict(config)
    r = subprocess.run([sys.executable, "-c", code, arch, json.dumps(cfg)], capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        raise RuntimeError(f"benchmark of {arch} failed: {r.stderr[-1500:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def bench_inference(config: BenchConfig | None = None) -> dict:
    """Benchmark every architecture of ``config``; ``{"architectures": {name: figures}, "machine": {...}}``."""
    import torch

    from npp_rl.models import architecture_names, get_architecture

    config = config or BenchConfig()
    names = list(config.architectures) or list(architecture_names())
    for n in names:
        get_architecture(n)  # unknown -> ValueError listing the known ones
    threads_before = torch.get_num_threads()
    out = {}
    try:
        for n in names:
            out[n] = _isolated(n, config) if config.isolate else bench_architecture(n, config)
    finally:
        torch.set_num_threads(threads_before)
    machine = {"python": platform.python_version(), "torch": torch.__version__, "cpu": platform.processor() or
               platform.machine(), "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None}
    return {"architectures": out, "machine": machine, "config": asdict(config),
            "all_under_target_cpu": all(v["cpu"]["meets_target"] for v in out.values() if "cpu" in v)}


def bench_metrics(result: dict) -> dict[str, float]:
    """MLflow metrics ``perf/<arch>/<device>/<figure>`` and ``perf/<arch>/parameters``."""
    m: dict[str, float] = {}
    for arch, r in result["architectures"].items():
        m[f"perf/{arch}/parameters"] = float(r["parameters"])
        for dev in ("cpu", "cuda"):
            for k, v in (r.get(dev) or {}).items():
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v is not None:
                    m[f"perf/{arch}/{dev}/{k}"] = float(v)
    return m


def log_bench(result: dict, experiment_name: str = "npp-rl", tracking_uri: str | None = None) -> str:
    """Log a benchmark result as a ``bench`` run (metrics + ``inference_bench.json``); returns its id."""
    import mlflow

    from npp_rl import tracking

    tracking.configure(tracking_uri, quiet=True)
    with tracking.start_run(experiment_name, step="bench", run_name="bench:inference", config=result["config"],
                            tags={"npp_rl.bench": "inference"}) as run:
        mlflow.log_metrics(bench_metrics(result))
        mlflow.log_dict(result, "inference_bench.json")
        return run.info.run_id
