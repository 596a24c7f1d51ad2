"""Play a test suite with a policy: every level ``episodes_per_level`` times, many levels at once.

The worlds are the environment's batched engine (:class:`npp_rl.envs.engine.WorldBatch`, the core of
:class:`~npp_rl.envs.vec_env.NppVecEnv`): one compiled simulator call steps every world, the policy
sees one batch of observations per step, and each world that finishes is put on the next queued level
(not a random one, so every level is played exactly as often as asked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from npp_rl.envs import spec
from npp_rl.envs.config import EnvConfig
from npp_rl.envs.engine import WorldBatch
from npp_rl.evaluation.metrics import MOVED_PX, Episode
from npp_rl.evaluation.suite import TestSuite, geodesic_reference_frames
from npp_rl.sim import core as C

#: ``policy(obs_dict) -> actions`` for a batch of observations.
PolicyFn = Callable[[dict], np.ndarray]


def modalities_for_keys(keys) -> tuple[str, ...]:
    """Observation modalities that produce exactly the observation ``keys`` a policy expects."""
    keys = set(keys)
    mods = tuple(m for m, ks in spec.MODALITY_KEYS.items() if set(ks) <= keys)
    covered = set(spec.keys_for(mods))
    unknown = keys - covered
    if unknown or not mods:
        raise ValueError(f"the policy expects observation keys {sorted(keys)}; the environment has no "
                         f"modality for {sorted(unknown) or sorted(keys)} (known keys: {spec.keys_for(spec.MODALITIES)})")
    return mods


def run_episodes(policy: PolicyFn, suite: TestSuite, modalities, *, episodes_per_level: int = 1,
                 n_envs: int = 32, env_config: EnvConfig | None = None, seed: int = 0,
                 record_trajectories: bool = True, progress: Callable[[int, int], None] | None = None) -> list[Episode]:
    """Play every level of ``suite`` ``episodes_per_level`` times; returns the finished episodes
    in queue order (level by level, repeat by repeat)."""
    if episodes_per_level < 1:
        raise ValueError(f"episodes_per_level must be >= 1, got {episodes_per_level}")
    cfg = replace(env_config or EnvConfig(), observation_modalities=tuple(modalities), seed=seed)
    queue = [(li, r) for li in range(len(suite.levels)) for r in range(episodes_per_level)]
    total = len(queue)
    n = max(1, min(int(n_envs), total))
    wb = WorldBatch([lv.path for lv in suite.levels], n, cfg, seed=seed)
    slot: list[tuple[int, int] | None] = [None] * n
    traj: list[list[tuple[float, float]]] = [[] for _ in range(n)]
    ret = np.zeros(n)
    steps = np.zeros(n, np.int64)
    spawn = np.zeros((n, 2))
    far = np.zeros(n)  # farthest distance from the spawn so far (pixels)
    nxt = 0

    def start(ws: list[int]) -> None:
        nonlocal nxt
        take = []
        for w in ws:
            if nxt < total:
                slot[w] = queue[nxt]
                take.append(w)
                nxt += 1
            else:
                slot[w] = None
        if take:
            wb.reset_worlds(take, [slot[w][0] for w in take])
            for w in take:
                ret[w] = 0.0
                steps[w] = 0
                spawn[w] = (wb.sim.ninja[w, C.N_X], wb.sim.ninja[w, C.N_Y])
                far[w] = 0.0
                traj[w] = [(float(wb.sim.ninja[w, C.N_X]), float(wb.sim.ninja[w, C.N_Y]))]

    start(list(range(n)))
    obs = wb.observe()
    episodes: list[Episode] = []
    actions = np.zeros(n, np.int64)
    while len(episodes) < total:
        active = np.array([s is not None for s in slot])
        idx = np.flatnonzero(active)
        batch = {k: v[idx] for k, v in obs.items()}
        actions[:] = 0
        actions[idx] = np.asarray(policy(batch), dtype=np.int64).reshape(len(idx))
        obs, rew, term, trunc, infos = wb.step(actions)
        pos = np.stack([wb.sim.ninja[idx, C.N_X], wb.sim.ninja[idx, C.N_Y]], axis=1)
        far[idx] = np.maximum(far[idx], np.hypot(*(pos - spawn[idx]).T))
        finished = []
        for w in idx:
            ret[w] += float(rew[w])
            steps[w] += 1
            if record_trajectories:
                traj[w].append((float(wb.sim.ninja[w, C.N_X]), float(wb.sim.ninja[w, C.N_Y])))
            if term[w] or trunc[w]:
                li, rep = slot[w]
                lv = suite.levels[li]
                info = infos[w]
                ref, kind = lv.reference_frames, lv.reference_kind
                if ref is None:
                    ref = geodesic_reference_frames(wb.levels.static(li).dist_scale)
                died = info["death_cause"] is not None
                episodes.append(Episode(
                    level=lv.name, category=lv.category, repeat=rep, success=bool(info["success"]),
                    died=died, timeout=bool(trunc[w] and not term[w]), death_cause=info["death_cause"],
                    steps=int(steps[w]), frames=int(info["frames"]), reward=float(ret[w]),
                    reference_frames=float(ref), reference_kind=kind,
                    switch_activated=bool(info["switch_activated"]), moved=bool(far[w] > MOVED_PX),
                    trajectory=traj[w] if record_trajectories else [],
                ))
                finished.append(w)
        if finished:
            start(finished)
            restarted = [w for w in finished if slot[w] is not None]
            if restarted:
                new = wb.observe(restarted)
                for k in obs:
                    obs[k][restarted] = new[k]
            if progress is not None:
                progress(len(episodes), total)
    order = {q: i for i, q in enumerate(queue)}
    lookup = {lv.name: i for i, lv in enumerate(suite.levels)}
    episodes.sort(key=lambda e: order[(lookup[e.level], e.repeat)])
    return episodes
