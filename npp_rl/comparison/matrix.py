"""The decision matrix: one row per architecture x condition, seeds aggregated, a weighted score and rank.

Columns (over the *evaluated* seeds of a row unless said otherwise; statistics in
:mod:`npp_rl.comparison.stats`):

``seeds``                  evaluated models (training runs with a test result) in the row; ``trained`` all
                           training runs in it, ``unevaluated`` the difference (marked in the report)
``success``                mean test success over seeds x levels (a deterministic policy's repeats of a
                           level count once); ``success_std`` the spread of the seeds' success;
                           ``success_ci_low/high`` its 95 % stratified-bootstrap interval over seeds (one
                           seed: the point); ``iqm`` / ``iqm_low`` / ``iqm_high`` the interquartile mean and
                           its interval; ``success_lv_low/high`` the interval over seeds and levels
``success/<category>``     test success per category
``efficiency``             reference solution length / agent length, clipped to 1, over successful
                           episodes only: a seed without a success has none (NaN), a row without any scores 0
``spl``                    success weighted by that efficiency over all episodes (shown, not scored)
``safety``                 1 - deaths / attempts that moved (an agent that stands still has no safety, NaN,
                           and scores 0 on it); ``moving_rate``, ``deaths_per_success``, ``timeout_rate`` beside it
``success_auc``            sample efficiency: area under the training run's held-back success curve
                           (``eval/success_rate``) over a common budget (the longest run's last step), divided
                           by it, so in [0, 1] and defined (0) for an agent that never succeeds
``steps_to_50``            env steps until that curve first reached 50 %, a seed that never did counting as
                           the full budget (never dropped); ``reached_50`` = fraction of seeds that did
``train_fps``              training env steps per second (``perf/fps_overall``)
``latency_ms``             batch-1 inference latency p50 on CPU (evaluate run, else the benchmark run)
``parameters``             trainable parameters
``score``, ``rank``        normalised weighted score (below) and the success-first rank (1 = best)

Score. Each criterion is mapped to [0, 1] with 1 = best. Success, efficiency, safety and sample efficiency
(``success_auc``) are rates in [0, 1] and are used as they are. The cost-like criteria (latency, parameters
where less is better; train_fps where more is better) are scored by how many times worse than the best row
a row is, on a log scale: ``n = 1 / (1 + log10(ratio))`` with ``ratio >= 1`` -- the best row gets 1, 2x
worse 0.77, 10x worse 0.5. Latency below the real-time target (5 ms, ``LATENCY_TARGET_MS``) counts as the
best. A row that lacks a value another row has scores 0 on that criterion; a criterion no row has is dropped
and the remaining weights renormalised. ``score = sum(w * n) / sum(w)``.

Rank. Success first: rows are ordered by score, except that a row whose success interval (over seeds) lies
wholly below another's is never ranked above it, whatever its latency or size. Rows without an evaluated
seed are listed, not ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from npp_rl.comparison import stats
from npp_rl.comparison.collect import ModelRecord, RunSet

#: Default weights of the score (sum 1). Success dominates; cost criteria break ties between good agents.
DEFAULT_WEIGHTS: dict[str, float] = {
    "success": 0.45,
    "efficiency": 0.15,
    "safety": 0.10,
    "sample_efficiency": 0.10,
    "latency": 0.10,
    "train_throughput": 0.05,
    "parameters": 0.05,
}

#: Batch-1 CPU latency that counts as fast enough (ms): at or below it the latency criterion scores 1.
LATENCY_TARGET_MS = 5.0

#: criterion -> (matrix column, direction): "rate" used as is, "higher"/"lower" ratio to the best row.
CRITERIA: dict[str, tuple[str, str]] = {
    "success": ("success", "rate"),
    "efficiency": ("efficiency", "rate"),  # on successes only; none -> 0
    "safety": ("safety", "rate"),  # among attempts that move; an idle agent -> 0
    "sample_efficiency": ("success_auc", "rate"),  # area under the held-back success curve
    "latency": ("latency_ms", "lower"),
    "train_throughput": ("train_fps", "higher"),
    "parameters": ("parameters", "lower"),
}


def parse_weights(spec) -> dict[str, float]:
    """``"success=0.5,latency=0.2"`` (or a dict / list of such strings) over the defaults."""
    w = dict(DEFAULT_WEIGHTS)
    if not spec:
        return w
    items = spec.items() if isinstance(spec, dict) else [
        kv for part in ([spec] if isinstance(spec, str) else spec) for kv in str(part).replace(" ", ",").split(",") if kv]
    for item in items:
        k, v = item if isinstance(item, tuple) else (item.partition("=")[0], item.partition("=")[2])
        k = k.strip()
        if k not in DEFAULT_WEIGHTS:
            raise ValueError(f"--weights: unknown criterion {k!r}; known: {', '.join(DEFAULT_WEIGHTS)}")
        try:
            w[k] = float(v)
        except ValueError:
            raise ValueError(f"--weights: {k}={v!r} is not a number") from None
        if w[k] < 0:
            raise ValueError(f"--weights: {k} must be >= 0")
    if sum(w.values()) <= 0:
        raise ValueError("--weights: at least one weight must be positive")
    return w


def categories_of(models: list[ModelRecord]) -> list[str]:
    from npp_rl.levels import CATEGORIES

    cats = {k.split("/")[1] for m in models for k in m.eval_metrics
            if k.startswith("eval/") and k.endswith("/success_rate") and k.count("/") == 2}
    cats.discard("overall")
    return sorted(cats, key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else 99, c))


def _budget(models: list[ModelRecord]) -> float:
    ends = [m.curve[-1][0] for m in models if m.curve and m.curve_metric == "eval/success_rate"]
    return float(max(ends)) if ends else math.nan


def _model_row(m: ModelRecord, bench: dict, categories: list[str], budget: float) -> dict:
    e, t = m.eval_metrics, m.train_metrics
    b = bench.get(m.architecture, {})
    has_curve = m.curve_metric == "eval/success_rate" and bool(m.curve)
    auc, steps, reached = stats.auc_and_first_reach(m.curve, budget) if has_curve else (math.nan, math.nan, False)
    new_safety = "eval/overall/moving_rate" in e  # older runs' "safety" counted standing still as safe
    row = {
        "architecture": m.architecture, "condition": m.condition, "seed": m.seed,
        "train_run_id": m.train_run_id, "eval_run_id": m.eval_run_id, "evaluated": m.evaluated,
        "test_set": m.test_set, "policy_mode": m.policy_mode,
        "success": e.get("eval/overall/success_rate", math.nan),
        "episodes": e.get("eval/overall/episodes", math.nan),
        "efficiency": e.get("eval/overall/efficiency", math.nan),
        "spl": e.get("eval/overall/spl", math.nan),
        "safety": e.get("eval/overall/safety", math.nan) if new_safety else math.nan,
        "moving_rate": e.get("eval/overall/moving_rate", math.nan),
        "deaths_per_success": e.get("eval/overall/deaths_per_success", math.nan),
        "timeout_rate": e.get("eval/overall/timeout_rate", math.nan),
        "mean_reward": e.get("eval/overall/mean_reward", math.nan),
        "success_auc": auc, "steps_to_50": steps, "reached_50": float(reached) if has_curve else math.nan,
        "has_curve": has_curve,
        "train_fps": t.get("perf/fps_overall", t.get("perf/fps", math.nan)),
        "latency_ms": e.get("perf/latency_ms_b1_p50", b.get("cpu/latency_ms_b1_p50", math.nan)),
        "parameters": e.get("model/parameters", b.get("parameters", math.nan)),
    }
    for c in categories:
        row[f"success/{c}"] = e.get(f"eval/{c}/success_rate", math.nan)
    return row


def per_model_table(runs: RunSet) -> pd.DataFrame:
    """One row per model (seed), the raw material of the matrix."""
    cats = categories_of(runs.models)
    budget = _budget(runs.models)
    return pd.DataFrame([_model_row(m, runs.bench, cats, budget) for m in runs.models])


def _level_value(r: dict, value: str) -> float:
    if value == "spl":  # success weighted by efficiency on the level (no success: 0)
        return float(r["success_rate"]) * float(r.get("efficiency") or 0.0)
    return float(r["success_rate"])


def score_matrices(runs: RunSet, value: str = "success") -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
    """``{(arch, condition): (seeds, levels) matrix}`` over the evaluated models, and the level names;
    ``value`` is ``success`` (the level's success rate) or ``spl`` (success x efficiency on the level).
    Falls back to one column (the overall figure) for every row when some evaluation lacks per-level results
    or the level sets differ (then ``levels == ["overall"]``)."""
    ev = [m for m in runs.models if m.evaluated]
    sets = {tuple(sorted(r["level"] for r in m.per_level)) if m.per_level else None for m in ev}
    if value == "spl" and any(m.per_level and "efficiency" not in m.per_level[0] for m in ev):
        sets.add(None)
    by_row: dict[tuple[str, str], list[ModelRecord]] = {}
    for m in ev:
        by_row.setdefault((m.architecture, m.condition), []).append(m)
    if len(sets) == 1 and None not in sets:
        levels = list(next(iter(sets)))
        out = {}
        for key, ms in by_row.items():
            out[key] = np.array([[{r["level"]: _level_value(r, value) for r in m.per_level}[lv] for lv in levels]
                                 for m in ms], dtype=float)
        return out, levels
    name = "eval/overall/success_rate" if value == "success" else "eval/overall/spl"
    return {key: np.array([[m.eval_metrics.get(name, 0.0)] for m in ms]) for key, ms in by_row.items()}, ["overall"]


@dataclass
class Matrix:
    table: pd.DataFrame
    """The decision matrix, sorted by rank (unranked rows last)."""
    per_model: pd.DataFrame
    weights: dict[str, float]
    """Weights actually used (renormalised over the criteria present)."""
    dropped_criteria: list[str]
    categories: list[str]
    scores: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """Per row, the (seeds, levels) test success matrix the statistics are computed on."""
    levels: list[str] = field(default_factory=list)
    """Column names of ``scores`` (``["overall"]`` when per-level results were missing)."""
    improvement: list[dict] = field(default_factory=list)
    """Probability of improvement of the rank-1 row over the next ones: ``{"x", "y", "p", "low", "high"}``."""
    reps: int = 2000
    """Bootstrap resamples."""
    spl_scores: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """Per row, the (seeds, levels) matrix of success x efficiency per level (the performance profiles':
    with a deterministic policy a level's success is 0 or 1, so its profile alone would be a flat step)."""


def _mean_where(v: pd.Series) -> float:
    v = v.dropna()
    return float(v.mean()) if len(v) else math.nan


def build_matrix(runs: RunSet, weights: dict[str, float] | None = None, reps: int = 2000, seed: int = 0,
                 top: int = 3) -> Matrix:
    """Aggregate seeds into architecture x condition rows, normalise, score and rank success first."""
    weights = dict(weights or DEFAULT_WEIGHTS)
    per = per_model_table(runs)
    cats = categories_of(runs.models)
    scores, levels = score_matrices(runs)
    rows = []
    for (arch, cond), g_all in per.groupby(["architecture", "condition"], sort=True):
        g = g_all[g_all["evaluated"]]
        row = {"architecture": arch, "condition": cond, "seeds": len(g), "trained": len(g_all),
               "unevaluated": len(g_all) - len(g)}
        m = scores.get((arch, cond))
        if m is not None:
            a = stats.aggregate(m, "seeds", reps, seed)
            lv = stats.aggregate(m, "seeds+levels", reps, seed)
            seed_means = m.mean(axis=1)
            row.update({"success": a["mean"], "success_std": float(seed_means.std(ddof=0)),
                        "success_ci_low": a["mean_low"], "success_ci_high": a["mean_high"],
                        "iqm": a["iqm"], "iqm_low": a["iqm_low"], "iqm_high": a["iqm_high"],
                        "success_lv_low": lv["mean_low"], "success_lv_high": lv["mean_high"]})
        else:
            row.update(dict.fromkeys(["success", "success_std", "success_ci_low", "success_ci_high", "iqm",
                                      "iqm_low", "iqm_high", "success_lv_low", "success_lv_high"], math.nan))
        for c in cats:
            row[f"success/{c}"] = _mean_where(g[f"success/{c}"])
        curves = g_all[g_all["has_curve"]]
        row.update({
            "efficiency": _mean_where(g["efficiency"]), "spl": _mean_where(g["spl"]),
            "safety": _mean_where(g["safety"]), "moving_rate": _mean_where(g["moving_rate"]),
            "deaths_per_success": _mean_where(g["deaths_per_success"]),
            "timeout_rate": _mean_where(g["timeout_rate"]),
            "success_auc": _mean_where(curves["success_auc"]), "steps_to_50": _mean_where(curves["steps_to_50"]),
            "reached_50": _mean_where(curves["reached_50"]), "curves": len(curves),
            "train_fps": _mean_where(g_all["train_fps"]), "latency_ms": _mean_where(g["latency_ms"]),
            "parameters": _mean_where(g_all["parameters"]),
        })
        rows.append(row)
    table = pd.DataFrame(rows)
    rankable = table["success"].notna()
    present = {k: w for k, w in weights.items() if w > 0 and table.loc[rankable, CRITERIA[k][0]].notna().any()}
    dropped = [k for k, w in weights.items() if w > 0 and k not in present]
    total = sum(present.values())
    used = {k: w / total for k, w in present.items()} if total > 0 else {}
    score = pd.Series(0.0, index=table.index)
    for k, w in used.items():
        col, how = CRITERIA[k]
        v = table[col].astype(float)
        if how == "rate":
            n = v.clip(0, 1)
        else:
            ratio = (v[rankable].max() / v) if how == "higher" else (v / v[rankable & (v > 0)].min())
            if k == "latency":
                ratio = v / max(float(v[rankable & (v > 0)].min()), LATENCY_TARGET_MS)
            n = 1.0 / (1.0 + np.log10(ratio.clip(lower=1.0)))
        n = n.where(v.notna(), 0.0).clip(0, 1)
        table[f"norm/{k}"] = n
        score += w * n
    table["score"] = score.where(rankable, np.nan)
    ranked = table.index[rankable].tolist()
    order = stats.success_first_order([float(table.at[i, "score"]) for i in ranked],
                                      [(table.at[i, "success_ci_low"], table.at[i, "success_ci_high"]) for i in ranked])
    table["rank"] = math.nan
    prev = None
    for pos, j in enumerate(order, start=1):
        i = ranked[j]
        tie = prev is not None and table.at[i, "score"] == table.at[prev, "score"] and not stats.wholly_below(
            (table.at[i, "success_ci_low"], table.at[i, "success_ci_high"]),
            (table.at[prev, "success_ci_low"], table.at[prev, "success_ci_high"]))
        table.at[i, "rank"] = table.at[prev, "rank"] if tie else float(pos)
        prev = i
    table["score_rank"] = table["score"].rank(ascending=False, method="min")
    table = table.sort_values(["rank", "architecture", "condition"], na_position="last").reset_index(drop=True)
    improvement = []
    top_rows = table[table["rank"].notna()].head(top)
    if len(top_rows) > 1:
        x = top_rows.iloc[0]
        for _, y in top_rows.iloc[1:].iterrows():
            kx, ky = (x["architecture"], x["condition"]), (y["architecture"], y["condition"])
            p = stats.probability_of_improvement(scores[kx], scores[ky], reps, seed)
            improvement.append({"x": kx, "y": ky, **p})
    spl, _ = score_matrices(runs, "spl")
    return Matrix(table, per, used, dropped, cats, scores, levels, improvement, reps, spl)
