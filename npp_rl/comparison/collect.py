"""Gather an experiment's runs BY TAGS: training runs, their evaluate runs, benchmark runs.

One *model* is one training run (``npp_rl.step=train`` with an ``npp_rl.architecture`` tag; a
multi-architecture parent run has none and is skipped) joined with its newest finished evaluate run
(``npp_rl.step=evaluate`` whose ``npp_rl.train_run_id`` is the training run). Evaluate runs of models
trained elsewhere (no training run in this experiment) still count, with training columns missing.
Anything incomplete is returned in ``problems`` (run id, what is missing), never dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

TRAIN_CURVE_METRICS = ("eval/success_rate", "rollout/success_rate", "rollout/ep_rew_mean")


class CompareError(LookupError):
    """Nothing to compare: no experiment, no runs, or no run with evaluation metrics."""


@dataclass
class ModelRecord:
    """One trained model: its training run (if any) and its evaluate run (if any)."""

    architecture: str
    condition: str
    seed: str
    train_run_id: str | None
    eval_run_id: str | None
    eval_metrics: dict = field(default_factory=dict)
    train_metrics: dict = field(default_factory=dict)
    curve: list[tuple[int, float]] = field(default_factory=list)
    curve_metric: str | None = None
    model_uri: str | None = None


@dataclass
class RunSet:
    experiment_name: str
    models: list[ModelRecord]
    bench: dict[str, dict] = field(default_factory=dict)
    """architecture -> ``perf/<arch>/...`` metrics of the newest inference benchmark run."""
    problems: list[dict] = field(default_factory=list)
    """``{"run_id", "architecture", "condition", "problem"}`` for every incomplete run."""


def _tag(row: pd.Series, key: str, default=None):
    v = row.get(f"tags.{key}")
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _metrics(row: pd.Series) -> dict[str, float]:
    return {k[len("metrics."):]: float(v) for k, v in row.items()
            if k.startswith("metrics.") and v is not None and not (isinstance(v, float) and math.isnan(v))}


def _curve(client, run_id: str) -> tuple[str | None, list[tuple[int, float]]]:
    for name in TRAIN_CURVE_METRICS:
        hist = client.get_metric_history(run_id, name)
        if hist:
            pts = sorted((int(m.step), float(m.value)) for m in hist)
            return name, pts
    return None, []


def collect_runs(experiment_name: str) -> RunSet:
    """Find the experiment's train, evaluate and bench runs by tags (see the module docstring)."""
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking

    try:
        runs = tracking.find_runs(experiment_name)
    except LookupError as e:
        raise CompareError(str(e)) from None
    if runs.empty:
        raise CompareError(f"experiment {experiment_name!r} has no runs: train and evaluate some first "
                           f"(npp-rl train ..., npp-rl evaluate ...)")
    client = MlflowClient()
    step = runs.get("tags.npp_rl.step", pd.Series([None] * len(runs)))
    status = runs["status"]
    problems: list[dict] = []
    train = runs[(step == "train") & runs.get(f"tags.{tracking.TAG_ARCH}", pd.Series([None] * len(runs))).notna()]
    evals = runs[(step == "evaluate") & (status == "FINISHED")].sort_values("start_time", ascending=False)
    benches = runs[(step == "bench") & (status == "FINISHED")].sort_values("start_time", ascending=False)

    train_ids = set(train["run_id"])
    by_train: dict[str, pd.Series] = {}
    orphan_by_key: dict[str, pd.Series] = {}
    for _, ev in evals.iterrows():  # newest first: the first one seen per model wins
        tid = _tag(ev, "npp_rl.train_run_id")
        if tid in train_ids:
            by_train.setdefault(tid, ev)
        else:
            orphan_by_key.setdefault(tid or ev["run_id"], ev)
    orphans = list(orphan_by_key.values())

    models: list[ModelRecord] = []
    for _, tr in train.iterrows():
        rid = tr["run_id"]
        arch, cond = _tag(tr, tracking.TAG_ARCH), _tag(tr, tracking.TAG_CONDITION, "scratch")
        if tr["status"] != "FINISHED":
            problems.append({"run_id": rid, "architecture": arch, "condition": cond,
                             "problem": f"training run is {tr['status']} (not finished); left out"})
            continue
        ev = by_train.get(rid)
        name, pts = _curve(client, rid)
        rec = ModelRecord(arch, cond, str(_tag(tr, tracking.TAG_SEED, "?")), rid,
                          None if ev is None else ev["run_id"], {} if ev is None else _metrics(ev), _metrics(tr),
                          pts, name, None if ev is None else _tag(ev, "npp_rl.model_uri"))
        if ev is None:
            problems.append({"run_id": rid, "architecture": arch, "condition": cond,
                             "problem": "no finished evaluate run (npp-rl evaluate --model RUN_ID ...)"})
        elif "eval/overall/success_rate" not in rec.eval_metrics:
            problems.append({"run_id": ev["run_id"], "architecture": arch, "condition": cond,
                             "problem": "evaluate run has no eval/overall/success_rate metric"})
        if not pts:
            problems.append({"run_id": rid, "architecture": arch, "condition": cond,
                             "problem": "training run has no eval/success_rate history (no sample efficiency "
                                        "or training curve)"})
        models.append(rec)
    for ev in orphans:
        arch, cond = _tag(ev, tracking.TAG_ARCH, "unknown"), _tag(ev, tracking.TAG_CONDITION, "unknown")
        models.append(ModelRecord(arch, cond, str(_tag(ev, "npp_rl.train_seed", "?")), _tag(ev, "npp_rl.train_run_id"),
                                  ev["run_id"], _metrics(ev), {}, [], None, _tag(ev, "npp_rl.model_uri")))
        problems.append({"run_id": ev["run_id"], "architecture": arch, "condition": cond,
                         "problem": "evaluate run whose training run is not in this experiment: no training "
                                    "columns"})
    bench: dict[str, dict] = {}
    for _, b in benches.iterrows():
        for k, v in _metrics(b).items():
            parts = k.split("/")
            if len(parts) >= 3 and parts[0] == "perf":
                bench.setdefault(parts[1], {}).setdefault("/".join(parts[2:]), v)
    if not models:
        raise CompareError(f"experiment {experiment_name!r} has {len(runs)} runs but no training or evaluate "
                           f"runs tagged npp_rl.step=train/evaluate with an architecture")
    return RunSet(experiment_name, models, bench, problems)
