"""The solver as DAgger's expert: the action it would take from the state a learner's world is in.

:class:`SolverExpert` labels world ``w`` of an environment's :class:`~npp_rl.envs.engine.WorldBatch` by
copying that world's simulator state (:func:`npp_rl.levels.solver.world_state`) and running the solver
from it in the environment's action space (the six actions held for ``frame_skip`` frames), so the
first action of the solution is a ``Discrete(6)`` label for the observation of that state.

A solution found from state ``s`` stays a winning plan as long as the learner takes its actions (the
simulator is deterministic): when the learner's action equals the plan's next one, the rest of the plan
labels the next state without a new search; any other action drops the plan. States the solver cannot
win from within its budget (a doomed jump, a budget too small) get no label: ``label`` returns None and
the state is counted in ``stats["unsolved"]``.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import numpy as np

from .labels import INPUT_TO_ACTION


@dataclasses.dataclass
class ExpertConfig:
    """The solver's budget per labelled state (searches from mid-episode states are usually short)."""

    max_iterations: int = 150
    """Search iterations per state. Each iteration extends a path by one action, so this also bounds how far
    from a win a state may be and still be labelled: ``max_iterations`` actions (x frame_skip frames)."""
    time_limit_s: float = 5.0
    """Wall-clock budget per state."""
    beam: int = 24
    """Open nodes expanded per iteration."""
    frontier: int = 3000
    """Open nodes kept."""
    max_frames: int = 3600
    """Longest continuation accepted, in frames."""


class _Backends:
    """Builds each level's solver backend once (its construction runs a self-check) and reuses it."""

    def __init__(self):
        from npp_rl.levels.solver import SimBackend

        self._cls = SimBackend
        self._cache: dict = {}

    def __call__(self, md, n_worlds):
        key = (md.to_bytes(), n_worlds)
        be = self._cache.get(key)
        if be is None:
            if len(self._cache) > 64:
                self._cache.clear()
            be = self._cache[key] = self._cls(md, n_worlds)
        return be


class SolverExpert:
    """Labels for the worlds of one WorldBatch whose level ``i`` is ``maps[i]`` (MapData)."""

    def __init__(self, maps, frame_skip: int = 4, config: ExpertConfig | None = None):
        from npp_rl.levels.solver import SolverConfig

        c = config or ExpertConfig()
        self.maps = list(maps)
        self.fs = int(frame_skip)
        self.solver_config = SolverConfig(action_set="env", macro_frames=self.fs, beam=c.beam, frontier=c.frontier,
                                          max_iterations=c.max_iterations, time_limit_s=c.time_limit_s,
                                          max_frames=c.max_frames)
        self.plans: dict[int, list[int]] = {}
        self.stats: Counter = Counter()
        self._backends = _Backends()

    def label(self, batch, w: int) -> int | None:
        """The expert's action for world ``w``'s current state, or None when the solver finds no win."""
        from npp_rl.levels.solver import solve, world_state

        plan = self.plans.get(w)
        if plan:
            self.stats["plan_reused"] += 1
            return plan[0]
        t0 = time.perf_counter()
        md = self.maps[int(batch.level_idx[w])]
        res = solve(md, self.solver_config, backend_cls=self._backends, start=world_state(batch.sim, w))
        self.stats["solver_seconds"] += time.perf_counter() - t0
        self.stats["searches"] += 1
        if not res.solved:
            self.stats["unsolved"] += 1
            self.plans.pop(w, None)
            return None
        self.stats["solved"] += 1
        acts = INPUT_TO_ACTION[np.frombuffer(res.inputs, np.uint8)[:: self.fs] & 7]
        self.plans[w] = [int(a) for a in acts]
        return self.plans[w][0]

    def advance(self, w: int, action: int) -> None:
        """World ``w`` took ``action``: keep the rest of its plan if that was the plan's next action."""
        plan = self.plans.get(w)
        if plan and plan[0] == int(action):
            plan.pop(0)
        else:
            self.plans.pop(w, None)

    def forget(self, w: int) -> None:
        """World ``w`` starts a new episode."""
        self.plans.pop(w, None)
