"""A small fake N++ environment with the spec's Dict observation spaces and random contents.

Used by the model and training tests (and benchmarks) until/besides the real ``NppEnv``. Graphs are
valid: node 0 is the ninja, a few platforms and entities, random edges among real nodes, padding
masked. The reward makes a learnable task: +1 when the action's horizontal direction matches the
sign of ``game_state[0]``; an episode ends after ``episode_len`` steps, a success when at least
half the rewards were earned.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from npp_rl.envs.spec import ACTIONS, EDGE_TYPES, MAX_EDGES, MAX_NODES, NODE_TYPES, keys_for
from npp_rl.models.policy import example_observation_space


class FakeNppEnv(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, modalities=("player_frame", "global_view", "graph", "game_state"), game_state_dim=32,
                 node_feat_dim=16, episode_len=20, max_nodes_used=40, max_edges_used=160, seed=None):
        full = example_observation_space(None, game_state_dim, node_feat_dim)
        keys = keys_for(modalities)
        self.observation_space = gym.spaces.Dict({k: full[k] for k in keys})
        self.action_space = gym.spaces.Discrete(len(ACTIONS))
        self.episode_len = episode_len
        self.n_nodes = max_nodes_used
        self.n_edges = max_edges_used
        self._rng = np.random.default_rng(seed)
        self._t = 0
        self._score = 0

    def _obs(self):
        r = self._rng
        o = {}
        sp = self.observation_space.spaces
        if "player_frame" in sp:
            o["player_frame"] = r.integers(0, 256, sp["player_frame"].shape, dtype=np.uint8)
        if "global_view" in sp:
            o["global_view"] = r.integers(0, 256, sp["global_view"].shape, dtype=np.uint8)
        if "game_state" in sp:
            o["game_state"] = r.uniform(-1, 1, sp["game_state"].shape).astype(np.float32)
        if "graph_node_feats" in sp:
            n, e, f = int(r.integers(2, self.n_nodes + 1)), int(r.integers(1, self.n_edges + 1)), sp["graph_node_feats"].shape[1]
            feats = np.zeros((MAX_NODES, f), np.float32)
            feats[:n] = r.normal(size=(n, f))
            ntype = np.zeros(MAX_NODES, np.float32)
            ntype[1:n] = r.integers(1, len(NODE_TYPES), n - 1)
            nmask = np.zeros(MAX_NODES, np.float32)
            nmask[:n] = 1
            ei = np.zeros((2, MAX_EDGES), np.float32)
            ei[:, :e] = r.integers(0, n, (2, e))
            et = np.zeros(MAX_EDGES, np.float32)
            et[:e] = r.integers(0, len(EDGE_TYPES), e)
            em = np.zeros(MAX_EDGES, np.float32)
            em[:e] = 1
            o.update(graph_node_feats=feats, graph_node_type=ntype, graph_node_mask=nmask,
                     graph_edge_index=ei, graph_edge_type=et, graph_edge_mask=em)
        self._last = o
        return o

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._t = 0
        self._score = 0
        return self._obs(), {}

    def step(self, action):
        target = 1 if self._last.get("game_state", np.ones(1))[0] > 0 else -1
        reward = 1.0 if ACTIONS[int(action)][0] == target else 0.0
        self._score += reward
        self._t += 1
        done = self._t >= self.episode_len
        info = {"is_success": self._score >= self.episode_len / 2} if done else {}
        return self._obs(), reward, done, False, info


def fake_batch(space: gym.spaces.Dict, batch: int, seed: int = 0, scaled_images: bool = False):
    """A batch of observations as float tensors, as SB3 hands them to the extractor after preprocessing:
    raw 0-255 images for npp-rl's policies (``normalize_images=False``), ``[0, 1]`` with ``scaled_images``."""
    import torch

    env = FakeNppEnv(seed=seed)
    env.observation_space = space
    obs = [env._obs() for _ in range(batch)]
    out = {}
    for k in space.spaces:
        a = np.stack([o[k] for o in obs]).astype(np.float32)
        if scaled_images and k in ("player_frame", "global_view"):
            a = a / 255.0
        out[k] = torch.as_tensor(a)
    return out


def _fake_vec_env_class():
    from stable_baselines3.common.vec_env import DummyVecEnv

    class FakeVecEnv(DummyVecEnv):
        """DummyVecEnv of fake envs with the resume protocol (``state_dict``/``load_state_dict``):
        its state is complete (every world mid-episode), so a resumed run is bit-identical."""

        state_is_complete = True

        def state_dict(self) -> dict:
            return {"worlds": [{"rng": e._rng.bit_generator.state, "t": e._t, "score": e._score,
                                "last": {k: v.tolist() for k, v in getattr(e, "_last", {}).items()}}
                               for e in (w.unwrapped for w in self.envs)]}

        def load_state_dict(self, state: dict) -> None:
            for e, st in zip((w.unwrapped for w in self.envs), state["worlds"], strict=True):
                e._rng.bit_generator.state = st["rng"]
                e._t, e._score = st["t"], st["score"]
                e._last = {k: np.asarray(v, dtype=e.observation_space[k].dtype) for k, v in st["last"].items()}

    return FakeVecEnv


def make_fake_vec_env(num_envs, seed, modalities, dataset, split):
    """An env factory for ``TrainConfig.env_factory = "fake_env:make_fake_vec_env"``."""
    envs = [lambda i=i: FakeNppEnv(modalities=modalities, seed=seed + i) for i in range(num_envs)]
    venv = _fake_vec_env_class()(envs)
    venv.seed(seed)
    return venv


def make_dying_vec_env(num_envs, seed, modalities, dataset, split):
    """Like ``make_fake_vec_env``, but the process SIGKILLs itself at its ``NPP_RL_TEST_DIE_AFTER``-th
    vector step (a crash at a known point, for resume tests)."""
    import os
    import signal

    venv = make_fake_vec_env(num_envs, seed, modalities, dataset, split)
    die_after = int(os.environ["NPP_RL_TEST_DIE_AFTER"])
    inner_step_wait = venv.step_wait
    calls = {"n": 0}

    def step_wait():
        calls["n"] += 1
        if calls["n"] >= die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return inner_step_wait()

    venv.step_wait = step_wait
    return venv
