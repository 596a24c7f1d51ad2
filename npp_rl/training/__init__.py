"""npp_rl.training: PPO (stable-baselines3) per architecture, synchronised across torchrun ranks.

Public API::

    TrainConfig, PPOHyperparams, load_hyperparams(arch, path=None, overrides=None)
    train(config, env_factory=None) -> run_id        # what ``npp-rl train`` calls
    NppPPO                                           # SB3 PPO + per-minibatch gradient all-reduce
    evaluate(model, vec_env, n_episodes) -> metrics
"""

from npp_rl.training.config import PPOHyperparams, TrainConfig, load_hyperparams

__all__ = ["NppPPO", "PPOHyperparams", "TrainConfig", "evaluate", "load_hyperparams", "train"]


def __getattr__(name):
    if name == "train":
        from npp_rl.training.trainer import train

        return train
    if name == "NppPPO":
        from npp_rl.training.ppo import NppPPO

        return NppPPO
    if name == "evaluate":
        from npp_rl.training.callbacks import evaluate

        return evaluate
    raise AttributeError(name)
