"""Training configuration: the typed config of ``npp-rl train`` and the PPO hyperparameters.

Defaults live here and in ``hyperparams.yaml`` (per-architecture overrides); the resolved config of
every run (``TrainConfig`` + the ``PPOHyperparams`` actually used) is logged to its MLflow run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from npp_rl.models.registry import get_architecture

HYPERPARAMS_FILE = Path(__file__).with_name("hyperparams.yaml")


@dataclass
class PPOHyperparams:
    """PPO settings of one architecture (per rank)."""

    n_steps: int = 64
    """Environment steps per environment per rollout."""
    batch_size: int = 256
    """Minibatch size of one optimiser step."""
    n_epochs: int = 4
    """Passes over the rollout buffer per update."""
    learning_rate: float = 3e-4
    """Adam learning rate (at the start, and throughout unless ``learning_rate_end`` is set)."""
    learning_rate_end: float | None = None
    """Anneal the learning rate linearly from ``learning_rate`` to this over the run's budget (whichever of
    ``total_timesteps`` and the time budget runs out first); None = constant."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda."""
    clip_range: float = 0.2
    """PPO ratio clip."""
    ent_coef: float = 0.01
    """Entropy bonus coefficient."""
    vf_coef: float = 0.5
    """Value loss coefficient."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip, applied after the cross-rank all-reduce."""
    normalize_advantage: bool = True
    """Normalise advantages per minibatch."""
    target_kl: float | None = None
    """KL early stop per epoch; must stay ``None`` with several ranks (ranks would stop apart)."""


def _coerce(cls, values: dict, where: str):
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out = {}
    for k, v in values.items():
        if k not in fields:
            raise ValueError(f"{where}: unknown hyperparameter {k!r}; known: {', '.join(fields)}")
        default = getattr(cls(), k)
        if v is None or default is None:
            if isinstance(v, str) and v.strip().lower() in ("none", "null", ""):
                v = None
            try:
                out[k] = v if v is None or not isinstance(v, str) else float(v)
            except ValueError:
                raise ValueError(f"{where}: {k}={v!r} is not a number or none") from None
        elif isinstance(default, bool):
            out[k] = v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes")
        else:
            try:
                out[k] = type(default)(v)
            except (TypeError, ValueError):
                raise ValueError(f"{where}: {k}={v!r} is not a {type(default).__name__}") from None
    return out


ENV_KEY = "env"
"""Key of a block's environment settings (``EnvConfig`` fields) in the hyperparameter YAML."""


def _read_recipe(architecture: str, path: str | Path | None) -> tuple[Path, dict, dict]:
    get_architecture(architecture)
    path = Path(path) if path else HYPERPARAMS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"hyperparameter file {path} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    return path, dict(data.get("default") or {}), dict((data.get("architectures") or {}).get(architecture) or {})


def load_hyperparams(architecture: str, path: str | Path | None = None, overrides: dict | None = None) -> PPOHyperparams:
    """Resolve ``default`` < ``architectures.<arch>`` < ``overrides`` from the YAML file."""
    path, default, arch = _read_recipe(architecture, path)
    default.pop(ENV_KEY, None)
    arch.pop(ENV_KEY, None)
    values = dict(_coerce(PPOHyperparams, default, f"{path}: default"))
    values.update(_coerce(PPOHyperparams, arch, f"{path}: architectures.{architecture}"))
    values.update(_coerce(PPOHyperparams, overrides or {}, "--set"))
    hp = PPOHyperparams(**values)
    if hp.n_steps < 1 or hp.batch_size < 2 or hp.n_epochs < 1:
        raise ValueError(f"{architecture}: n_steps, batch_size and n_epochs must be positive, got {hp}")
    return hp


def load_env_recipe(architecture: str, path: str | Path | None = None, overrides: dict | None = None) -> dict:
    """Environment settings of the recipe: ``default.env`` < ``architectures.<arch>.env`` < ``overrides``
    (``--env key=value``), as ``EnvConfig`` keyword arguments (checked by building an ``EnvConfig``).

    Reward terms (``RewardConfig`` fields but ``gamma``) come from an ``env: reward: {death: -0.1}``
    mapping in the recipe or ``--env reward.death=-0.1``; they are returned as ``out["reward"]``."""
    from npp_rl.envs.config import EnvConfig, RewardConfig

    path, default, arch = _read_recipe(architecture, path)
    overrides = dict(overrides or {})
    reward = {**_reward_block(default.get(ENV_KEY), path), **_reward_block(arch.get(ENV_KEY), path),
              **_reward_block(overrides, "--env")}
    values = {**(default.get(ENV_KEY) or {}), **(arch.get(ENV_KEY) or {}), **overrides}
    values.pop(REWARD_KEY, None)
    known = {f.name: f for f in dataclasses.fields(EnvConfig)}
    out = {}
    for k, v in values.items():
        if k.startswith(REWARD_KEY + "."):
            reward[k[len(REWARD_KEY) + 1:]] = v
            continue
        if k not in known or k in _NOT_SETTABLE:
            settable = [n for n in known if n not in _NOT_SETTABLE] + ["reward.<term>"]
            raise ValueError(f"{path} / --env: unknown environment setting {k!r}; known: {', '.join(settable)}")
        out[k] = _env_value(k, v, getattr(EnvConfig(), k))
    if reward:
        terms = {f.name: f for f in dataclasses.fields(RewardConfig) if f.name != "gamma"}
        for k, v in reward.items():
            if k not in terms:
                raise ValueError(f"{path} / --env: unknown reward term {k!r} (reward.{k}); known: "
                                 f"{', '.join(terms)} (the shaping gamma is the PPO gamma, never set here)")
            reward[k] = _env_value(f"reward.{k}", v, getattr(RewardConfig(), k))
        out[REWARD_KEY] = reward
    EnvConfig(**out)  # raises, naming the field, on a bad value
    return out


