"""npp_rl.sweep: fan-out of trials and hyperparameter search on Ray / Optuna, every trial MLflow runs.

Public API::

    SweepConfig(experiment_name, train_dataset, test_dataset, architectures, conditions, seeds,
                total_timesteps, num_envs, backend="ray"|"local", ray=RayOptions(address, num_cpus,
                cpus_per_trial, gpus_per_trial), max_retries=1, ...)
    run_sweep(config) -> SweepResult(run_id, name, trials, compare_run_id, seconds)
        # what ``npp-rl sweep`` calls: each trial (pretrain where needed, train, evaluate) a Ray task,
        # its runs under one ``sweep`` run; FINISHED trials skipped on a re-run; ends with compare
    TuneConfig(experiment_name, train_dataset, architecture, trials, out, backend="optuna"|"ray", ...)
    run_tune(config) -> TuneResult(run_id, study_name, best_params, best_value, best_trial, out, trials)
        # what ``npp-rl tune`` calls: Optuna TPE + median pruner on held-back success; best YAML
    load_space(overrides) / suggest(trial, space) / write_best_yaml(path, arch, params, about)

Docs: ``docs/scale-out.md``. Ray and Optuna are the optional extra ``npp-rl[ray]``; both are imported
only when a command needs them.
"""

from npp_rl.sweep.config import RayOptions, SweepConfig, TuneConfig
from npp_rl.sweep.space import load_space, suggest, write_best_yaml

__all__ = ["RayOptions", "SweepConfig", "SweepResult", "TuneConfig", "TuneResult", "load_space", "run_sweep",
           "run_tune", "suggest", "write_best_yaml"]


def __getattr__(name):  # lazy: MLflow, torch, Ray and Optuna load only when needed
    if name in ("run_sweep", "SweepResult"):
        from npp_rl.sweep import sweep

        return getattr(sweep, name)
    if name in ("run_tune", "TuneResult"):
        from npp_rl.sweep import tune

        return getattr(tune, name)
    raise AttributeError(name)
