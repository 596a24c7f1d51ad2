"""Scale-out: a sweep of trials on Ray, and hyperparameter search with Optuna."""

from __future__ import annotations

import click
import yaml

from npp_rl.cli._app import main
from npp_rl.cli._common import COUNT, Greedy, none_word, split_names


def _ray_options(address, num_cpus, cpus_per_trial, gpus_per_trial):
    from npp_rl.sweep import RayOptions

    try:
        return RayOptions(address=none_word(address), num_cpus=num_cpus or None, cpus_per_trial=cpus_per_trial,
                          gpus_per_trial=gpus_per_trial)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _ray_flags(f):
    for opt in reversed([
        click.option("--address", default=None, help="Ray cluster to join (auto, HOST:PORT, ray://HOST:10001); "
                                                     "default: start a local Ray."),
        click.option("--num-cpus", type=COUNT, default=None, help="CPUs of the local Ray [all of this machine's]."),
        click.option("--cpus-per-trial", type=float, default=1.0, show_default=True),
        click.option("--gpus-per-trial", type=float, default=0.0, show_default=True),
    ]):
        f = opt(f)
    return f


def _sets(values, flag: str) -> dict:
    out = {}
    for o in values:
        k, sep, v = o.partition("=")
        if not sep or not k.strip():
            raise click.BadParameter(f"{o!r}: expected KEY=VALUE", param_hint=flag)
        out[k.strip()] = yaml.safe_load(v)
    return out


@main.command("sweep")
@click.option("--experiment-name", required=True, help="MLflow experiment of the sweep and its trials.")
@click.option("--architectures", cls=Greedy, required=True, help="Architectures: A B, A,B or repeat the flag.")
@click.option("--conditions", cls=Greedy, default=("scratch",), show_default=True,
              help="scratch and/or pretrained (BC-pretrained once per architecture).")
@click.option("--seeds", cls=Greedy, default=("0",), show_default=True, help="Seeds: 0 1 2, 0,1,2 or repeat the flag.")
@click.option("--train-dataset", type=click.Path(file_okay=False), required=True, help="Level dataset trained on.")
@click.option("--test-dataset", type=click.Path(file_okay=False), required=True,
              help="Level dataset whose test split every trial is evaluated on.")
@click.option("--total-timesteps", type=COUNT, default=100_000, show_default=True)
@click.option("--num-envs", type=COUNT, default=16, show_default=True)
@click.option("--backend", type=click.Choice(["ray", "local"]), default="ray", show_default=True,
              help="ray: each trial a Ray task; local: in sequence in this process, without Ray.")
@_ray_flags
@click.option("--max-retries", type=COUNT, default=1, show_default=True, help="Re-runs of a trial that raised.")
@click.option("--name", default=None, help="Sweep name (re-running a name resumes it) [derived from the grid].")
@click.option("--train-set", "train_set", multiple=True, metavar="KEY=VALUE",
              help="TrainConfig override for every trial, e.g. eval_freq=2048 or hyperparams_file=best.yaml.")
@click.option("--eval-set", "eval_set", multiple=True, metavar="KEY=VALUE", help="EvalConfig override, e.g. videos=false.")
@click.option("--pretrain-set", "pretrain_set", multiple=True, metavar="KEY=VALUE", help="PretrainConfig override.")
@click.option("--no-compare", is_flag=True, help="Do not end with compare.")
@click.option("--output-dir", default=".npp-rl/sweep", show_default=True, type=click.Path(file_okay=False))
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def sweep_cmd(experiment_name, architectures, conditions, seeds, train_dataset, test_dataset, total_timesteps,
              num_envs, backend, address, num_cpus, cpus_per_trial, gpus_per_trial, max_retries, name, train_set,
              eval_set, pretrain_set, no_compare, output_dir, tracking_uri) -> None:
    """Trials (architectures x conditions x seeds: pretrain where needed, train, evaluate) on Ray,
    tracked under one sweep run; failed trials retried and reported; ends with compare."""
    from npp_rl.sweep import SweepConfig, run_sweep
    from npp_rl.sweep.ray_backend import RayMissing
    from npp_rl.tracking import TrackingError

    try:
        seed_list = [int(s) for s in split_names(seeds)]
    except ValueError:
        raise click.BadParameter(f"{' '.join(seeds)!r}: seeds must be integers", param_hint="--seeds") from None
    try:
        cfg = SweepConfig(experiment_name=experiment_name, train_dataset=train_dataset, test_dataset=test_dataset,
                          architectures=split_names(architectures), conditions=split_names(conditions),
                          seeds=seed_list, total_timesteps=total_timesteps, num_envs=num_envs, name=name,
                          backend=backend, ray=_ray_options(address, num_cpus, cpus_per_trial, gpus_per_trial),
                          max_retries=max_retries, tracking_uri=tracking_uri, output_dir=output_dir,
                          train=_sets(train_set, "--train-set"), evaluate=_sets(eval_set, "--eval-set"),
                          pretrain=_sets(pretrain_set, "--pretrain-set"), compare=not no_compare)
        res = run_sweep(cfg)
    except (ValueError, FileNotFoundError, TrackingError, RayMissing) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{'trial':<36}{'status':<10}{'test success':>13}  train run")
    for t in sorted(res.trials, key=lambda t: t["trial"]):
        s = t.get("success_rate")
        click.echo(f"{t['trial']:<36}{t['status']:<10}{'-' if s is None else f'{s:.3f}':>13}  "
                   f"{t.get('train_run_id') or t.get('error', '')[:60]}")
    click.echo(f"sweep {res.name}: {res.seconds:.0f}s; compare run {res.compare_run_id or '-'}")
    click.echo(f"run_id={res.run_id}")
    if res.failed:
        raise click.ClickException(f"{len(res.failed)} trial(s) failed: {', '.join(t['trial'] for t in res.failed)}")


