"""Gather an experiment's runs BY TAGS: training runs, their evaluate runs, benchmark runs.

One *model* is one training run (``npp_rl.step=train`` with an ``npp_rl.architecture`` tag; a
multi-architecture parent run has none and is skipped) joined with its newest finished evaluate run
(``npp_rl.step=evaluate`` whose ``npp_rl.train_run_id`` is the training run), among those on the asked
test set / policy mode when :func:`collect_runs` is given them. Evaluate runs of models trained elsewhere
(no training run in this experiment) still count, with training columns missing. An evaluation of a
BC policy straight from ``npp-rl pretrain`` (tag ``npp_rl.source_step=pretrain`` or condition
``bc_only``, or a ``train_run_id`` that is a pretrain run here) is the condition ``bc_only``: never merged
into ``pretrained``. Each evaluated model carries its test set (``npp_rl.test_set_hash``, else the older
``npp_rl.dataset`` tag), its policy mode and its per-level results (``per_level.json``, else rebuilt from
``eval_results.json``). :func:`check_comparable` refuses a set whose evaluations differ in either.
Anything incomplete is returned in ``problems`` (run id, what is missing), never dropped silently.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TRAIN_CURVE_METRICS = ("eval/success_rate", "rollout/success_rate", "rollout/ep_rew_mean")
BC_ONLY = "bc_only"
UNRECORDED = "unrecorded"


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
    test_set: str | None = None
    """Content hash of the levels the evaluation played (None: not evaluated)."""
    policy_mode: str | None = None
    """``deterministic`` / ``stochastic`` / ``unrecorded`` (None: not evaluated)."""
    per_level: list[dict] | None = None
    """One record per test level (``level``, ``success_rate``, ...), None when the run has none."""

    @property
    def evaluated(self) -> bool:
        return "eval/overall/success_rate" in self.eval_metrics


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


def _test_set(ev: pd.Series) -> str:
    return _tag(ev, "npp_rl.test_set_hash") or _tag(ev, "npp_rl.dataset") or UNRECORDED


def _policy_mode(ev: pd.Series) -> str:
    mode = _tag(ev, "npp_rl.policy_mode")
    if mode:
        return mode
    det = _tag(ev, "npp_rl.deterministic")
    return UNRECORDED if det is None else ("deterministic" if det == "true" else "stochastic")


def per_level_success(run_id: str) -> list[dict] | None:
    """``per_level.json`` of an evaluate run, else rebuilt from the episodes of ``eval_results.json``."""
    import mlflow
    from mlflow.exceptions import MlflowException

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("per_level.json", "eval_results.json"):
            try:
                path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=name, dst_path=tmp)
                data = json.loads(Path(path).read_text())
            except (MlflowException, OSError, ValueError):
                continue
            if name == "per_level.json":
                return data
            acc: dict[str, list] = defaultdict(list)
            for e in data.get("episodes", []):
                acc[e["level"]].append(e)
            if acc:
                return [{"level": lv, "category": g[0].get("category"), "episodes": len(g),
                         "successes": sum(bool(e["success"]) for e in g),
                         "success_rate": sum(bool(e["success"]) for e in g) / len(g)} for lv, g in sorted(acc.items())]
    return None


def check_comparable(runs: RunSet) -> None:
    """Raise :class:`CompareError` naming the evaluate runs when the evaluated models of ``runs`` differ in
    test set or policy mode (a matrix over them would compare different exams)."""
    groups: dict[tuple[str, str], list[ModelRecord]] = defaultdict(list)
    for m in runs.models:
        if m.evaluated:
            groups[(m.test_set or UNRECORDED, m.policy_mode or UNRECORDED)].append(m)
    if len(groups) <= 1:
        return
    lines = []
    for (ts, mode), ms in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  test set {ts}, {mode} policy: {len(ms)} evaluate run(s)")
        lines += [f"    {m.eval_run_id} ({m.architecture}, {m.condition}, seed {m.seed})" for m in ms]
    sets = {ts for ts, _ in groups}
    modes = {mode for _, mode in groups}
    what = " and ".join(x for x, bad in (("test sets", len(sets) > 1), ("policy modes", len(modes) > 1)) if bad)
    raise CompareError(
        f"experiment {runs.experiment_name!r}: the evaluations are not comparable, they differ in {what}:\n"
        + "\n".join(lines)
        + "\nevaluate every model on one test set in one mode (npp-rl evaluate --model RUN --test-dataset ...), "
          "or choose one with --test-set HASH / --policy-mode deterministic|stochastic")


def _eval_details(rec: ModelRecord, ev: pd.Series, per_level: bool) -> None:
    rec.test_set, rec.policy_mode = _test_set(ev), _policy_mode(ev)
    if per_level and rec.evaluated:
        rec.per_level = per_level_success(ev["run_id"])


def collect_runs(experiment_name: str, test_set: str | None = None, policy_mode: str | None = None,
                 per_level: bool = True) -> RunSet:
    """Find the experiment's train, evaluate and bench runs by tags (see the module docstring).
    ``test_set`` (a hash or its prefix) and ``policy_mode`` keep only the evaluate runs that match."""
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
    if test_set:
        evals = evals[[_test_set(ev).startswith(test_set) for _, ev in evals.iterrows()]]
    if policy_mode:
        evals = evals[[_policy_mode(ev) == policy_mode for _, ev in evals.iterrows()]]
    pretrain_ids = set(runs.loc[step == "pretrain", "run_id"])
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
        if ev is not None:
            _eval_details(rec, ev, per_level)
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
        source = _tag(ev, "npp_rl.train_run_id")
        bc_only = cond == BC_ONLY or _tag(ev, "npp_rl.source_step") == "pretrain" or source in pretrain_ids
        if bc_only:
            cond = BC_ONLY
        rec = ModelRecord(arch, cond, str(_tag(ev, "npp_rl.train_seed", "?")), source,
                          ev["run_id"], _metrics(ev), {}, [], None, _tag(ev, "npp_rl.model_uri"))
        _eval_details(rec, ev, per_level)
        models.append(rec)
        if not bc_only:
            problems.append({"run_id": ev["run_id"], "architecture": arch, "condition": cond,
                             "problem": "evaluate run whose training run is not in this experiment: no training "
                                        "columns"})
    for m in models:
        if m.evaluated and "eval/overall/moving_rate" not in m.eval_metrics:
            problems.append({"run_id": m.eval_run_id, "architecture": m.architecture, "condition": m.condition,
                             "problem": "evaluated before moving attempts were recorded: its safety (deaths among "
                                        "attempts that move) is unknown and scores 0; re-evaluate it"})
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
