"""Toggle mines and mines: state changes on touch.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

from numba import njit

from npp_rl.sim.collision import overlap_cc
from npp_rl.sim.constants import E_RAD, E_STATE, E_X, E_Y, N_STATE, N_X, N_Y, NINJA_RADIUS
from npp_rl.sim.events import valid_target


@njit(cache=True)
def think_mine(nin, ent, e):
    st = ent[e, E_STATE]
    if valid_target(nin):
        if st == 1:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                ent[e, E_STATE] = 2
                ent[e, E_RAD] = 4.5
        elif st == 2:
            if not overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                ent[e, E_STATE] = 0
                ent[e, E_RAD] = 4.0
    else:
        if st == 2 and nin[N_STATE] == 6:
            ent[e, E_STATE] = 1
            ent[e, E_RAD] = 3.5
