"""``train(config) -> run_id``: PPO per architecture, single process or under torchrun, tracked in MLflow."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

import torch

from npp_rl.models.policy import load_policy_weights, policy_kwargs
from npp_rl.models.registry import get_architecture
from npp_rl.training import checkpoint as C
from npp_rl.training import distributed as D
from npp_rl.training import resume as R
from npp_rl.training.callbacks import MLFLOW_HTTP_DEFAULTS, MlflowWriter, NppTrainingCallback
from npp_rl.training.config import TrainConfig, load_env_recipe, load_hyperparams
from npp_rl.training.envs import make_env, resolve_factory
from npp_rl.training.ppo import NppPPO, configure_torch, ppo_kwargs
from npp_rl.training.precision import apply_precision, resolve_precision


def resolve_device(device: str, info: D.DistInfo) -> torch.device:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError("--device cuda: no CUDA device is available")
        if device == "cuda":
            device = f"cuda:{info.local_rank % torch.cuda.device_count()}"
    return torch.device(device)


def dataset_hash(path: str | None) -> str:
    """Content hash of a dataset folder: its manifest when it has one, else names and sizes of all files."""
    if not path:
        return "none"
    p = Path(path)
    h = hashlib.sha256()
    manifest = p / "manifest.json"
    if manifest.is_file():
        h.update(manifest.read_bytes())
    elif p.is_dir():
        for f in sorted(x for x in p.rglob("*") if x.is_file()):
            h.update(f"{f.relative_to(p).as_posix()}:{f.stat().st_size}\n".encode())
    else:
        h.update(str(p).encode())
    return h.hexdigest()[:16]


def _broadcast_parameters(model) -> None:
    """Rank 0's initial weights everywhere (ranks seed differently, so their random inits differ)."""
    if not D.current().enabled:
        return
    import torch.distributed as dist

    with torch.no_grad(), D.collective("initial weights broadcast", 0):
        for t in list(model.policy.parameters()) + list(model.policy.buffers()):
            dist.broadcast(t.data, src=0)


def _set_threads(config: TrainConfig, info: D.DistInfo) -> None:
    if config.torch_threads > 0:
        torch.set_num_threads(config.torch_threads)
    elif info.enabled:
        local = int(os.environ.get("LOCAL_WORLD_SIZE", info.world_size))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))


def train(config: TrainConfig, env_factory=None, on_eval=None) -> str:
    """Train every architecture of ``config``; returns the run id (the parent run's when several).

    ``env_factory`` (a callable, see :mod:`npp_rl.training.envs`) overrides ``config.env_factory``.
    ``on_eval(run_id, global_step, metrics)`` is called after every held-back evaluation on rank 0
    (hyperparameter search reports and prunes there; an exception it raises ends the run FAILED).
    Under torchrun every rank calls this; only rank 0 talks to MLflow and writes files.
    """
    from npp_rl import tracking

    for key, value in MLFLOW_HTTP_DEFAULTS.items():
        os.environ.setdefault(key, value)
    info = D.init_distributed("cuda" if config.device.startswith("cuda") or
                              (config.device == "auto" and torch.cuda.is_available()) else "cpu",
                              timeout=None)  # NPP_RL_DIST_TIMEOUT_S or D.DEFAULT_TIMEOUT_S
    _set_threads(config, info)
    factory = env_factory or resolve_factory(config.env_factory)
    if config.env_factory is None and env_factory is None:
        if not config.train_dataset:
            raise ValueError("--train-dataset is required")
        if not Path(config.train_dataset).is_dir():
            raise FileNotFoundError(f"--train-dataset {config.train_dataset}: no such folder")
    tracking.configure(config.tracking_uri, quiet=not info.is_main)

    if config.resume_from:
        return _train_one(config, None, factory, parent_run_id=None, on_eval=on_eval)
    if len(config.architectures) == 1:
        return _train_one(config, config.architectures[0], factory, parent_run_id=None, on_eval=on_eval)
    parent_id = None
    if info.is_main:
        with tracking.start_run(config.experiment_name, step="train", run_name="train:" + "+".join(config.architectures),
                                config=config, seed=config.seed,
                                tags={tracking.TAG_CONDITION: config.condition,
                                      tracking.TAG_DATASET: dataset_hash(config.train_dataset)}) as parent:
            parent_id = D.broadcast_object(parent.info.run_id)
            for arch in config.architectures:
                _train_one(config, arch, factory, parent_run_id=parent_id, on_eval=on_eval)
    else:
        parent_id = D.broadcast_object(None)
        for arch in config.architectures:
            _train_one(config, arch, factory, parent_run_id=None)
    return parent_id


