"""Typed configs of ``npp-rl sweep`` and ``npp-rl tune``; every default of the scale-out layer lives here."""

from __future__ import annotations

from dataclasses import dataclass, field

BACKENDS_SWEEP = ("ray", "local")
BACKENDS_TUNE = ("optuna", "ray")
CONDITIONS = ("scratch", "pretrained")


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [n for v in value for n in str(v).replace(",", " ").split() if n]


@dataclass
class RayOptions:
    """Where trials run and what each may use."""

    address: str | None = None
    """Ray cluster to join (``auto``, ``HOST:PORT``, ``ray://HOST:10001``); default: start a local Ray."""
    num_cpus: int | None = None
    """CPUs of the local Ray started when no ``address`` is given (default: all of this machine's)."""
    cpus_per_trial: float = 1.0
    """CPUs reserved per trial (also its torch threads, at least 1)."""
    gpus_per_trial: float = 0.0
    """GPUs reserved per trial (fractions share a GPU)."""

    def __post_init__(self):
        if self.cpus_per_trial <= 0:
            raise ValueError(f"cpus_per_trial must be > 0, got {self.cpus_per_trial}")
        if self.gpus_per_trial < 0:
            raise ValueError(f"gpus_per_trial must be >= 0, got {self.gpus_per_trial}")
        if self.num_cpus is not None and self.num_cpus < 1:
            raise ValueError(f"num_cpus must be >= 1, got {self.num_cpus}")


@dataclass
class SweepConfig:
    """Everything ``run_sweep(config) -> parent run id`` needs."""

    experiment_name: str
    """MLflow experiment of the sweep run and of every trial's runs."""
    train_dataset: str
    """Level dataset folder trained on (and its ``train`` split's solutions for BC pretraining)."""
    test_dataset: str
    """Level dataset folder whose ``test`` split every trial is evaluated on."""
    architectures: list[str] = field(default_factory=lambda: ["mlp_baseline"])
    """Architectures of the grid."""
    conditions: list[str] = field(default_factory=lambda: ["scratch"])
    """``scratch`` and/or ``pretrained`` (BC-pretrained once per architecture, shared by its seeds)."""
    seeds: list[int] = field(default_factory=lambda: [0])
    """Training seeds of every (architecture, condition)."""
    total_timesteps: int = 100_000
    """Environment steps per training run."""
    num_envs: int = 16
    """Environments per training run."""
    name: str | None = None
    """Sweep name; re-running a sweep of the same name resumes it (default: derived from the grid)."""
    backend: str = "ray"
    """``ray`` (each trial a Ray task) or ``local`` (in sequence, in this process, without Ray)."""
    ray: RayOptions = field(default_factory=RayOptions)
    """Cluster address and resources per trial."""
    max_retries: int = 1
    """Re-runs of a trial that raised, before it is reported failed."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    output_dir: str = ".npp-rl/sweep"
    """Local folder for checkpoints, BC shards and the compare report."""
    train: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.training.TrainConfig` (e.g. ``eval_freq``, ``hyperparams_file``)."""
    pretrain: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.pretraining.PretrainConfig`."""
    evaluate: dict = field(default_factory=dict)
    """Overrides of :class:`npp_rl.evaluation.EvalConfig`."""
    compare: bool = True
    """End with ``compare`` over the experiment (decision matrix, report, champion)."""

    def __post_init__(self):
        from npp_rl.models.registry import get_architecture

        self.architectures = _names(self.architectures)
        self.conditions = _names(self.conditions)
        if not self.architectures:
            raise ValueError("architectures: give at least one")
        for a in self.architectures:
            get_architecture(a)  # unknown names fail here, listing the known ones
        bad = [c for c in self.conditions if c not in CONDITIONS]
        if bad or not self.conditions:
            raise ValueError(f"conditions: {bad or 'none'} given; expected some of {', '.join(CONDITIONS)}")
        self.seeds = [int(s) for s in (self.seeds if not isinstance(self.seeds, (int, str)) else _names(self.seeds))]
        if not self.seeds:
            raise ValueError("seeds: give at least one")
        if self.backend not in BACKENDS_SWEEP:
            raise ValueError(f"backend {self.backend!r}: expected one of {', '.join(BACKENDS_SWEEP)}")
        if self.total_timesteps < 1 or self.num_envs < 1:
            raise ValueError("total_timesteps and num_envs must be positive")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {self.max_retries}")


@dataclass
class TuneConfig:
    """Everything ``run_tune(config) -> TuneResult`` needs."""

    experiment_name: str
    """MLflow experiment of the tune run and its trial runs."""
    train_dataset: str
    """Level dataset folder; trials are scored on its held-back training levels (never the test split)."""
    architecture: str = "mlp_baseline"
    """Architecture whose PPO hyperparameters are searched."""
    trials: int = 20
    """Trials of the study (counted over re-runs: a study that has them already runs no more)."""
    out: str = "best.yaml"
    """Hyperparameter YAML written with the best trial's values (``npp-rl train --hyperparams`` reads it)."""
    total_timesteps: int = 50_000
    """Environment steps per trial."""
    num_envs: int = 16
    """Environments per trial."""
    evals_per_trial: int = 4
    """Held-back evaluations per trial: the pruner's checkpoints (``eval_freq = total_timesteps / this``)."""
    eval_episodes: int = 20
    """Episodes per held-back evaluation."""
    backend: str = "optuna"
    """``optuna`` (trials in this process, in sequence) or ``ray`` (Ray Tune with the Optuna searcher)."""
    ray: RayOptions = field(default_factory=RayOptions)
    """Cluster address and resources per trial (``ray`` backend)."""
    study_name: str | None = None
    """Optuna study; re-running with the same name continues it (default: ``<experiment>-<architecture>``)."""
    storage: str | None = None
    """Optuna storage: a database URL, a ``.journal`` file, or none for the default beside the tracking
    database (``optuna.db`` next to the embedded ``mlflow.db``; else ``<output_dir>/optuna.journal``)."""
    sampler_seed: int = 0
    """Seed of the TPE sampler."""
    seed: int = 0
    """Training seed of every trial (one seed: trials differ by their hyperparameters only)."""
    n_startup_trials: int = 4
    """Random trials before TPE models the results; the median pruner waits for as many finished trials."""
    space: dict = field(default_factory=dict)
    """Overrides of the search space (``npp_rl/sweep/space.yaml``), name -> spec."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    output_dir: str = ".npp-rl/tune"
    """Local folder for the trials' checkpoints (and the default journal storage)."""

    def __post_init__(self):
        from npp_rl.models.registry import get_architecture

        get_architecture(self.architecture)
        if self.trials < 1:
            raise ValueError(f"trials must be >= 1, got {self.trials}")
        if self.backend not in BACKENDS_TUNE:
            raise ValueError(f"backend {self.backend!r}: expected one of {', '.join(BACKENDS_TUNE)}")
        if self.total_timesteps < 1 or self.num_envs < 1 or self.evals_per_trial < 1 or self.eval_episodes < 1:
            raise ValueError("total_timesteps, num_envs, evals_per_trial and eval_episodes must be positive")
