"""``npp-rl train-and-compare``: the seed design's master script (also ``scripts/train_and_compare.py``)."""

from __future__ import annotations

import click
from click.core import ParameterSource

from npp_rl.cli._app import main
from npp_rl.cli._common import COUNT, none_word, split_names


@main.command("train-and-compare", context_settings={"allow_extra_args": True})
@click.option("--experiment-name", help="Unique experiment identifier (MLflow experiment, folder name).  [required]")
@click.option("--architectures", "archs", multiple=True,
              help="Space-separated architectures: --architectures full_hgt vision_free gat.  [required]")
@click.option("--train-dataset", type=click.Path(), help="Training levels folder.  [required]")
@click.option("--test-dataset", type=click.Path(), help="Test levels folder.  [required]")
@click.option("--total-timesteps", type=COUNT, default=10_000_000, show_default=True, help="Steps per training run.")
@click.option("--num-envs", type=COUNT, default=64, show_default=True, help="Parallel environments per rank.")
@click.option("--eval-freq", type=COUNT, default=100_000, show_default=True, help="Evaluate every N steps.")
@click.option("--save-freq", type=COUNT, default=500_000, show_default=True, help="Checkpoint every N steps.")
@click.option("--test-pretraining", is_flag=True, help="Compare with and without BC pretraining.")
@click.option("--no-pretraining", is_flag=True, help="Skip pretraining entirely (train from scratch).")
@click.option("--replay-data-dir", type=click.Path(), help="Replays for BC [the training dataset's replays].")
@click.option("--bc-epochs", type=COUNT, default=10, show_default=True)
@click.option("--bc-batch-size", type=COUNT, default=64, show_default=True)
@click.option("--num-gpus", type=COUNT, default=1, show_default=True,
              help="GPUs: N>1 = N ranks through torchrun; 0 = CPU; fewer present = a warning and what exists.")
@click.option("--distributed-backend", type=click.Choice(["nccl", "gloo"]), default=None,
              help="Process-group backend [nccl on GPUs, gloo on CPU].")
@click.option("--mixed-precision", is_flag=True, help="bf16 autocast (fp16 + GradScaler where no bf16); GPU only.")
@click.option("--s3-bucket", default=None, help="Upload the experiment folder to this S3 bucket.")
@click.option("--s3-prefix", default="experiments/", show_default=True)
@click.option("--s3-sync-freq", type=COUNT, default=500_000, show_default=True, help="Sync to S3 every N steps.")
@click.option("--output-dir", default="experiments/", show_default=True, type=click.Path(file_okay=False))
@click.option("--resume-from", default=None, help="Experiment folder or its pipeline run id: continue unfinished runs.")
@click.option("--debug", is_flag=True, help="Debug logging and full tracebacks.")
@click.option("--hardware-profile", default=None, help="auto (detect) or cpu | gpu-small | gpu-large.")
@click.option("--seed", type=COUNT, default=0, show_default=True)
@click.option("--eval-episodes", type=COUNT, default=20, show_default=True, help="Episodes per periodic evaluation.")
@click.option("--episodes-per-level", type=COUNT, default=1, show_default=True, help="Final evaluation.")
@click.option("--no-videos", is_flag=True, help="No episode GIFs in evaluation.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a PPO hyperparameter.")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
@click.pass_context
def train_and_compare_cmd(ctx, archs, overrides, no_videos, no_progress, debug, **kw) -> None:
    """Train, evaluate and compare architectures (with/without pretraining) in one command.

    Writes {output-dir}/{name}_{timestamp}/ (config.json, {name}.log, {arch}/{no_pretrain,with_pretrain}/,
    all_results.json, s3_manifest.json) and the same MLflow runs as `npp-rl pipeline`.
    """
    from npp_rl.experiment import ExperimentConfig, ExperimentError, run_experiment
    from npp_rl.experiment.s3 import S3Error
    from npp_rl.tracking import TrackingError

    hp = {}
    for o in overrides:
        k, sep, v = o.partition("=")
        if not sep:
            raise click.BadParameter(f"{o!r}: expected KEY=VALUE", param_hint="--set")
        hp[k.strip()] = v.strip()
    explicit = {n for n in ctx.params if ctx.get_parameter_source(n) == ParameterSource.COMMANDLINE}
    kw["resume_from"] = none_word(kw["resume_from"])
    names = split_names(list(archs) + list(ctx.args))
    if kw["resume_from"]:  # the experiment folder's config.json says the rest
        kw.update(experiment_name=kw["experiment_name"] or "resumed", train_dataset=kw["train_dataset"] or ".",
                  test_dataset=kw["test_dataset"] or ".")
        names = names or ["mlp_baseline"]
    else:
        for flag, value in (("--experiment-name", kw["experiment_name"]), ("--architectures", names),
                            ("--train-dataset", kw["train_dataset"]), ("--test-dataset", kw["test_dataset"])):
            if not value:
                raise click.UsageError(f"Missing option '{flag}' (required unless --resume-from is given).")
    try:
        cfg = ExperimentConfig(architectures=names, hyperparams=hp,
                               videos=not no_videos, progress_bar=not no_progress, debug=debug, **kw)
        res = run_experiment(cfg, explicit=explicit)
    except (ExperimentError, S3Error, TrackingError, FileNotFoundError, ValueError) as e:
        if debug:
            raise
        raise click.ClickException(f"{e}  (run with --debug for the traceback)") from None
    except RuntimeError as e:
        if type(e).__name__ != "OutOfMemoryError" or debug:
            raise
        first = str(e).splitlines()[0] if str(e) else "CUDA out of memory"
        raise click.ClickException(
            f"out of GPU memory ({first}); reduce --num-envs (or --set batch_size=...), add --mixed-precision, or "
            "choose a smaller architecture such as vision_free; finished runs are kept: continue with "
            "--resume-from <experiment folder>. See docs/troubleshooting.md") from None
    click.echo(f"experiment folder: {res.folder}")
    click.echo(f"pipeline run_id={res.pipeline_run_id}")
    for key, e in res.results.get("runs", {}).items():
        sr = (e.get("eval") or {}).get("overall", {}).get("success_rate")
        click.echo(f"  {key:<32} train {e.get('train_run_id')}  model {e.get('model_uri')}  "
                   f"test success {sr if sr is None else f'{sr:.3f}'}")
    champ = (res.results.get("comparison") or {}).get("champion_uri")
    if champ:
        click.echo(f"champion: {champ}")
