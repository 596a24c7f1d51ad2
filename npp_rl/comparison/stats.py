"""Aggregate statistics over seeds and levels, as RL papers with few seeds report them (Agarwal et al.
2021, "Deep RL at the edge of the statistical precipice"; the ``rliable`` package does the work).

A row (architecture x condition) is a *score matrix* of shape ``(seeds, levels)``: entry ``[s, l]`` is the
test success rate of seed ``s`` on level ``l`` over that level's repeats. Repeats of a deterministic
policy are the same episode, so a level counts once whatever ``episodes_per_level`` was; a stochastic
policy's repeats average into the level's rate. When some evaluation of the comparison lacks per-level
results (runs logged before they were recorded) every row falls back to one "level": the overall rate.

* ``aggregate(M)``: mean and IQM (the 25 % trimmed mean over all seed x level entries) with 95 %
  percentile intervals of a stratified bootstrap: ``over="seeds"`` resamples seeds within each level (the
  matrix's interval: what another set of seeds on these levels would give; one seed -> a point),
  ``over="seeds+levels"`` also resamples levels (what other levels drawn like these would give).
* ``probability_of_improvement(X, Y)``: P(a seed of X beats a seed of Y on a level), averaged over levels
  (ties count 1/2), with its interval from resampling each row's seeds independently.
* ``performance_profile(M)``: fraction of seed x level entries with success above tau, tau in [0, 1].

The point estimates (mean, IQM, probability of improvement) are rliable's functions
(``rliable.metrics``) and so are the figures (``rliable.plot_utils``). The resampling is written here: rliable 1.2's bootstrap classes (``rliable.library``) subclass ``arch``'s,
and no ``arch`` release works with them and this environment (arch 8 dropped the ``random_state`` argument
rliable passes; arch 7 does not import under pandas 3). It is the same stratified scheme, drawn from a
seeded ``numpy`` generator (reproducible, global randomness left alone) and vectorised over the resamples
(the estimators applied to every resample at once, checked against rliable's in the tests).
"""

from __future__ import annotations

import math

import numpy as np

TAU = np.linspace(0.0, 1.0, 101)


def _resample(scores: np.ndarray, rng: np.random.Generator, reps: int, over_levels: bool) -> np.ndarray:
    """``reps`` stratified bootstrap resamples of a ``(seeds, levels)`` matrix, shape ``(reps, seeds, levels)``:
    within each level (stratum) its seeds drawn with replacement; with ``over_levels`` the levels too."""
    n, k = scores.shape
    cols = rng.integers(0, k, (reps, 1, k)) if over_levels else np.broadcast_to(np.arange(k), (reps, 1, k))
    rows = rng.integers(0, n, (reps, n, k))
    return scores[rows, cols]


def _percentile(samples: np.ndarray, point: np.ndarray, size: float = 0.95) -> np.ndarray:
    """(2, m) percentile interval; widened to contain the point (a one-seed bootstrap has no spread)."""
    a = (1 - size) / 2
    lo, hi = np.quantile(samples, [a, 1 - a], axis=0)
    return np.stack([np.minimum(lo, point), np.maximum(hi, point)])


def _matrix(scores) -> np.ndarray:
    m = np.asarray(scores, dtype=float)
    if m.ndim != 2 or m.size == 0 or np.isnan(m).any():
        raise ValueError(f"expected a non-empty (seeds, levels) matrix without NaN, got shape {m.shape}")
    return m


def aggregate(scores: np.ndarray, over: str = "seeds", reps: int = 2000, seed: int = 0) -> dict[str, float]:
    """``{mean, mean_low, mean_high, iqm, iqm_low, iqm_high}`` of a ``(seeds, levels)`` matrix."""
    from rliable import metrics
    from scipy.stats import trim_mean

    m = _matrix(scores)
    if over not in ("seeds", "seeds+levels"):
        raise ValueError(f"over must be 'seeds' or 'seeds+levels', got {over!r}")
    point = np.array([metrics.aggregate_mean(m), metrics.aggregate_iqm(m)])
    b = _resample(m, np.random.default_rng(seed), reps, over == "seeds+levels").reshape(reps, -1)
    # the same estimators as rliable's aggregate_mean / aggregate_iqm, over every resample at once
    c = _percentile(np.stack([b.mean(axis=1), trim_mean(b, 0.25, axis=1)], axis=1), point)
    return {"mean": float(point[0]), "mean_low": float(c[0, 0]), "mean_high": float(c[1, 0]),
            "iqm": float(point[1]), "iqm_low": float(c[0, 1]), "iqm_high": float(c[1, 1])}


