"""``run_tune(config) -> TuneResult``: PPO hyperparameter search with Optuna (TPE sampler, median
pruner on held-back success), every trial an MLflow ``train`` run under one ``tune`` run, the best
trial's values written as a hyperparameter YAML that ``npp-rl train --hyperparams`` reads.

Trials are scored on held-back *training* levels (the training step's own periodic evaluation),
never on the test split, which stays for ``evaluate``/``compare``. The study lives in Optuna storage
(see :func:`default_storage`), so a re-run with the same study name continues it. ``backend="ray"``
runs the same trial function through Ray Tune with Optuna's searcher and Ray's median stopping rule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from npp_rl.sweep.config import TuneConfig
from npp_rl.sweep.space import load_space, suggest, write_best_yaml
from npp_rl.sweep.store import retry_locked, sqlite_path
from npp_rl.sweep.tune_trial import TAG_STUDY, mark, run_trial, say


@dataclass
class TuneResult:
    run_id: str
    """The tune (parent) run."""
    study_name: str
    best_params: dict
    best_value: float
    best_trial: int
    out: Path
    """The written hyperparameter YAML."""
    trials: list[dict] = field(default_factory=list)
    """number, state (COMPLETE | PRUNED | FAIL), value, run id, params."""


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise RuntimeError("npp-rl tune needs Optuna: pip install 'npp-rl[ray]'") from None
    return optuna


def default_storage(cfg: TuneConfig, tracking_uri: str) -> str:
    """Beside the embedded tracking database (``optuna.db`` next to ``mlflow.db``: Optuna and MLflow
    both keep an ``alembic_version`` table, so they cannot share one schema), else a journal file."""
    db = sqlite_path(tracking_uri)
    if db:
        return f"sqlite:///{Path(db).parent / 'optuna.db'}"
    return str(Path(cfg.output_dir) / "optuna.journal")


def open_storage(spec: str):
    """A database URL (``sqlite:///``, ``postgresql://``...) or a journal file path."""
    optuna = import_optuna()
    if "://" in spec:
        return optuna.storages.RDBStorage(spec, engine_kwargs={"connect_args": {"timeout": 30}}
                                          if spec.startswith("sqlite") else None)
    from optuna.storages.journal import JournalFileBackend

    Path(spec).parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(spec)))


def describe_storage(spec: str) -> str:
    """The storage for printing: a file or a SQLite path as is, a server URL without its credentials."""
    if "://" in spec and "@" in spec.split("://", 1)[1]:
        scheme, rest = spec.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return spec


def _objective(cfg: TuneConfig, space: dict, parent: str, study: str):
    optuna = import_optuna()

    def objective(trial):
        params = suggest(trial, space)
        holder: dict = {}

        def report(value, step, run_id):
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned(f"held-back objective {value:.3f} at step {step} is below the median")

        from npp_rl.sweep.store import last_run_id

        before = last_run_id()
        try:
            run_id, value = run_trial(cfg, parent, study, trial.number, params, report)
            holder["run_id"] = run_id
        except optuna.TrialPruned:
            run_id = last_run_id()
            mark(run_id if run_id != before else None, "PRUNED")
            say(f"trial {trial.number}: pruned {params}")
            raise
        except Exception:
            run_id = last_run_id()
            mark(run_id if run_id != before else None, "FAIL")
            raise
        if value is None:
            raise RuntimeError(f"trial {trial.number}: training reported no held-back evaluation")
        trial.set_user_attr("run_id", run_id)
        mark(run_id, "COMPLETE", value)
        say(f"trial {trial.number}: objective {value:.4f} {params}")
        return value

    return objective


def _parent_run(client, exp_id: str, study: str, cfg: TuneConfig, storage: str) -> str:
    from mlflow.entities import Param

    from npp_rl import tracking

    f = f"tags.`{tracking.TAG_STEP}` = 'tune' and tags.`{TAG_STUDY}` = '{study}'"
    found = retry_locked(lambda: client.search_runs([exp_id], f, max_results=1,
                                                    order_by=["attributes.start_time DESC"]))
    if found:
        run_id = found[0].info.run_id
        client.update_run(run_id, status="RUNNING")
        return run_id
    run_id = client.create_run(exp_id, run_name=f"tune:{study}", tags={
        tracking.TAG_STEP: "tune", TAG_STUDY: study, tracking.TAG_ARCH: cfg.architecture,
        "npp_rl.tune.storage": describe_storage(storage)}).info.run_id
    client.log_dict(run_id, tracking.config_to_dict(cfg), "config.json")
    params = [Param(k, v) for k, v in tracking.flatten_config(cfg).items()]
    for i in range(0, len(params), 100):
        client.log_batch(run_id, params=params[i:i + 100])
    return run_id


