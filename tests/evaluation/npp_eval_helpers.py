"""Tiny data for evaluation/comparison/notebook tests: generated levels and untrained policies."""

from __future__ import annotations

from pathlib import Path


def make_dataset(root: Path, categories=("simple", "mine_heavy"), per_category: int = 2, seed: int = 0,
                 train_per_category: int = 0) -> Path:
    """A real (solver-checked) dataset ``root/{train,test}/<category>/...`` with its manifest."""
    from npp_rl.levels import generate_dataset

    generate_dataset(root, train_per_category, per_category, seed, categories=list(categories), overwrite=True)
    return Path(root)


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


#: synthetic study: architecture -> (final success, latency ms, parameters, train fps, learning speed)
SYNTHETIC = {
    "mlp_baseline": (0.70, 0.2, 55_751, 3500.0, 1.0),
    "vision_free": (0.85, 3.0, 501_505, 1100.0, 1.6),
    "gcn": (0.80, 4.5, 199_927, 600.0, 1.3),
}


def log_synthetic_experiment(experiment: str, policy_zip: Path, seeds=(0, 1), categories=("simple", "medium"),
                             with_missing: bool = True) -> dict:
    """Train and evaluate runs as the real steps log them (tags, metric names, a registered pyfunc),
    with made-up numbers: 3 architectures x {scratch, pretrained} x ``seeds``. Returns
    ``{(arch, condition, seed): (train_run_id, eval_run_id, version)}``."""
    import math

    import mlflow

    from npp_rl import tracking

    out = {}
    for arch, (succ, lat, params, fps, speed) in SYNTHETIC.items():
        for cond in ("scratch", "pretrained"):
            for seed in seeds:
                bonus = 0.05 if cond == "pretrained" else 0.0
                final = min(1.0, succ + bonus - 0.03 * seed)
                with tracking.start_run(experiment, step="train", run_name=arch, seed=seed,
                                        tags={tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: cond}) as run:
                    for k in range(1, 11):
                        step = k * 10_000
                        v = final / (1 + math.exp(-(speed + 2 * bonus) * (k - 4)))
                        mlflow.log_metric("eval/success_rate", v, step=step)
                    mlflow.log_metric("perf/fps_overall", fps * (1 + 0.02 * seed))
                    info = tracking.log_policy(policy_zip, name="model")
                train_id = run.info.run_id
                version = tracking.register_model(info.model_uri, tracking.model_name(arch),
                                                  tags={"npp_rl.run_id": train_id})
                with tracking.start_run(experiment, step="evaluate", run_name=f"eval:{arch}", seed=0,
                                        tags={tracking.TAG_ARCH: arch, tracking.TAG_CONDITION: cond,
                                              "npp_rl.train_run_id": train_id, "npp_rl.test_set_hash": "synthetic",
                                              "npp_rl.policy_mode": "deterministic", "npp_rl.source_step": "train",
                                              "npp_rl.model_uri": f"runs:/{train_id}/model"}) as ev:
                    m = {"eval/overall/success_rate": final, "eval/overall/episodes": 20.0,
                         "eval/overall/efficiency": 0.6 + 0.1 * final,
                         "eval/overall/spl": final * (0.6 + 0.1 * final), "eval/overall/safety": 1 - (1 - final) * 0.6,
                         "eval/overall/timeout_rate": (1 - final) * 0.4, "eval/overall/mean_reward": final,
                         "eval/overall/moving_rate": 1.0,
                         "perf/latency_ms_b1_p50": lat, "model/parameters": float(params)}
                    for i, c in enumerate(categories):
                        m[f"eval/{c}/success_rate"] = max(0.0, final - 0.15 * i)
                        m[f"eval/{c}/episodes"] = 10.0
                    mlflow.log_metrics(m)
                out[(arch, cond, seed)] = (train_id, ev.info.run_id, version)
    if with_missing:  # a training run nobody evaluated: must be listed, not dropped
        with tracking.start_run(experiment, step="train", run_name="gat", seed=0,
                                tags={tracking.TAG_ARCH: "gat", tracking.TAG_CONDITION: "scratch"}) as run:
            mlflow.log_metric("perf/fps_overall", 300.0)
        out[("gat", "scratch", 0)] = (run.info.run_id, None, None)
    return out
