"""Where a PPO iteration's CPU time goes: timers wrapped around the pieces SB3 calls.

:func:`instrument` wraps, on one model instance (nothing is patched globally):

* rollout: ``env.step`` (simulator + observation building) and ``policy.forward`` (acting);
* update: the rollout buffer's minibatch gathering (``_get_samples``), graph batching (the features
  extractor's ``flatten``), ``policy.evaluate_actions`` (forward, minus graph batching), the time from
  the end of that forward to the optimizer's step pre-hook (loss, ``backward``, gradient clipping)
  and the optimizer step itself (step pre- to post-hook).

Times are ``time.process_time`` (CPU seconds of this process), so other load on a shared machine
does not distort them; ``other`` is the rest of each phase (rollout bookkeeping, advantage
normalisation, logging).
"""

from __future__ import annotations

import time
from collections import defaultdict
from functools import wraps

PHASES = {
    "rollout": ("env_step", "policy_forward", "graph_batching"),
    "update": ("minibatch_gather", "graph_batching", "forward", "backward", "optimizer"),
}


class Breakdown:
    """CPU-second accumulators per ``(phase, part)``; filled by :func:`instrument`."""

    def __init__(self):
        self.sec = defaultdict(float)
        self.phase = "rollout"
        self._fwd_end: float | None = None

    def add(self, part: str, dt: float) -> None:
        self.sec[(self.phase, part)] += dt

    def reset(self) -> None:
        self.sec.clear()

    def table(self, phase_totals: dict[str, float], steps: int) -> dict:
        """``{phase: {part: cpu_s, ..., "other": cpu_s, "total": cpu_s}}`` plus ``us_per_step``."""
        out = {}
        for phase, parts in PHASES.items():
            row = {p: round(self.sec[(phase, p)], 3) for p in parts}
            # forward timings include graph batching; report it once, as its own part
            if phase == "update":
                row["forward"] = round(row["forward"] - row["graph_batching"], 3)
            else:
                row["policy_forward"] = round(row["policy_forward"] - row["graph_batching"], 3)
            total = phase_totals[phase]
            row["other"] = round(total - sum(row.values()), 3)
            row["total"] = round(total, 3)
            out[phase] = row
        out["us_per_step"] = {
            phase: {p: round(1e6 * v / steps, 1) for p, v in out[phase].items()} for phase in PHASES
        }
        return out


def _timed(bd: Breakdown, part: str, fn, after=None):
    @wraps(fn)
    def wrapper(*a, **k):
        c = time.process_time()
        r = fn(*a, **k)
        bd.add(part, time.process_time() - c)
        if after is not None:
            after()
        return r

    return wrapper


def instrument(model) -> Breakdown:
    """Install the timers on an SB3 PPO ``model`` (see module docstring); returns the accumulators."""
    bd = Breakdown()
    pol = model.policy
    model.env.step = _timed(bd, "env_step", model.env.step)
    pol.forward = _timed(bd, "policy_forward", pol.forward)
    ext = pol.features_extractor
    if hasattr(ext, "flatten"):
        ext.flatten = _timed(bd, "graph_batching", ext.flatten)

    def fwd_done():
        bd._fwd_end = time.process_time()

    pol.evaluate_actions = _timed(bd, "forward", pol.evaluate_actions, after=fwd_done)
    buf = model.rollout_buffer
    buf._get_samples = _timed(bd, "minibatch_gather", buf._get_samples)

    def pre(opt, args, kwargs):
        now = time.process_time()
        if bd._fwd_end is not None:
            bd.add("backward", now - bd._fwd_end)
            bd._fwd_end = None
        bd._opt_start = now

    def post(opt, args, kwargs):
        bd.add("optimizer", time.process_time() - bd._opt_start)

    pol.optimizer.register_step_pre_hook(pre)
    pol.optimizer.register_step_post_hook(post)

    roll, train = model.collect_rollouts, model.train

    def collect(*a, **k):
        bd.phase = "rollout"
        return roll(*a, **k)

    def update(*a, **k):
        bd.phase = "update"
        try:
            return train(*a, **k)
        finally:
            bd.phase = "rollout"

    model.collect_rollouts, model.train = collect, update
    return bd
