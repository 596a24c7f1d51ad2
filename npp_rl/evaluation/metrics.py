"""Evaluation metrics per category and overall, from a list of finished episodes.

Definitions (per group of episodes: one category, or all of them = ``overall``):

``success_rate``                 wins / episodes, with a 95% Wilson score interval
                                 (``success_ci_low``, ``success_ci_high``): well behaved at 0, 1 and
                                 for small samples, unlike the normal approximation.
``steps_mean`` / ``steps_median``  env steps (decisions) of the successful episodes; ``frames_mean``
                                 the same in simulator frames. NaN when nothing succeeded.
``efficiency``                   mean over successful episodes of ``min(1, reference / agent frames)``,
                                 where ``reference`` is the level's solver solution length (or the
                                 geodesic lower bound, see :mod:`npp_rl.evaluation.suite`). 1 = as fast
                                 as the reference, 0.5 = twice as long; bounded in [0, 1] by construction.
``spl``                          success weighted by path length (Anderson et al. 2018): the mean over
                                 ALL episodes of ``success * min(1, reference / agent frames)``; it folds
                                 success and speed into one number in [0, 1].
``death_rate``                   deaths / episodes; ``deaths/<cause>`` deaths by cause (mine, impact, ...)
                                 as a fraction of episodes.
``moving_rate``                  episodes in which the ninja left its spawn (moved more than
                                 ``MOVED_PX`` pixels away from it at some step) / episodes.
``safety``                       1 - deaths / episodes that moved: safety among attempts that move, so an
                                 agent that stands still (and times out) is not "safe"; NaN when no
                                 episode moved.
``deaths_per_success``           deaths / successes (only where there is a success).
``timeout_rate``                 episodes cut by the frame budget / episodes.
``mean_reward``                  mean episode return (the environment's reward, shaping included).
``episodes``, ``levels``         counts.

With a deterministic policy the repeats of one level are the same episode, so the Wilson interval is
then taken over levels (one trial per level, ``repeats_independent=False``), not over episodes.

success + death + timeout rates sum to 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

OVERALL = "overall"

#: An episode "moved" when the ninja got more than this many pixels (a third of a 24 px tile) from its spawn.
MOVED_PX = 8.0


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval of a binomial proportion (``(nan, nan)`` when n = 0)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


@dataclass
class Episode:
    """One finished evaluation episode."""

    level: str
    category: str
    repeat: int
    success: bool
    died: bool
    timeout: bool
    death_cause: str | None
    steps: int
    frames: int
    reward: float
    reference_frames: float | None
    reference_kind: str
    switch_activated: bool = False
    moved: bool = True
    """The ninja got more than ``MOVED_PX`` from its spawn at some step."""
    trajectory: list = field(default_factory=list, repr=False)
    """(x, y) ninja positions, one per env step from the spawn (for videos; not in JSON)."""

    @property
    def efficiency(self) -> float:
        """``min(1, reference / frames)`` for a success, else 0 (NaN when no reference)."""
        if not self.success:
            return 0.0
        if not self.reference_frames or self.frames <= 0:
            return float("nan")
        return float(min(1.0, self.reference_frames / self.frames))

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("trajectory", None)
        d["efficiency"] = self.efficiency if self.success else None
        return d


def _nanmean(values) -> float:
    a = np.asarray(list(values), dtype=float)
    a = a[~np.isnan(a)]
    return float(a.mean()) if a.size else float("nan")


def group_metrics(episodes: list[Episode], repeats_independent: bool = True) -> dict:
    """The metrics of one group of episodes (see the module docstring)."""
    n = len(episodes)
    wins = [e for e in episodes if e.success]
    k = len(wins)
    if repeats_independent:
        lo, hi = wilson_interval(k, n)
    else:  # identical repeats: one trial per level (its success rate rounded: repeats agree)
        per_level = level_success(episodes)
        lo, hi = wilson_interval(int(round(sum(per_level.values()))), len(per_level))
    deaths = [e for e in episodes if e.died]
    moving = [e for e in episodes if e.moved]
    causes: dict[str, int] = defaultdict(int)
    for e in deaths:
        causes[e.death_cause or "unknown"] += 1
    death_rate = len(deaths) / n if n else float("nan")
    return {
        "episodes": n,
        "levels": len({e.level for e in episodes}),
        "success_rate": k / n if n else float("nan"),
        "success_ci_low": lo,
        "success_ci_high": hi,
        "steps_mean": float(np.mean([e.steps for e in wins])) if wins else float("nan"),
        "steps_median": float(np.median([e.steps for e in wins])) if wins else float("nan"),
        "frames_mean": float(np.mean([e.frames for e in wins])) if wins else float("nan"),
        "efficiency": _nanmean(e.efficiency for e in wins),
        "spl": _nanmean(e.efficiency for e in episodes) if n else float("nan"),
        "death_rate": death_rate,
        "moving_rate": len(moving) / n if n else float("nan"),
        "safety": 1.0 - sum(e.died for e in moving) / len(moving) if moving else float("nan"),
        "deaths_per_success": len(deaths) / k if k else float("nan"),
        "deaths": {c: v / n for c, v in sorted(causes.items())},
        "timeout_rate": sum(e.timeout for e in episodes) / n if n else float("nan"),
        "mean_reward": float(np.mean([e.reward for e in episodes])) if n else float("nan"),
    }


def level_success(episodes: list[Episode]) -> dict[str, float]:
    """Success rate of each level over its repeats."""
    acc: dict[str, list[bool]] = defaultdict(list)
    for e in episodes:
        acc[e.level].append(e.success)
    return {lv: float(np.mean(v)) for lv, v in acc.items()}


def summarize(episodes: list[Episode], repeats_independent: bool = True) -> dict[str, dict]:
    """``{category: metrics, ..., "overall": metrics}`` (categories sorted). ``repeats_independent=False``
    (a deterministic policy) takes the success interval over levels, not episodes."""
    by_cat: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_cat[e.category].append(e)
    out = {c: group_metrics(by_cat[c], repeats_independent) for c in sorted(by_cat)}
    out[OVERALL] = group_metrics(episodes, repeats_independent)
    return out


def per_level_table(episodes: list[Episode]) -> list[dict]:
    """One record per level, the raw material of the comparison's stratified bootstrap: ``level``,
    ``category``, ``episodes``, ``successes``, ``deaths``, ``timeouts``, ``moved`` (counts),
    ``success_rate`` and ``efficiency`` (mean over its successes; None without one)."""
    acc: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        acc[e.level].append(e)
    rows = []
    for lv in sorted(acc):
        g = acc[lv]
        wins = [e.efficiency for e in g if e.success]
        eff = _nanmean(wins) if wins else float("nan")
        rows.append({"level": lv, "category": g[0].category, "episodes": len(g),
                     "successes": sum(e.success for e in g), "deaths": sum(e.died for e in g),
                     "timeouts": sum(e.timeout for e in g), "moved": sum(e.moved for e in g),
                     "success_rate": float(np.mean([e.success for e in g])),
                     "efficiency": None if math.isnan(eff) else eff})
    return rows


def flat_metrics(summary: dict[str, dict], prefix: str = "eval") -> dict[str, float]:
    """MLflow metric dict: ``eval/<category>/<name>`` and ``eval/<category>/deaths/<cause>``; NaN left out."""
    out: dict[str, float] = {}
    for cat, m in summary.items():
        for key, v in m.items():
            if key == "deaths":
                for cause, rate in v.items():
                    out[f"{prefix}/{cat}/deaths/{cause}"] = float(rate)
            elif isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
                out[f"{prefix}/{cat}/{key}"] = float(v)
    return out
