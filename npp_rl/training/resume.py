"""What a checkpoint holds beyond the weights, and the rules of resuming from one.

Per rank: the RNG states, the last observation and episode starts, the episode-statistics buffers
and the vector environment's own state. An environment takes part through an optional protocol:

``venv.state_dict() -> dict``
    JSON-able state (e.g. the level sampler: its RNG, its position, a curriculum's progress).
``venv.load_state_dict(state)``
    restores it.
``venv.state_is_complete: bool`` (default False)
    True when the state covers the worlds mid-episode, so training goes on from the saved last
    observation (bit-identical to an uninterrupted run). Otherwise the environments are reset after
    the state is loaded: new episodes, with the level sequence continuing where it was.

The innermost env of a wrapper chain (``.venv``) is asked; a ``VecMonitor``'s running episode
returns/lengths are kept too. Envs without the protocol restart their level sequence (a warning says so).
"""

from __future__ import annotations

import dataclasses
import sys
from collections import deque

import numpy as np
from stable_baselines3.common.vec_env import VecMonitor

from npp_rl.training import checkpoint as C

COUNTERS = ("num_timesteps", "_n_updates", "_episode_num")


class ResumeError(ValueError):
    """A resume that would not continue the same run; the message names the setting."""


def _chain(venv):
    while venv is not None:
        yield venv
        venv = getattr(venv, "venv", None)


def _inner(venv):
    return list(_chain(venv))[-1]


def env_state(venv) -> dict:
    inner = _inner(venv)
    out: dict = {"env": None, "complete": False, "monitor": None}
    if callable(getattr(inner, "state_dict", None)):
        out["env"] = inner.state_dict()
        out["complete"] = bool(getattr(inner, "state_is_complete", False))
    mon = next((w for w in _chain(venv) if isinstance(w, VecMonitor)), None)
    if mon is not None:
        out["monitor"] = {"returns": np.asarray(mon.episode_returns, float).tolist(),
                          "lengths": np.asarray(mon.episode_lengths, int).tolist(), "count": int(mon.episode_count)}
    return out


def capture(model, env) -> tuple[dict, dict[str, np.ndarray]]:
    """This rank's resumable state as (JSON, arrays); call it between PPO iterations."""
    js, arrays = C.rng_state()
    js["env"] = env_state(env)
    js["ep_info_buffer"] = [{k: float(v) for k, v in e.items()} for e in (model.ep_info_buffer or [])]
    js["ep_success_buffer"] = [bool(s) for s in (model.ep_success_buffer or [])]
    # the last update's train/* values, recorded but dumped only with the next rollout's logs
    pending = getattr(getattr(model, "_logger", None), "name_to_value", {}) or {}
    js["pending_logs"] = {k: float(v) for k, v in pending.items()
                          if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)}
    obs = model._last_obs
    if isinstance(obs, dict):
        for k, v in obs.items():
            arrays[f"obs/{k}"] = np.asarray(v)
    elif obs is not None:
        arrays["obs"] = np.asarray(obs)
    if model._last_episode_starts is not None:
        arrays["episode_starts"] = np.asarray(model._last_episode_starts, bool)
    return js, arrays


def restore(model, env, meta: dict, js: dict, arrays: dict[str, np.ndarray]) -> bool:
    """Put a rank's state back; returns True when training continues mid-episode (complete env state)."""
    for k in COUNTERS:
        setattr(model, k, int(meta["counters"][k]))
    est = js.get("env") or {}
    inner = _inner(env)
    if hasattr(inner, "_reset_seeds"):
        inner._reset_seeds()  # the model's construction seeded the next reset; the checkpoint decides now
    complete = False
    if est.get("env") is not None and callable(getattr(inner, "load_state_dict", None)):
        inner.load_state_dict(est["env"])
        complete = bool(est.get("complete"))
    elif est.get("env") is not None or callable(getattr(inner, "state_dict", None)):
        print("resume: the environment's saved state cannot be restored here; its level sequence restarts",
              file=sys.stderr)
    else:
        print(f"resume: {type(inner).__name__} has no state_dict(); its level sequence restarts", file=sys.stderr)
    maxlen = model._stats_window_size
    model.ep_info_buffer = deque(js.get("ep_info_buffer", []), maxlen=maxlen)
    model.ep_success_buffer = deque(js.get("ep_success_buffer", []), maxlen=maxlen)
    if complete:
        keys = [k for k in arrays if k.startswith("obs/")]
        model._last_obs = {k[4:]: arrays[k].copy() for k in keys} if keys else arrays["obs"].copy()
        model._last_episode_starts = arrays["episode_starts"].copy()
        mon = next((w for w in _chain(env) if isinstance(w, VecMonitor)), None)
        if mon is not None and est.get("monitor"):
            mon.episode_returns = np.asarray(est["monitor"]["returns"], np.float32)
            mon.episode_lengths = np.asarray(est["monitor"]["lengths"], np.int32)
            mon.episode_count = int(est["monitor"]["count"])
    else:
        model._last_obs = env.reset()
        model._last_episode_starts = np.ones((env.num_envs,), dtype=bool)
    C.set_rng_state(js, arrays)  # last: the reset above may have drawn from them
    return complete


def restore_pending_logs(model, js: dict) -> None:
    """Re-record the values the checkpointed process had not dumped yet (call after ``set_logger``)."""
    for k, v in (js.get("pending_logs") or {}).items():
        model.logger.record(k, v)


def check_compatible(config, meta: dict, world_size: int, hp_fields: dict, overrides: dict) -> None:
    """Refuse a resume that would not continue the same run, naming each setting that differs.

    ``hp_fields``: the run's PPO hyperparameters (from its checkpoint); ``overrides``: ``--set`` values,
    accepted only where they equal the run's (a resume keeps the hyperparameters it started with).
    """
    from npp_rl.training.config import PPOHyperparams, _coerce

    problems = []
    saved_world = int(meta.get("world_size", 1))
    if saved_world != world_size:
        problems.append(f"it ran on {saved_world} rank(s), this is {world_size}: resume with "
                        f"torchrun --nproc-per-node {saved_world} (the per-rank RNG and env states, the "
                        "step counter and the metric steps all depend on the number of ranks)")
    train = meta.get("config", {}).get("train", {})
    for name in ("num_envs", "seed"):
        if name in train and getattr(config, name) != train[name]:
            problems.append(f"--{name.replace('_', '-')} {getattr(config, name)} differs from the run's {train[name]}")
    if overrides:
        asked = _coerce(PPOHyperparams, overrides, "--set")
        for k, v in asked.items():
            if hp_fields.get(k) != v:
                problems.append(f"--set {k}={overrides[k]} differs from the run's {k}={hp_fields.get(k)!r}; a resumed "
                                "run keeps the hyperparameters it started with (start a new run with --init-from "
                                "RUN_ID to change them)")
    if problems:
        raise ResumeError(f"--resume-from {meta.get('run_id')}: cannot continue this run: " + "; ".join(problems))


def hyperparams(meta: dict):
    from npp_rl.training.config import PPOHyperparams

    names = {f.name for f in dataclasses.fields(PPOHyperparams)}
    saved = meta["config"]["ppo"]
    return PPOHyperparams(**{k: v for k, v in saved.items() if k in names})