@main.command("tune")
@click.option("--experiment-name", required=True, help="MLflow experiment of the tune run and its trials.")
@click.option("--architecture", required=True, help="Architecture whose PPO hyperparameters are searched.")
@click.option("--train-dataset", type=click.Path(file_okay=False), required=True,
              help="Level dataset; trials are scored on its held-back training levels.")
@click.option("--trials", type=COUNT, default=20, show_default=True, help="Finished (complete or pruned) trials.")
@click.option("--out", type=click.Path(dir_okay=False), default="best.yaml", show_default=True,
              help="Hyperparameter YAML of the best trial (for `npp-rl train --hyperparams`).")
@click.option("--backend", type=click.Choice(["optuna", "ray"]), default="optuna", show_default=True,
              help="optuna: trials in this process; ray: Ray Tune with the Optuna searcher.")
@click.option("--total-timesteps", type=COUNT, default=50_000, show_default=True, help="Steps per trial.")
@click.option("--num-envs", type=COUNT, default=16, show_default=True)
@click.option("--evals-per-trial", type=COUNT, default=4, show_default=True, help="Pruning checkpoints per trial.")
@click.option("--eval-episodes", type=COUNT, default=20, show_default=True, help="Held-back episodes per check.")
@click.option("--study-name", default=None, help="Optuna study (re-running continues it) [<experiment>-<arch>].")
@click.option("--storage", default=None, help="Optuna storage: a database URL or a .journal file "
                                              "[optuna.db beside the embedded tracking database].")
@click.option("--sampler-seed", type=COUNT, default=0, show_default=True)
@click.option("--seed", type=COUNT, default=0, show_default=True, help="Training seed of every trial.")
@click.option("--n-startup-trials", type=COUNT, default=4, show_default=True,
              help="Random trials before TPE, and finished trials before the median pruner acts.")
@click.option("--space", "space", multiple=True, metavar="NAME=SPEC",
              help="Override a search-space entry, e.g. 'n_epochs={type: int, low: 1, high: 4}'.")
@_ray_flags
@click.option("--output-dir", default=".npp-rl/tune", show_default=True, type=click.Path(file_okay=False))
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (default: env, then embedded).")
def tune_cmd(experiment_name, architecture, train_dataset, trials, out, backend, total_timesteps, num_envs,
             evals_per_trial, eval_episodes, study_name, storage, sampler_seed, seed, n_startup_trials, space,
             address, num_cpus, cpus_per_trial, gpus_per_trial, output_dir, tracking_uri) -> None:
    """PPO hyperparameter search (Optuna TPE, median pruner on held-back success); each trial an
    MLflow run under one tune run; writes the best values as a --hyperparams YAML."""
    from npp_rl.sweep import TuneConfig, run_tune
    from npp_rl.tracking import TrackingError

    try:
        cfg = TuneConfig(experiment_name=experiment_name, train_dataset=train_dataset, architecture=architecture,
                         trials=trials, out=out, total_timesteps=total_timesteps, num_envs=num_envs,
                         evals_per_trial=evals_per_trial, eval_episodes=eval_episodes, backend=backend,
                         ray=_ray_options(address, num_cpus, cpus_per_trial, gpus_per_trial),
                         study_name=study_name, storage=storage, sampler_seed=sampler_seed, seed=seed,
                         n_startup_trials=n_startup_trials, space=_sets(space, "--space"),
                         tracking_uri=tracking_uri, output_dir=output_dir)
        res = run_tune(cfg)
    except (ValueError, FileNotFoundError, TrackingError, RuntimeError) as e:
        raise click.ClickException(str(e)) from None
    states = {s: sum(t["state"] == s for t in res.trials) for s in ("COMPLETE", "PRUNED", "FAIL")}
    click.echo(f"study {res.study_name}: {states['COMPLETE']} complete, {states['PRUNED']} pruned, "
               f"{states['FAIL']} failed")
    click.echo(f"best trial {res.best_trial}: objective {res.best_value:.4f}")
    for k, v in res.best_params.items():
        click.echo(f"  {k}: {v}")
    click.echo(f"hyperparameters: {res.out}  (npp-rl train --hyperparams {res.out} ...)")
    click.echo(f"run_id={res.run_id}")
