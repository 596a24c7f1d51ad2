"""The typed config of ``train_and_compare``: the design's flags, their meanings and defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

#: condition tag (npp_rl.condition) -> folder name of the design's layout
CONDITION_DIRS = {"scratch": "no_pretrain", "pretrained": "with_pretrain"}


class ExperimentError(ValueError):
    """Bad input to ``train_and_compare`` (a flag, a folder, a resume target): the message names it."""


@dataclass
class ExperimentConfig:
    """Everything ``run_experiment`` needs (one field per flag of ``scripts/train_and_compare.py``)."""

    experiment_name: str
    """Unique experiment identifier: the MLflow experiment and the folder ``{name}_{timestamp}``."""
    architectures: list[str]
    """Architectures compared (registry names, see ``npp-rl architectures``)."""
    train_dataset: str
    """Folder of training levels (a dataset root or its ``train`` split, or any folder of levels)."""
    test_dataset: str
    """Folder of test levels (a dataset root, its ``test`` split, or any folder of levels)."""
    total_timesteps: int = 10_000_000
    """Environment steps per training run (over all ranks)."""
    num_envs: int = 64
    """Parallel environments per rank."""
    eval_freq: int = 100_000
    """Evaluate on held-back training levels every this many steps."""
    save_freq: int = 500_000
    """Checkpoint every this many steps."""
    test_pretraining: bool = False
    """Train every architecture both from scratch and from its BC-pretrained policy."""
    no_pretraining: bool = False
    """Skip pretraining: train from scratch only."""
    replay_data_dir: str | None = None
    """Replays for BC (default: the replays in ``train_dataset``, e.g. the solver's solutions)."""
    bc_epochs: int = 10
    """BC epochs."""
    bc_batch_size: int = 64
    """BC batch size."""
    num_gpus: int = 1
    """GPUs to use: N > 1 launches N ranks through torchrun; 0 = CPU; fewer present = a warning and what exists."""
    distributed_backend: str | None = None
    """``nccl`` | ``gloo`` (default: nccl on GPUs, gloo on CPU)."""
    mixed_precision: bool = False
    """bf16 autocast on GPUs that support it, fp16 + GradScaler otherwise; no effect on CPU."""
    s3_bucket: str | None = None
    """Upload the experiment folder to ``s3://bucket/prefix/<folder>/`` (boto3, the caller's credentials)."""
    s3_prefix: str = "experiments/"
    """Key prefix in the bucket."""
    s3_sync_freq: int = 500_000
    """Sync to S3 every this many training steps (checked at each checkpoint) and after every step."""
    output_dir: str = "experiments/"
    """Base folder of the experiment folders."""
    resume_from: str | None = None
    """Experiment folder or pipeline run id: every unfinished run continues, finished ones are kept."""
    debug: bool = False
    """Debug logging (console and log file) and full tracebacks."""
    hardware_profile: str | None = None
    """``auto`` (detect GPUs, pick envs/batch for what the flags left unset) or a profile name; None = flags only."""
    seed: int = 0
    """Training seed."""
    eval_episodes: int = 20
    """Episodes per periodic evaluation during training."""
    episodes_per_level: int = 1
    """Episodes per test level in the final evaluation."""
    videos: bool = True
    """Log a success and a failure GIF per category in evaluation."""
    hyperparams: dict = field(default_factory=dict)
    """PPO hyperparameter overrides (``--set key=value``)."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI``, then the embedded store)."""
    progress_bar: bool = True
    """Progress bar of each training run."""

    def __post_init__(self):
        from npp_rl.models.registry import get_architecture

        if isinstance(self.architectures, str):
            self.architectures = self.architectures.replace(",", " ").split()
        if not self.architectures:
            raise ExperimentError("--architectures: give at least one architecture")
        for a in self.architectures:
            try:
                get_architecture(a)
            except ValueError as e:
                raise ExperimentError(f"--architectures: {e}") from None
        if self.test_pretraining and self.no_pretraining:
            raise ExperimentError("--test-pretraining and --no-pretraining contradict each other; give one")
        if self.num_gpus < 0:
            raise ExperimentError(f"--num-gpus must be >= 0, got {self.num_gpus}")
        if self.distributed_backend not in (None, "nccl", "gloo"):
            raise ExperimentError(f"--distributed-backend must be nccl or gloo, got {self.distributed_backend!r}")
        for name in ("total_timesteps", "num_envs", "bc_epochs", "bc_batch_size"):
            if getattr(self, name) < 1:
                raise ExperimentError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(self, name)}")
        for name in ("eval_freq", "save_freq", "s3_sync_freq"):
            if getattr(self, name) < 0:
                raise ExperimentError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}")

    @property
    def conditions(self) -> list[str]:
        """``scratch`` and/or ``pretrained``: --test-pretraining both, --no-pretraining scratch, else pretrained."""
        if self.no_pretraining:
            return ["scratch"]
        if self.test_pretraining:
            return ["scratch", "pretrained"]
        return ["pretrained"]