def _train_one(config: TrainConfig, arch: str | None, factory, parent_run_id: str | None, on_eval=None) -> str:
    """One architecture = one run (new, or the run named by ``config.resume_from``)."""

    from npp_rl import tracking

    info = D.current()
    device = resolve_device(config.device, info)
    configure_torch(device)
    precision = resolve_precision(device, config.mixed_precision)
    if config.mixed_precision and info.is_main:
        print(f"mixed precision: {precision.reason}", file=sys.stderr)
    ckpt = ckpt_meta = None
    if config.resume_from:
        ckpt = C.load(C.locate(config.resume_from, config.output_dir, config.run_dir))
        ckpt_meta = ckpt.meta
        arch = ckpt_meta["architecture"]
        hp = R.hyperparams(ckpt_meta)
        R.check_compatible(config, ckpt_meta, info.world_size, dataclasses.asdict(hp), config.hyperparams)
        started_from = ckpt_meta.get("config", {}).get("train", {}).get("init_from")
        if config.init_from is None and started_from:  # keep the run's condition (pretrained) on resume
            config = dataclasses.replace(config, init_from=started_from)
    else:
        hp = load_hyperparams(arch, config.hyperparams_file, config.hyperparams)
    spec = get_architecture(arch)
    if info.enabled and hp.target_kl is not None:
        raise ValueError("target_kl must be null when training on several ranks")
    seed = config.seed + 1000 * info.rank
    total_local = math.ceil(config.total_timesteps / info.world_size)

    env_opts = {**load_env_recipe(arch, config.hyperparams_file, config.env), "reward_gamma": hp.gamma}
    env = make_env(factory, config.num_envs, seed, spec.modalities, config.train_dataset, "train", env_opts)
    # held-back levels are evaluated uniformly (no curriculum), with the same reward
    eval_opts = {**env_opts, "level_sampling": "random"}

    def eval_env_fn():
        return make_env(factory, min(config.num_envs, max(1, config.eval_episodes)), config.seed + 10_000_000,
                        spec.modalities, config.train_dataset, "eval", eval_opts)

    model = NppPPO(
        "MultiInputPolicy", env, policy_kwargs=policy_kwargs(arch), seed=seed, device=device, verbose=0,
        **ppo_kwargs(hp),
    )
    if ckpt is not None:
        ckpt.load_into(model)
        R.restore(model, env, ckpt_meta, *ckpt.rank(info.rank))
    else:
        if config.init_from:
            load_policy_weights(model.policy, config.init_from)
        _broadcast_parameters(model)
    model.sync_gradients = config.sync_gradients
    apply_precision(model, precision)

    resolved = {  # logged as config.json and kept in every checkpoint's meta.json: secrets redacted
        "train": tracking.redact(dataclasses.asdict(config)),
        "architecture": arch,
        "architecture_spec": spec.to_dict(),
        "ppo": dataclasses.asdict(hp),
        "env": env_opts,
        "world_size": info.world_size,
        "device": str(device),
        "precision": precision.mode,
        # the same flat names on train and evaluate runs, for the MLflow UI's table/chart/parallel views
        "run": {"architecture": arch, "condition": config.condition, "seed": config.seed},
        "rank_seeds": [config.seed + 1000 * r for r in range(info.world_size)],
        "total_timesteps_per_rank": total_local,
    }
    run_id = None
    if info.is_main:
        ctx = tracking.start_run(
            config.experiment_name, step="train", run_name=arch, config=resolved, seed=config.seed,
            tags={tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: config.condition,
                  tracking.TAG_DATASET: dataset_hash(config.train_dataset)},
            parent_run_id=parent_run_id, resume_run_id=config.resume_from,
        )
    else:
        from contextlib import nullcontext

        ctx = nullcontext()
    finished = False
    try:
        with ctx as run:
            if info.is_main:
                run_id = run.info.run_id
            run_id = D.broadcast_object(run_id)
            out = Path(config.run_dir) if config.run_dir else Path(config.output_dir) / run_id
            _learn(config, model, env, eval_env_fn, arch, run_id, out, total_local, ckpt_meta, resolved, on_eval)
            finished = True
    except Exception as e:
        if not finished or not info.is_main:
            raise
        # training and the local files are complete; only closing the run on the server failed
        print(f"run {run_id}: training finished, but marking the run FINISHED failed ({type(e).__name__}); "
              f"resume it with --resume-from {run_id} when the server is back", file=sys.stderr)
    return run_id


