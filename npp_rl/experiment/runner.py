"""``run_experiment(config)``: the design's master script over the pipeline's steps.

For every architecture: BC pretraining (unless ``--no-pretraining``), PPO training per condition
(in-process, or N ranks under torchrun), then evaluation of every model on the test set, then the
comparison; each step an MLflow run, all children of one ``pipeline`` run (see
:class:`npp_rl.pipeline.Chain`). Files land in the design's layout (:mod:`npp_rl.experiment.layout`),
``all_results.json`` is rewritten after every step, and with ``--s3-bucket`` the folder is synced
to S3 after every step and every ``--s3-sync-freq`` training steps.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from npp_rl.experiment import layout as L
from npp_rl.experiment.config import CONDITION_DIRS, ExperimentConfig, ExperimentError
from npp_rl.experiment.hardware import detect_hardware, pick_profile, place
from npp_rl.pipeline import Chain, _say, compare_step, evaluate_step, pretrain_step, train_step

TAG_FOLDER = "npp_rl.experiment_dir"


@dataclass
class ExperimentResult:
    folder: Path
    pipeline_run_id: str
    results: dict


def resolve_resume(target: str, tracking_uri: str | None = None) -> tuple[Path, ExperimentConfig, str | None]:
    """``--resume-from`` an experiment folder or its pipeline run id -> (folder, config, pipeline run id)."""
    p = Path(target)
    if not p.is_dir():
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient

        from npp_rl import tracking

        tracking.configure(tracking_uri, quiet=True)
        try:
            folder = MlflowClient().get_run(target).data.tags.get(TAG_FOLDER)
        except MlflowException:
            raise ExperimentError(f"--resume-from {target}: neither an experiment folder nor a run id known to "
                                  f"{tracking.current_target().uri}") from None
        if not folder or not Path(folder).is_dir():
            raise ExperimentError(f"--resume-from {target}: the run names no experiment folder that exists here "
                                  f"(tag {TAG_FOLDER}={folder!r})")
        p = Path(folder)
    saved = L.read_config(p)
    cfg = ExperimentConfig(**{**saved["experiment"], "resume_from": str(target)})
    return p, cfg, saved.get("pipeline_run_id")


def _apply_profile(cfg: ExperimentConfig, hw, explicit: set[str]) -> dict | None:
    if not cfg.hardware_profile:
        return None
    prof = pick_profile(hw, cfg.hardware_profile)
    if "num_envs" not in explicit:
        cfg.num_envs = prof.num_envs
    for k in ("batch_size", "n_steps"):
        cfg.hyperparams.setdefault(k, getattr(prof, k))
    _say(f"hardware profile {prof.name}: num_envs={cfg.num_envs}, batch_size={cfg.hyperparams['batch_size']}, "
         f"n_steps={cfg.hyperparams['n_steps']} (flags given explicitly win)")
    return dataclasses.asdict(prof)


def run_experiment(cfg: ExperimentConfig, explicit: set[str] | None = None) -> ExperimentResult:
    """Run (or with ``cfg.resume_from`` continue) the experiment; ``explicit`` names the flags the user
    gave (a hardware profile only fills the others)."""
    prev_run = None
    if cfg.resume_from:
        folder, saved_cfg, prev_run = resolve_resume(cfg.resume_from, cfg.tracking_uri)
        saved_cfg.debug = cfg.debug or saved_cfg.debug
        cfg = saved_cfg
    else:
        for flag, path in (("--train-dataset", cfg.train_dataset), ("--test-dataset", cfg.test_dataset)):
            if not Path(path).is_dir():
                raise ExperimentError(f"{flag} {path}: no such folder (a dataset root, a split folder or a folder "
                                      "of N++ levels; see docs/troubleshooting.md 'Dataset not found')")
        if cfg.replay_data_dir and not Path(cfg.replay_data_dir).is_dir():
            raise ExperimentError(f"--replay-data-dir {cfg.replay_data_dir}: no such folder")
        folder = L.new_folder(cfg)
    with L.LogFile(folder / f"{cfg.experiment_name}.log", cfg.debug):
        return _run(cfg, folder, prev_run, explicit or set())


def _run(cfg: ExperimentConfig, folder: Path, prev_run: str | None, explicit: set[str]) -> ExperimentResult:
    import mlflow

    from npp_rl import tracking

    _say(f"experiment {cfg.experiment_name}: folder {folder}" + (" (resuming)" if prev_run else ""))
    hw = detect_hardware()
    placement = place(cfg.num_gpus, hw, cfg.distributed_backend)
    if placement.warning:
        print(f"WARNING: {placement.warning}", file=sys.stderr, flush=True)
    profile = _apply_profile(cfg, hw, explicit)
    target = tracking.configure(cfg.tracking_uri)
    s3 = None
    lock = threading.Lock()
    if cfg.s3_bucket:
        from npp_rl.experiment.s3 import S3Sync

        s3 = S3Sync(cfg.s3_bucket, cfg.s3_prefix, folder)
        s3.check()
        _say(f"S3: syncing {folder} to {s3.url()} after every step and every {cfg.s3_sync_freq:,} training steps")

    def sync(why: str) -> None:
        if s3 is not None:
            with lock:
                n = s3.sync()
            _say(f"S3 sync ({why}): {n} file(s) uploaded to {s3.url()}")

    chain = Chain.open(cfg.experiment_name, f"train_and_compare:{cfg.experiment_name}", cfg, resume_run_id=prev_run)
    chain.client.set_tag(chain.run_id, TAG_FOLDER, str(folder.resolve()))
    L.write_config(folder, cfg, pipeline_run_id=chain.run_id, tracking_uri=target.uri,
                   experiment_id=mlflow.get_experiment_by_name(cfg.experiment_name).experiment_id,
                   hardware=dataclasses.asdict(hw), placement=dataclasses.asdict(placement), hardware_profile=profile,
                   started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    state = L.State.load(folder)
    state.data.update(experiment=cfg.experiment_name, pipeline_run_id=chain.run_id, tracking_uri=target.uri)
    ok = False
    try:
        _train_all(cfg, folder, chain, state, placement, sync)
        _evaluate_all(cfg, folder, chain, state)
        sync("evaluation done")
        _compare(cfg, folder, chain, state)
        ok = True
    finally:
        state.data["status"] = "FINISHED" if ok else "FAILED"
        state.save()
        chain.close(ok)
        try:
            sync("end")
        except Exception as e:  # noqa: BLE001 - the local folder is complete; say what failed
            print(f"final S3 sync failed: {e}", file=sys.stderr)
    _say(f"done: {folder / L.RESULTS}; MLflow pipeline run {chain.run_id} in experiment {cfg.experiment_name!r}")
    return ExperimentResult(folder, chain.run_id, state.data)


def _train_overrides(cfg: ExperimentConfig, placement, d: Path) -> dict:
    return {"total_timesteps": cfg.total_timesteps, "num_envs": cfg.num_envs, "save_freq": cfg.save_freq,
            "eval_freq": cfg.eval_freq, "eval_episodes": cfg.eval_episodes, "device": placement.device,
            "mixed_precision": cfg.mixed_precision, "hyperparams": dict(cfg.hyperparams),
            "progress_bar": cfg.progress_bar, "run_dir": str(d), "tracking_uri": cfg.tracking_uri}


def _train_all(cfg, folder, chain, state, placement, sync) -> None:
    from npp_rl.experiment.launch import CheckpointWatcher, torchrun_train
    from npp_rl.training import train

    conditions = cfg.conditions
    total = len(cfg.architectures) * len(conditions)
    k = 0
    for arch in cfg.architectures:
        pre_id = None
        if "pretrained" in conditions:
            pre_id = chain.done("pretrain", architecture=arch)
            if pre_id is None:
                pre_id = pretrain_step(cfg.experiment_name, arch, cfg.replay_data_dir or cfg.train_dataset, cfg.seed,
                                       str(folder / arch / "pretrain"),
                                       {"bc_epochs": cfg.bc_epochs, "bc_batch_size": cfg.bc_batch_size,
                                        "device": "auto" if placement.device == "cuda" else "cpu",
                                        "tracking_uri": cfg.tracking_uri})
                chain.add("pretrain", pre_id, architecture=arch)
            sync(f"pretrain {arch}")
        for condition in conditions:
            k += 1
            e = state.entry(arch, condition)
            d = L.run_dir(folder, arch, condition)
            if e.get("train_status") == "FINISHED":
                _say(f"[{k}/{total}] {arch} [{CONDITION_DIRS[condition]}]: finished before, kept ({e['train_run_id']})")
                continue
            d.mkdir(parents=True, exist_ok=True)
            over = _train_overrides(cfg, placement, d)
            previous = e.get("train_run_id") or _run_id_in(d)
            if previous:
                over["resume_from"] = previous
                _say(f"[{k}/{total}] {arch} [{CONDITION_DIRS[condition]}]: continuing run {previous}")
            else:
                _say(f"[{k}/{total}] {arch} [{CONDITION_DIRS[condition]}]: {cfg.total_timesteps:,} steps, "
                     f"{placement.ranks} rank(s) on {placement.device}")
            init = pre_id if condition == "pretrained" else None
            e.update(pretrain_run_id=init, train_status="RUNNING")
            state.save()

            def launcher(tcfg, _d=d):
                if placement.ranks > 1:
                    return torchrun_train(tcfg, placement.ranks, placement.backend, _d)
                return train(tcfg)

            with CheckpointWatcher(d / "checkpoints", cfg.s3_sync_freq if cfg.s3_bucket else 0,
                                   lambda step, a=arch: sync(f"{a} at step {step:,}")):
                run_id = train_step(cfg.experiment_name, arch, cfg.train_dataset, cfg.seed, init, str(d), over,
                                    launcher=launcher)
            if (d / "policy.zip").is_file():
                shutil.copy2(d / "policy.zip", d / "final_model.zip")
            e.update(train_run_id=run_id, train_status="FINISHED", model_uri=f"runs:/{run_id}/model",
                     final_model=str((d / "final_model.zip").relative_to(folder)))
            if not chain.done("train", architecture=arch, condition=condition):
                chain.add("train", run_id, architecture=arch, condition=condition, seed=cfg.seed)
            state.save()
            _say(f"[{k}/{total}] {arch} [{CONDITION_DIRS[condition]}]: run {run_id}, model runs:/{run_id}/model")
            sync(f"train {arch} {condition}")


def _run_id_in(d: Path) -> str | None:
    """The run id of an interrupted training in ``d`` (from its last checkpoint), if any."""
    from npp_rl.training.checkpoint import META

    try:
        return json.loads((d / "checkpoints" / META).read_text()).get("run_id")
    except (OSError, ValueError):
        return None


def _evaluate_all(cfg, folder, chain, state) -> None:
    from mlflow.tracking import MlflowClient

    entries = [e for e in state.data["runs"].values() if e.get("train_status") == "FINISHED"]
    for i, e in enumerate(entries, 1):
        if e.get("eval_run_id"):
            continue
        d = folder / e["folder"]
        eid = evaluate_step(cfg.experiment_name, e["train_run_id"], cfg.test_dataset, cfg.seed,
                            f"{e['architecture']} [{CONDITION_DIRS[e['condition']]}] ({i}/{len(entries)})",
                            {"episodes_per_level": cfg.episodes_per_level, "videos": cfg.videos,
                             "tracking_uri": cfg.tracking_uri, "tensorboard_dir": str(d / "tensorboard" / "eval")})
        chain.add("evaluate", eid, architecture=e["architecture"], condition=e["condition"],
                  train_run_id=e["train_run_id"])
        path = Path(MlflowClient().download_artifacts(eid, "eval_results.json", str(d)))
        summary = json.loads(path.read_text()).get("summary", {})
        e.update(eval_run_id=eid, eval_results=str(path.relative_to(folder)),
                 eval={cat: {k: m.get(k) for k in ("success_rate", "efficiency", "safety", "steps_mean", "episodes")}
                       for cat, m in summary.items()})
        state.save()


def _compare(cfg, folder, chain, state) -> None:
    from mlflow.tracking import MlflowClient

    out = folder / "comparison"
    cmp_id = compare_step(cfg.experiment_name, str(out), {"tracking_uri": cfg.tracking_uri})
    chain.add("compare", cmp_id)
    tags = MlflowClient().get_run(cmp_id).data.tags
    chain.chain["champion"] = tags.get("npp_rl.champion_uri")
    matrix = []
    if (out / "matrix.csv").is_file():
        import pandas as pd

        matrix = json.loads(pd.read_csv(out / "matrix.csv").to_json(orient="records"))
    state.data["comparison"] = {"compare_run_id": cmp_id, "champion_uri": tags.get("npp_rl.champion_uri"),
                                "report": "comparison/report.md", "matrix": matrix}
    state.save()
