"""Vector environments: many worlds in one process through the batched simulator, or subprocesses.

``NppVecEnv`` is a stable-baselines3 ``VecEnv``: one compiled simulator call steps every world, the
observation builders run over the whole batch, finished worlds reset automatically (their last
observation is in ``infos[i]["terminal_observation"]`` and ``infos[i]["TimeLimit.truncated"]`` tells a
time-out from a real end), and observations are dicts of arrays with the batch dimension first.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from stable_baselines3.common.vec_env import SubprocVecEnv, VecEnv, VecMonitor

from . import spec
from .config import EnvConfig
from .engine import WorldBatch
from .env import NppEnv, observation_space
from .levelset import LevelSet


class NppVecEnv(VecEnv):
    """``n_envs`` N++ worlds stepped together in this process."""

    def __init__(self, levels, n_envs: int, config: EnvConfig | None = None, seed: int | None = None):
        self.config = config or EnvConfig()
        self.batch = WorldBatch(levels, n_envs, self.config, seed=seed)
        self.render_mode = None
        super().__init__(n_envs, observation_space(self.config.observation_modalities),
                         __import__("gymnasium").spaces.Discrete(len(spec.ACTIONS)))
        self._actions = np.zeros(n_envs, np.int64)
        self._reset_next = True

    # -- VecEnv API
    def reset(self):
        seed = self._seeds[0] if getattr(self, "_seeds", None) and self._seeds[0] is not None else None
        if seed is not None:
            self.batch.rng = np.random.default_rng(seed)
        self._reset_seeds()
        self.batch.reset_worlds(range(self.num_envs))
        self._reset_next = False
        return self.batch.observe()

    def step_async(self, actions) -> None:
        self._actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)

    def step_wait(self):
        obs, rew, term, trunc, infos = self.batch.step(self._actions)
        done = term | trunc
        idx = np.flatnonzero(done)
        if idx.size:
            for w in idx:
                infos[w]["terminal_observation"] = {k: v[w].copy() for k, v in obs.items()}
                infos[w]["TimeLimit.truncated"] = bool(trunc[w] and not term[w])
            self.batch.reset_worlds(idx)
            new = self.batch.observe(idx)
            for k in obs:
                obs[k][idx] = new[k]
        return obs, rew, done, infos

    def close(self) -> None:
        pass

    # -- curriculum state (plain JSON-able dicts, for checkpoints)
    def sampler_state_dict(self) -> dict:
        """The level sampler's state (:meth:`npp_rl.envs.sampler.LevelSampler.state_dict`)."""
        return self.batch.sampler.state_dict()

    def load_sampler_state_dict(self, state: dict) -> None:
        self.batch.sampler.load_state_dict(state)

    def curriculum_summary(self) -> dict:
        """Per category: share of the next draws and estimated success (``curriculum/...`` metrics)."""
        return self.batch.sampler.summary()

    def get_images(self):
        b = self.batch
        out = []
        for w in range(self.num_envs):
            o = b.observe([w]) if "global_view" in b.mods else None
            g = o["global_view"][0, :, :, 0] if o is not None else b.levels.static(int(b.level_idx[w])).gv_base
            out.append(np.stack([g, g, g], axis=-1))
        return out

    def get_attr(self, attr_name, indices=None):
        return [getattr(self, attr_name) for _ in self._get_indices(indices)]

    def set_attr(self, attr_name, value, indices=None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name, *method_args, indices=None, **method_kwargs):
        return [getattr(self, method_name)(*method_args, **method_kwargs) for _ in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class, indices=None):
        return [False for _ in self._get_indices(indices)]

    # -- resume protocol (npp_rl.training.resume): the level sampler's state, JSON-able. Worlds mid-episode
    # are not included (state_is_complete is False): a resumed run starts new episodes on the levels the
    # sampler would have drawn next.
    state_is_complete = False

    def state_dict(self) -> dict:
        b = self.batch
        return {"level_rng": b.rng.bit_generator.state, "sampler": b.sampler.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        b = self.batch
        b.rng.bit_generator.state = state["level_rng"]
        b.sampler.load_state_dict(state["sampler"])


def _make_env(levels, config, seed):
    def thunk():
        return NppEnv(levels, config=replace(config, seed=seed))

    return thunk


def make_vec_env(levels, n_envs: int = 8, config: EnvConfig | None = None, kind: str = "batched",
                 seed: int | None = None, monitor: bool = True, start_method: str | None = None, *,
                 num_envs: int | None = None, modalities=None, split: str | None = None,
                 **config_overrides) -> VecEnv:
    """A vector env of ``n_envs`` (alias ``num_envs``) worlds.

    ``kind="batched"``: :class:`NppVecEnv` (one process, one compiled step for all worlds; fastest).
    ``kind="subproc"``: SB3 ``SubprocVecEnv`` of :class:`NppEnv` (one process per world).
    ``modalities``, ``split`` and other keyword arguments override fields of ``config``
    (:class:`EnvConfig`). ``monitor`` wraps the result in SB3's ``VecMonitor`` (episode return and
    length in infos; the wrapper then says ``provides_episode_info = True``).
    """
    config = config or EnvConfig()
    if num_envs is not None:
        n_envs = num_envs
    if modalities is not None:
        config_overrides["observation_modalities"] = tuple(modalities)
    if split is not None:
        config_overrides["split"] = split
    if config_overrides:
        config = replace(config, **config_overrides)
    if kind == "batched":
        env = NppVecEnv(levels, n_envs, config, seed=seed)
    elif kind == "subproc":
        src = levels if isinstance(levels, LevelSet) else LevelSet(levels, config.split, config.categories,
                                                                  lenient=config.lenient)
        base = seed if seed is not None else (config.seed if config.seed is not None else 0)
        env = SubprocVecEnv([_make_env(src, config, base + k) for k in range(n_envs)], start_method=start_method)
    else:
        raise ValueError(f"make_vec_env: kind must be 'batched' or 'subproc', got {kind!r}")
    if monitor:
        env = VecMonitor(env)
        env.provides_episode_info = True
    return env
