"""Where a frame's time goes (for ``sim bench``): collision, entities, the rest.

A timed copy of :func:`npp_rl.sim.core.tick_world` calls the same phase functions and reads the CPU's cycle
counter (``llvm.readcyclecounter``, i.e. rdtsc: a few ns) between them. Frames with an interval longer than
50 us are dropped (the process was preempted: the machine is shared); the counter's own cost is measured and
subtracted.
* ``collision``: the collision substeps (physical entity pushes + tile sweep and depenetration) and the
  post-collision wall/impact pass;
* ``entities``: entity move/think and the logical entity collisions (mines, gold, switches, doors, ...);
* ``overhead``: integration, input decoding, ninja think, the per-frame loop.
"""

from __future__ import annotations

import time

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import cgutils, types
from numba.extending import intrinsic

from npp_rl.sim import core as C
from npp_rl.sim.entities.contacts import logical_collisions
from npp_rl.sim.ninja import post_walls_and_impacts, think
from npp_rl.sim.workload import random_inputs


@intrinsic
def _cycles(typingctx):
    sig = types.uint64()

    def codegen(context, builder, signature, args):
        fnty = ir.FunctionType(ir.IntType(64), [])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.readcyclecounter")
        return builder.call(fn, [])

    return sig, codegen


@njit
def _now():
    return np.int64(_cycles())


@njit
def _timed_run(inputs, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, dbc, sbuf, elist, egrid,
               acc, limit):
    frames = 0
    dropped = 0
    for w in range(nin_all.shape[0]):
        nin = nin_all[w]
        ent = ent_all[w]
        grid = egrid[w]
        ne = n_ent[w]
        lv = lvl[w]
        for f in range(inputs.shape[1]):
            if nin[C.N_STATE] >= 6:
                break
            o = np.int64(0)
            e = np.int64(0)
            c = np.int64(0)
            t0 = _now()
            C.set_inputs(nin, inputs[w, f])
            t1 = _now()
            C.entity_phase(nin, ent, grid, ne, w, hor, ver, lv, seg, cs, csg, cb, cne, sbuf, dbc[lv])
            t2 = _now()
            o += t1 - t0
            e += t2 - t1
            st = nin[C.N_STATE]
            if st != 9:
                if st != 6:
                    t0 = _now()
                    m = C.integrate_and_prepare(nin, ent, grid, elist)
                    t1 = _now()
                    C.collision_substeps(nin, ent, elist, m, seg, cs, csg, cb, cne, lv, sbuf)
                    t2 = _now()
                    wn = logical_collisions(nin, ent, w, hor, ver, elist, grid, ne)
                    t3 = _now()
                    post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wn)
                    t4 = _now()
                    o += t1 - t0
                    c += t2 - t1
                    e += t3 - t2
                    c += t4 - t3
                t0 = _now()
                think(nin)
                o += _now() - t0
            frames += 1
            if o + e + c > limit:
                dropped += 1
                continue
            acc[0] += o
            acc[1] += e
            acc[2] += c
            acc[4] += 1
    tc = _now()
    for _ in range(10000):
        _now()
    acc[3] = (_now() - tc) / 10001.0
    return frames, dropped


def time_split(maps, rng, n_worlds: int = 64, frames: int = 400) -> dict:
    from npp_rl.sim.simulator import BatchSim

    seqs = np.stack([random_inputs(rng, frames) for _ in range(n_worlds)])
    b = BatchSim(maps, n_worlds=n_worlds)
    acc = np.zeros(5)
    _now()  # compile before calibrating the counter's rate
    c0 = _now()
    t = time.perf_counter()
    time.sleep(0.05)
    hz = (_now() - c0) / (time.perf_counter() - t)
    limit = np.int64(50e-6 * hz)
    _timed_run(np.ascontiguousarray(seqs[:, :2]), *b._args(), acc, limit)
    b.reset()
    acc[:] = 0
    n, dropped = _timed_run(seqs, *b._args(), acc, limit)
    kept = max(acc[4], 1.0)
    clock = acc[3]
    # every interval holds about one counter read: remove it (3 overhead, 2 entity, 2 collision intervals)
    over = max(acc[0] - 3 * kept * clock, 0.0)
    ent = max(acc[1] - 2 * kept * clock, 0.0)
    coll = max(acc[2] - 2 * kept * clock, 0.0)
    tot = over + ent + coll
    return {
        "collision": round(float(coll / tot), 3),
        "entities": round(float(ent / tot), 3),
        "overhead": round(float(over / tot), 3),
        "ns_per_frame": round(float(tot / kept / hz * 1e9), 1),
        "frames": int(n),
        "frames_dropped_preempted": int(dropped),
        "counter_cost_ns": round(float(clock / hz * 1e9), 1),
        "method": "timed copy of the frame step (cycle counter between phases, its cost subtracted, preempted "
                  "frames dropped); collision = substeps + wall/impact pass, entities = move/think + logical "
                  "collisions, overhead = integration, input, ninja think, loop",
    }
