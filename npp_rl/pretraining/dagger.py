"""DAgger with the solver as the expert (Ross et al. 2011), on the PPO policy BC already trained.

Iteration ``i`` (1..N):

1. **roll out** the current learner (greedy by default) on ``levels_per_iteration`` training levels drawn
   without replacement (never an ``eval``/``test`` level, never one of BC's validation levels), one
   episode each, ``num_envs`` worlds at a time;
2. **label** every ``label_every``-th state it visits with the solver's action from that state
   (:class:`~npp_rl.pretraining.expert.SolverExpert`); states the solver cannot win from within its
   budget are skipped and counted (``dagger/unsolved_states``);
3. **aggregate**: the labelled states are written as one more sharded dataset
   (``<out>/dagger-<i>/``, the BC dataset's format, returns NaN so the value head is not fitted to them);
4. **retrain** the policy on every dataset so far (the BC demonstrations + iterations 1..i), streamed;
5. **measure**: validation loss/accuracy on BC's validation levels (the same every iteration) and the
   learner's greedy success on the held-back ``eval`` levels.

:func:`play` is the rollout: also used alone to measure greedy success (no expert).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch


@dataclass
class DaggerConfig:
    iterations: int = 3
    """DAgger iterations after BC."""
    levels_per_iteration: int = 50
    """Training levels the learner plays per iteration (one episode each)."""
    epochs: int = 3
    """BC epochs over the aggregate per iteration."""
    label_every: int = 1
    """Label every k-th visited state (1 = all)."""
    rollout: str = "greedy"
    """How the learner acts while collecting: greedy (argmax) | sampled."""
    num_envs: int = 16
    """Worlds stepped together in a rollout."""
    max_steps_factor: float = 2.0
    """A collecting episode stops after this many times the level's stored solution length (in steps) plus
    10: the states of a learner stuck far beyond the expert's time teach little and cost a search each
    (0 = the environment's own frame budget only)."""
    eval_levels: int = 0
    """Held-back levels measured per iteration (0 = all of them)."""
    expert: dict = field(default_factory=dict)
    """ExpertConfig fields (the solver's budget per state)."""

    def __post_init__(self):
        if self.rollout not in ("greedy", "sampled"):
            raise ValueError(f"dagger rollout must be greedy or sampled, got {self.rollout!r}")
        if self.iterations < 0 or self.levels_per_iteration < 1 or self.label_every < 1 or self.epochs < 1:
            raise ValueError("dagger iterations >= 0, levels_per_iteration, label_every and epochs >= 1")


@torch.no_grad()
def _act(policy, obs: dict, deterministic: bool, gen: torch.Generator) -> np.ndarray:
    from .bc import forward

    policy.set_training_mode(False)
    dev = next(policy.parameters()).device
    logits, _ = forward(policy, {k: torch.as_tensor(v, device=dev).float() for k, v in obs.items()})
    if deterministic:
        return logits.argmax(-1).cpu().numpy()
    return torch.multinomial(torch.softmax(logits, -1).cpu(), 1, generator=gen).flatten().numpy()


def play(policy, entries, modalities, *, deterministic: bool = True, num_envs: int = 16, frame_skip: int = 4,
         expert=None, label_every: int = 1, seed: int = 0, on_label=None, max_steps_factor: float = 0.0) -> list[dict]:
    """One episode of ``policy`` on each level entry; returns ``{"level", "category", "success"}`` per
    episode. With ``expert`` (a :class:`SolverExpert` factory taking the maps), every ``label_every``-th
    state is labelled and ``on_label(episode_index, obs_row, action)`` gets each labelled state.
    ``max_steps_factor`` > 0 stops an episode after that many times its entry's solution length (steps)."""
    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch

    entries = list(entries)
    if not entries:
        return []
    n = min(num_envs, len(entries))
    cfg = EnvConfig(observation_modalities=tuple(modalities), frame_skip=frame_skip, split=None)
    batch = WorldBatch(entries, n, cfg)
    ex = expert([e.load_map() for e in entries]) if expert else None
    gen = torch.Generator().manual_seed(seed)
    nxt = 0
    ep_of = np.full(n, -1)
    steps = np.zeros(n, np.int64)
    out: list[dict] = []

    def start(w):
        nonlocal nxt
        if nxt >= len(entries):
            ep_of[w] = -1
            return
        batch.reset_worlds([w], [nxt])
        ep_of[w], steps[w] = nxt, 0
        out.append({"level": entries[nxt].sha256[:16], "category": entries[nxt].category, "success": False})
        if ex:
            ex.forget(w)
        nxt += 1

    fs = max(int(frame_skip), 1)
    cap = np.array([10 + max_steps_factor * (e.solution_frames or 0) / fs if max_steps_factor > 0
                    and e.solution_frames else np.inf for e in entries])
    for w in range(n):
        start(w)
    while (ep_of >= 0).any():
        obs = batch.observe()
        act = _act(policy, obs, deterministic, gen)
        live = np.nonzero(ep_of >= 0)[0]
        if ex:
            for w in live:
                if steps[w] % label_every == 0:
                    a = ex.label(batch, int(w))
                    if a is not None and on_label:
                        on_label(int(ep_of[w]), {k: v[w] for k, v in obs.items()}, a)
        act[ep_of < 0] = 0
        _, _, term, trunc, infos = batch.step(act)
        for w in live:
            steps[w] += 1
            if ex:
                ex.advance(int(w), int(act[w]))
            if term[w] or trunc[w] or steps[w] >= cap[ep_of[w]]:
                out[ep_of[w]]["success"] = bool(infos[w]["success"])
                start(int(w))
    return out


def success_by_category(episodes: list[dict]) -> dict[str, float]:
    cats = sorted({e["category"] for e in episodes})
    res = {c: float(np.mean([e["success"] for e in episodes if e["category"] == c])) for c in cats}
    if episodes:
        res["overall"] = float(np.mean([e["success"] for e in episodes]))
    return res


def collect(policy, entries, modalities, out_dir: Path, config: DaggerConfig, frame_skip: int, seed: int):
    """Roll out and label (steps 1-3 of the module doc); returns (BCDataset, stats)."""
    from .dataset import BCDataset, ShardWriter
    from .expert import ExpertConfig, SolverExpert

    experts = []

    def make_expert(maps):
        experts.append(SolverExpert(maps, frame_skip, ExpertConfig(**config.expert)))
        return experts[-1]

    writer = ShardWriter(out_dir, 4096, {"dagger": str(out_dir.name), "seed": seed})
    counts: dict[int, int] = {}

    def on_label(ep, row, a):
        counts[ep] = counts.get(ep, 0) + 1
        rows = {f"obs/{k}": v[None] for k, v in row.items()}
        rows.update(action=np.array([a], np.int8), mixed=np.zeros(1, bool), reward=np.zeros(1, np.float32),
                    ret=np.full(1, np.nan, np.float32), replay=np.array([ep], np.int32),
                    step=np.array([counts[ep] - 1], np.int32))
        writer.add(rows)

    t0 = time.perf_counter()
    eps = play(policy, entries, modalities, deterministic=config.rollout == "greedy", num_envs=config.num_envs,
               frame_skip=frame_skip, expert=make_expert, label_every=config.label_every, seed=seed,
               on_label=on_label, max_steps_factor=config.max_steps_factor)
    shards = writer.close()
    st = experts[0].stats if experts else {}
    replays = [{"file": f"{out_dir.name}/{e.id}", "level": e.sha256[:16], "category": e.category,
                "samples": counts.get(i, 0), "learner_success": eps[i]["success"]} for i, e in enumerate(entries)]
    stats = {"labelled_states": int(sum(counts.values())), "unsolved_states": int(st.get("unsolved", 0)),
             "solver_searches": int(st.get("searches", 0)), "plan_reused": int(st.get("plan_reused", 0)),
             "solver_seconds": float(st.get("solver_seconds", 0.0)), "collect_seconds": time.perf_counter() - t0,
             "rollout_success": success_by_category(eps).get("overall", 0.0), "levels": len(entries)}
    manifest = {"format": "npp-rl-bc-dataset", "builder_version": "dagger-1", "content_hash": writer.content_hash,
                "shards": shards, "replays": replays, "totals": {"samples": stats["labelled_states"]}, "stats": stats}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return BCDataset(out_dir, manifest), stats


def run_dagger(model, bc_data, train_entries, eval_entries, modalities, *, config: DaggerConfig, bc_kwargs: dict,
               val_levels: set, out_dir: Path, frame_skip: int = 4, seed: int = 0, log=None,
               buffer_shards: int = 4) -> list[dict]:
    """Steps 1-5 for ``config.iterations``; ``log(metrics, iteration)``; returns the per-iteration metrics."""
    from .bc import train_bc
    from .stream import ShardedSamples

    rng = np.random.default_rng(seed)
    pool = [e for e in train_entries if e.sha256[:16] not in val_levels]
    if not pool:
        raise ValueError("DAgger: no training level left to roll out on (all are validation or held-back levels)")
    datasets = list(bc_data) if isinstance(bc_data, (list, tuple)) else [bc_data]
    ev = eval_entries if not config.eval_levels else list(eval_entries)[: config.eval_levels]
    history = []
    for it in range(1, config.iterations + 1):
        take = rng.choice(len(pool), size=min(config.levels_per_iteration, len(pool)), replace=False)
        ds, stats = collect(model.policy, [pool[k] for k in sorted(take)], modalities, Path(out_dir) / f"dagger-{it}",
                            config, frame_skip, seed + it)
        if ds.manifest["shards"]:
            datasets.append(ds)
        res = train_bc(model.policy, ShardedSamples(datasets, buffer_shards), epochs=config.epochs, val_levels=val_levels, seed=seed + it,
                       **bc_kwargs)
        m = {f"dagger/{k}": float(v) for k, v in stats.items()}
        last = res.history[-1] if res.history else {}
        best = res.best or last
        m.update({"dagger/train_loss": best.get("train_loss", float("nan")),
                  "dagger/val_loss": best.get("val_loss", float("nan")),
                  "dagger/val_accuracy": best.get("val_accuracy", float("nan")),
                  "dagger/val_balanced_accuracy": best.get("val_balanced_accuracy", float("nan")),
                  "dagger/val_chance_accuracy": res.val_chance_accuracy,
                  "dagger/aggregate_samples": float(sum(d.manifest["totals"]["samples"] for d in datasets)),
                  "dagger/samples_per_s": best.get("samples_per_s", float("nan")),
                  "dagger/peak_rss_mb": best.get("peak_rss_mb", float("nan"))})
        if ev:
            sc = success_by_category(play(model.policy, ev, modalities, num_envs=config.num_envs,
                                          frame_skip=frame_skip))
            m.update({f"dagger/heldout_success/{c}": v for c, v in sc.items()})
        m["iteration"] = it
        history.append(m)
        if log:
            log(m, it)
    return history