def _learn(config, model, env, eval_env_fn, arch, run_id, out: Path, total_local, ckpt_meta, resolved,
           on_eval=None) -> str:
    from stable_baselines3.common.logger import Logger, TensorBoardOutputFormat

    from npp_rl import tracking

    info = D.current()
    metrics = tb_sync = None
    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        metrics = tracking.ResilientLogger(run_id, journal_dir=out / "journal")
        if ckpt_meta is not None:
            # the killed process logged past its checkpoint; the redone interval must not add points
            # at steps the run already has (deterministic: they would repeat the same values)
            metrics.skip_through_step = tracking.last_logged_step(run_id, metrics.journal)
        tb_dir = out / "tensorboard"
        formats = [MlflowWriter(metrics, info.world_size)]
        try:
            formats.append(TensorBoardOutputFormat(str(tb_dir)))
            tb_sync = tracking.TensorBoardSync(tb_dir, run_id)
        except Exception as e:  # tensorboard missing: MLflow metrics still flow
            print(f"TensorBoard events disabled ({e})", file=sys.stderr)
        model.set_logger(Logger(str(out), formats))
    else:
        model.set_logger(Logger(None, []))
    if ckpt_meta is not None:
        R.restore_pending_logs(model, ckpt_meta["ranks"][info.rank])

    meta = {"architecture": arch, "run_id": run_id, "config": resolved,
            "resumed_from_step": ckpt_meta["global_step"] if ckpt_meta else None}
    cb = NppTrainingCallback(
        run_id=run_id if info.is_main else None, ckpt_dir=out / C.ARTIFACT_PATH, save_freq=config.save_freq,
        eval_freq=config.eval_freq, eval_env_fn=eval_env_fn, eval_episodes=config.eval_episodes, meta=meta,
        metrics_logger=metrics, tb_sync=tb_sync, tb_sync_every_s=config.tb_sync_every_s, on_eval=on_eval,
        time_budget_s=config.time_budget_s, best_path=out / BEST_POLICY if config.eval_episodes > 0 else None,
    )
    remaining = total_local - (model.num_timesteps if ckpt_meta else 0)
    start_steps = model.num_timesteps if ckpt_meta else 0
    t0 = time.perf_counter()
    if remaining > 0:
        model.learn(remaining, callback=cb, log_interval=config.log_interval,
                    progress_bar=config.progress_bar and info.is_main, reset_num_timesteps=ckpt_meta is None)
    else:
        cb.init_callback(model)
    wall = time.perf_counter() - t0
    steps = (model.num_timesteps - start_steps) * info.world_size

    # final checkpoint and evaluation: every rank knows the last checkpoint's step, so all of them
    # (or none) enter the checkpoint's collective
    if cb.last_checkpoint_step != cb.global_step():
        cb.save_checkpoint()
    final_eval = cb.run_eval() if config.eval_episodes > 0 else {}
    env.close()
    if info.is_main:
        metrics.log_metrics({"perf/train_seconds": wall, "perf/fps_overall": steps / max(wall, 1e-9),
                             "perf/global_steps": cb.global_step(),
                             "perf/stopped_by_time_budget": float(cb.stopped_by_time_budget)},
                            step=cb.global_step())
        if cb.stopped_by_time_budget:
            print(f"run {run_id}: time budget of {config.time_budget_s:.0f} s spent after {cb.global_step()} "
                  f"steps; stopped there", file=sys.stderr)
        cb.sync_tensorboard()
        final_zip = out / FINAL_POLICY
        model.save(final_zip)
        chosen = _choose_policy(config, cb, out)
        metrics.log_metrics({"model/step": chosen["step"], "model/eval_success_rate": chosen["eval_success_rate"]
                             if chosen["eval_success_rate"] is not None else math.nan}, step=cb.global_step())
        (out / "summary.json").write_text(json.dumps(
            {"run_id": run_id, "architecture": arch, "global_steps": cb.global_step(), "wall_s": wall,
             "fps_overall": steps / max(wall, 1e-9), "final_eval": final_eval, "model": chosen,
             "stopped_by": "time_budget" if cb.stopped_by_time_budget else "total_timesteps"}, indent=2))
        score = chosen["eval_success_rate"]
        print(f"run {run_id}: the run's policy is the {chosen['source']} one (step {chosen['step']}"
              + (f", held-back success {score:.3f})" if score is not None else ")"), file=sys.stderr)
        # the server may be away right now: give it up to ~2 minutes before giving up on delivery
        delivered = metrics.close(retries=12, wait=10.0)
        if config.register:
            _log_run_policy(out / "policy.zip", arch, config, run_id,
                              final_zip if chosen["source"] != "final" else None)
        if not delivered:
            print(f"training finished but the tracking server is unreachable; metrics are journaled in "
                  f"{metrics.journal}. Run `npp-rl train --resume-from {run_id} ...` (same --total-timesteps) "
                  "when it is back to deliver them and log the policy.", file=sys.stderr)
    # no closing barrier: the other ranks are done and may exit (torchrun waits for all of them)
    # while rank 0 delivers metrics and registers the model, which may outlast the collective timeout
    return run_id


