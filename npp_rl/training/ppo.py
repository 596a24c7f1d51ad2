"""SB3 PPO with what npp-rl needs and nothing else forked.

* Gradients agree across torchrun ranks: SB3's ``train()`` calls ``policy.evaluate_actions``,
  which bypasses a DDP wrapper's ``forward``, so instead an optimizer *step pre-hook* all-reduces
  the gradients of every minibatch (one flat ``all_reduce``) and then clips their global norm.
  During ``train()`` SB3's own clip is disabled (``max_grad_norm = inf``) so clipping happens once,
  after averaging, as with DDP.
* Rollout statistics (episode reward/length/success) are gathered from all ranks before SB3
  writes its logs; ``time/fps`` is reported per rank and as the global ``perf/fps``.
* The learning rate may anneal (``learning_rate_end``) over the run's budget: SB3's progress counts steps
  against ``total_timesteps``; with a time budget the training callback also hands over the fraction of
  that budget spent (rank 0's clock, broadcast), and the schedule follows whichever is further along.
* Image channels stay HWC as in the observation contract (the extractor handles layout), so the
  saved policy's observation space is the environment's, which is what the pyfunc validates against.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque

import torch
from stable_baselines3 import PPO
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.utils import LinearSchedule
from stable_baselines3.common.vec_env import DummyVecEnv, VecEnv
from stable_baselines3.common.vec_env.patch_gym import _patch_env

from npp_rl.training import distributed as D


class NppPPO(PPO):
    """PPO whose updates are synchronised across torchrun ranks (see module docstring)."""

    sync_gradients: bool = True
    _clip_after_sync: float | None = None
    time_progress: float = 0.0
    """Fraction of the time budget spent (set by the training callback at every rollout start)."""

    def _update_current_progress_remaining(self, num_timesteps: int, total_timesteps: int) -> None:
        super()._update_current_progress_remaining(num_timesteps, total_timesteps)
        self._current_progress_remaining = max(0.0, min(self._current_progress_remaining,
                                                        1.0 - float(self.time_progress)))

    @staticmethod
    def _wrap_env(env, verbose: int = 0, monitor_wrapper: bool = True) -> VecEnv:
        if not isinstance(env, VecEnv):
            env = _patch_env(env)
            if monitor_wrapper and not isinstance(env, Monitor):
                env = Monitor(env)
            env = DummyVecEnv([lambda: env])
        return env

    def _setup_model(self) -> None:
        super()._setup_model()
        self._install_sync_hook()

    def _install_sync_hook(self) -> None:
        if getattr(self.policy.optimizer, "_npp_sync_hook", None) is not None:
            return

        def hook(optimizer, args, kwargs):
            if D.current().enabled and self.sync_gradients:
                params = [p for g in optimizer.param_groups for p in g["params"] if p.requires_grad]
                D.allreduce_gradients(params, self._clip_after_sync)

        self.policy.optimizer._npp_sync_hook = self.policy.optimizer.register_step_pre_hook(hook)

    def _excluded_save_params(self) -> list[str]:
        return super()._excluded_save_params() + ["_clip_after_sync", "_amp_scaler", "_amp_clip", "time_progress"]

    def train(self) -> None:
        info = D.current()
        if info.enabled and self.target_kl is not None:
            raise ValueError("target_kl must be None with several ranks (ranks would stop at different epochs)")
        self._install_sync_hook()  # also after PPO.load
        sync = info.enabled and self.sync_gradients
        clip = self.max_grad_norm
        self._clip_after_sync = clip if sync else None
        scaled = getattr(self, "_amp_scaler", None) is not None  # fp16: clip after unscaling (precision.py)
        self._amp_clip = clip if scaled and not sync else None
        if sync or scaled:
            self.max_grad_norm = math.inf  # SB3 clips locally; we clip once after the all-reduce / unscale
        try:
            super().train()
        finally:
            self.max_grad_norm = clip

    def dump_logs(self, iteration: int = 0) -> None:
        info = D.current()
        if not info.enabled:
            return super().dump_logs(iteration)
        local = (list(self.ep_info_buffer), list(self.ep_success_buffer))
        parts = D.gather_objects(local, what="rollout statistics", step=int(self.num_timesteps) * info.world_size)
        keep_info, keep_succ = self.ep_info_buffer, self.ep_success_buffer
        self.ep_info_buffer = deque((e for p in parts for e in p[0]), maxlen=None)
        self.ep_success_buffer = deque((s for p in parts for s in p[1]), maxlen=None)
        try:
            super().dump_logs(iteration)
        finally:
            self.ep_info_buffer, self.ep_success_buffer = keep_info, keep_succ


def ppo_kwargs(hp) -> dict:
    """``PPO(...)`` keyword arguments of a :class:`~npp_rl.training.config.PPOHyperparams`."""
    kw = dataclasses.asdict(hp)
    end = kw.pop("learning_rate_end")
    if end is not None:
        kw["learning_rate"] = LinearSchedule(hp.learning_rate, end, 1.0)
    return kw


def configure_torch(device: torch.device) -> None:
    """TF32 on GPUs that have it (mixed precision is a choice: see :mod:`npp_rl.training.precision`)."""
    if device.type != "cuda":
        return
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
