"""Environment and reward configuration: every default lives here."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import spec
from .sampler import SAMPLINGS


@dataclass
class RewardConfig:
    """Reward terms (see :mod:`npp_rl.envs.reward`); per env step unless said otherwise."""

    win: float = 1.0
    """Reward on the step the ninja reaches the open exit door."""
    death: float = -0.5
    """Reward on the step the ninja dies (any cause)."""
    switch: float = 0.1
    """Reward on the step the exit switch is hit."""
    gold: float = 0.0
    """Reward per gold piece collected."""
    time_per_frame: float = -0.0001
    """Added for every simulated frame (x4 per step at frame skip 4): a small cost of time."""
    shaping_weight: float = 1.0
    """Scale of the potential: Phi(s) = shaping_weight * max(0, 1 - remaining geodesic path / level path
    length) (remaining path = to the switch then to the exit; ~0 at the spawn, shaping_weight at the exit)."""
    gamma: float | None = None
    """Discount of the shaping term F = gamma * Phi(s') - Phi(s). Training sets it to the PPO gamma of the
    resolved hyperparameters (never a default of its own); None (no learner) = undiscounted (1.0)."""
    shaping: bool = True
    """Whether the potential-based shaping term is added at all."""


@dataclass
class EnvConfig:
    """Environment settings shared by :class:`~npp_rl.envs.env.NppEnv` and the vector envs."""

    observation_modalities: tuple[str, ...] = spec.MODALITIES
    """Which observations are computed: any of player_frame, global_view, game_state, graph."""
    frame_skip: int = 4
    """Simulator frames per env step (the action is held); stops early on a win or death."""
    max_episode_frames: int = 5000
    """Frame budget of an episode (truncation); the upper bound when ``adaptive_frame_budget``."""
    adaptive_frame_budget: bool = True
    """Budget per level = clip(600 + 4 * geodesic path length in px (spawn -> switch -> exit),
    1200, max_episode_frames): short levels get short episodes."""
    split: str | None = "train"
    """With a level dataset as the level source: which split to play: ``train``, ``test``, ``eval``
    (every 10th train level of each category, held back: ``train`` leaves them out when the category
    has at least 10 levels) or None (all levels)."""
    categories: tuple[str, ...] | None = None
    """With a level dataset (or generated levels): only these categories (None = all)."""
    level_sampling: str = "random"
    """How a reset picks the next level: ``random`` (seeded, uniform), ``sequential`` (cycles) or
    ``progress`` (a curriculum: prioritized level replay on each level's learnability p(1-p), p its
    recent success rate; see :mod:`npp_rl.envs.sampler`). Training's recipe sets it (hyperparams.yaml)."""
    seed: int | None = None
    """Seed of the level sampler (``reset(seed=...)`` overrides it)."""
    lenient: bool = True
    """Load levels with entity types the simulator does not implement, ignoring those entities."""
    reward: RewardConfig = field(default_factory=RewardConfig)
    """Reward terms."""

    def __post_init__(self):
        if isinstance(self.observation_modalities, str):
            self.observation_modalities = (self.observation_modalities,)
        self.observation_modalities = tuple(self.observation_modalities)
        spec.keys_for(self.observation_modalities)  # raises on an unknown name
        if not self.observation_modalities:
            raise ValueError("EnvConfig.observation_modalities: at least one modality is needed")
        if self.frame_skip < 1:
            raise ValueError(f"EnvConfig.frame_skip: expected >= 1, got {self.frame_skip}")
        if self.level_sampling not in SAMPLINGS:
            raise ValueError(f"EnvConfig.level_sampling: expected one of {', '.join(SAMPLINGS)}, "
                             f"got {self.level_sampling!r}")
        if isinstance(self.reward, dict):
            self.reward = RewardConfig(**self.reward)
