"""``compare(config) -> run_id``: runs -> decision matrix, plots, report, ``champion`` alias; one compare run."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from npp_rl.comparison.collect import CompareError, RunSet, check_comparable, collect_runs
from npp_rl.comparison.matrix import Matrix, build_matrix, parse_weights

CHAMPION = "champion"


@dataclass
class CompareConfig:
    """Everything ``npp-rl compare`` needs."""

    experiment_name: str = "npp-rl"
    """MLflow experiment whose runs are compared (found by their npp_rl.* tags)."""
    weights: dict = field(default_factory=dict)
    """Score weights over the defaults (``npp_rl.comparison.matrix.DEFAULT_WEIGHTS``)."""
    out: str | None = None
    """Folder for report.md/html, PNGs and matrix.csv (default: a temporary folder; always logged)."""
    set_champion: bool = True
    """Point ``npp-rl-<arch>@champion`` at the winner's registered model version."""
    strict: bool = False
    """Fail (instead of listing them) when runs lack metrics the matrix needs."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    test_set: str | None = None
    """Only evaluations on this test set (``npp_rl.test_set_hash`` or a prefix of it); default: all, and the
    step refuses when they differ."""
    policy_mode: str | None = None
    """Only ``deterministic`` or ``stochastic`` evaluations; default: all, refused when they differ."""
    bootstrap_reps: int = 2000
    """Stratified bootstrap resamples behind every interval."""
    bootstrap_seed: int = 0
    """Seed of the bootstrap (the same runs give the same intervals)."""


@dataclass
class CompareResult:
    run_id: str
    matrix: Matrix
    champion: dict | None
    out: Path


def _version_for_run(name: str, run_id: str, model_uri: str | None) -> str | None:
    """The registered version of ``name`` logged by ``run_id`` (newest first), if any."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient()
    try:
        versions = client.search_model_versions(f"name='{name}'")
    except MlflowException:
        return None
    mine = sorted((v for v in versions if v.run_id == run_id), key=lambda v: -int(v.version))
    if mine:
        return str(mine[0].version)
    if model_uri and model_uri.startswith(f"models:/{name}/"):
        return model_uri.rsplit("/", 1)[-1]
    return None


def choose_champion(runs: RunSet, matrix: Matrix, set_alias: bool = True) -> dict:
    """The best-ranked row with a registered version; within it the seed with the best test success
    (then efficiency). Moves ``npp-rl-<arch>@champion`` there when ``set_alias``."""
    from npp_rl import tracking

    per = matrix.per_model
    for r in matrix.table.itertuples(index=False):
        if r.rank is None or math.isnan(r.rank):
            continue
        g = per[(per["architecture"] == r.architecture) & (per["condition"] == r.condition) & per["evaluated"]]
        g = g.sort_values(["success", "efficiency"], ascending=False, na_position="last")
        name = tracking.model_name(r.architecture)
        for m in g.itertuples(index=False):
            if not m.train_run_id:
                continue
            uri = next((x.model_uri for x in runs.models if x.train_run_id == m.train_run_id), None)
            version = _version_for_run(name, m.train_run_id, uri)
            if version:
                previous = tracking.get_alias_version(name, CHAMPION)
                if set_alias:
                    tracking.set_alias(name, CHAMPION, version)
                return {"name": name, "version": version, "uri": f"models:/{name}@{CHAMPION}",
                        "architecture": r.architecture, "condition": r.condition, "seed": m.seed,
                        "train_run_id": m.train_run_id, "eval_run_id": m.eval_run_id, "row_rank": int(r.rank),
                        "score": float(r.score), "previous_version": previous, "moved": set_alias}
    return {"name": None, "version": None,
            "reason": "no ranked row has a registered model version (was the final policy registered?)"}


def compare(config: CompareConfig) -> str:
    """Compare the experiment's runs; returns the compare run's id (see :func:`run_compare`)."""
    return run_compare(config).run_id


