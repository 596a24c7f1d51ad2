"""npp_rl.experiment: the seed's master script, ``train_and_compare``, over the pipeline's steps.

Public API::

    ExperimentConfig(experiment_name, architectures, train_dataset, test_dataset, ...)  # the design's flags
    run_experiment(config) -> ExperimentResult(folder, pipeline_run_id, results)
    resolve_resume(path_or_run_id) -> ExperimentConfig   # --resume-from
    detect_hardware() -> Hardware; pick_profile(hw) -> HardwareProfile
    S3Sync(bucket, prefix, root)                        # boto3, the caller's credentials

It runs the same MLflow-tracked steps as ``npp-rl pipeline`` (pretrain -> train -> evaluate ->
compare, children of one ``pipeline`` run) and also writes the design's folder layout
(``{name}_{timestamp}/config.json, {name}.log, {arch}/{no_pretrain,with_pretrain}/...,
all_results.json, s3_manifest.json``). Docs: ``docs/train_and_compare.md``.
"""

from npp_rl.experiment.config import CONDITION_DIRS, ExperimentConfig, ExperimentError

__all__ = ["CONDITION_DIRS", "ExperimentConfig", "ExperimentError", "ExperimentResult", "S3Sync",
           "detect_hardware", "pick_profile", "resolve_resume", "run_experiment"]


def __getattr__(name):  # lazy: torch, mlflow and boto3 load only when needed
    if name in ("run_experiment", "ExperimentResult", "resolve_resume"):
        from npp_rl.experiment import runner

        return getattr(runner, name)
    if name in ("detect_hardware", "pick_profile"):
        from npp_rl.experiment import hardware

        return getattr(hardware, name)
    if name == "S3Sync":
        from npp_rl.experiment.s3 import S3Sync

        return S3Sync
    raise AttributeError(name)
