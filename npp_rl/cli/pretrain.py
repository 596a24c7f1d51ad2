"""Behavioural-cloning and DAgger pretraining."""

from __future__ import annotations

import os

import click

from npp_rl.cli._app import main


@main.command("pretrain")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--architecture", required=True, help="Architecture name (see `npp-rl architectures`).")
@click.option("--method", type=click.Choice(["bc", "dagger"]), default="bc", show_default=True,
              help="bc: clone the solver's demonstrations; dagger: then DAgger iterations with the solver as expert.")
@click.option("--replay-data-dir", required=True, type=click.Path(), help="Folder searched recursively for replays.")
@click.option("--levels", type=click.Path(), default=None,
              help="Level dataset(s) whose eval/test levels are held out, where DAgger plays and held-back success "
                   "is measured (default: the datasets --replay-data-dir belongs to or holds).")
@click.option("--bc-epochs", type=int, default=10, show_default=True)
@click.option("--bc-batch-size", type=int, default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.option("--mixed-rule", type=click.Choice(["majority", "first", "drop"]), default="majority", show_default=True,
              help="Label of decision windows whose input changes mid-window.")
@click.option("--include-test-split", is_flag=True, help="Also learn from replays under test/ folders.")
@click.option("--no-value-warm-start", is_flag=True, help="Train the action head only (no value regression).")
@click.option("--balance-classes", is_flag=True, help="Weight the cross-entropy by inverse action frequency.")
@click.option("--buffer-shards", type=click.IntRange(min=1), default=4, show_default=True,
              help="Dataset shards held in memory at a time (bounds memory).")
@click.option("--dagger-iterations", type=click.IntRange(min=0), default=3, show_default=True)
@click.option("--dagger-levels-per-iteration", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--dagger-epochs", type=click.IntRange(min=1), default=3, show_default=True,
              help="BC epochs over the aggregate per DAgger iteration.")
@click.option("--dagger-label-every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Label every k-th state the learner visits.")
@click.option("--dagger-num-envs", type=click.IntRange(min=1), default=16, show_default=True,
              help="Worlds stepped together in DAgger's rollouts and the held-back measurement.")
@click.option("--dagger-rollout", type=click.Choice(["greedy", "sampled"]), default="greedy", show_default=True)
@click.option("--dagger-max-steps-factor", type=click.FloatRange(min=0), default=2.0, show_default=True,
              help="Stop a collecting episode after this many times the level's solution length (0 = env budget).")
@click.option("--solver-max-iterations", type=click.IntRange(min=1), default=150, show_default=True,
              help="The expert's search budget per labelled state; one iteration extends a path by one action, so "
                   "states more than this many actions from a win get no label.")
@click.option("--solver-time-limit", "solver_time_limit_s", type=click.FloatRange(min=0, min_open=True), default=5.0,
              show_default=True, help="The expert's wall-clock budget per labelled state, seconds.")
@click.option("--eval-levels", type=click.IntRange(min=-1), default=0, show_default=True,
              help="Held-back levels on which learner success is measured (0 = all, -1 = none).")
@click.option("--output-dir", default=".npp-rl/pretrain", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-register", is_flag=True, help="Do not log/register the BC policy as a model.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def pretrain_cmd(no_value_warm_start, no_register, no_progress, **kw) -> None:
    """Behavioural cloning (and DAgger) into the PPO policy's network; prints the run id."""
    from npp_rl.pretraining import PretrainConfig, pretrain

    for opt in ("replay_data_dir", "levels"):
        if kw[opt] is not None and not os.path.exists(kw[opt]):
            raise click.BadParameter(f"{kw[opt]}: no such folder", param_hint="--" + opt.replace("_", "-"))
    try:
        run_id = pretrain(PretrainConfig(value_warm_start=not no_value_warm_start, register=not no_register,
                                         progress=not no_progress, **kw))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"run_id={run_id}")
