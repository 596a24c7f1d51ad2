"""One sweep trial = (architecture, condition, seed): train, then evaluate on the test split; BC
pretraining once per architecture for the ``pretrained`` condition. These are the functions a Ray
task (or the local loop) runs; each step is the pipeline's own step function, tagged afterwards
with the sweep, the trial and the attempt, and hung under the sweep run.

A step whose FINISHED run this sweep already has is not run again: a re-run of the sweep, and a
retry of a trial whose training finished but whose evaluation failed, pick up where it stopped.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from npp_rl.sweep.config import SweepConfig
from npp_rl.sweep.store import TAG_ATTEMPT, TAG_SWEEP, TAG_TRIAL, last_run_id, retry_locked, set_tags


@dataclass(frozen=True)
class Trial:
    architecture: str
    condition: str
    seed: int

    @property
    def key(self) -> str:
        return f"{self.architecture}/{self.condition}/seed{self.seed}"


def plan(cfg: SweepConfig) -> list[Trial]:
    return [Trial(a, c, s) for a in cfg.architectures for c in cfg.conditions for s in cfg.seeds]


def pretrain_key(arch: str) -> str:
    return f"{arch}/pretrain"


def setup_worker(cfg: SweepConfig) -> None:
    """Point this process at the sweep's tracking target and keep torch to the trial's CPUs."""
    import torch

    from npp_rl import tracking

    tracking.configure(cfg.tracking_uri, quiet=True)
    torch.set_num_threads(max(1, int(cfg.ray.cpus_per_trial)))


def _finished(cfg: SweepConfig, sweep: str, key: str, step: str) -> str | None:
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking

    exp = tracking.get_or_create_experiment(cfg.experiment_name)
    f = (f"tags.`{TAG_SWEEP}` = '{sweep}' and tags.`{TAG_TRIAL}` = '{key}' and "
         f"tags.`{tracking.TAG_STEP}` = '{step}' and attributes.status = 'FINISHED'")
    runs = retry_locked(lambda: MlflowClient().search_runs([exp], f, max_results=1,
                                                          order_by=["attributes.start_time DESC"]))
    return runs[0].info.run_id if runs else None


def _failed_attempts(cfg: SweepConfig, sweep: str, key: str) -> int:
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking

    exp = tracking.get_or_create_experiment(cfg.experiment_name)
    f = f"tags.`{TAG_SWEEP}` = '{sweep}' and tags.`{TAG_TRIAL}` = '{key}' and attributes.status = 'FAILED'"
    return len(retry_locked(lambda: MlflowClient().search_runs([exp], f, max_results=1000)))


def _step(fn, sweep: str, parent: str, key: str, attempt: int, tags: dict) -> str:
    """Run one step function; tag its run (also when it failed) with the sweep, trial and attempt."""
    before = last_run_id()
    try:
        run_id = fn()
    except BaseException:
        failed = last_run_id()
        if failed and failed != before:
            set_tags(failed, {TAG_SWEEP: sweep, TAG_TRIAL: key, TAG_ATTEMPT: attempt, "mlflow.parentRunId": parent,
                              **tags})
        raise
    set_tags(run_id, {TAG_SWEEP: sweep, TAG_TRIAL: key, TAG_ATTEMPT: attempt, "mlflow.parentRunId": parent, **tags})
    return run_id


def pretrain_job(cfg: SweepConfig, sweep: str, parent: str, arch: str) -> str:
    """BC-pretrain ``arch`` for the sweep (or find the run a previous attempt finished)."""
    from npp_rl.pipeline import pretrain_step, replay_dir

    setup_worker(cfg)
    key = pretrain_key(arch)
    done = _finished(cfg, sweep, key, "pretrain")
    if done:
        return done
    attempt = _failed_attempts(cfg, sweep, key) + 1
    over = {"torch_threads": max(1, int(cfg.ray.cpus_per_trial)), **cfg.pretrain}
    return _step(lambda: pretrain_step(cfg.experiment_name, arch, replay_dir(cfg.train_dataset), cfg.seeds[0],
                                       str(Path(cfg.output_dir) / "pretrain" / arch), over), sweep, parent, key, attempt, {})


def trial_job(cfg: SweepConfig, sweep: str, parent: str, trial: Trial, init_from: str | None = None) -> dict:
    """Train (unless this sweep has the trial's FINISHED train run) and evaluate one trial."""
    from mlflow.tracking import MlflowClient

    from npp_rl.pipeline import evaluate_step, train_step

    setup_worker(cfg)
    t0 = time.monotonic()
    key = trial.key
    attempt = _failed_attempts(cfg, sweep, key) + 1
    train_id = _finished(cfg, sweep, key, "train")
    if train_id is None:
        over = {"total_timesteps": cfg.total_timesteps, "num_envs": cfg.num_envs, "progress_bar": False,
                "torch_threads": max(1, int(cfg.ray.cpus_per_trial)), **cfg.train}
        if trial.condition == "pretrained" and not init_from:
            raise ValueError(f"trial {key}: the pretrained condition needs the pretrain run id")
        init = init_from if trial.condition == "pretrained" else None
        train_id = _step(lambda: train_step(cfg.experiment_name, trial.architecture, cfg.train_dataset, trial.seed,
                                            init, str(Path(cfg.output_dir) / "train"), over), sweep, parent, key, attempt, {})
    eval_id = _step(lambda: evaluate_step(cfg.experiment_name, train_id, cfg.test_dataset, trial.seed,
                                          f"trial {key}", cfg.evaluate),
                    sweep, parent, key, attempt, {})
    metrics = retry_locked(lambda: MlflowClient().get_run(eval_id).data.metrics)
    return {"trial": key, "architecture": trial.architecture, "condition": trial.condition, "seed": trial.seed,
            "train_run_id": train_id, "eval_run_id": eval_id, "attempt": attempt,
            "success_rate": metrics.get("eval/overall/success_rate"), "seconds": time.monotonic() - t0,
            "pid": os.getpid(), "host": os.uname().nodename}
