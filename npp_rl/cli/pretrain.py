"""Behavioural-cloning pretraining."""

from __future__ import annotations

import os

import click

from npp_rl.cli._app import main


@main.command("pretrain")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--architecture", required=True, help="Architecture name (see `npp-rl architectures`).")
@click.option("--replay-data-dir", required=True, type=click.Path(), help="Folder searched recursively for replays.")
@click.option("--bc-epochs", type=int, default=10, show_default=True)
@click.option("--bc-batch-size", type=int, default=256, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.option("--mixed-rule", type=click.Choice(["majority", "first", "drop"]), default="majority", show_default=True,
              help="Label of decision windows whose input changes mid-window.")
@click.option("--include-test-split", is_flag=True, help="Also learn from replays under test/ folders.")
@click.option("--no-value-warm-start", is_flag=True, help="Train the action head only (no value regression).")
@click.option("--output-dir", default=".npp-rl/pretrain", show_default=True, type=click.Path(file_okay=False))
@click.option("--no-register", is_flag=True, help="Do not log/register the BC policy as a model.")
def pretrain_cmd(no_value_warm_start, no_register, **kw) -> None:
    """Behavioural cloning from replays into the PPO policy's network; prints the run id."""
    from npp_rl.pretraining import PretrainConfig, pretrain

    if not os.path.exists(kw["replay_data_dir"]):
        raise click.BadParameter(f"{kw['replay_data_dir']}: no such folder", param_hint="--replay-data-dir")
    try:
        run_id = pretrain(PretrainConfig(value_warm_start=not no_value_warm_start, register=not no_register, **kw))
    except (ValueError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"run_id={run_id}")
