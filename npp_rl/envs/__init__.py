"""npp_rl.envs: the gymnasium environment, observation builders, reward and vector envs.

Public API (imported lazily; see docs/environment.md):

* :class:`NppEnv` (``env``) — one world, ``Discrete(6)`` actions, ``Dict`` observations of the chosen
  modalities (:mod:`npp_rl.envs.spec` fixes keys and shapes).
* :class:`NppVecEnv`, :func:`make_vec_env` (``vec_env``) — many worlds through the batched simulator
  (``kind="batched"``) or SB3's ``SubprocVecEnv`` (``kind="subproc"``).
* :class:`EnvConfig`, :class:`RewardConfig` (``config``) — all defaults.
* :class:`LevelSet` (``levelset``) — level sources: datasets, folders, files, MapData, generated levels.
* :func:`observation_space` — the ``Dict`` space for a list of modalities.
* ``GAME_STATE_DIM``/``FIELDS`` (``game_state``), ``NODE_FEAT_DIM`` (``graph``).
"""

from __future__ import annotations

_EXPORTS = {
    "NppEnv": "env", "observation_space": "env", "NppVecEnv": "vec_env", "make_vec_env": "vec_env",
    "EnvConfig": "config", "RewardConfig": "config", "LevelSet": "levelset", "GAME_STATE_DIM": "game_state",
    "FIELDS": "game_state", "NODE_FEAT_DIM": "graph",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"npp_rl.envs.{_EXPORTS[name]}"), name)
    raise AttributeError(name)
