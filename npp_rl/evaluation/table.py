"""What ``npp-rl evaluate`` prints: the per-category results of an evaluate run as a table."""

from __future__ import annotations

COLUMNS = (("success_rate", "success"), ("success_ci_low", "ci_low"), ("success_ci_high", "ci_high"),
           ("efficiency", "effic."), ("safety", "safety"), ("steps_mean", "steps"), ("episodes", "episodes"))


def category_table(eval_run_id: str) -> str:
    """One line per category (``overall`` last) from the run's ``eval/<category>/<metric>`` metrics."""
    from mlflow.tracking import MlflowClient

    run = MlflowClient().get_run(eval_run_id)
    m = run.data.metrics
    cats = sorted({k.split("/")[1] for k in m if k.startswith("eval/") and k.count("/") == 2} - {"overall"})
    lines = [f"{'category':<14}" + "".join(f"{h:>10}" for _, h in COLUMNS)]
    for cat in [*cats, "overall"]:
        cells = []
        for key, _ in COLUMNS:
            v = m.get(f"eval/{cat}/{key}")
            cells.append(f"{'-':>10}" if v is None else (f"{int(v):>10d}" if key == "episodes" else f"{v:>10.3f}"))
        lines.append(f"{cat:<14}" + "".join(cells))
    arch = run.data.tags.get("npp_rl.architecture", "?")
    cond = run.data.tags.get("npp_rl.condition", "?")
    head = f"evaluate run {eval_run_id} ({arch}, {cond}; policy {run.data.params.get('eval.policy_mode', '?')}, " \
           f"precision {run.data.params.get('eval.precision', 'fp32')})"
    return "\n".join([head, *lines])


def expand_model(model: str) -> list[str]:
    """A parent training run (no model of its own) -> its children's run ids; anything else as given."""
    s = str(model).strip()
    if "/" in s or ":" in s or len(s) != 32:
        return [s]
    from mlflow.exceptions import MlflowException

    from npp_rl.training.results import trained_runs

    try:
        runs = trained_runs(s)
    except MlflowException:
        return [s]  # resolve_model will name the problem
    return [r["run_id"] for r in runs] or [s]
