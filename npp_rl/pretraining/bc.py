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

from .stream import _Subset, as_source, split_by_level  # noqa: F401 (split_by_level: part of this module's API)

#: names of ``spec.ACTIONS`` in metric names
ACTION_NAMES = ("noop", "left", "right", "jump", "jump_left", "jump_right")


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
    from npp_rl.training.ppo import NppPPO, ppo_kwargs

    arch = get_architecture(architecture)
    hp = load_hyperparams(architecture)
    env = _SpacesOnly(observation_space(arch.modalities), gym.spaces.Discrete(len(spec.ACTIONS)))
    with warnings.catch_warnings():  # batch_size vs the 1-env rollout buffer: irrelevant here
        warnings.simplefilter("ignore")
        return NppPPO("MultiInputPolicy", env, policy_kwargs=policy_kwargs(architecture), seed=seed, device=device,
                   verbose=0, **ppo_kwargs(hp))


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
    val_level_set: set = field(default_factory=set, repr=False)


def _batch(b: dict, device) -> tuple[dict, torch.Tensor, torch.Tensor]:
    obs = {k: torch.as_tensor(v, device=device).float() for k, v in b["obs"].items()}
    act = torch.as_tensor(b["action"].astype(np.int64), device=device)
    ret = torch.as_tensor(b["ret"], device=device).float()
    return obs, act, ret


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@torch.no_grad()
def evaluate(policy, subset, batch_size: int, device) -> dict:
    """Cross-entropy, accuracy (overall, per category, per action class), majority-class share and value MSE
    on a sample subset (:mod:`npp_rl.pretraining.stream`)."""
    policy.set_training_mode(False)
    ce = vl = 0.0
    n = nv = 0
    per_cat: dict[str, list[int]] = {}
    counts = np.zeros(len(spec.ACTIONS), np.int64)
    hits = np.zeros(len(spec.ACTIONS), np.int64)
    pred_counts = np.zeros(len(spec.ACTIONS), np.int64)
    for b in subset.batches(batch_size):
        obs, act, ret = _batch(b, device)
        logits, values = forward(policy, obs)
        ce += float(F.cross_entropy(logits, act, reduction="sum"))
        fin = torch.isfinite(ret)
        vl += float(F.mse_loss(values[fin], ret[fin], reduction="sum"))
        nv += int(fin.sum())
        pred = logits.argmax(-1).cpu().numpy()
        a = b["action"].astype(np.int64)
        ok = pred == a
        counts += np.bincount(a, minlength=len(counts))
        hits += np.bincount(a[ok], minlength=len(counts))
        pred_counts += np.bincount(pred, minlength=len(counts))
        for c in np.unique(b["category"]):
            m = b["category"] == c
            t = per_cat.setdefault(str(c), [0, 0])
            t[0] += int(ok[m].sum())
            t[1] += int(m.sum())
        n += len(a)
    m = max(n, 1)
    seen = counts > 0
    return {"loss": ce / m, "accuracy": float(hits.sum() / m) if n else float("nan"), "value_loss": vl / max(nv, 1),
            "chance": float(counts.max() / m) if n else float("nan"),
            "balanced_accuracy": float((hits[seen] / counts[seen]).mean()) if n else float("nan"),
            "label_share": (counts / m).tolist(), "prediction_share": (pred_counts / m).tolist(),
            "per_category": {c: t[0] / max(t[1], 1) for c, t in sorted(per_cat.items())}, "n": n}


def class_weights(subset, n_classes: int = len(spec.ACTIONS)) -> np.ndarray:
    """Inverse-frequency weights of the action labels of ``subset`` (mean 1 over the labels present)."""
    counts = np.zeros(n_classes, np.float64)
    for b in subset.batches(8192):
        counts += np.bincount(b["action"].astype(np.int64), minlength=n_classes)
    w = np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / max((counts > 0).sum(), 1), 0.0)
    return w


