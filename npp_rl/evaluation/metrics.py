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
                                 as a fraction of episodes; ``safety = 1 - death_rate``.
``timeout_rate``                 episodes cut by the frame budget / episodes.
``mean_reward``                  mean episode return (the environment's reward, shaping included).
``episodes``, ``levels``         counts.

success + death + timeout rates sum to 1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

OVERALL = "overall"


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


def group_metrics(episodes: list[Episode]) -> dict:
    """The metrics of one group of episodes (see the module docstring)."""
    n = len(episodes)
    wins = [e for e in episodes if e.success]
    k = len(wins)
    lo, hi = wilson_interval(k, n)
    deaths = [e for e in episodes if e.died]
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
        "safety": 1.0 - death_rate if n else float("nan"),
        "deaths": {c: v / n for c, v in sorted(causes.items())},
        "timeout_rate": sum(e.timeout for e in episodes) / n if n else float("nan"),
        "mean_reward": float(np.mean([e.reward for e in episodes])) if n else float("nan"),
    }


def summarize(episodes: list[Episode]) -> dict[str, dict]:
    """``{category: metrics, ..., "overall": metrics}`` (categories sorted)."""
    by_cat: dict[str, list[Episode]] = defaultdict(list)
    for e in episodes:
        by_cat[e.category].append(e)
    out = {c: group_metrics(by_cat[c]) for c in sorted(by_cat)}
    out[OVERALL] = group_metrics(episodes)
    return out


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
