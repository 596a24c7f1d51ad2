"""Evaluation of a policy on a test suite."""

from __future__ import annotations

import click

from npp_rl.cli._app import main


@main.command("evaluate")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--model", required=True,
              help="RUN_ID (a parent run evaluates all its children) or MODEL_URI (models:/npp-rl-<arch>@champion ...).")
@click.option("--test-dataset", required=True, type=click.Path(), help="Dataset or folder of N++ levels.")
@click.option("--episodes-per-level", type=int, default=1, show_default=True, help="Episodes per level.")
@click.option("--stochastic", is_flag=True, help="Sample actions instead of taking the most likely one.")
@click.option("--n-envs", type=int, default=32, show_default=True, help="Levels played at once.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--no-videos", is_flag=True, help="Do not log episode GIFs.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def evaluate_cmd(stochastic: bool, no_videos: bool, **kw) -> None:
    """Evaluate a policy on a test suite, per category (an `evaluate` run linked to the training run)."""
    from npp_rl import tracking
    from npp_rl.evaluation import EvalConfig, ModelNotFoundError, SuiteError, evaluate
    from npp_rl.evaluation.table import category_table, expand_model

    if kw["episodes_per_level"] < 1:
        raise click.BadParameter("must be >= 1", param_hint="--episodes-per-level")
    try:
        tracking.configure(kw["tracking_uri"], quiet=True)
        models = expand_model(kw.pop("model"))
        for i, model in enumerate(models, 1):
            if len(models) > 1:
                click.echo(f"[{i}/{len(models)}] evaluating {model}", err=True)
            run_id = evaluate(EvalConfig(model=model, deterministic=not stochastic, videos=not no_videos, **kw))
            click.echo(category_table(run_id))
            click.echo(f"run_id={run_id}")
    except (ModelNotFoundError, SuiteError, tracking.TrackingError) as e:
        raise click.ClickException(str(e)) from None