def train_bc(policy, data, *, epochs: int, batch_size: int, lr: float = 1e-3, weight_decay: float = 0.0,
             max_grad_norm: float = 1.0, val_fraction: float = 0.2, patience: int = 3, value_warm_start: bool = True,
             value_coef: float = 0.5, seed: int = 0, device="cpu", log=None, balance_classes: bool = False,
             progress: bool = False, optimizer=None, val_levels=None) -> BCResult:
    """Fit ``policy`` to ``data`` (a ``BCDataset.load()`` dict, a BCDataset or a list of them, streamed
    shard by shard; see :mod:`npp_rl.pretraining.stream`); ``log(metrics: dict, epoch)`` per epoch.
    ``balance_classes`` weights the cross-entropy by inverse label frequency. ``val_levels`` fixes the
    validation levels (DAgger keeps them across iterations); otherwise ``val_fraction`` of the levels."""
    from tqdm.auto import tqdm

    device = torch.device(device)
    policy.to(device)
    src = as_source(data)
    if val_levels is not None:
        lv = set(src.level_table()[0].tolist())
        tr, va = _Subset(src, lv - set(val_levels)), _Subset(src, lv & set(val_levels))
    else:
        tr, va = src.split(val_fraction, seed)
    res = BCResult(n_train=len(tr), n_val=len(va), val_levels=len(va.level_set()), train_levels=len(tr.level_set()),
                   val_level_set=va.level_set())
    weight = torch.as_tensor(class_weights(tr), dtype=torch.float32, device=device) if balance_classes else None
    params = [p for p in policy.parameters() if p.requires_grad]
    opt = optimizer or torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    rng = np.random.default_rng(seed)
    best_loss, best_state, bad = float("inf"), None, 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        policy.set_training_mode(True)
        tot = {"loss": 0.0, "value_loss": 0.0, "correct": 0, "n": 0}
        bar = tqdm(total=res.n_train, desc=f"BC epoch {epoch}/{epochs}", unit="sample", disable=not progress,
                   mininterval=2.0)
        for b in tr.batches(batch_size, shuffle=True, rng=rng):
            obs, act, ret = _batch(b, device)
            logits, values = forward(policy, obs)
            ce = F.cross_entropy(logits, act, weight=weight)
            fin = torch.isfinite(ret)  # DAgger's labelled states carry no return (NaN)
            v = F.mse_loss(values[fin], ret[fin]) if bool(fin.any()) else values.sum() * 0.0
            loss = ce + value_coef * v if value_warm_start else ce
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            opt.step()
            tot["loss"] += ce.item() * len(act)
            tot["value_loss"] += v.item() * len(act)
            tot["correct"] += int((logits.argmax(-1) == act).sum())
            tot["n"] += len(act)
            bar.update(len(act))
        bar.close()
        dt = time.perf_counter() - t0
        n = max(tot["n"], 1)
        m = {"epoch": epoch, "train_loss": tot["loss"] / n, "train_accuracy": tot["correct"] / n,
             "train_value_loss": tot["value_loss"] / n, "epoch_seconds": dt, "samples_per_s": tot["n"] / max(dt, 1e-9),
             "peak_rss_mb": peak_rss_mb()}
        if res.n_val:
            ev = evaluate(policy, va, max(batch_size, 256), device)
            res.val_chance_accuracy = ev["chance"]
            m.update(val_loss=ev["loss"], val_accuracy=ev["accuracy"], val_value_loss=ev["value_loss"],
                     val_balanced_accuracy=ev["balanced_accuracy"], val_chance_accuracy=ev["chance"])
            m.update({f"val_accuracy/{c}": a for c, a in ev["per_category"].items()})
            m.update({f"val_prediction_share/{ACTION_NAMES[k]}": p for k, p in enumerate(ev["prediction_share"])})
            m.update({f"val_label_share/{ACTION_NAMES[k]}": p for k, p in enumerate(ev["label_share"])})
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
            if patience and res.n_val and bad >= patience:
                res.stopped_early = epoch < epochs
                break
    if best_state is not None:
        policy.load_state_dict(best_state)
    policy.set_training_mode(False)
    return res
