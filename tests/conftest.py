"""Shared fixtures: the reference data folder beside the repository, temp tracking homes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = Path(os.environ.get("NPP_RL_SHARED_REFERENCE", REPO.parent / "shared" / "reference"))


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """../shared/reference (N++ maps, demos, traces); tests skip where it is absent."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"reference data folder {SHARED_REFERENCE} is absent (set NPP_RL_SHARED_REFERENCE)")
    return SHARED_REFERENCE


@pytest.fixture(autouse=True)
def _quiet_mlflow(monkeypatch):
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_LOGGING", "false")


def make_tiny_policy(path: Path, seed: int = 0) -> Path:
    """A tiny untrained SB3 PPO policy on a Dict observation, saved as a zip (for model tests)."""
    import gymnasium as gym
    import numpy as np
    from stable_baselines3 import PPO

    class _Env(gym.Env):
        observation_space = gym.spaces.Dict(
            {"game_state": gym.spaces.Box(-1, 1, (8,), np.float32),
             "graph_node_mask": gym.spaces.Box(0, 1, (4,), np.float32)}
        )
        action_space = gym.spaces.Discrete(6)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return self.observation_space.sample(), {}

        def step(self, action):
            return self.observation_space.sample(), 0.0, False, False, {}

    model = PPO("MultiInputPolicy", _Env(), n_steps=8, batch_size=8, seed=seed, device="cpu",
                policy_kwargs={"net_arch": [16]})
    model.save(path)
    return Path(str(path) if str(path).endswith(".zip") else f"{path}.zip")


@pytest.fixture
def tiny_policy(tmp_path) -> Path:
    return make_tiny_policy(tmp_path / "policy.zip")


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    """The real tracking stack (SeaweedFS S3 + MLflow server) in a temp folder on free loopback ports;
    stopped at the end of the session."""
    from npp_rl.stack import LocalStack, StackConfig, free_port_block

    ports = free_port_block(6)
    cfg = StackConfig(mlflow_port=ports[0], s3_port=ports[1], master_port=ports[2], volume_port=ports[3],
                      filer_port=ports[4], admin_port=ports[5], bucket="npp-rl-test")
    st = LocalStack(tmp_path_factory.mktemp("stack"), cfg)
    st.up(timeout=120, progress=lambda m: None)
    yield st
    st.down(progress=lambda m: None)
