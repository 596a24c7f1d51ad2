"""The fp16 loss-scaling path of --mixed-precision, run on the CPU: scaled-then-unscaled gradients give
the same PPO update as fp32, and an overflowing step is skipped with the scale halved."""

from __future__ import annotations

import torch
from fake_env import make_fake_vec_env

from npp_rl.models.policy import policy_kwargs
from npp_rl.training.ppo import NppPPO
from npp_rl.training.precision import Precision, apply_precision


def _model(seed=0):
    env = make_fake_vec_env(2, seed, ("game_state",), None, "train")
    return NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs("mlp_baseline"), seed=seed, device="cpu",
                  n_steps=32, batch_size=32, n_epochs=2, max_grad_norm=0.5, verbose=0)


def _params(m):
    return [p.detach().clone() for p in m.policy.parameters()]


def test_scaled_update_equals_fp32_update():
    torch.manual_seed(0)  # build and train one after the other: sampling draws from the global RNG
    plain = _model()
    plain.learn(64)
    torch.manual_seed(0)
    scaled = _model()
    scaler = apply_precision(scaled, Precision("fp16", True), scaler_device="cpu", init_scale=2.0**12)
    before = _params(scaled)
    scaled.learn(64)
    after = _params(scaled)
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))  # it trained
    for a, b in zip(_params(plain), after, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert scaler.get_scale() == 2.0**12  # no overflow, no growth within 2000 steps
    assert scaled.max_grad_norm == 0.5  # restored after train()


def test_overflowing_step_is_skipped_and_the_scale_drops():
    torch.manual_seed(0)
    m = _model()
    scaler = apply_precision(m, Precision("fp16", True), scaler_device="cpu", init_scale=2.0**10)
    # what an fp16 overflow looks like: one gradient turns infinite
    next(m.policy.features_extractor.parameters()).register_hook(lambda g: torch.full_like(g, float("inf")))
    before = _params(m)
    m.learn(64)  # one update: 2 epochs x 2 minibatches = 4 optimiser steps
    for a, b in zip(before, _params(m), strict=True):
        assert torch.equal(a, b)  # every step skipped: nothing applied
    assert scaler.get_scale() == 2.0**10 / 2**4  # halved at each of the 4 skipped steps
