"""Ninja and door state changes shared by entities and the ninja: death, win, door open/close.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

from numba import njit

from npp_rl.sim.constants import (
    E_G1X,
    E_G1Y,
    E_G2X,
    E_G2Y,
    E_STATE,
    E_VERT,
    GRAVITY_FALL,
    N_CAUSE,
    N_DEATH_FRAME,
    N_FRAME,
    N_GRAV,
    N_STATE,
    N_WIN_FRAME,
)


@njit(cache=True)
def kill(nin, cause):
    if nin[N_STATE] < 6:
        nin[N_CAUSE] = cause
        if nin[N_STATE] == 3:
            nin[N_GRAV] = GRAVITY_FALL
        nin[N_STATE] = 7
        nin[N_DEATH_FRAME] = nin[N_FRAME]

@njit(cache=True)
def win(nin):
    if nin[N_STATE] < 6:
        if nin[N_STATE] == 3:
            nin[N_GRAV] = GRAVITY_FALL
        nin[N_STATE] = 8
        nin[N_WIN_FRAME] = nin[N_FRAME]

@njit(cache=True)
def valid_target(nin):
    st = nin[N_STATE]
    return st != 6 and st != 8 and st != 9

@njit(cache=True)
def door_change(ent, e, hor, ver, w, closed):
    ent[e, E_STATE] = 1.0 if closed else 0.0
    dv = 1 if closed else -1
    if ent[e, E_VERT] != 0.0:
        ver[w, int(ent[e, E_G1X]), int(ent[e, E_G1Y])] += dv
        ver[w, int(ent[e, E_G2X]), int(ent[e, E_G2Y])] += dv
    else:
        hor[w, int(ent[e, E_G1X]), int(ent[e, E_G1Y])] += dv
        hor[w, int(ent[e, E_G2X]), int(ent[e, E_G2Y])] += dv
