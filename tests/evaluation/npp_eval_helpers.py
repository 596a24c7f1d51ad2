"""Tiny data for evaluation/comparison/notebook tests: generated levels and untrained policies."""

from __future__ import annotations

from pathlib import Path


def make_dataset(root: Path, categories=("simple", "mine_heavy"), per_category: int = 2, seed: int = 0,
                 train_per_category: int = 0) -> Path:
    """A real (solver-checked) dataset ``root/{train,test}/<category>/...`` with its manifest."""
    from npp_rl.levels import generate_dataset

    generate_dataset(root, train_per_category, per_category, seed, categories=list(categories), overwrite=True)
    return Path(root)


def make_policy(path: Path, architecture: str = "mlp_baseline", seed: int = 0) -> Path:
    """An untrained PPO policy of ``architecture`` on the real observation space, saved as a zip."""
    import gymnasium as gym
    import numpy as np
    import torch
    from stable_baselines3 import PPO

    from npp_rl.envs.env import observation_space
    from npp_rl.models import get_architecture, policy_kwargs

    torch.set_num_threads(1)
    space = observation_space(get_architecture(architecture).modalities)

    class _Env(gym.Env):
        observation_space = space
        action_space = gym.spaces.Discrete(6)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return {k: np.zeros(s.shape, s.dtype) for k, s in space.spaces.items()}, {}

        def step(self, action):
            return self.reset()[0], 0.0, True, False, {}

    model = PPO("MultiInputPolicy", _Env(), n_steps=8, batch_size=8, seed=seed, device="cpu",
                policy_kwargs=policy_kwargs(architecture))
    model.save(path)
    return Path(path)
