"""One ``tune`` trial, shared by the Optuna backend (:mod:`npp_rl.sweep.tune`) and Ray Tune
(:mod:`npp_rl.sweep.tune_ray`): the training overrides a trial's parameters make, the training itself with
its held-back evaluations reported, and the trial's state tags."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from npp_rl.sweep.config import TuneConfig
from npp_rl.sweep.space import objective_value
from npp_rl.sweep.store import retry_locked, set_tags

TAG_STUDY = "npp_rl.tune.study"
TAG_TRIAL = "npp_rl.tune.trial"
TAG_STATE = "npp_rl.tune.state"

def say(msg: str) -> None:
    print(f"[tune {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)



def train_overrides(cfg: TuneConfig, params: dict) -> dict:
    """The TrainConfig fields of one trial: its hyperparameters and the trial budget."""
    eval_freq = max(1, cfg.total_timesteps // cfg.evals_per_trial)
    return {"hyperparams": dict(params), "total_timesteps": cfg.total_timesteps, "num_envs": cfg.num_envs,
            "eval_freq": eval_freq, "eval_episodes": cfg.eval_episodes, "save_freq": 0, "progress_bar": False,
            "register": False, "torch_threads": max(1, int(cfg.ray.cpus_per_trial))}


def run_trial(cfg: TuneConfig, parent: str, study: str, number: int, params: dict, report) -> tuple[str, float]:
    """Train one trial; ``report(value, step, run_id)`` sees each held-back evaluation (and may raise to
    stop it: pruning). Returns (train run id, last value); tags the run as the tune run's child."""
    from npp_rl.pipeline import train_step

    state: dict = {"run_id": None, "value": None, "steps": set()}

    def on_eval(run_id, step, metrics):
        if state["run_id"] is None:
            state["run_id"] = run_id
            set_tags(run_id, {"mlflow.parentRunId": parent, TAG_STUDY: study, TAG_TRIAL: number})
        value = objective_value(metrics)
        if value is None or step in state["steps"]:
            return
        state["steps"].add(step)
        state["value"] = value
        report(value, step, run_id)

    run_id = train_step(cfg.experiment_name, cfg.architecture, cfg.train_dataset, cfg.seed, None,
                        str(Path(cfg.output_dir) / "train"), train_overrides(cfg, params), on_eval=on_eval)
    return run_id, state["value"]


def mark(run_id: str | None, state: str, value: float | None = None) -> None:
    from mlflow.tracking import MlflowClient

    if not run_id:
        return
    client = MlflowClient()
    set_tags(run_id, {TAG_STATE: state})
    if value is not None:
        retry_locked(lambda: client.log_metric(run_id, "tune/objective", value))
    if state == "PRUNED":
        retry_locked(lambda: client.set_terminated(run_id, "KILLED"))