REWARD_KEY = "reward"
_NOT_SETTABLE = ("observation_modalities", "split", "seed", "reward")


def _reward_block(env: dict | None, where) -> dict:
    """The ``reward: {...}`` mapping of an environment block (a recipe's ``env`` or the overrides)."""
    r = (env or {}).get(REWARD_KEY) or {}
    if not isinstance(r, dict):
        raise ValueError(f"{where}: env.reward must be a mapping of reward terms, got {r!r}")
    return dict(r)


def _env_value(name: str, v, default_v):
    """A ``--env`` string as the type of the setting's default."""
    if isinstance(v, str) and isinstance(default_v, bool):
        return v.lower() in ("1", "true", "yes")
    if isinstance(v, str) and isinstance(default_v, (int, float)) and not isinstance(default_v, bool):
        try:
            return type(default_v)(v)
        except ValueError:
            raise ValueError(f"--env {name}={v!r} is not a {type(default_v).__name__}") from None
    return v


@dataclass
class TrainConfig:
    """Everything ``npp-rl train`` needs; ``train(config) -> run_id`` takes this."""

    experiment_name: str = "npp-rl"
    """MLflow experiment."""
    architectures: list[str] = field(default_factory=lambda: ["mlp_baseline"])
    """Registry names; several give one child run each under one parent run."""
    train_dataset: str | None = None
    """Level dataset folder (its training split is played; held-back levels are evaluated)."""
    total_timesteps: int = 100_000
    """Environment steps over all ranks and environments."""
    time_budget_s: float | None = None
    """Wall-clock budget of the training loop in seconds: training stops at the first PPO iteration boundary
    after it (rank 0's clock decides for all ranks); ``total_timesteps`` stays the cap. None = no limit.
    Counted per process (a resumed run gets the budget again)."""
    num_envs: int = 16
    """Environments per rank."""
    seed: int = 0
    """Base seed; rank r uses ``seed + 1000 * r`` for its environments and sampling."""
    save_freq: int = 50_000
    """Checkpoint every this many (global) environment steps; 0 = only at the end."""
    eval_freq: int = 50_000
    """Evaluate every this many (global) environment steps; 0 = only at the end."""
    eval_episodes: int = 20
    """Episodes per evaluation on held-back training levels."""
    resume_from: str | None = None
    """Run id to continue from its last checkpoint (same run, step counter continues)."""
    init_from: str | None = None
    """Run id or model URI (``runs:/``, ``models:/``) or file whose full policy weights start training."""
    device: str = "auto"
    """``auto`` | ``cpu`` | ``cuda`` (``cuda:N`` picks one GPU; under torchrun LOCAL_RANK picks it)."""
    tracking_uri: str | None = None
    """MLflow tracking URI (default: ``MLFLOW_TRACKING_URI`` or the embedded store)."""
    output_dir: str = ".npp-rl/train"
    """Local folder for checkpoints, TensorBoard events and saved policies."""
    hyperparams_file: str | None = None
    """YAML of PPO hyperparameters (default: the packaged ``hyperparams.yaml``)."""
    hyperparams: dict = field(default_factory=dict)
    """Overrides applied on top of the YAML for every architecture (``--set key=value``)."""
    env: dict = field(default_factory=dict)
    """Environment overrides (``EnvConfig`` fields, ``--env key=value``) on top of the recipe's ``env`` block."""
    env_factory: str | None = None
    """``module:function`` building the vector env (default: the real N++ env, see ``training.envs``)."""
    sync_gradients: bool = True
    """All-reduce gradients across ranks every minibatch (turn off only to demonstrate drift)."""
    progress_bar: bool = True
    """tqdm/rich progress bar on rank 0."""
    log_interval: int = 1
    """Log training metrics every this many PPO iterations."""
    tb_sync_every_s: float = 60.0
    """Upload new TensorBoard event files to the run at most this often (and at the end)."""
    register: bool = True
    """Log the run's policy as a pyfunc and register it as ``npp-rl-<architecture>``."""
    keep_best: bool = True
    """The run's policy is the one with the best held-back success among its evaluations (the last
    evaluation included; ties go to the later one); False = the weights at the end. Either way the other
    one is kept too (``final_policy.zip`` / ``best_policy.zip``, and ``model_final`` logged when they differ)."""
    torch_threads: int = 0
    """``torch.set_num_threads`` per rank; 0 = leave torch's default (divided by local ranks)."""
    mixed_precision: bool = False
    """Autocast the encoders on CUDA: bf16 where supported, else fp16 with a GradScaler; no effect on CPU."""
    run_dir: str | None = None
    """Write this run's files (checkpoints/, tensorboard/, policy.zip) here instead of ``<output_dir>/<run_id>``
    (one architecture only; ``train-and-compare`` uses it for its folder layout)."""

    def __post_init__(self):
        if isinstance(self.architectures, str):
            self.architectures = [self.architectures]
        for a in self.architectures:
            get_architecture(a)
        if not self.architectures:
            raise ValueError("architectures: give at least one")
        if self.total_timesteps < 1 or self.num_envs < 1:
            raise ValueError("total_timesteps and num_envs must be positive")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ValueError(f"time_budget_s: expected a positive number of seconds or None, got {self.time_budget_s!r}")
        if self.save_freq < 0 or self.eval_freq < 0:
            raise ValueError("save_freq and eval_freq must be >= 0")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")
        if self.run_dir and len(self.architectures) > 1:
            raise ValueError("run_dir: give one architecture (each run needs a folder of its own)")

    @property
    def condition(self) -> str:
        return "pretrained" if self.init_from else "scratch"
