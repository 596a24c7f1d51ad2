"""Tiny data for evaluation/comparison/notebook tests: generated levels and untrained policies."""

from __future__ import annotations

import json
from pathlib import Path


def make_dataset(root: Path, categories=("simple", "mine_heavy"), per_category: int = 2, seed: int = 0) -> Path:
    """``root/test/<category>/<id>.npplevel`` from the project's generators, plus a manifest with a
    (made-up but plausible) solution length, so the efficiency path through the manifest is used."""
    from npp_rl.levels.generators import generate

    entries = []
    for cat in categories:
        d = root / "test" / cat
        d.mkdir(parents=True, exist_ok=True)
        for k in range(per_category):
            lv = generate(cat, seed + k)
            p = d / f"{cat}_{k:03d}.npplevel"
            p.write_bytes(lv.to_bytes())
            entries.append({"path": str(p.relative_to(root)), "category": cat, "seed": seed + k,
                            "solution_frames": 300 if k == 0 else None})
    (root / "manifest.json").write_text(json.dumps({"levels": entries}))
    return root


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
