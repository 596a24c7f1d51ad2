"""Simulator benchmark (``npp-rl sim bench --json``): frames per second, single world and batched, one core.

Worlds are driven by random input runs (the reference traces' generator: an action held 1-8 frames) and reset
when they die or win, so the figures cover ordinary play: running, jumping, wall contact, entities.
Time split: the same workload is re-run with (a) entity move/think/collision disabled is not possible without
changing the rules, so the split is measured on the kernels themselves: ``collision`` = the 4 substeps of
ninja-vs-tiles/objects, ``entities`` = entity move/think + logical collisions, ``overhead`` = the rest
(Python call, input decoding, ninja think).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from npp_rl.sim import profile
from npp_rl.sim.workload import find_maps, random_inputs


def run_bench(frames_single: int = 200_000, frames_batched: int = 1_000_000, n_worlds: int = 64,
              map_names=None, seed: int = 0) -> dict:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    except (AttributeError, OSError):  # pragma: no cover
        pass
    from npp_rl.sim import core as C
    from npp_rl.sim.simulator import BatchSim

    maps = find_maps(map_names)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    warm = BatchSim([m for _, m in maps[:1]], n_worlds=1)
    warm.step_sequences(random_inputs(rng, 16)[None, :])
    warm.step(np.zeros(1, np.uint8), 4)
    compile_s = time.perf_counter() - t0

    walls: list[float] = []

    def drive(batch: BatchSim, total_frames: int, chunk: int) -> tuple[float, int]:
        w = batch.n_worlds
        seqs = np.stack([random_inputs(rng, chunk) for _ in range(w)])
        done = 0
        elapsed = 0.0
        wall = 0.0
        while done < total_frames:
            t = time.thread_time()
            tw = time.perf_counter()
            stepped = batch.step_sequences(seqs)
            wall += time.perf_counter() - tw
            elapsed += time.thread_time() - t
            done += int(stepped.sum())
            ended = np.nonzero(batch.ninja[:, C.N_STATE] >= 6)[0]
            if len(ended):
                batch.reset(ended)
            seqs = np.roll(seqs, 7, axis=1)
        walls.append(wall)
        return elapsed, done

    single = BatchSim([maps[0][1]], n_worlds=1)
    el_s, fr_s = drive(single, frames_single, 2000)
    batch = BatchSim([m for _, m in maps], n_worlds=n_worlds)
    el_b, fr_b = drive(batch, frames_batched, 256)
    # per-map single-world figures (entities-heavy levels cost more)
    per_map = {}
    for name, m in maps:
        b = BatchSim([m], n_worlds=1)
        el, fr = drive(b, 50_000, 2000)
        per_map[Path(name).name] = round(fr / el)
    split = _time_split(maps, rng)
    return {
        "frames_per_s_single": round(fr_s / el_s),
        "frames_per_s_batched": round(fr_b / el_b),
        "frames_per_s_single_wall": round(fr_s / walls[0]),
        "frames_per_s_batched_wall": round(fr_b / walls[1]),
        "compile_s": round(compile_s, 3),
        "compile_note": "numba cache=True: a process that finds the cache loads it (this figure); the very first "
                        "run after a change compiles (about 20 s of CPU on this machine)",
        "n_worlds_batched": n_worlds,
        "frames_single": fr_s,
        "frames_batched": fr_b,
        "maps": [Path(n).name for n, _ in maps],
        "map_single": Path(maps[0][0]).name,
        "frames_per_s_single_by_map": per_map,
        "time_split": split,
        "cpu": _cpu_name(),
        "note": "one core (sched_setaffinity); rates use this thread's CPU time (the machine is shared); inputs: random actions held 1-8 frames, worlds reset on death/win",
    }


def _time_split(maps, rng) -> dict:
    """Fractions of frame time in tile/object collision, entities, and the rest (kernel-level timing)."""
    return profile.time_split([m for _, m in maps], rng)


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return "unknown"
