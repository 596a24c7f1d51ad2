"""The whole chain: generate, pretrain, train, evaluate, compare."""

from __future__ import annotations

import click

from npp_rl.cli._app import main
from npp_rl.cli._common import split_names


@main.command("pipeline", context_settings={"allow_extra_args": True})
@click.option("--preset", type=click.Choice(["quick", "full"]), default="quick", show_default=True,
              help="quick: minutes on a laptop CPU; full: the real study (see npp_rl/presets.yaml).")
@click.option("--experiment-name", default="npp-rl", show_default=True)
@click.option("--architectures", multiple=True, help="Override the preset's architectures: --architectures A B (or A,B, or repeat the flag).")
@click.option("--seeds", default=None, help="Override the preset's seeds, e.g. 0,1,2.")
@click.option("--data-dir", default=None, help="Level dataset folder [data/levels-<preset>].")
@click.option("--test-pretraining/--no-test-pretraining", default=None,
              help="Train both conditions (scratch and BC-pretrained) [preset].")
@click.option("--total-timesteps", type=int, default=None, help="Override the preset's steps per training run.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.pass_context
def pipeline_cmd(ctx, preset, experiment_name, architectures, seeds, data_dir, test_pretraining, total_timesteps,
                 tracking_uri) -> None:
    """generate levels -> pretrain -> train -> evaluate -> compare, chained by run ids."""
    from npp_rl.pipeline import PipelineConfig, PipelineError, load_presets, run_pipeline
    from npp_rl.tracking import TrackingError

    base = load_presets()[preset]
    train = dict(base.get("train", {}))
    if total_timesteps:
        train["total_timesteps"] = total_timesteps
    cfg = PipelineConfig.from_preset(
        preset, experiment_name=experiment_name, tracking_uri=tracking_uri, data_dir=data_dir,
        architectures=split_names(list(architectures) + list(ctx.args)) or None,
        seeds=[int(x) for x in seeds.split(",")] if seeds else None,
        test_pretraining=test_pretraining, train=train)
    try:
        run_id = run_pipeline(cfg)
    except (TrackingError, PipelineError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(run_id)
