"""``npp-rl bench env``: environment steps per second per core (frame skip 4) for three observation sets."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from .config import EnvConfig

SETS = {
    "state": ("game_state",),
    "state_graph": ("game_state", "graph"),
    "all": ("player_frame", "global_view", "game_state", "graph"),
}
TARGETS = {"state": 20_000, "state_graph": 10_000, "all": 5_000}


def default_levels() -> list[Path]:
    """The reference N++ levels (``<repo>/../shared/reference/npp/maps``)."""
    root = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "npp" / "maps"
    files = sorted(p for p in root.glob("*") if p.is_file()) if root.is_dir() else []
    if not files:
        raise FileNotFoundError(f"no reference levels at {root}; pass level files or a folder with --levels")
    return files


def _measure(env, n_envs: int, seconds: float, rng) -> dict:
    env.reset()
    for _ in range(10):  # warm-up (compilation is cached on disk, first calls still touch memory)
        env.step(rng.integers(0, 6, n_envs))
    steps = episodes = 0
    c0, t0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, done, _ = env.step(rng.integers(0, 6, n_envs))
        steps += n_envs
        episodes += int(done.sum())
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"steps": steps, "episodes": episodes, "cpu_s": cpu, "wall_s": wall}


def _single_env_rate(lv, mods, seconds: float, seed: int, frame_skip: int) -> int:
    """Steps/s per core of one :class:`~npp_rl.envs.env.NppEnv` (the gymnasium path, e.g. in subprocesses)."""
    from .env import NppEnv

    env = NppEnv(lv, EnvConfig(observation_modalities=mods, frame_skip=frame_skip, seed=seed))
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    acts = rng.integers(0, 6, 4096)
    steps = 0
    c0, t0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, term, trunc, _ = env.step(int(acts[steps % 4096]))
        steps += 1
        if term or trunc:
            env.reset()
    return round(steps / max(time.process_time() - c0, 1e-9))


def run_env_bench(levels=None, n_envs: int = 64, seconds: float = 3.0, seed: int = 0, frame_skip: int = 4) -> dict:
    """Steps/s per core of :class:`~npp_rl.envs.vec_env.NppVecEnv` with random actions, per observation set.

    Per core = env steps / CPU seconds of this process (the batched env runs on one thread), so a
    machine shared with other work still gives a fair figure; wall-clock rates are reported too.
    """
    from .levelset import LevelSet
    from .vec_env import NppVecEnv

    lv = LevelSet(levels if levels is not None else default_levels())
    rng = np.random.default_rng(seed)
    per_core, wall, detail = {}, {}, {}
    for name, mods in SETS.items():
        env = NppVecEnv(lv, n_envs, EnvConfig(observation_modalities=mods, frame_skip=frame_skip), seed=seed)
        m = _measure(env, n_envs, seconds, rng)
        per_core[name] = round(m["steps"] / max(m["cpu_s"], 1e-9))
        wall[name] = round(m["steps"] / m["wall_s"])
        detail[name] = m
    single = {}
    for name in ("state", "all"):
        single[name] = _single_env_rate(lv, SETS[name], seconds / 2, seed, frame_skip)
    return {
        "benchmark": "env",
        "unit": "env steps per second per core",
        "frame_skip": frame_skip,
        "n_envs": n_envs,
        "levels": len(lv),
        "actions": "uniform random",
        "steps_per_s_per_core": per_core,
        "steps_per_s_wall": wall,
        "targets": TARGETS,
        "meets_targets": {k: per_core[k] >= TARGETS[k] for k in TARGETS},
        "episodes_finished": {k: v["episodes"] for k, v in detail.items()},
        "single_env_steps_per_s_per_core": single,
        "seconds_per_set": seconds,
        "graph": graph_size_stats(lv),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def graph_size_stats(levels) -> dict:
    """Node and edge counts of the level graph (static part + the ninja) over a level set, and the time
    to build a level's static data (rasters, geodesic fields, graph) once."""
    from .graph import graph_topology
    from .levelset import LevelSet
    from .static import build_static

    lv = levels if isinstance(levels, LevelSet) else LevelSet(levels)
    nodes, plats, objs, edges, secs = [], [], [], [], []
    for i in range(len(lv)):
        lay = lv.layout(i)
        t = time.perf_counter()
        g = graph_topology(build_static(lay))
        secs.append(time.perf_counter() - t)
        nodes.append(g.n_nodes)
        plats.append(g.n_platforms)
        objs.append(g.n_nodes - 1 - g.n_platforms)
        edges.append(g.n_static_edges)

    def s(a):
        a = np.asarray(a, dtype=float)
        return {"min": int(a.min()), "median": float(np.median(a)), "mean": round(float(a.mean()), 1),
                "max": int(a.max())}

    return {"levels": len(lv), "nodes": s(nodes), "platform_nodes": s(plats), "object_nodes": s(objs),
            "static_edges": s(edges), "static_build_ms": {"median": round(1000 * float(np.median(secs)), 1),
                                                          "max": round(1000 * float(np.max(secs)), 1)}}
