"""Env factories for the sweep tests (``TrainConfig.env_factory = "sweep_factories:NAME"``): the real
N++ env, except that seed 1 fails on purpose; every call is appended to ``$NPP_RL_TEST_CALLS``."""

from __future__ import annotations

import os
from pathlib import Path

from npp_rl.training.envs import npp_factory


def fail_seed1(num_envs, seed, modalities, dataset, split):
    calls = os.environ.get("NPP_RL_TEST_CALLS")
    if calls:
        with Path(calls).open("a") as f:
            f.write(f"{seed} {split} {os.getpid()}\n")
    if seed == 1 and split == "train":
        raise RuntimeError("injected failure: seed 1 cannot build its environment")
    return npp_factory(num_envs, seed, modalities, dataset, split)
