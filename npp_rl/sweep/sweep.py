"""``run_sweep(config) -> SweepResult``: architectures x conditions x seeds as trials on Ray (or in
sequence), each trial's runs under one ``sweep`` parent run, ending with ``compare``.

The sweep run (tags ``npp_rl.step=sweep``, ``npp_rl.sweep=<name>``) records the config, every
trial's outcome (``sweep.json``: runs, attempt, seconds, worker, error) and ``sweep/*`` counts.
Re-running a sweep of the same name reopens that run and runs only the trials without a FINISHED
evaluate run; a trial that raised is retried ``max_retries`` times (by Ray on the Ray backend) and
then reported failed, while the others go on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from npp_rl.sweep.config import SweepConfig
from npp_rl.sweep.store import TAG_SWEEP, TAG_TRIAL, enable_wal, retry_locked, trial_runs
from npp_rl.sweep.trials import Trial, plan, pretrain_job, trial_job


@dataclass
class SweepResult:
    run_id: str
    """The sweep (parent) run."""
    name: str
    """The sweep's name (tag ``npp_rl.sweep``)."""
    trials: list[dict] = field(default_factory=list)
    """One entry per trial: ``status`` finished | skipped | failed, run ids, seconds, error."""
    compare_run_id: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[dict]:
        return [t for t in self.trials if t["status"] == "failed"]


