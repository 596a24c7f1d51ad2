"""Behavioural cloning into the PPO policy itself.

The network is the ``MultiInputActorCriticPolicy`` that PPO builds for the architecture (through
:func:`npp_rl.models.policy_kwargs`, inside a stable-baselines3 ``PPO`` object with the architecture's
PPO hyperparameters), so its state dict has exactly PPO's layout: encoders, ``mlp_extractor``,
``action_net`` and ``value_net`` all transfer, and the saved zip is an ordinary SB3 model zip.

Loss per minibatch: cross-entropy of ``action_net``'s logits against the labels, plus
``value_coef * MSE(value_net, discounted return)`` when warm-starting the value head. Train/validation
split by level; early stopping on the validation cross-entropy, the best epoch's weights are kept.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from npp_rl.envs import spec


class _SpacesOnly(gym.Env):
    """A stand-in env carrying only the spaces (SB3 needs an env to build and save a model)."""

    def __init__(self, observation_space, action_space):
        self.observation_space = observation_space
        self.action_space = action_space

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, True, False, {}


def make_model(architecture: str, seed: int = 0, device: str = "cpu"):
    """An SB3 PPO (``NppPPO``, as training uses: image observations stay HWC, no transpose wrapper)
    whose policy is the one ``npp-rl train`` builds for ``architecture``."""

    from npp_rl.envs.env import observation_space
    from npp_rl.models.policy import policy_kwargs
    from npp_rl.models.registry import get_architecture
    from npp_rl.training.config import load_hyperparams
    from npp_rl.training.ppo import NppPPO

    arch = get_architecture(architecture)
    hp = load_hyperparams(architecture)
    env = _SpacesOnly(observation_space(arch.modalities), gym.spaces.Discrete(len(spec.ACTIONS)))
    with warnings.catch_warnings():  # batch_size vs the 1-env rollout buffer: irrelevant here
        warnings.simplefilter("ignore")
        return NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs(architecture), seed=seed, device=device,
                   verbose=0, **vars(hp))


def forward(policy, obs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Action logits and values of ``policy`` (SB3 actor-critic) for a batch of observations."""
    features = policy.extract_features(obs)
    if policy.share_features_extractor:
        latent_pi, latent_vf = policy.mlp_extractor(features)
    else:
        pi_f, vf_f = features
        latent_pi = policy.mlp_extractor.forward_actor(pi_f)
        latent_vf = policy.mlp_extractor.forward_critic(vf_f)
    return policy.action_net(latent_pi), policy.value_net(latent_vf).flatten()