def run_tune(cfg: TuneConfig) -> TuneResult:
    """Run (or continue) the study up to ``cfg.trials`` finished trials; write the best YAML."""
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking
    from npp_rl.sweep.store import enable_wal

    optuna = import_optuna()
    target = tracking.configure(cfg.tracking_uri)
    if not Path(cfg.train_dataset).is_dir():
        raise FileNotFoundError(f"--train-dataset {cfg.train_dataset}: no such folder")
    cfg = dataclasses.replace(cfg, train_dataset=str(Path(cfg.train_dataset).resolve()),
                              output_dir=str(Path(cfg.output_dir).resolve()), tracking_uri=target.uri)
    space = load_space(cfg.space)
    study_name = cfg.study_name or f"{cfg.experiment_name}-{cfg.architecture}"
    storage = cfg.storage or default_storage(cfg, target.uri)
    exp_id = tracking.get_or_create_experiment(cfg.experiment_name)
    enable_wal(target.uri)
    client = MlflowClient()
    parent = _parent_run(client, exp_id, study_name, cfg, storage)
    sampler = optuna.samplers.TPESampler(seed=cfg.sampler_seed, n_startup_trials=cfg.n_startup_trials)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=cfg.n_startup_trials, n_warmup_steps=0)
    study = optuna.create_study(study_name=study_name, storage=open_storage(storage), direction="maximize",
                                sampler=sampler, pruner=pruner, load_if_exists=True)
    counted = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    remaining = cfg.trials - len(study.get_trials(deepcopy=False, states=counted))
    say(f"study {study_name} in {describe_storage(storage)}: {cfg.trials - remaining} trials done, "
         f"{max(remaining, 0)} to run on {cfg.backend}; tune run {parent}")
    status = "FAILED"
    try:
        if remaining > 0 and cfg.backend == "optuna":
            study.optimize(_objective(cfg, space, parent, study_name), n_trials=remaining, catch=(Exception,),
                           gc_after_trial=True)
        elif remaining > 0:
            from npp_rl.sweep.tune_ray import run_ray_tune

            run_ray_tune(cfg, space, parent, study_name, open_storage(storage), remaining, sampler)
            study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
        result = _finish(cfg, client, parent, study)
        status = "FINISHED"
        return result
    finally:
        retry_locked(lambda: client.set_terminated(parent, status))


def _finish(cfg: TuneConfig, client, parent: str, study) -> TuneResult:
    optuna = import_optuna()
    trials = [{"number": t.number, "state": t.state.name, "value": t.value, "params": t.params,
               "run_id": t.user_attrs.get("run_id")} for t in study.get_trials(deepcopy=False)]
    complete = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))]
    if not complete:
        raise RuntimeError(f"study {study.study_name}: no trial completed ({len(trials)} tried); see the tune run {parent}")
    best = study.best_trial
    out = write_best_yaml(cfg.out, cfg.architecture, best.params, {
        "study": study.study_name, "trial": best.number, "objective": f"{best.value:.4f}",
        "train run": best.user_attrs.get("run_id"), "tune run": parent,
        "budget": f"{cfg.total_timesteps} steps x {cfg.num_envs} envs, {cfg.eval_episodes} held-back episodes"})
    client.log_artifact(parent, str(out))
    client.log_dict(parent, {"best_trial": best.number, "best_value": best.value, "best_params": best.params,
                             "trials": trials}, "study.json")
    for k, v in best.params.items():
        client.set_tag(parent, f"npp_rl.tune.best.{k}", str(v))
    client.log_metric(parent, "tune/best_value", float(best.value))
    for s in ("COMPLETE", "PRUNED", "FAIL"):
        client.log_metric(parent, f"tune/trials_{s.lower()}", sum(t["state"] == s for t in trials))
    say(f"best trial {best.number}: objective {best.value:.4f} {best.params} -> {out}")
    return TuneResult(parent, study.study_name, dict(best.params), float(best.value), best.number, out, trials)