def _say(msg: str) -> None:
    print(f"[sweep {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sweep_name(cfg: SweepConfig) -> str:
    """A name derived from what makes two sweeps the same study (grid, data, budget, overrides)."""
    from npp_rl.training.trainer import dataset_hash

    key = {"architectures": cfg.architectures, "conditions": cfg.conditions, "seeds": cfg.seeds,
           "train": dataset_hash(cfg.train_dataset), "test": dataset_hash(cfg.test_dataset),
           "total_timesteps": cfg.total_timesteps, "num_envs": cfg.num_envs,
           "overrides": [cfg.train, cfg.pretrain, cfg.evaluate]}
    return "sweep-" + hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _resolved(cfg: SweepConfig, tracking_uri: str) -> SweepConfig:
    """Absolute paths and the resolved tracking URI: workers may start in any folder."""
    for what, path in (("--train-dataset", cfg.train_dataset), ("--test-dataset", cfg.test_dataset)):
        if not Path(path).is_dir():
            raise FileNotFoundError(f"{what} {path}: no such folder")
    return dataclasses.replace(cfg, train_dataset=str(Path(cfg.train_dataset).resolve()),
                               test_dataset=str(Path(cfg.test_dataset).resolve()),
                               output_dir=str(Path(cfg.output_dir).resolve()), tracking_uri=tracking_uri)


def _parent_run(client, exp_id: str, name: str, cfg: SweepConfig) -> tuple[str, bool]:
    """The sweep run of this name (reopened) or a new one; True when it already existed."""
    from mlflow.entities import Param

    from npp_rl import tracking

    f = f"tags.`{tracking.TAG_STEP}` = 'sweep' and tags.`{TAG_SWEEP}` = '{name}'"
    found = retry_locked(lambda: client.search_runs([exp_id], f, max_results=1,
                                                    order_by=["attributes.start_time DESC"]))
    if found:
        run_id = found[0].info.run_id
        retry_locked(lambda: client.update_run(run_id, status="RUNNING"))
        return run_id, True
    run_id = client.create_run(exp_id, run_name=name, tags={
        tracking.TAG_STEP: "sweep", TAG_SWEEP: name, "npp_rl.command": tracking.runs.command_line()[:5000]}).info.run_id
    client.log_dict(run_id, tracking.config_to_dict(cfg), "config.json")
    params = [Param(k, v) for k, v in tracking.flatten_config(cfg).items()]
    for i in range(0, len(params), 100):
        client.log_batch(run_id, params=params[i:i + 100])
    return run_id, False


def _precreate_models(client, architectures) -> None:
    """Register ``npp-rl-<arch>`` before trials race to create it."""
    from mlflow.exceptions import MlflowException

    from npp_rl import tracking

    for arch in architectures:
        try:
            client.get_registered_model(tracking.model_name(arch))
        except MlflowException:
            try:
                client.create_registered_model(tracking.model_name(arch))
            except MlflowException:
                pass


def _done_trials(exp_id: str, name: str) -> dict[str, dict]:
    """Trials of this sweep with a FINISHED evaluate run: key -> their runs."""
    from npp_rl import tracking

    done: dict[str, dict] = {}
    for r in trial_runs(exp_id, name, status="FINISHED"):
        key, step = r.data.tags.get(TAG_TRIAL), r.data.tags.get(tracking.TAG_STEP)
        if step == "evaluate" and key not in done:
            done[key] = {"eval_run_id": r.info.run_id, "train_run_id": r.data.tags.get("npp_rl.train_run_id"),
                         "success_rate": r.data.metrics.get("eval/overall/success_rate")}
    return done


def _run_local(cfg, name, parent, todo: list[Trial], pre_archs, on_done) -> None:
    """In sequence in this process; each job re-run up to ``max_retries`` times after an exception."""

    def attempt(fn):
        for i in range(cfg.max_retries + 1):
            try:
                return fn(), None
            except Exception as exc:  # reported with the trial; the sweep goes on
                _say(f"attempt {i + 1}/{cfg.max_retries + 1} failed: {type(exc).__name__}: {exc}")
                err = exc
        return None, err

    pre: dict[str, tuple] = {a: attempt(lambda a=a: pretrain_job(cfg, name, parent, a)) for a in pre_archs}
    for t in todo:
        if t.condition == "pretrained" and pre[t.architecture][1] is not None:
            on_done(t.key, None, RuntimeError(f"pretraining {t.architecture} failed: {pre[t.architecture][1]}"))
            continue
        init = pre[t.architecture][0] if t.condition == "pretrained" else None
        value, err = attempt(lambda t=t, init=init: trial_job(cfg, name, parent, t, init))
        on_done(t.key, value, err)


def _run_ray(cfg, name, parent, todo: list[Trial], pre_archs, on_done) -> None:
    from npp_rl.sweep import ray_backend as R

    ray, head = R.connect(cfg.ray, cfg.tracking_uri, Path(cfg.output_dir) / name)
    try:
        pre_task = R.remote(ray, pretrain_job, cfg.ray, cfg.max_retries)
        trial_task = R.remote(ray, trial_job, cfg.ray, cfg.max_retries)
        pre = {a: pre_task.remote(cfg, name, parent, a) for a in pre_archs}
        refs = {t.key: trial_task.remote(cfg, name, parent, t, pre[t.architecture] if t.condition == "pretrained"
                                         else None) for t in todo}
        _say(f"submitted {len(pre)} pretrain and {len(refs)} trial tasks "
             f"({cfg.ray.cpus_per_trial:g} CPU, {cfg.ray.gpus_per_trial:g} GPU each)")
        R.gather(ray, refs, on_done)
    finally:
        R.disconnect(ray, head)


def run_sweep(cfg: SweepConfig) -> SweepResult:
    """Run (or resume) the sweep; returns its outcome. Raises only for bad input or no tracking."""
    from mlflow.tracking import MlflowClient

    from npp_rl import tracking

    t_start = time.monotonic()
    target = tracking.configure(cfg.tracking_uri)
    cfg = _resolved(cfg, target.uri)
    if cfg.backend == "ray":
        from npp_rl.sweep.ray_backend import check_ray

        check_ray()  # fail before any run is created
    exp_id = tracking.get_or_create_experiment(cfg.experiment_name)
    mode = enable_wal(target.uri)
    if mode:
        _say(f"SQLite tracking store in {mode} mode")
    client = MlflowClient()
    name = cfg.name or sweep_name(cfg)
    parent, existed = _parent_run(client, exp_id, name, cfg)
    _precreate_models(client, cfg.architectures)
    trials = plan(cfg)
    done = _done_trials(exp_id, name)
    todo = [t for t in trials if t.key not in done]
    pre_archs = sorted({t.architecture for t in todo if t.condition == "pretrained"})
    _say(f"{name} ({'resumed' if existed else 'new'}, run {parent}): {len(trials)} trials, {len(done)} already "
         f"finished, {len(todo)} to run on {cfg.backend}"
         + (f" at {cfg.ray.address}" if cfg.backend == "ray" and cfg.ray.address else ""))

    result = SweepResult(parent, name)
    for t in trials:
        if t.key in done:
            result.trials.append({"trial": t.key, "status": "skipped", **done[t.key]})

    def on_done(key: str, value, error) -> None:
        if error is None:
            entry = {"status": "finished", **value}
            _say(f"{key}: finished (attempt {value['attempt']}, {value['seconds']:.0f}s, pid {value['pid']}): "
                 f"test success {value['success_rate']}")
        else:
            entry = {"trial": key, "status": "failed", "error": f"{type(error).__name__}: {error}"[:2000]}
            _say(f"{key}: FAILED after {cfg.max_retries + 1} attempt(s): {entry['error'][:300]}")
        result.trials.append(entry)
        retry_locked(lambda: client.log_dict(parent, {"sweep": name, "trials": result.trials}, "sweep.json"))

    try:
        (_run_ray if cfg.backend == "ray" and todo else _run_local)(cfg, name, parent, todo, pre_archs, on_done)
        n = {s: sum(t["status"] == s for t in result.trials) for s in ("finished", "skipped", "failed")}
        result.seconds = time.monotonic() - t_start
        retry_locked(lambda: client.log_dict(parent, {"sweep": name, "trials": result.trials}, "sweep.json"))
        for k, v in n.items():
            client.log_metric(parent, f"sweep/trials_{k}", v)
        client.log_metric(parent, "perf/sweep_s", result.seconds)
        if cfg.compare and n["finished"] + n["skipped"]:
            result.compare_run_id = _compare(cfg, client, parent, name)
        status = "FINISHED" if not n["failed"] else "FAILED"
        _say(f"done in {result.seconds:.0f}s: {n['finished']} finished, {n['skipped']} skipped, {n['failed']} failed")
    except BaseException:
        status = "FAILED"
        raise
    finally:
        retry_locked(lambda: client.set_terminated(parent, status))
    return result


def _compare(cfg: SweepConfig, client, parent: str, name: str) -> str | None:
    from npp_rl.comparison import CompareConfig, CompareError, run_compare

    try:
        res = run_compare(CompareConfig(experiment_name=cfg.experiment_name, tracking_uri=cfg.tracking_uri,
                                        out=str(Path(cfg.output_dir) / name / "compare")))
    except CompareError as exc:
        _say(f"compare skipped: {exc}")
        return None
    client.set_tag(res.run_id, "mlflow.parentRunId", parent)
    client.set_tag(res.run_id, TAG_SWEEP, name)
    client.set_tag(parent, "npp_rl.compare_run_id", res.run_id)
    _say(f"compare run {res.run_id}; report in {res.out}")
    return res.run_id
