"""The typed config of ``npp-rl pretrain``; every default of BC and DAgger pretraining lives here."""

from __future__ import annotations

from dataclasses import dataclass

from .labels import MIXED_RULES

METHODS = ("bc", "dagger")


@dataclass
class PretrainConfig:
    """Everything ``pretrain(config) -> run_id`` needs."""

    method: str = "bc"
    """``bc``: behavioural cloning on the demonstrations; ``dagger``: BC, then DAgger iterations with the
    solver as the expert (:mod:`npp_rl.pretraining.dagger`)."""
    architecture: str = "mlp_baseline"
    """Registry name; the BC network is the PPO policy of this architecture."""
    replay_data_dir: str = "data/levels/train"
    """Folder searched recursively for replays (``*.nppreplay``, N++ attract demos)."""
    experiment_name: str = "npp-rl"
    """MLflow experiment."""
    bc_epochs: int = 10
    """Passes over the training samples (fewer when early stopping triggers)."""
    bc_batch_size: int = 256
    """Samples per optimiser step."""
    seed: int = 0
    """Seeds the level split, the network's initialisation and the minibatch order."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    learning_rate: float = 1e-3
    """Adam learning rate."""
    weight_decay: float = 0.0
    """Adam weight decay."""
    max_grad_norm: float = 1.0
    """Global gradient-norm clip per step."""
    val_fraction: float = 0.2
    """Share of LEVELS (not samples) held out for validation (at least one level when there are two)."""
    patience: int = 3
    """Early stopping: epochs without a better validation loss before stopping (0 = never stop early)."""
    value_warm_start: bool = True
    """Also regress the value head on the discounted returns of the replays."""
    value_coef: float = 0.5
    """Weight of the value loss when ``value_warm_start``."""
    mixed_rule: str = "majority"
    """Label of windows whose input changes mid-window: majority | first | drop."""
    frame_skip: int = 4
    """Frames per decision step (the environment's)."""
    include_test_split: bool = False
    """Also learn from replays under ``test/`` folders (solutions of the evaluation levels)."""
    dataset_dir: str | None = None
    """Where the dataset shards go (default: ``<output_dir>/datasets/<build key>``, reused when present)."""
    output_dir: str = ".npp-rl/pretrain"
    """Local folder for datasets and saved policies."""
    register: bool = True
    """Log the BC policy as a pyfunc and register it as ``npp-rl-<architecture>``."""
    device: str = "cpu"
    """Torch device for BC (``cpu``, ``cuda``, ``auto``)."""
    torch_threads: int = 0
    """``torch.set_num_threads`` (0 = torch's default)."""
    levels: str | None = None
    """Level dataset(s) (a dataset folder, or a folder holding several) whose eval/test levels are held out,
    where DAgger plays and whose eval levels measure held-back success (default: the datasets
    ``replay_data_dir`` belongs to or holds)."""
    balance_classes: bool = False
    """Weight the cross-entropy by inverse action frequency (the solver's labels are mostly ``right``)."""
    buffer_shards: int = 4
    """Shards held in memory at a time while streaming (bounds BC's memory)."""
    progress: bool = True
    """Progress bars (dataset build, BC epochs) on stderr."""
    dagger_iterations: int = 3
    """DAgger iterations after BC (``method=dagger``)."""
    dagger_levels_per_iteration: int = 50
    """Training levels the learner plays per DAgger iteration."""
    dagger_epochs: int = 3
    """BC epochs over the aggregate per DAgger iteration."""
    dagger_label_every: int = 1
    """Label every k-th state the learner visits."""
    dagger_rollout: str = "greedy"
    """How the learner acts while DAgger collects states: greedy | sampled."""
    dagger_num_envs: int = 16
    """Worlds stepped together in DAgger's rollouts and the held-back measurement."""
    dagger_max_steps_factor: float = 2.0
    """A collecting episode stops after this many times the level's solution length (0 = env budget only)."""
    solver_max_iterations: int = 150
    """The expert's search budget per labelled state (iterations)."""
    solver_time_limit_s: float = 5.0
    """The expert's wall-clock budget per labelled state."""
    eval_levels: int = 0
    """Held-back (eval split) levels on which learner success is measured (0 = all; -1 = none)."""

    def __post_init__(self):
        from npp_rl.models.registry import get_architecture

        get_architecture(self.architecture)  # raises naming the known ones
        if self.bc_epochs < 1 or self.bc_batch_size < 1:
            raise ValueError(f"bc_epochs and bc_batch_size must be >= 1, got {self.bc_epochs}, {self.bc_batch_size}")
        if not 0.0 <= self.val_fraction < 1.0:
            raise ValueError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        if self.method not in METHODS:
            raise ValueError(f"method {self.method!r}: expected one of {', '.join(METHODS)}")
        if self.dagger_rollout not in ("greedy", "sampled"):
            raise ValueError(f"dagger_rollout must be greedy or sampled, got {self.dagger_rollout!r}")
        if self.dagger_iterations < 0 or min(self.dagger_levels_per_iteration, self.dagger_epochs,
                                             self.dagger_label_every, self.solver_max_iterations) < 1:
            raise ValueError("dagger_iterations must be >= 0; dagger_levels_per_iteration, dagger_epochs, "
                             "dagger_label_every and solver_max_iterations >= 1")
        if self.mixed_rule not in MIXED_RULES:
            raise ValueError(f"mixed_rule {self.mixed_rule!r}: expected one of {', '.join(MIXED_RULES)}")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")