def split_by_level(levels: np.ndarray, val_fraction: float, seed: int,
                   categories: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices of (train, validation): whole levels go to one side. With ``categories`` the split is
    stratified: each category gives ``round(val_fraction * its levels)`` levels (at least one when it has two)."""
    levels = np.asarray(levels)
    cats = np.zeros(len(levels), dtype=object) if categories is None else np.asarray(categories)
    rng = np.random.default_rng(seed)
    val_levels: set = set()
    for c in sorted(set(cats.tolist()), key=str):
        uniq = np.array(sorted(set(levels[cats == c].tolist())))
        rng.shuffle(uniq)
        if val_fraction <= 0 or len(uniq) < 2:
            continue
        n_val = min(max(int(round(val_fraction * len(uniq))), 1), len(uniq) - 1)
        val_levels.update(uniq[:n_val].tolist())
    is_val = np.array([lv in val_levels for lv in levels.tolist()], bool)
    return np.nonzero(~is_val)[0], np.nonzero(is_val)[0]


@dataclass
class BCResult:
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best: dict = field(default_factory=dict)
    stopped_early: bool = False
    n_train: int = 0
    n_val: int = 0
    val_chance_accuracy: float = float("nan")
    val_levels: int = 0
    train_levels: int = 0


def _batch(data: dict, idx: np.ndarray, device) -> tuple[dict, torch.Tensor, torch.Tensor]:
    obs = {k: torch.as_tensor(v[idx], device=device).float() for k, v in data["obs"].items()}
    act = torch.as_tensor(data["action"][idx].astype(np.int64), device=device)
    ret = torch.as_tensor(data["ret"][idx], device=device).float()
    return obs, act, ret


@torch.no_grad()
def evaluate(policy, data: dict, idx: np.ndarray, batch_size: int, device) -> dict:
    """Cross-entropy, accuracy (overall and per category) and value MSE on the samples ``idx``."""
    policy.set_training_mode(False)
    ce = vl = 0.0
    correct = np.zeros(len(idx), bool)
    for s in range(0, len(idx), batch_size):
        j = idx[s : s + batch_size]
        obs, act, ret = _batch(data, j, device)
        logits, values = forward(policy, obs)
        ce += float(F.cross_entropy(logits, act, reduction="sum"))
        vl += float(F.mse_loss(values, ret, reduction="sum"))
        correct[s : s + len(j)] = (logits.argmax(-1) == act).cpu().numpy()
    n = max(len(idx), 1)
    out = {"loss": ce / n, "accuracy": float(correct.mean()) if len(idx) else float("nan"), "value_loss": vl / n}
    cats = data["category"][idx]
    out["per_category"] = {str(c): float(correct[cats == c].mean()) for c in sorted(set(cats.tolist()))}
    return out


def train_bc(policy, data: dict, *, epochs: int, batch_size: int, lr: float = 1e-3, weight_decay: float = 0.0,
             max_grad_norm: float = 1.0, val_fraction: float = 0.2, patience: int = 3, value_warm_start: bool = True,
             value_coef: float = 0.5, seed: int = 0, device="cpu", log=None) -> BCResult:
    """Fit ``policy`` to ``data`` (from :meth:`BCDataset.load`); ``log(metrics: dict, epoch)`` per epoch."""
    device = torch.device(device)
    policy.to(device)
    tr, va = split_by_level(data["level"], val_fraction, seed, data.get("category"))
    res = BCResult(n_train=len(tr), n_val=len(va), val_levels=len(set(data["level"][va].tolist())),
                   train_levels=len(set(data["level"][tr].tolist())))
    if len(va):
        counts = np.bincount(data["action"][va].astype(np.int64), minlength=len(spec.ACTIONS))
        res.val_chance_accuracy = float(counts.max() / counts.sum())
    params = [p for p in policy.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    rng = np.random.default_rng(seed)
    best_loss, best_state, bad = float("inf"), None, 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        policy.set_training_mode(True)
        order = rng.permutation(tr)
        tot = {"loss": 0.0, "value_loss": 0.0, "correct": 0, "n": 0}
        for s in range(0, len(order), batch_size):
            j = order[s : s + batch_size]
            obs, act, ret = _batch(data, j, device)
            logits, values = forward(policy, obs)
            ce = F.cross_entropy(logits, act)
            v = F.mse_loss(values, ret)
            loss = ce + value_coef * v if value_warm_start else ce
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            opt.step()
            tot["loss"] += ce.item() * len(j)
            tot["value_loss"] += v.item() * len(j)
            tot["correct"] += int((logits.argmax(-1) == act).sum())
            tot["n"] += len(j)
        dt = time.perf_counter() - t0
        n = max(tot["n"], 1)
        m = {"epoch": epoch, "train_loss": tot["loss"] / n, "train_accuracy": tot["correct"] / n,
             "train_value_loss": tot["value_loss"] / n, "epoch_seconds": dt, "samples_per_s": tot["n"] / max(dt, 1e-9)}
        if len(va):
            ev = evaluate(policy, data, va, max(batch_size, 256), device)
            m.update(val_loss=ev["loss"], val_accuracy=ev["accuracy"], val_value_loss=ev["value_loss"])
            m.update({f"val_accuracy/{c}": a for c, a in ev["per_category"].items()})
            score = ev["loss"]
        else:
            score = m["train_loss"]
        res.history.append(m)
        if log:
            log(m, epoch)
        if score < best_loss - 1e-6:
            best_loss, bad, res.best_epoch, res.best = score, 0, epoch, dict(m)
            best_state = copy.deepcopy(policy.state_dict())
        else:
            bad += 1
            if patience and len(va) and bad >= patience:
                res.stopped_early = epoch < epochs
                break
    if best_state is not None:
        policy.load_state_dict(best_state)
    policy.set_training_mode(False)
    return res
