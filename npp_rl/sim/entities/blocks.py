"""Bounce blocks and launch pads (boost pads): their per-frame movement.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import overlap_cc
from npp_rl.sim.constants import E_A, E_VX, E_VY, E_X, E_XO, E_Y, E_YO, N_VX, N_VY, N_X, N_Y, NINJA_RADIUS
from npp_rl.sim.entities.grid import grid_move
from npp_rl.sim.events import valid_target


@njit(cache=True)
def move_bounce_block(nin, ent, grid, e):
    ent[e, E_VX] *= 0.98
    ent[e, E_VY] *= 0.98
    ent[e, E_X] += ent[e, E_VX]
    ent[e, E_Y] += ent[e, E_VY]
    xf = 0.02222222222222222 * (ent[e, E_XO] - ent[e, E_X])
    yf = 0.02222222222222222 * (ent[e, E_YO] - ent[e, E_Y])
    ent[e, E_X] += xf
    ent[e, E_Y] += yf
    ent[e, E_VX] += xf
    ent[e, E_VY] += yf
    grid_move(nin, ent, grid, e)

@njit(cache=True)
def move_boost_pad(nin, ent, e):
    if not valid_target(nin):
        ent[e, E_A] = 0.0
        return
    if overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
        if ent[e, E_A] == 0.0:
            vx = nin[N_VX]
            vy = nin[N_VY]
            vn = math.sqrt(vx * vx + vy * vy)
            if vn > 0:
                xb = 2 * vx / vn
                yb = 2 * vy / vn
                nin[N_VX] += xb
                nin[N_VY] += yb
            ent[e, E_A] = 1.0
    else:
        ent[e, E_A] = 0.0
