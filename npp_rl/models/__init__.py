"""npp_rl.models: encoders, fusion and the architecture registry.

Public API::

    ARCHITECTURES, ArchitectureSpec, get_architecture(name), architecture_names()
    NppFeaturesExtractor(observation_space, architecture="full_hgt")   # an SB3 BaseFeaturesExtractor
    policy_kwargs(arch)                    # for PPO("MultiInputPolicy", env, policy_kwargs=...)
    build_policy(arch, observation_space, action_space=None)  # the same policy PPO trains (for BC)
    load_policy_weights(policy, source)    # zip / state dict / folder / runs:/ / models:/ / run id
    count_parameters(module_or_arch), example_observation_space(arch=None)
"""

from npp_rl.models.registry import ARCHITECTURES, ArchitectureSpec, architecture_names, get_architecture

__all__ = [
    "ARCHITECTURES",
    "ArchitectureSpec",
    "NppFeaturesExtractor",
    "architecture_names",
    "build_policy",
    "count_parameters",
    "example_observation_space",
    "get_architecture",
    "load_policy_weights",
    "policy_kwargs",
]


def __getattr__(name):  # lazy: torch/SB3 load only when a model is needed
    if name == "NppFeaturesExtractor":
        from npp_rl.models.extractor import NppFeaturesExtractor

        return NppFeaturesExtractor
    if name in ("build_policy", "count_parameters", "example_observation_space", "load_policy_weights", "policy_kwargs"):
        from npp_rl.models import policy

        return getattr(policy, name)
    raise AttributeError(name)
