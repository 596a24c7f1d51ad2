"""Weight transfer between the BC policy and PPO: the whole policy, encoders and heads.

``npp-rl train --init-from RUN_ID|MODEL_URI`` already does this (``TrainConfig.init_from`` ->
:func:`npp_rl.models.policy.load_policy_weights`); these helpers are for code and tests that hold the
objects themselves.
"""

from __future__ import annotations

import torch


def load_pretrained_into(model_or_policy, source, strict: bool = True) -> list[str]:
    """Load the full BC policy from ``source`` (a pretrain run id, ``runs:/``/``models:/`` URI, an SB3
    zip, a state dict) into an SB3 model or its policy; returns keys missing from the source."""
    from npp_rl.models.policy import load_policy_weights

    policy = getattr(model_or_policy, "policy", model_or_policy)
    return load_policy_weights(policy, source, strict=strict)


def state_dict_differences(a, b) -> list[str]:
    """Parameter/buffer names whose tensors differ between two policies (or state dicts); [] = identical."""
    sa = a if isinstance(a, dict) else getattr(a, "policy", a).state_dict()
    sb = b if isinstance(b, dict) else getattr(b, "policy", b).state_dict()
    diff = sorted(set(sa) ^ set(sb))
    for k in sorted(set(sa) & set(sb)):
        ta, tb = sa[k].detach().cpu(), sb[k].detach().cpu()
        if ta.shape != tb.shape or not torch.equal(ta, tb):
            diff.append(k)
    return diff
