"""``pretrain(config) -> run_id``: replays -> dataset -> BC -> a logged, registered PPO-layout policy.

One MLflow run, tags ``npp_rl.step=pretrain``, ``npp_rl.architecture``, ``npp_rl.condition=pretrained``,
``npp_rl.dataset`` (the dataset's content hash), ``npp_rl.seed``. It records:

* the dataset as the run's input (``mlflow.log_input``: name ``bc-replays-<hash>``, digest = content hash,
  source = the shard folder), ``dataset/manifest.json`` and ``dataset/skipped.json`` as artifacts;
* ``pretrain/dataset/...`` metrics: samples, replays used/skipped, ``skipped/<reason>`` per reason,
  mixed windows and their fraction, levels;
* per epoch ``pretrain/train_loss``, ``pretrain/train_accuracy``, ``pretrain/val_loss``,
  ``pretrain/val_accuracy``, ``pretrain/val_accuracy/<category>``, value losses, samples/s; at the end
  ``pretrain/best_epoch``, ``pretrain/best_val_accuracy``, ``pretrain/val_chance_accuracy``,
  ``pretrain/stopped_early`` and ``bc_result.json``;
* the same per-epoch scalars as TensorBoard events (``tensorboard/`` artifacts and ``<output_dir>/<run id>/tensorboard``);
* the BC policy: ``policy.zip`` (an SB3 PPO zip) logged as the pyfunc ``model`` and registered as
  ``npp-rl-<architecture>`` with the same tags, so ``npp-rl train --init-from <run id>`` (which loads the
  run's ``model`` artifact) or ``--init-from models:/npp-rl-<arch>/<version>`` starts PPO from it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import warnings
from pathlib import Path

from .config import PretrainConfig
from .dataset import DatasetOptions, build_dataset

CONDITION = "pretrained"
TAG_METHOD = "npp_rl.pretrain_method"


def _log_dataset_input(ds) -> None:
    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = resolve_dataset_source(str(Path(ds.path).resolve()))
    mlflow.log_input(MetaDataset(source, name=f"bc-replays-{ds.content_hash}", digest=ds.content_hash),
                     context="pretraining")


def dataset_metrics(ds) -> dict[str, float]:
    t = ds.manifest["totals"]
    m = {f"pretrain/dataset/{k}": float(t[k]) for k in (
        "samples", "replays_found", "replays_used", "replays_skipped", "replays_excluded_test_split",
        "replays_excluded_held_out", "held_out_levels_known", "build_samples_per_s",
        "decision_steps", "mixed_windows", "mixed_fraction", "dropped_mixed", "steps_over_budget", "levels")}
    m.update({f"pretrain/dataset/skipped/{r}": float(n) for r, n in ds.skip_counts.items()})
    return m


def _eval_entries(datasets) -> list:
    from npp_rl.envs.levelset import split_entries

    out = []
    for d in datasets:
        try:
            out += split_entries(d, "eval")
        except ValueError:
            continue
    return out


def pretrain(config: PretrainConfig) -> str:
    """Run BC (and DAgger) pretraining as described in the module docstring; returns the MLflow run id."""
    import mlflow
    import torch

    from npp_rl import tracking
    from npp_rl.models.registry import get_architecture

    from .bc import make_model, train_bc
    from .dagger import DaggerConfig, play, run_dagger, success_by_category
    from .heldout import held_out, level_datasets, training_levels
    from .stream import ShardedSamples

    if not Path(config.replay_data_dir).exists():
        raise FileNotFoundError(f"--replay-data-dir {config.replay_data_dir}: no such folder")
    if config.levels is not None and not Path(config.levels).exists():
        raise FileNotFoundError(f"--levels {config.levels}: no such folder")
    if config.torch_threads > 0:
        torch.set_num_threads(config.torch_threads)
    device = config.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    arch = get_architecture(config.architecture)
    level_sets = level_datasets(config.levels or config.replay_data_dir)
    if config.method == "dagger" and not level_sets:
        raise ValueError(f"--method dagger plays training levels: {config.levels or config.replay_data_dir} is "
                         "no part of a level dataset (give --levels DATASET)")
    held = held_out(level_sets)
    tracking.configure(config.tracking_uri)
    from npp_rl.training.config import load_hyperparams

    opts = DatasetOptions(modalities=arch.modalities, frame_skip=config.frame_skip, mixed_rule=config.mixed_rule,
                          include_test_split=config.include_test_split,
                          gamma=load_hyperparams(arch.name).gamma)  # returns discounted as PPO discounts
    dagger_cfg = DaggerConfig(iterations=config.dagger_iterations, levels_per_iteration=config.dagger_levels_per_iteration,
                              epochs=config.dagger_epochs, label_every=config.dagger_label_every,
                              rollout=config.dagger_rollout, num_envs=config.dagger_num_envs,
                              max_steps_factor=config.dagger_max_steps_factor,
                              eval_levels=max(config.eval_levels, 0),
                              expert={"max_iterations": config.solver_max_iterations,
                                      "time_limit_s": config.solver_time_limit_s})
    with tracking.start_run(config.experiment_name, step="pretrain", run_name=f"pretrain:{arch.name}:{config.method}",
                            config={"pretrain": dataclasses.asdict(config), "dataset": dataclasses.asdict(opts),
                                    "dagger": dataclasses.asdict(dagger_cfg), "architecture_spec": arch.to_dict()},
                            seed=config.seed,
                            tags={tracking.TAG_ARCH: arch.name, tracking.TAG_CONDITION: CONDITION,
                                  TAG_METHOD: config.method}) as run:
        run_id = run.info.run_id
        out = Path(config.output_dir) / run_id
        out.mkdir(parents=True, exist_ok=True)
        ds = build_dataset(config.replay_data_dir, config.dataset_dir, opts,
                           cache_dir=Path(config.output_dir) / "datasets", held=held, show_progress=config.progress)
        mlflow.set_tag(tracking.TAG_DATASET, ds.content_hash)
        _log_dataset_input(ds)
        mlflow.log_artifact(str(ds.path / "manifest.json"), "dataset")
        mlflow.log_artifact(str(ds.path / "skipped.json"), "dataset")
        mlflow.log_metrics(dataset_metrics(ds), step=0)
        t = ds.manifest["totals"]
        print(f"dataset {ds.content_hash}: {t['samples']} samples from {t['replays_used']} replays "
              f"({t['replays_skipped']} skipped: {ds.skip_counts}; {t['mixed_windows']} mixed windows; "
              f"{t.get('replays_excluded_held_out', 0)} of held-back levels left out) at {ds.path}",
              file=sys.stderr)
        if ds.n_samples == 0:
            raise ValueError(f"--replay-data-dir {config.replay_data_dir}: no usable replay "
                             f"(found {t['replays_found']}, skipped {ds.skip_counts})")
        model = make_model(arch.name, seed=config.seed, device=device)

        tb = tracking.EventWriter(out / "tensorboard")  # BC losses and accuracies, also as TensorBoard events

        def log(m, epoch):
            scalars = {f"pretrain/{k}": float(v) for k, v in m.items() if k != "epoch"}
            mlflow.log_metrics(scalars, step=epoch)
            tb.scalars(scalars, step=epoch)

        bc_kwargs = dict(batch_size=config.bc_batch_size, lr=config.learning_rate, weight_decay=config.weight_decay,
                         max_grad_norm=config.max_grad_norm, patience=config.patience,
                         value_warm_start=config.value_warm_start, value_coef=config.value_coef, device=device,
                         balance_classes=config.balance_classes, progress=config.progress)
        res = train_bc(model.policy, ShardedSamples([ds], config.buffer_shards), epochs=config.bc_epochs,
                       val_fraction=config.val_fraction, seed=config.seed, log=log, **bc_kwargs)
        final = {"pretrain/best_epoch": res.best_epoch, "pretrain/stopped_early": float(res.stopped_early),
                 "pretrain/val_chance_accuracy": res.val_chance_accuracy,
                 "pretrain/train_samples": res.n_train, "pretrain/val_samples": res.n_val,
                 "pretrain/val_levels": res.val_levels, "pretrain/train_levels": res.train_levels}
        if "val_accuracy" in res.best:
            final["pretrain/best_val_accuracy"] = res.best["val_accuracy"]
            final["pretrain/best_val_balanced_accuracy"] = res.best["val_balanced_accuracy"]
            final.update({f"pretrain/best_{k}": v for k, v in res.best.items() if k.startswith("val_accuracy/")})
        evals = _eval_entries(level_sets) if config.eval_levels >= 0 else []
        if config.eval_levels > 0:
            evals = evals[: config.eval_levels]
        bc_heldout = {}
        if evals:
            bc_heldout = success_by_category(play(model.policy, evals, arch.modalities, num_envs=config.dagger_num_envs,
                                                  frame_skip=config.frame_skip))
            final.update({f"pretrain/heldout_success/{c}": v for c, v in bc_heldout.items()})
            print(f"BC greedy success on {len(evals)} held-back levels: {bc_heldout}", file=sys.stderr)
        mlflow.log_metrics({k: float(v) for k, v in final.items()}, step=res.best_epoch)
        dagger_history = []
        if config.method == "dagger":
            model.save(out / "bc_policy.zip")  # the BC policy DAgger starts from, for comparisons
            it0 = {"dagger/val_loss": res.best.get("val_loss", float("nan")),
                   "dagger/val_accuracy": res.best.get("val_accuracy", float("nan")),
                   "dagger/val_chance_accuracy": res.val_chance_accuracy}
            it0.update({f"dagger/heldout_success/{c}": v for c, v in bc_heldout.items()})
            mlflow.log_metrics({k: float(v) for k, v in it0.items()}, step=0)

            def dlog(m, it):
                scalars = {k: float(v) for k, v in m.items() if k != "iteration"}
                mlflow.log_metrics(scalars, step=it)
                tb.scalars(scalars, step=it)
                print(f"DAgger iteration {it}: " + ", ".join(f"{k.removeprefix('dagger/')}={v:.4g}"
                                                               for k, v in m.items() if k != "iteration"),
                      file=sys.stderr)

            dagger_history = run_dagger(model, ds, training_levels(level_sets), evals, arch.modalities,
                                        config=dagger_cfg, bc_kwargs=bc_kwargs, val_levels=res.val_level_set,
                                        out_dir=out, frame_skip=config.frame_skip, seed=config.seed, log=dlog,
                                        buffer_shards=config.buffer_shards)
        tb.scalars(final, step=res.best_epoch)
        tb.close()
        summary = {"run_id": run_id, "architecture": arch.name, "method": config.method, "dataset": ds.content_hash,
                   "dataset_path": str(ds.path), "best_epoch": res.best_epoch, "best": res.best,
                   "stopped_early": res.stopped_early, "val_chance_accuracy": res.val_chance_accuracy,
                   "heldout_success": bc_heldout, "val_levels": sorted(res.val_level_set), "history": res.history, "dagger": dagger_history}
        (out / "bc_result.json").write_text(json.dumps(summary, indent=1, default=float))
        mlflow.log_artifact(str(out / "bc_result.json"))
        model.policy.to("cpu")
        policy_zip = out / "policy.zip"
        model.save(policy_zip)
        if config.register:
            tags = {tracking.TAG_STEP: "pretrain", tracking.TAG_ARCH: arch.name, tracking.TAG_CONDITION: CONDITION,
                    tracking.TAG_DATASET: ds.content_hash, tracking.TAG_SEED: config.seed, "npp_rl.run_id": run_id,
                    TAG_METHOD: config.method}
            mi = tracking.log_policy(policy_zip, name="model",
                                     metadata={"architecture": arch.name, "condition": CONDITION,
                                               "dataset": ds.content_hash, "method": config.method})
            version = tracking.register_model(mi.model_uri, tracking.model_name(arch.name), tags=tags)
            mlflow.set_tag("npp_rl.registered_version", version)
        else:
            mlflow.log_artifact(str(policy_zip), "policy")
    return run_id
