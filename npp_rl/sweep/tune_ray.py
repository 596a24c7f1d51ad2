"""The ``tune`` study on a Ray cluster: Ray Tune runs the trial function (:func:`npp_rl.sweep.tune_trial.run_trial`)
as trials with their resources, Optuna's TPE proposes the values (``OptunaSearch``, same storage and
study name as the in-process backend) and Ray's median stopping rule prunes."""

from __future__ import annotations

from pathlib import Path

from npp_rl.sweep.config import TuneConfig
from npp_rl.sweep.space import suggest
from npp_rl.sweep.tune_trial import mark, run_trial, say


def _trainable(config: dict, cfg: TuneConfig = None, parent: str = "", study: str = "", space: dict = None):
    import torch
    from ray import tune

    from npp_rl import tracking

    tracking.configure(cfg.tracking_uri, quiet=True)
    torch.set_num_threads(max(1, int(cfg.ray.cpus_per_trial)))
    params = {k: config[k] for k in space}
    number = tune.get_context().get_trial_id()

    def report(value, step, run_id):
        tune.report({"objective": value, "global_step": step, "run_id": run_id})

    run_id, value = run_trial(cfg, parent, study, number, params, report)
    tune.report({"objective": value, "global_step": cfg.total_timesteps, "run_id": run_id, "done_run": 1})


def run_ray_tune(cfg: TuneConfig, space: dict, parent: str, study: str, storage, n: int, sampler) -> None:
    from ray import tune
    from ray.tune.schedulers import MedianStoppingRule
    from ray.tune.search.optuna import OptunaSearch

    from npp_rl.sweep import ray_backend as R

    ray, head = R.connect(cfg.ray, cfg.tracking_uri, Path(cfg.output_dir))
    try:
        def define(trial):
            suggest(trial, space)

        searcher = OptunaSearch(space=define, sampler=sampler, study_name=study, storage=storage)
        scheduler = MedianStoppingRule(time_attr="training_iteration", grace_period=1,
                                       min_samples_required=cfg.n_startup_trials)
        trainable = tune.with_resources(
            tune.with_parameters(_trainable, cfg=cfg, parent=parent, study=study, space=space),
            {"cpu": cfg.ray.cpus_per_trial, "gpu": cfg.ray.gpus_per_trial})
        tuner = tune.Tuner(trainable, tune_config=tune.TuneConfig(
            search_alg=searcher, scheduler=scheduler, num_samples=n, metric="objective", mode="max"),
            run_config=tune.RunConfig(name=study, storage_path=str(Path(cfg.output_dir) / "ray_results"),
                                      verbose=1))
        results = tuner.fit()
        for r in results:
            m = r.metrics or {}
            run_id = m.get("run_id")
            if r.error is not None:
                mark(run_id, "FAIL")
            elif not m.get("done_run"):
                mark(run_id, "PRUNED")  # stopped by the median rule: its actor ended mid-training
            say(f"ray trial {m.get('trial_id')}: objective {m.get('objective')} "
                 f"{'(stopped early)' if not m.get('done_run') else ''}")
    finally:
        R.disconnect(ray, head)
