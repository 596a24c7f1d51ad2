"""An env factory that records the environment settings the trainer hands it (for test_recipe)."""

from fake_env import make_fake_vec_env

RECORDED: list[tuple[str, dict]] = []


def make_recording_vec_env(num_envs, seed, modalities, dataset, split, env_options=None):
    RECORDED.append((split, dict(env_options or {})))
    return make_fake_vec_env(num_envs, seed, modalities, dataset, split)
