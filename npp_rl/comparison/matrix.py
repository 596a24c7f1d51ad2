"""The decision matrix: one row per architecture x condition, seeds aggregated, a weighted score and rank.

Columns (means over the seeds of a row unless said otherwise):

``seeds``                  models (training runs) in the row
``success``                overall test success rate; ``success_std`` its spread over seeds;
                           ``success_ci_low/high`` a 95% Wilson interval on the pooled episodes
``success/<category>``     test success per category
``efficiency``             reference solution length / agent length on successes, clipped to 1
``spl``                    success weighted by that efficiency over all episodes; the score's
                           ``efficiency`` criterion uses it, so speed on a few lucky wins earns little
``safety``                 1 - death rate on the test suite; ``timeout_rate`` beside it
``steps_to_50``            sample efficiency: env steps until the training run's held-back evaluation
                           (``eval/success_rate``) first reached 50%, mean over the seeds that reached
                           it; ``reached_50`` = fraction of seeds that did
``train_fps``              training env steps per second (``perf/fps_overall``)
``latency_ms``             batch-1 inference latency p50 on CPU (evaluate run, else the benchmark run)
``parameters``             trainable parameters
``score``, ``rank``        normalised weighted score (below) and its rank (1 = best)

Score. Each criterion is mapped to [0, 1] with 1 = best. Success, efficiency and safety are rates in
[0, 1] and are used as they are. The cost-like criteria (steps_to_50, latency, parameters where less is
better; train_fps where more is better) are scored by how many times worse than the best row a row is,
on a log scale: ``n = 1 / (1 + log10(ratio))`` with ``ratio >= 1`` -- the best row gets 1, 2x worse
0.77, 10x worse 0.5, 100x worse 0.33. That keeps order-of-magnitude costs visible without letting a
0.2 ms vs 3 ms gap outweigh a real success difference. Latency below the real-time target (5 ms,
``LATENCY_TARGET_MS``) counts as the best: any agent under budget is fast enough. A row that lacks a
value another row has scores 0 on that criterion (sample efficiency: a row that never reached 50%
scores 0); a criterion no row has is dropped and the remaining weights renormalised.
``score = sum(w * n) / sum(w)``. Rows without test success (no evaluate run) are listed, not ranked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    "efficiency": ("spl", "rate"),  # success-weighted: speed on a few lucky wins earns little
    "safety": ("safety", "rate"),
    "sample_efficiency": ("steps_to_50", "lower"),
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


def _first_reach(curve: list[tuple[int, float]], threshold: float = 0.5) -> float:
    for step, v in curve:
        if v >= threshold:
            return float(step)
    return math.nan


def categories_of(models: list[ModelRecord]) -> list[str]:
    from npp_rl.levels import CATEGORIES

    cats = {k.split("/")[1] for m in models for k in m.eval_metrics
            if k.startswith("eval/") and k.endswith("/success_rate") and k.count("/") == 2}
    cats.discard("overall")
    return sorted(cats, key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else 99, c))


def _model_row(m: ModelRecord, bench: dict, categories: list[str]) -> dict:
    e, t = m.eval_metrics, m.train_metrics
    b = bench.get(m.architecture, {})
    row = {
        "architecture": m.architecture, "condition": m.condition, "seed": m.seed,
        "train_run_id": m.train_run_id, "eval_run_id": m.eval_run_id,
        "success": e.get("eval/overall/success_rate", math.nan),
        "episodes": e.get("eval/overall/episodes", math.nan),
        "efficiency": e.get("eval/overall/efficiency", math.nan),
        "spl": e.get("eval/overall/spl", math.nan),
        "safety": e.get("eval/overall/safety", math.nan),
        "timeout_rate": e.get("eval/overall/timeout_rate", math.nan),
        "mean_reward": e.get("eval/overall/mean_reward", math.nan),
        "steps_to_50": _first_reach(m.curve) if m.curve_metric == "eval/success_rate" else math.nan,
        "has_curve": m.curve_metric == "eval/success_rate",
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
    return pd.DataFrame([_model_row(m, runs.bench, cats) for m in runs.models])


def _wilson_pooled(g: pd.DataFrame) -> tuple[float, float]:
    from npp_rl.evaluation.metrics import wilson_interval

    ok = g.dropna(subset=["success", "episodes"])
    if ok.empty:
        return math.nan, math.nan
    n = int(ok["episodes"].sum())
    k = int(round(float((ok["success"] * ok["episodes"]).sum())))
    return wilson_interval(k, n)


@dataclass
class Matrix:
    table: pd.DataFrame
    """The decision matrix, sorted by rank (unranked rows last)."""
    per_model: pd.DataFrame
    weights: dict[str, float]
    """Weights actually used (renormalised over the criteria present)."""
    dropped_criteria: list[str]
    categories: list[str]


def build_matrix(runs: RunSet, weights: dict[str, float] | None = None) -> Matrix:
    """Aggregate seeds into architecture x condition rows, normalise, score and rank."""
    weights = dict(weights or DEFAULT_WEIGHTS)
    per = per_model_table(runs)
    cats = categories_of(runs.models)
    rows = []
    for (arch, cond), g in per.groupby(["architecture", "condition"], sort=True):
        lo, hi = _wilson_pooled(g)
        reached = g.loc[g["has_curve"], "steps_to_50"]
        row = {
            "architecture": arch, "condition": cond, "seeds": len(g),
            "success": g["success"].mean(), "success_std": g["success"].std(ddof=0) if len(g) > 1 else 0.0,
            "success_ci_low": lo, "success_ci_high": hi,
        }
        for c in cats:
            row[f"success/{c}"] = g[f"success/{c}"].mean()
        row.update({
            "efficiency": g["efficiency"].mean(), "spl": g["spl"].mean(), "safety": g["safety"].mean(), "timeout_rate": g["timeout_rate"].mean(),
            "steps_to_50": reached.mean() if reached.notna().any() else math.nan,
            "reached_50": float(reached.notna().mean()) if len(reached) else math.nan,
            "train_fps": g["train_fps"].mean(), "latency_ms": g["latency_ms"].mean(), "parameters": g["parameters"].mean(),
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
    table["rank"] = table["score"].rank(ascending=False, method="min")
    table = table.sort_values(["rank", "architecture", "condition"], na_position="last").reset_index(drop=True)
    return Matrix(table, per, used, dropped, cats)
