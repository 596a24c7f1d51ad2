"""Re-simulate one replay through the environment itself and cut it into (observation, action) pairs.

The replay is played inside an :class:`npp_rl.envs.engine.WorldBatch` (the engine behind ``NppEnv``),
so observations, rewards and the episode's frame budget come from the environment's own code. The one
difference: the engine asks the simulator to hold ``ACTION_BYTES[action]`` for ``frame_skip`` frames,
and here the simulator plays the replay's exact recorded bytes for that window instead (a thin proxy
around the batched simulator), so mixed windows still follow the recording frame by frame.

Step ``k`` pairs the observation after frame ``k*fs`` (seen BEFORE the decision) with the label of
window ``k`` (:mod:`npp_rl.pretraining.labels`). The simulator stops on the frame the ninja wins or
dies; a final short window is labelled from the frames actually played.

Outcome check (desync = skip): a ``won``/``died`` replay must end that way on its recorded frame
(any frame when the file says 0); a ``timeout`` replay must not end; an ``unknown`` one (attract demos)
must not end while movement input is left (trailing bit-3-only frames aside), as a recording stops at
its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from npp_rl.sim import core as C

from .labels import input_actions, window_label
from .sources import SkipReplay


class _ScriptedSim:
    """Proxy of a ``BatchSim`` (one world) whose ``step`` plays the pending window's recorded bytes."""

    def __init__(self, sim):
        self._sim = sim
        self.window = np.zeros(0, np.uint8)
        self.stepped = 0

    def step(self, inputs, n_frames: int = 1):  # noqa: ARG002 - the recorded bytes replace them
        out = self._sim.step_sequences(self.window[None, :])
        self.stepped = int(out[0])
        return out

    def __getattr__(self, name):
        return getattr(self._sim, name)


@dataclass
class Episode:
    """One re-simulated replay, one row per decision step."""

    obs: dict[str, np.ndarray]
    actions: np.ndarray  # int64 (n,)
    mixed: np.ndarray  # bool (n,) the window's input changed mid-window
    keep: np.ndarray  # bool (n,) kept in the dataset (False: a mixed window under the "drop" rule)
    rewards: np.ndarray  # float32 (n,) the environment's reward of each step
    returns: np.ndarray  # float32 (n,) discounted return from each step to the replay's end
    outcome: str  # what happened on re-simulation: won | died | timeout
    end_frame: int
    frames_played: int
    over_budget: int  # steps after the environment's frame budget would have truncated the episode
    ignored_entity_types: list = field(default_factory=list)


def _outcome_of(nin) -> tuple[str, int]:
    state = int(nin[C.N_STATE])
    frame = int(nin[C.N_FRAME])
    if state == 8:
        return "won", frame
    if state in (6, 7):
        return "died", frame
    return "timeout", frame


def check_outcome(recorded: str, recorded_frame: int, got: str, got_frame: int, inputs: bytes) -> str | None:
    """``None`` when the re-simulation agrees with the recording, else a sentence saying how not."""
    if recorded in ("won", "died"):
        if got != recorded:
            return f"recorded {recorded} at frame {recorded_frame}, re-simulation {got} at frame {got_frame}"
        if recorded_frame and got_frame != recorded_frame:
            return f"recorded {recorded} at frame {recorded_frame}, re-simulation at frame {got_frame}"
        return None
    if recorded == "timeout":
        return None if got == "timeout" else f"recorded timeout, re-simulation {got} at frame {got_frame}"
    # unknown outcome: the recording must not outlive the episode
    moving = [i for i, b in enumerate(inputs) if not (b & 8)]
    last_move = (moving[-1] + 1) if moving else 0
    if got != "timeout" and got_frame < last_move:
        return f"re-simulation {got} at frame {got_frame} with movement input recorded up to frame {last_move}"
    return None


def resimulate(replay, md, *, modalities, frame_skip: int = 4, mixed_rule: str = "majority",
               gamma: float = 0.99, env_config=None, source: str = "") -> Episode:
    """Play ``replay`` (a :class:`npp_rl.sim.replay.Replay`) on ``md`` through the environment."""
    from dataclasses import replace

    from npp_rl.envs.config import EnvConfig
    from npp_rl.envs.engine import WorldBatch

    cfg = env_config or EnvConfig()
    cfg = replace(cfg, observation_modalities=tuple(modalities), frame_skip=int(frame_skip))
    if cfg.reward.gamma is None:  # the shaping discounts as the returns do (the PPO gamma)
        cfg = replace(cfg, reward=replace(cfg.reward, gamma=float(gamma)))
    try:
        batch = WorldBatch([md], 1, cfg)
        batch.reset_worlds([0], [0])
    except SkipReplay:
        raise
    except (ValueError, KeyError, IndexError) as e:  # the environment rejects this level (not a code error)
        raise SkipReplay("bad_map", f"{source}: the environment cannot load the level ({type(e).__name__}: {e})") \
            from None
    ignored = sorted(getattr(batch.sim.levels[0], "ignored_types", []) or [])
    proxy = _ScriptedSim(batch.sim)
    batch.sim = proxy
    inputs = np.frombuffer(bytes(replay.inputs), dtype=np.uint8)
    acts = input_actions(inputs)
    n_windows = -(-len(inputs) // frame_skip)
    obs_rows: dict[str, list] = {k: [] for k in batch.keys}
    labels, mixed, keep, rewards = [], [], [], []
    played = over = 0
    obs = batch.observe()
    for k in range(n_windows):
        lo, hi = k * frame_skip, min((k + 1) * frame_skip, len(inputs))
        proxy.window = np.ascontiguousarray(inputs[lo:hi])
        over += int(batch.sim.ninja[0, C.N_FRAME] >= batch.frame_limit[0])
        proxy.stepped = -1
        nxt, rew, term, _, _ = batch.step([0])  # the action is ignored: the window's bytes are played
        n = proxy.stepped
        if n < 0:
            raise RuntimeError("npp_rl.envs.engine.WorldBatch.step no longer steps through sim.step(); "
                               "update npp_rl.pretraining.resim")
        if n == 0:
            break
        a, mx = window_label(acts[lo : lo + n], "first" if mixed_rule == "drop" else mixed_rule)
        for key in batch.keys:
            obs_rows[key].append(obs[key][0])
        labels.append(a)
        mixed.append(mx)
        keep.append(not (mx and mixed_rule == "drop"))
        rewards.append(float(rew[0]))
        played += n
        obs = nxt
        if term[0]:
            break
    got, got_frame = _outcome_of(batch.sim.ninja[0])
    why = check_outcome(replay.outcome, replay.outcome_frame, got, got_frame, bytes(replay.inputs))
    if why:
        extra = f" (entity types ignored by the simulator: {ignored})" if ignored else ""
        raise SkipReplay("desync", f"{source}: {why}{extra}")
    if not labels:
        raise SkipReplay("empty", f"{source}: no decision step could be played")
    r = np.asarray(rewards, np.float64)
    ret = np.zeros_like(r)
    acc = 0.0
    for t in range(len(r) - 1, -1, -1):
        acc = r[t] + gamma * acc
        ret[t] = acc
    return Episode(
        obs={k: np.stack(v) for k, v in obs_rows.items()},
        actions=np.asarray(labels, np.int64), mixed=np.asarray(mixed, bool), keep=np.asarray(keep, bool),
        rewards=r.astype(np.float32), returns=ret.astype(np.float32), outcome=got, end_frame=got_frame,
        frames_played=played, over_budget=over, ignored_entity_types=ignored,
    )
