"""One frame of a world, in N++ order (NPP_MECHANICS.md section 4.2), built from phase functions that the
profiler (:mod:`npp_rl.sim.profile`) times one by one: the step and the time split run the same code.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

from numba import njit

from npp_rl.sim.constants import (
    E_A,
    E_ACTIVE,
    E_STATE,
    E_TYPE,
    N_CCOUNT,
    N_CRUSHABLE,
    N_CRUSHLEN,
    N_CSX,
    N_CSY,
    N_DRAG,
    N_FCOUNT,
    N_FRAME,
    N_FSX,
    N_FSY,
    N_GRAV,
    N_HOR,
    N_JUMP,
    N_STATE,
    N_VX,
    N_VXOLD,
    N_VY,
    N_VYOLD,
    N_X,
    N_XCRUSH,
    N_XOLD,
    N_Y,
    N_YCRUSH,
    N_YOLD,
)
from npp_rl.sim.entities.blocks import move_boost_pad, move_bounce_block
from npp_rl.sim.entities.contacts import collide_vs_objects, logical_collisions
from npp_rl.sim.entities.drones import move_drone, think_death_ball
from npp_rl.sim.entities.grid import gather_entities
from npp_rl.sim.entities.mines import think_mine
from npp_rl.sim.entities.thwumps import move_thwump, think_shove, think_thwump
from npp_rl.sim.events import door_change
from npp_rl.sim.ninja import collide_vs_tiles, post_walls_and_impacts, think


@njit(cache=True, inline="always")
def collision_substeps(nin, ent, elist, m, seg, cs, csg, cb, cne, lv, sbuf):
    """The 4 substeps: physical entity collisions (the m entities of elist), then tiles."""
    for _ in range(4):
        if m > 0:
            collide_vs_objects(nin, ent, elist, m)
        x0 = nin[N_X]
        y0 = nin[N_Y]
        c0 = nin[N_FCOUNT] + nin[N_CCOUNT]
        collide_vs_tiles(nin, seg, cs, csg, cb, cne, lv, ent, sbuf)
        # exact shortcut: a substep that neither moved the ninja nor touched anything is a fixed point
        # (its inputs are the next substep's inputs), so the remaining substeps would repeat it
        if m == 0 and nin[N_X] == x0 and nin[N_Y] == y0 and nin[N_FCOUNT] + nin[N_CCOUNT] == c0:
            break

@njit(cache=True, inline="always")
def post_collision(nin, ent, w, hor, ver, seg, cs, csg, cb, cne, lv, sbuf, elist, grid, ne):
    wall_normal = logical_collisions(nin, ent, w, hor, ver, elist, grid, ne)
    post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wall_normal)

@njit(cache=True, inline="always")
def set_inputs(nin, inp):
    """Frame counter and input decoding: bit0 jump, bit1 right, bit2 left (left wins), bit3 ignored."""
    nin[N_FRAME] += 1
    if inp & 4:
        h = -1.0
    elif inp & 2:
        h = 1.0
    else:
        h = 0.0
    nin[N_HOR] = h
    nin[N_JUMP] = 1.0 if (inp & 1) else 0.0

@njit(cache=True, inline="always")
def entity_phase(nin, ent, grid, ne, w, hor, ver, lv, seg, cs, csg, cb, cne, sbuf, db_count):
    """Entities move (type order, then file order), then think; both see last frame's ninja."""
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 17:
            move_bounce_block(nin, ent, grid, e)
        elif t == 20:
            move_thwump(nin, ent, grid, e, hor, ver, w)
        elif t == 24:
            move_boost_pad(nin, ent, e)
        elif t == 14 or t == 26:
            move_drone(nin, ent, grid, e, hor, ver, w)
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 1 or t == 21:
            think_mine(nin, ent, e)
        elif t == 5:
            if ent[e, E_STATE] == 0.0:
                ent[e, E_A] += 1
                if ent[e, E_A] > 5:
                    door_change(ent, e, hor, ver, w, True)
        elif t == 20:
            think_thwump(nin, ent, e, hor, ver, w)
        elif t == 28:
            think_shove(nin, ent, grid, e, hor, ver, w)
        elif t == 25:
            think_death_ball(nin, ent, grid, e, ne, seg, cs, csg, cb, cne, lv, sbuf, db_count)