def run_compare(config: CompareConfig) -> CompareResult:
    """Collect by tags, build the matrix, plot, choose the champion, write and log the report."""
    import mlflow

    from npp_rl import tracking
    from npp_rl.comparison.plots import make_plots
    from npp_rl.comparison.report import write_reports

    weights = parse_weights(config.weights)
    if config.policy_mode not in (None, "deterministic", "stochastic"):
        raise CompareError(f"policy_mode must be 'deterministic' or 'stochastic', got {config.policy_mode!r}")
    if config.bootstrap_reps < 100:
        raise CompareError(f"bootstrap_reps must be >= 100 for a 95% interval, got {config.bootstrap_reps}")
    tracking.configure(config.tracking_uri, quiet=True)
    runs = collect_runs(config.experiment_name, test_set=config.test_set, policy_mode=config.policy_mode)
    if not any(m.evaluated for m in runs.models) and (config.test_set or config.policy_mode):
        raise CompareError(f"experiment {config.experiment_name!r}: no evaluate run matches test set "
                           f"{config.test_set or 'any'} and policy mode {config.policy_mode or 'any'}")
    check_comparable(runs)
    if config.strict and runs.problems:
        raise CompareError("runs missing what the matrix needs:\n" + "\n".join(
            f"  {p['run_id']} ({p['architecture']}, {p['condition']}): {p['problem']}" for p in runs.problems))
    matrix = build_matrix(runs, weights, reps=config.bootstrap_reps, seed=config.bootstrap_seed)
    if matrix.table["rank"].isna().all():
        raise CompareError(f"experiment {config.experiment_name!r}: no model has test results; evaluate the "
                           "trained models first:\n" + "\n".join(
                               f"  {p['run_id']} ({p['architecture']}, {p['condition']}): {p['problem']}"
                               for p in runs.problems))
    for p in runs.problems:
        print(f"compare: {p['run_id']} ({p['architecture']}, {p['condition']}): {p['problem']}", file=sys.stderr)
    tmp = None
    if config.out:
        out = Path(config.out)
        out.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        out = Path(tmp.name)
    try:
        plots = make_plots(runs, matrix, out)
        evaluated = [m for m in runs.models if m.evaluated]
        exam = {"npp_rl.models": len(runs.models), "npp_rl.test_set_hash": evaluated[0].test_set,
                "npp_rl.policy_mode": evaluated[0].policy_mode}
        with tracking.start_run(config.experiment_name, step="compare", run_name="compare", config=asdict(config),
                                tags=exam) as run:
            champion = choose_champion(runs, matrix, config.set_champion)
            md, html_path = write_reports(out, runs, matrix, plots, champion, config.experiment_name)
            matrix.table.to_csv(out / "matrix.csv", index=False)
            matrix.per_model.to_csv(out / "models.csv", index=False)
            (out / "champion.json").write_text(json.dumps(champion, indent=2))
            for p in [md, html_path, out / "matrix.csv", out / "models.csv", out / "champion.json", *plots.values()]:
                mlflow.log_artifact(str(p))
            metrics = {"compare/rows": float(len(matrix.table)), "compare/models": float(len(runs.models)),
                       "compare/incomplete_runs": float(len(runs.problems))}
            for r in matrix.table.itertuples(index=False):
                if not math.isnan(r.score):
                    metrics[f"compare/score/{r.architecture}/{r.condition}"] = float(r.score)
            mlflow.log_metrics(metrics)
            from npp_rl.comparison.tensorboard import log_matrix

            log_matrix(matrix.table, str(out / "tensorboard"))
            if champion.get("version"):
                mlflow.set_tags({"npp_rl.champion_uri": champion["uri"], "npp_rl.champion_version": champion["version"],
                                 "npp_rl.champion_run_id": champion["train_run_id"]})
            run_id = run.info.run_id
        return CompareResult(run_id, matrix, champion, out)
    finally:
        if tmp is not None:
            tmp.cleanup()
