"""Which vector environment training plays.

An env factory is a callable ``factory(num_envs, seed, modalities, dataset, split) -> VecEnv``
(``split`` is ``"train"`` or ``"eval"``: held-back training levels). A factory that also takes an
``env_options`` keyword gets the resolved environment settings: ``EnvConfig`` fields from the recipe
(``hyperparams.yaml`` ``env`` blocks, ``--env``) plus ``reward_gamma``, the PPO gamma the shaping must use. ``TrainConfig.env_factory``
names one as ``module:function`` (so torchrun ranks can import it); the default builds the real
N++ environment through ``npp_rl.envs.make_vec_env``.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from stable_baselines3.common.vec_env import VecEnv, VecMonitor


def resolve_factory(spec: str | None):
    if spec is None:
        return npp_factory
    if callable(spec):
        return spec
    mod, _, fn = str(spec).partition(":")
    if not fn:
        raise ValueError(f"env_factory {spec!r}: expected 'module:function'")
    try:
        return getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"env_factory {spec!r} cannot be imported: {e}") from None


def npp_factory(num_envs: int, seed: int, modalities, dataset: str | None, split: str,
                env_options: dict | None = None) -> VecEnv:
    """The real environment over a level dataset folder; ``env_options`` as in the module docstring."""
    if dataset is None:
        raise ValueError("--train-dataset is required (a level dataset folder)")
    if not Path(dataset).exists():
        raise FileNotFoundError(f"--train-dataset {dataset}: no such folder")
    try:
        from npp_rl.envs import make_vec_env  # type: ignore[attr-defined]
    except ImportError as e:
        raise RuntimeError(f"the N++ environment (npp_rl.envs.make_vec_env) is not available yet: {e}") from None
    from npp_rl.envs.config import RewardConfig

    opts = dict(env_options or {})
    gamma = opts.pop("reward_gamma", None)
    reward = opts.pop("reward", None) or {}
    reward = RewardConfig(**{**reward, "gamma": gamma}) if not isinstance(reward, RewardConfig) else reward
    return make_vec_env(dataset, num_envs=num_envs, seed=seed, modalities=tuple(modalities), split=split,
                        reward=reward, **opts)


def _takes_env_options(factory) -> bool:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "env_options" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def make_env(factory, num_envs: int, seed: int, modalities, dataset, split: str,
             env_options: dict | None = None) -> VecEnv:
    if _takes_env_options(factory):
        env = factory(num_envs, seed, tuple(modalities), dataset, split, env_options=dict(env_options or {}))
    else:
        env = factory(num_envs, seed, tuple(modalities), dataset, split)
    if not isinstance(env, VecEnv):
        raise TypeError(f"env factory returned {type(env).__name__}, expected an SB3 VecEnv")
    # episode reward/length in infos for SB3's rollout stats, unless the env provides them
    if not getattr(env, "provides_episode_info", False):
        env = VecMonitor(env)
    return env
