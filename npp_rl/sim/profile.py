"""Where a frame's time goes (for ``sim bench``): collision, entities, the rest.

A timed copy of :func:`npp_rl.sim.core.tick_world` calls the same phase functions and reads the thread's CPU clock
(``clock_gettime(CLOCK_THREAD_CPUTIME_ID)`` through ctypes) between them; the clock's own cost (a system call,
~0.5 us, about one frame of work) is measured and subtracted, so the split is an estimate (+-5 points).
* ``collision``: the collision substeps (physical entity pushes + tile sweep and depenetration) and the
  post-collision wall/impact pass;
* ``entities``: entity move/think and the logical entity collisions (mines, gold, switches, doors, ...);
* ``overhead``: integration, input decoding, ninja think, the per-frame loop and dispatch.
"""

from __future__ import annotations

import ctypes
import time

import numpy as np
from numba import njit

from npp_rl.sim import core as C

_libc = ctypes.CDLL(None)
_clock_gettime = _libc.clock_gettime
_clock_gettime.argtypes = [ctypes.c_int, ctypes.c_void_p]
_clock_gettime.restype = ctypes.c_int
_CLOCK = 3  # CLOCK_THREAD_CPUTIME_ID: the machine is shared, wall-clock intervals would include preemption


@njit
def _now(buf):
    _clock_gettime(_CLOCK, buf.ctypes)
    return buf[0] * 1_000_000_000 + buf[1]


@njit
def _timed_run(inputs, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, dbc, sbuf, elist, egrid,
               acc, buf):
    frames = 0
    for w in range(nin_all.shape[0]):
        nin = nin_all[w]
        ent = ent_all[w]
        grid = egrid[w]
        ne = n_ent[w]
        lv = lvl[w]
        for f in range(inputs.shape[1]):
            if nin[C.N_STATE] >= 6:
                break
            t0 = _now(buf)
            C.set_inputs(nin, inputs[w, f])
            t1 = _now(buf)
            C.entity_phase(nin, ent, grid, ne, w, hor, ver, lv, seg, cs, csg, cb, cne, sbuf, dbc[lv])
            t2 = _now(buf)
            acc[0] += t1 - t0
            acc[1] += t2 - t1
            st = nin[C.N_STATE]
            if st != 9:
                if st != 6:
                    t0 = _now(buf)
                    m = C.integrate_and_prepare(nin, ent, grid, elist)
                    t1 = _now(buf)
                    C.collision_substeps(nin, ent, elist, m, seg, cs, csg, cb, cne, lv, sbuf)
                    t2 = _now(buf)
                    wn = C._logical_collisions(nin, ent, w, hor, ver, elist, grid, ne)
                    t3 = _now(buf)
                    C._post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wn)
                    t4 = _now(buf)
                    acc[0] += t1 - t0
                    acc[2] += t2 - t1
                    acc[1] += t3 - t2
                    acc[2] += t4 - t3
                t0 = _now(buf)
                C._think(nin)
                acc[0] += _now(buf) - t0
            frames += 1
    # clock cost: 9 readings per frame pair-wise ~ one (now - now) per interval
    tc = _now(buf)
    for _ in range(10000):
        _now(buf)
    acc[3] = (_now(buf) - tc) / 10001.0
    return frames


def time_split(maps, rng, n_worlds: int = 64, frames: int = 400) -> dict:
    from npp_rl.sim.bench import _random_inputs
    from npp_rl.sim.simulator import BatchSim

    seqs = np.stack([_random_inputs(rng, frames) for _ in range(n_worlds)])
    b = BatchSim(maps, n_worlds=n_worlds)
    acc = np.zeros(4)
    buf = np.zeros(2, dtype=np.int64)
    _timed_run(np.ascontiguousarray(seqs[:, :2]), *b._args(), acc, buf)
    b.reset()
    acc[:] = 0
    t = time.perf_counter()
    n = _timed_run(seqs, *b._args(), acc, buf)
    wall = time.perf_counter() - t
    clock = acc[3]
    # each interval includes about one clock reading; remove it (7 intervals per live frame)
    over, ent, coll = (max(acc[0] - 3 * n * clock, 0.0), max(acc[1] - 2 * n * clock, 0.0),
                       max(acc[2] - 2 * n * clock, 0.0))
    tot = over + ent + coll
    return {
        "collision": round(float(coll / tot), 3),
        "entities": round(float(ent / tot), 3),
        "overhead": round(float(over / tot), 3),
        "frames": int(n),
        "clock_ns": round(float(clock), 1),
        "method": "timed copy of the frame step (clock_gettime between phases, clock cost subtracted); "
                  "collision = substeps + wall/impact pass, entities = move/think + logical collisions",
        "wall_s": round(wall, 3),
    }