FINAL_POLICY = "final_policy.zip"
BEST_POLICY = "best_policy.zip"


def _choose_policy(config: TrainConfig, cb, out: Path) -> dict:
    """Copy the run's policy (the best held-back one, or the last weights) to ``out/policy.zip``."""
    import shutil

    final_step = cb.global_step()
    last_eval = cb.eval_history[-1][1].get("eval/success_rate") if cb.eval_history else None
    best = cb.best
    if config.keep_best and best is not None and best["step"] != final_step and (out / BEST_POLICY).is_file():
        shutil.copyfile(out / BEST_POLICY, out / "policy.zip")
        return {"source": "best", "step": best["step"], "eval_success_rate": best["success_rate"],
                "final_step": final_step, "final_eval_success_rate": last_eval}
    shutil.copyfile(out / FINAL_POLICY, out / "policy.zip")
    return {"source": "final", "step": final_step, "eval_success_rate": last_eval,
            "best_step": best["step"] if best else None, "best_eval_success_rate": best["success_rate"] if best else None}


def _log_run_policy(policy_zip: Path, arch: str, config: TrainConfig, run_id: str,
                      final_zip: Path | None = None) -> None:
    """Log ``policy_zip`` as ``model`` and register it; ``final_zip`` (the last weights, when the run's policy
    is an earlier, better one) as ``model_final``, not registered (``--model runs:/RUN/model_final``)."""
    from npp_rl import tracking

    try:
        if final_zip is not None:
            tracking.log_policy(final_zip, name="model_final",
                                metadata={"architecture": arch, "condition": config.condition, "weights": "final"})
        mi = tracking.log_policy(policy_zip, name="model",
                                 metadata={"architecture": arch, "condition": config.condition})
        tracking.register_model(mi.model_uri, tracking.model_name(arch), tags={
            tracking.TAG_STEP: "train", tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: config.condition,
            tracking.TAG_DATASET: dataset_hash(config.train_dataset), tracking.TAG_SEED: config.seed,
            "npp_rl.run_id": run_id,
        })
    except Exception as e:  # the server may be away at the very end: the zip stays local
        print(f"logging/registering the final policy failed ({type(e).__name__}: {e}); "
              f"the policy is at {policy_zip}", file=sys.stderr)