@njit(cache=True, inline="always")
def integrate_and_prepare(nin, ent, grid, elist):
    """Integrate (drag, gravity, move), reset the collision accumulators, and gather the physically
    collidable entities around the ninja into elist; returns how many."""
    nin[N_VX] *= nin[N_DRAG]
    nin[N_VY] *= nin[N_DRAG]
    nin[N_VY] += nin[N_GRAV]
    nin[N_XOLD] = nin[N_X]
    nin[N_YOLD] = nin[N_Y]
    nin[N_X] += nin[N_VX]
    nin[N_Y] += nin[N_VY]
    nin[N_VXOLD] = nin[N_VX]
    nin[N_VYOLD] = nin[N_VY]
    nin[N_FCOUNT] = 0
    nin[N_CCOUNT] = 0
    nin[N_FSX] = 0.0
    nin[N_FSY] = 0.0
    nin[N_CSX] = 0.0
    nin[N_CSY] = 0.0
    nin[N_CRUSHABLE] = 0.0
    nin[N_XCRUSH] = 0.0
    nin[N_YCRUSH] = 0.0
    nin[N_CRUSHLEN] = 0.0
    nn = gather_entities(ent, grid, nin[N_X], nin[N_Y], elist)
    m = 0
    for k in range(nn):
        t = ent[elist[k], E_TYPE]
        if t == 11 or t == 17 or t == 20 or t == 28:
            elist[m] = elist[k]
            m += 1
    return m

@njit(cache=True)
def tick_world(w, inp, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
               sbuf, elist, egrid):
    """One frame of world w (NPP_MECHANICS.md section 4.2): inputs, entities move and think, then the ninja
    integrates, collides (4 substeps, then logical contacts and the wall/impact pass) and thinks."""
    nin = nin_all[w]
    ent = ent_all[w]
    grid = egrid[w]
    ne = n_ent[w]
    lv = lvl[w]
    set_inputs(nin, inp)
    entity_phase(nin, ent, grid, ne, w, hor, ver, lv, seg, cs, csg, cb, cne, sbuf, db_counts[lv])
    st = nin[N_STATE]
    if st != 9:
        if st != 6:
            m = integrate_and_prepare(nin, ent, grid, elist)
            collision_substeps(nin, ent, elist, m, seg, cs, csg, cb, cne, lv, sbuf)
            post_collision(nin, ent, w, hor, ver, seg, cs, csg, cb, cne, lv, sbuf, elist, grid, ne)
        think(nin)


@njit(cache=True)
def step_worlds(inputs, n_frames, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
                sbuf, elist, egrid, stepped):
    """Step every world ``n_frames`` frames with its constant input byte; stop a world on death or win."""
    for w in range(nin_all.shape[0]):
        k = 0
        while k < n_frames:
            st = nin_all[w, N_STATE]
            if st >= 6:
                break
            tick_world(w, inputs[w], nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
                       sbuf, elist, egrid)
            k += 1
        stepped[w] = k

@njit(cache=True)
def run_inputs(w, inputs, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
               sbuf, elist, egrid, out, stop_on_end):
    """Step world w through ``inputs`` (one byte per frame); record (x, y, vx, vy, state) after each frame in
    ``out[k]``; stop after the frame the ninja dies or wins if ``stop_on_end``. Returns frames stepped."""
    n = 0
    for k in range(inputs.shape[0]):
        tick_world(w, inputs[k], nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
                   sbuf, elist, egrid)
        nin = nin_all[w]
        out[k, 0] = nin[N_X]
        out[k, 1] = nin[N_Y]
        out[k, 2] = nin[N_VX]
        out[k, 3] = nin[N_VY]
        out[k, 4] = nin[N_STATE]
        n = k + 1
        if stop_on_end and nin[N_STATE] >= 6:
            break
    return n

@njit(cache=True)
def step_worlds_seq(inputs, nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne, db_counts,
                    sbuf, elist, egrid, stepped):
    """Step every world through its own input sequence ``inputs[w, :]``; stop a world on death or win."""
    for w in range(nin_all.shape[0]):
        k = 0
        while k < inputs.shape[1]:
            if nin_all[w, N_STATE] >= 6:
                break
            tick_world(w, inputs[w, k], nin_all, ent_all, n_ent, hor, ver, lvl, seg, cs, csg, cb, cne,
                       db_counts, sbuf, elist, egrid)
            k += 1
        stepped[w] = k
