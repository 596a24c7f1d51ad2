"""Architectures listing and PPO training."""

from __future__ import annotations

import os

import click

from npp_rl.cli._app import main
from npp_rl.cli._common import COUNT, DURATION, none_word, split_names


@main.command("architectures")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def architectures_cmd(as_json: bool) -> None:
    """List the architectures with their modalities, graph encoder and parameter counts."""
    import json as _json

    from npp_rl.models import ARCHITECTURES, count_parameters

    rows = [{"name": a.name, "modalities": list(a.modalities), "graph_encoder": a.graph_encoder,
             "parameters": count_parameters(a.name), "description": a.description} for a in ARCHITECTURES.values()]
    if as_json:
        click.echo(_json.dumps(rows, indent=2))
        return
    click.echo(f"{'architecture':<16}{'parameters':>11}  {'graph':<6}modalities")
    for r in rows:
        click.echo(f"{r['name']:<16}{r['parameters']:>11,}  {r['graph_encoder'] or '-':<6}{', '.join(r['modalities'])}")
        click.echo(f"{'':<35}{r['description']}")


@main.command("train", context_settings={"allow_extra_args": True})
@click.option("--experiment-name", required=True, help="MLflow experiment.")
@click.option("--architectures", "archs", multiple=True, required=True,
              help="One or more architectures: --architectures A B ... (see `npp-rl architectures`).")
@click.option("--train-dataset", type=click.Path(), help="Level dataset folder.")
@click.option("--total-timesteps", type=COUNT, default=100_000, show_default=True, help="Env steps over all ranks.")
@click.option("--time-budget", "time_budget_s", type=DURATION, default=None,
              help="Wall-clock budget of the training loop (1800, 30m, 2h): stop at the first PPO iteration "
                   "after it (all ranks together); --total-timesteps stays the cap.")
@click.option("--num-envs", type=COUNT, default=16, show_default=True, help="Environments per rank.")
@click.option("--seed", type=COUNT, default=0, show_default=True)
@click.option("--save-freq", type=COUNT, default=50_000, show_default=True, help="Checkpoint every N global steps.")
@click.option("--eval-freq", type=COUNT, default=50_000, show_default=True, help="Evaluate every N global steps.")
@click.option("--eval-episodes", type=COUNT, default=20, show_default=True)
@click.option("--resume-from", help="Run id: continue that run from its last checkpoint.")
@click.option("--init-from", help="Run id or model URI whose full policy weights start training.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True)
@click.option("--tracking-uri", help="MLflow tracking URI (default: MLFLOW_TRACKING_URI or the embedded store).")
@click.option("--output-dir", default=".npp-rl/train", show_default=True, type=click.Path(file_okay=False))
@click.option("--hyperparams", "hyperparams_file", type=click.Path(dir_okay=False), help="PPO hyperparameter YAML.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a PPO hyperparameter.")
@click.option("--env", "env_overrides", multiple=True, metavar="KEY=VALUE",
              help="Override an environment setting (EnvConfig field, e.g. level_sampling=random) "
                   "or a reward term (reward.death=-0.1).")
@click.option("--env-factory", help="module:function building the vector env (default: the N++ env).")
@click.option("--torch-threads", type=int, default=0, help="torch threads per rank (0 = default).")
@click.option("--no-sync-gradients", is_flag=True, hidden=True)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--no-register", is_flag=True, help="Do not log/register the run's policy.")
@click.option("--keep-best/--keep-final", "keep_best", default=True, show_default=True,
              help="The run's policy: the best held-back evaluation's weights (ties: the later), or the last ones.")
@click.option("--mixed-precision", is_flag=True,
              help="Autocast the encoders: bf16 on GPUs that support it, fp16 + GradScaler otherwise (no effect on CPU).")
@click.pass_context
def train_cmd(ctx, archs, train_dataset, overrides, env_overrides, no_sync_gradients, no_progress, no_register, **kw) -> None:
    """Train PPO for one or more architectures (several = one child run each under a parent run).

    Distributed: torchrun --nproc-per-node N $(which npp-rl) train ... (gloo on CPU, NCCL on GPU).
    """
    from npp_rl.models import get_architecture
    from npp_rl.training import TrainConfig, train
    from npp_rl.training.distributed import CollectiveError

    names = split_names(list(archs) + list(ctx.args))
    kw["init_from"], kw["resume_from"] = none_word(kw["init_from"]), none_word(kw["resume_from"])
    for n in names:
        try:
            get_architecture(n)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--architectures") from None
    if train_dataset and not kw.get("env_factory") and not os.path.isdir(train_dataset):
        raise click.BadParameter(f"{train_dataset}: no such folder", param_hint="--train-dataset")
    hp, env = _pairs(overrides, "--set"), _pairs(env_overrides, "--env")
    try:
        cfg = TrainConfig(architectures=names, train_dataset=train_dataset, hyperparams=hp, env=env,
                          sync_gradients=not no_sync_gradients, progress_bar=not no_progress,
                          register=not no_register, **kw)
        run_id = train(cfg)
    except (ValueError, FileNotFoundError, CollectiveError) as e:
        raise click.ClickException(str(e)) from None
    if run_id:
        from npp_rl.training.results import trained_runs

        for r in (trained_runs(run_id) if os.environ.get("RANK", "0") == "0" else []):
            if r["run_id"] != run_id:
                click.echo(f"  {r['architecture']:<16} run_id={r['run_id']}  model_uri={r['model_uri']}")
            else:
                click.echo(f"model_uri={r['model_uri']}")
        click.echo(f"run_id={run_id}")


def _pairs(items, hint: str) -> dict:
    out = {}
    for o in items:
        k, sep, v = o.partition("=")
        if not sep:
            raise click.BadParameter(f"{o!r}: expected KEY=VALUE", param_hint=hint)
        out[k.strip()] = v.strip()
    return out