def _poi(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X > Y) per level, ties 1/2, averaged over levels, for stacks ``(..., seeds, levels)``: the
    Mann-Whitney U / (n_x n_y) that rliable's probability_of_improvement computes, vectorised."""
    d = x[..., :, None, :] - y[..., None, :, :]
    return ((d > 0) + 0.5 * (d == 0)).mean(axis=(-3, -2)).mean(axis=-1)


def probability_of_improvement(x: np.ndarray, y: np.ndarray, reps: int = 2000, seed: int = 0) -> dict[str, float]:
    """``{p, low, high}``: P(X > Y) per level averaged over levels, with a 95 % bootstrap interval
    (each row's seeds resampled independently within each level)."""
    from rliable import metrics

    x, y = _matrix(x), _matrix(y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"probability of improvement needs two (seeds, levels) matrices over the same levels, "
                         f"got {x.shape} and {y.shape}")
    rng = np.random.default_rng(seed)
    p = np.array([metrics.probability_of_improvement(x, y)])
    boot = _poi(_resample(x, rng, reps, False), _resample(y, rng, reps, False))[:, None]
    c = _percentile(boot, p)
    return {"p": float(p[0]), "low": float(c[0, 0]), "high": float(c[1, 0])}


def performance_profile(scores: np.ndarray, reps: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(profile, ci)`` on :data:`TAU`: fraction of seed x level entries with success > tau (rliable's
    run-score distribution), ``ci`` of shape (2, len(TAU)) over seeds."""
    m = _matrix(scores)
    prof = (m[..., None] > TAU).mean(axis=(0, 1))
    b = _resample(m, np.random.default_rng(seed), reps, False)
    return prof, _percentile((b[..., None] > TAU).mean(axis=(1, 2)), prof)


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Closed intervals ``a`` and ``b`` share a point (False when either is missing)."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (*a, *b)):
        return False
    return a[0] <= b[1] and b[0] <= a[1]


def wholly_below(a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Interval ``a`` lies entirely below ``b`` (its top under ``b``'s bottom)."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (*a, *b)):
        return False
    return a[1] < b[0]


def success_first_order(scores: list[float], intervals: list[tuple[float, float]]) -> list[int]:
    """Indices best first: by score, except that a row whose success interval lies wholly below another's is
    never placed above it. Intervals form an interval order (acyclic, transitive), so repeatedly taking the
    best-scoring row that no remaining row dominates gives a total order honouring every such constraint."""
    left = list(range(len(scores)))
    order: list[int] = []
    while left:
        free = [i for i in left if not any(wholly_below(intervals[i], intervals[j]) for j in left if j != i)]
        best = max(free, key=lambda i: (scores[i], -i))
        order.append(best)
        left.remove(best)
    return order


def auc_and_first_reach(curve: list[tuple[int, float]], budget: float,
                        threshold: float = 0.5) -> tuple[float, float, bool]:
    """``(auc, steps_to_threshold, reached)`` of a held-back success curve ``[(step, rate), ...]``.

    ``auc``: area under the curve over ``[0, budget]`` divided by ``budget`` (in [0, 1]); the curve is held
    at its first value before its first point and at its last value after its last. ``steps``: the first
    step at which the rate reached ``threshold``, or ``budget`` when it never did (a seed that never gets
    there counts as the full budget, it is not dropped)."""
    if not curve or budget <= 0:
        return math.nan, math.nan, False
    pts = sorted((float(s), float(v)) for s, v in curve)
    xs = np.array([0.0] + [s for s, _ in pts] + [max(budget, pts[-1][0])])
    ys = np.array([pts[0][1]] + [v for _, v in pts] + [pts[-1][1]])
    keep = xs <= budget
    xs_b = np.append(xs[keep], budget)
    ys_b = np.append(ys[keep], np.interp(budget, xs, ys))
    auc = float(np.trapezoid(ys_b, xs_b) / budget) if hasattr(np, "trapezoid") else float(
        np.trapz(ys_b, xs_b) / budget)
    reach = next((s for s, v in pts if v >= threshold and s <= budget), None)
    return min(1.0, max(0.0, auc)), float(budget if reach is None else reach), reach is not None
