"""Dataset generation on all cores: every slot (split, category, index) is generated and solved in a
process pool, and the results are written in a fixed slot order, so the dataset is byte-identical
whatever the number of workers.

A slot tries the seeds ``derive_seed(seed, split, category, index, attempt)`` for attempt 0, 1, ... until
the solver proves a level solvable (``max_attempts`` tries); each try is a pure function of its seed (the
solver runs on an iteration budget, never a clock). A solved level whose file equals an earlier slot's
(in slot order) is a duplicate: that slot goes on with its next attempt, in the parent, after the pool.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from npp_rl.sim.replay import parse_replay

from .dataset import (
    REPORT,
    SPLITS,
    Dataset,
    DatasetError,
    LevelEntry,
    _write_level,
    derive_seed,
    load_dataset,
    write_manifest,
)
from .generators import CATEGORIES, GENERATOR_VERSION, generate
from .solver import SOLVER_VERSION, SolverConfig, solve

Difficulty = tuple[float, float]

#: beam of the solver during generation: a third of the default 48 worlds per expansion, so a level is
#: proven about twice as fast, at the price of somewhat longer solutions (docs/levels.md has the figures)
GENERATION_BEAM = 16
#: a search with no heuristic progress for this many iterations gives up (docs/levels.md, "Generation
#: throughput": solved levels crossed plateaus of at most ~530 iterations, most under 150)
GENERATION_STALL = 400


def parse_difficulty(spec: str | float | tuple | None) -> Difficulty:
    """``None`` -> (0, 1); a number d -> (d, d); ``"lo:hi"`` or a pair -> (lo, hi); all within [0, 1]."""
    if spec is None:
        lo, hi = 0.0, 1.0
    elif isinstance(spec, (tuple, list)):
        lo, hi = (float(v) for v in spec)
    else:
        text = str(spec).strip()
        try:
            lo, hi = (float(v) for v in text.split(":")) if ":" in text else (float(text),) * 2
        except ValueError:
            raise ValueError(f"difficulty: expected a number in [0, 1] or 'lo:hi', got {spec!r}") from None
    if not (0.0 <= lo <= hi <= 1.0):
        raise ValueError(f"difficulty: expected 0 <= lo <= hi <= 1, got {spec!r}")
    return lo, hi


def slot_difficulty(seed: int, split: str, category: str, index: int, span: Difficulty) -> float:
    """The difficulty of a slot: lo + (hi - lo) * u, u uniform from the slot's coordinates."""
    lo, hi = span
    if lo == hi:
        return lo
    u = derive_seed(seed, split, category, index, -1) / 0x7FFFFFFF
    return round(lo + (hi - lo) * u, 3)


@dataclass
class Attempt:
    attempt: int
    seed: int
    digest: str = ""
    data: bytes = b""
    replay: bytes = b""  # the solution (.nppreplay bytes) when solved
    action_set: str = ""  # the solver's action set that found it ("env": exact env actions)
    frames: int = 0
    reason: str = ""
    generate_s: float = 0.0
    solve_s: float = 0.0


