"""Training throughput: PPO environment steps/s per architecture with the configured hyperparameters.

``python -m npp_rl.training.bench --dataset DIR --architectures mlp_baseline vision_free --steps 8192``
prints one JSON line per architecture: ``train_steps_per_s`` (rollouts + updates, after one warm-up
iteration), ``train_steps_per_cpu_s`` (steps per CPU-second summed over ranks: what one dedicated
core per rank would give; robust to other processes sharing the machine), ``env_steps_per_s`` (random actions, same env), ``rollout_s``/``update_s`` shares, the
hyperparameters and the parameter count. ``--env-factory module:function`` swaps the environment
(e.g. the tests' fake env). Under torchrun the figure is the global rate (all ranks).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import numpy as np
import torch

from npp_rl.models.policy import count_parameters, policy_kwargs
from npp_rl.models.registry import get_architecture
from npp_rl.training import distributed as D
from npp_rl.training.breakdown import instrument
from npp_rl.training.config import load_env_recipe, load_hyperparams
from npp_rl.training.envs import make_env, resolve_factory
from npp_rl.training.ppo import NppPPO, ppo_kwargs


class _Timer(NppPPO):
    """Accumulates time spent in rollouts and in updates (wall and CPU seconds)."""

    t_roll = t_upd = c_roll = c_upd = 0.0

    def collect_rollouts(self, *a, **k):
        t, c = time.perf_counter(), time.process_time()
        r = super().collect_rollouts(*a, **k)
        self.t_roll += time.perf_counter() - t
        self.c_roll += time.process_time() - c
        return r

    def train(self):
        t, c = time.perf_counter(), time.process_time()
        super().train()
        self.t_upd += time.perf_counter() - t
        self.c_upd += time.process_time() - c


def env_rate(env, steps: int) -> float:
    env.reset()
    for _ in range(8):  # warm-up: level loads, compiled kernels
        env.step(np.random.randint(0, env.action_space.n, size=env.num_envs))
    n = env.num_envs
    t = time.perf_counter()
    for _ in range(max(1, steps // n)):
        env.step(np.random.randint(0, env.action_space.n, size=n))
    return (steps // n) * n / (time.perf_counter() - t)


def bench(arch: str, dataset: str | None, num_envs: int, steps: int, factory=None, overrides=None,
          device: str = "cpu", seed: int = 0, breakdown: bool = False) -> dict:
    info = D.current()
    spec = get_architecture(arch)
    hp = load_hyperparams(arch, overrides=overrides)
    factory = resolve_factory(factory)
    env = make_env(factory, num_envs, seed + 1000 * info.rank, spec.modalities, dataset, "train",
                   {**load_env_recipe(arch), "reward_gamma": hp.gamma})
    e_rate = env_rate(env, min(steps, 4096))
    model = _Timer("MultiInputPolicy", env, policy_kwargs=policy_kwargs(arch), seed=seed, device=device,
                   **ppo_kwargs(hp))
    per_iter = hp.n_steps * num_envs
    bd = instrument(model) if breakdown else None
    model.learn(per_iter)  # warm-up iteration (allocations, first graph builds)
    model.t_roll = model.t_upd = model.c_roll = model.c_upd = 0.0
    if bd is not None:
        bd.reset()
    start = model.num_timesteps
    t, c = time.perf_counter(), time.process_time()
    model.learn(max(per_iter, steps // info.world_size), reset_num_timesteps=False)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    cpu_all = sum(D.gather_objects(cpu))
    done = (model.num_timesteps - start) * info.world_size
    env.close()
    res = {
        "architecture": arch, "world_size": info.world_size, "num_envs_per_rank": num_envs,
        "torch_threads": torch.get_num_threads(), "steps": done, "wall_s": round(wall, 2),
        "train_steps_per_s": round(done / wall, 1), "cpu_s_all_ranks": round(cpu_all, 2),
        "train_steps_per_cpu_s": round(done / cpu_all, 1), "env_steps_per_s": round(e_rate * info.world_size, 1),
        "rollout_s": round(model.t_roll, 2), "update_s": round(model.t_upd, 2),
        "rollout_cpu_s": round(model.c_roll, 2), "update_cpu_s": round(model.c_upd, 2),
        "parameters": count_parameters(model.policy), "ppo": dataclasses.asdict(hp),
    }
    if bd is not None:
        res["breakdown_cpu_s"] = bd.table({"rollout": model.c_roll, "update": model.c_upd}, done)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset")
    ap.add_argument("--architectures", nargs="+", default=["mlp_baseline"])
    ap.add_argument("--num-envs", type=int, default=16)
    ap.add_argument("--steps", type=int, default=8192)
    ap.add_argument("--env-factory")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    ap.add_argument("--breakdown", action="store_true",
                    help="also report CPU seconds per part of rollout and update (npp_rl.training.breakdown)")
    a = ap.parse_args(argv)
    D.init_distributed("cpu")
    if a.threads:
        torch.set_num_threads(a.threads)
    overrides = dict(s.split("=", 1) for s in a.set)
    for arch in a.architectures:
        res = bench(arch, a.dataset, a.num_envs, a.steps, a.env_factory, overrides, breakdown=a.breakdown)
        if D.current().is_main:
            print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
