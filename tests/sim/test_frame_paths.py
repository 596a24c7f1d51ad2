"""The profiler's timed frame and the plain step run the same phase functions: identical states."""

from __future__ import annotations

import numpy as np

from npp_rl.sim import profile
from npp_rl.sim.simulator import BatchSim
from npp_rl.sim.workload import builtin_map, find_maps, random_inputs


def _maps():
    # reference levels when present (entities of many kinds), the built-in level otherwise
    return [m for _, m in find_maps()] + [builtin_map()]


def test_profiled_and_plain_frames_reach_identical_states():
    maps = _maps()
    rng = np.random.default_rng(7)
    n_worlds = 2 * len(maps)
    seqs = np.ascontiguousarray(np.stack([random_inputs(rng, 600) for _ in range(n_worlds)]))
    plain = BatchSim(maps, n_worlds=n_worlds)
    timed = BatchSim(maps, n_worlds=n_worlds)
    plain.step_sequences(seqs)
    acc = np.zeros(5)
    frames, _ = profile._timed_run(seqs, *timed._args(), acc, np.int64(2**62))
    assert frames > 0 and acc[4] == frames  # nothing dropped with an unreachable limit
    np.testing.assert_array_equal(plain.ninja, timed.ninja)
    np.testing.assert_array_equal(plain.entities, timed.entities)
    # the runs did something: worlds moved away from their spawns
    fresh = BatchSim(maps, n_worlds=n_worlds)
    assert np.any(plain.ninja[:, :2] != fresh.ninja[:, :2])