@dataclass
class SlotResult:
    split: str
    category: str
    index: int
    difficulty: float
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def solved(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts and self.attempts[-1].replay else None


def solve_slot(seed: int, split: str, category: str, index: int, difficulty: float, cfg: SolverConfig,
               first_attempt: int = 0, max_attempts: int = 10) -> SlotResult:
    """Try the slot's seeds from ``first_attempt`` until one is solved (pure: runs in any process)."""
    out = SlotResult(split, category, index, difficulty)
    for attempt in range(first_attempt, max_attempts):
        s = derive_seed(seed, split, category, index, attempt)
        t0 = time.process_time()
        g = generate(category, s, difficulty)
        data = g.to_bytes()
        a = Attempt(attempt, s, hashlib.sha256(data).hexdigest(), data, generate_s=time.process_time() - t0)
        t0 = time.process_time()
        res = solve(g.map, cfg)
        a.solve_s = time.process_time() - t0
        out.attempts.append(a)
        if res.solved:
            a.replay = res.to_replay(data, source=f"npp-rl solver {SOLVER_VERSION}").to_bytes()
            a.frames = res.win_frame
            a.action_set = res.action_set
            break
        a.reason = res.reason
    return out


def _warm_up() -> None:
    """Compile (or load) the simulator in this process before forking workers."""
    solve(generate("simple", 0, 0.0).map, SolverConfig(max_iterations=5))


def _category_report(results: list[SlotResult], extra_dupes: int) -> dict:
    atts = [a for r in results for a in r.attempts]
    kept = [r.solved for r in results if r.solved]
    n = max(1, len(atts))
    reasons: dict[str, int] = {}
    for a in atts:
        if not a.replay:
            key = a.reason.split(" (")[0] if a.reason else "duplicate"
            reasons[key] = reasons.get(key, 0) + 1
    rejected = [{"split": r.split, "index": r.index, "seed": a.seed, "reason": a.reason or "duplicate"}
                for r in results for a in r.attempts if not a.replay]
    return {
        "candidates": len(atts), "kept": len(kept), "rejected": len(rejected) - extra_dupes,
        "duplicates": extra_dupes, "solve_rate": round(len(kept) / n, 4),
        "generate_ms_per_level": round(1000 * sum(a.generate_s for a in atts) / n, 3),
        "solve_s_per_level": round(sum(a.solve_s for a in atts) / n, 3),
        "mean_solution_frames": round(sum(a.frames for a in kept) / max(1, len(kept)), 1),
        "env_action_solutions": sum(1 for a in kept if a.action_set == "env"),
        "rejections_by_reason": reasons,
        "rejections": rejected[:20],
    }


def generate_dataset(out: str | os.PathLike, train_per_category: int, test_per_category: int, seed: int,
                     categories: Iterable[str] = CATEGORIES, solver_config: SolverConfig | None = None,
                     max_attempts: int = 10, progress: Callable[[int, str], None] | None = None,
                     overwrite: bool = False, workers: int | None = None,
                     difficulty: str | float | tuple | None = None) -> tuple[Dataset, dict]:
    """Generate, solve and write a dataset with ``workers`` processes (default: all cores); return it
    (checked by :func:`load_dataset`) and a report. Same arguments, byte-identical dataset, whatever
    ``workers`` is. ``difficulty``: see :func:`parse_difficulty` (default: uniform over [0, 1])."""
    root = Path(out)
    categories = list(categories)
    for c in categories:
        if c not in CATEGORIES:
            raise ValueError(f"unknown level category {c!r}; expected one of {', '.join(CATEGORIES)}")
    span = parse_difficulty(difficulty)
    workers = max(1, int(workers or os.cpu_count() or 1))
    if root.exists() and any(root.iterdir()):
        if not overwrite:
            raise DatasetError(f"{root}: output folder exists and is not empty (pass overwrite to replace it)")
        for split in SPLITS:
            shutil.rmtree(root / split, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    cfg = solver_config or SolverConfig(beam=GENERATION_BEAM, stall_iterations=GENERATION_STALL)
    # no clock (the result must not depend on load); levels the spawn cannot reach are dropped before search
    cfg = SolverConfig(**{**cfg.__dict__, "time_limit_s": float("inf"), "precheck": True})
    slots = [(split, cat, i) for split, count in (("train", train_per_category), ("test", test_per_category))
             for cat in categories for i in range(count)]
    t_all, c_all, c_kids = time.perf_counter(), time.process_time(), _children_cpu()
    results: dict[tuple, SlotResult] = {}

    def args(slot):
        split, cat, i = slot
        return (seed, split, cat, i, slot_difficulty(seed, split, cat, i, span), cfg, 0, max_attempts)

    if workers == 1 or len(slots) <= 1:
        for slot in slots:
            results[slot] = solve_slot(*args(slot))
            if progress:
                progress(1, f"{slot[0]}/{slot[1]}")
    else:
        import multiprocessing as mp

        _warm_up()
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futs = {pool.submit(solve_slot, *args(slot)): slot for slot in slots}
            for f in as_completed(futs):
                results[futs[f]] = f.result()
                if progress:
                    progress(1, f"{futs[f][0]}/{futs[f][1]}")
    child_cpu = _children_cpu() - c_kids
    # write in slot order; a duplicate of an earlier slot retries its next attempts here
    entries: list[LevelEntry] = []
    seen: set[str] = set()
    failed: list[str] = []
    dupes = {c: 0 for c in categories}
    for slot in slots:
        r = results[slot]
        while r.solved and r.solved.digest in seen:
            dupes[r.category] += 1
            r.solved.replay = b""
            r.solved.reason = "duplicate of an earlier level"
            more = solve_slot(seed, r.split, r.category, r.index, r.difficulty, cfg,
                              r.attempts[-1].attempt + 1, max_attempts)
            r.attempts += more.attempts
        a = r.solved
        level_id = f"{r.category}_{r.index:04d}"
        if a is None:
            failed.append(f"{r.split}/{r.category}/{level_id}")
            continue
        seen.add(a.digest)
        e = _write_level(root, r.split, r.category, level_id, a.data, parse_replay(a.replay), a.seed,
                         GENERATOR_VERSION)
        e.difficulty = r.difficulty
        entries.append(e)
    man = write_manifest(root, entries, {"seed": int(seed), "categories": categories,
                                         "per_category": {"train": train_per_category, "test": test_per_category},
                                         "difficulty": list(span)})
    wall = time.perf_counter() - t_all
    cpu = time.process_time() - c_all + child_cpu
    report = {
        "seed": int(seed), "content_hash": man["content_hash"], "levels": len(entries), "workers": workers,
        "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "levels_per_minute": round(60 * len(entries) / max(1e-9, wall), 1),
        "levels_per_cpu_second": round(len(entries) / max(1e-9, cpu), 3),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "unfilled_slots": failed,
        "categories": {c: _category_report([r for k, r in results.items() if k[1] == c], dupes[c])
                       for c in categories},
    }
    (root / REPORT).write_text(json.dumps(report, indent=1) + "\n")
    return load_dataset(root), report


def _children_cpu() -> float:
    """CPU seconds of finished worker processes (zero when the generation ran in this process)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime
