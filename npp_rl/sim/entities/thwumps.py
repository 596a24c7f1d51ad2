"""Thwumps and shove thwumps: movement, thinking, and the lethal faces.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import empty_col, empty_row
from npp_rl.sim.constants import (
    E_A,
    E_B,
    E_STATE,
    E_X,
    E_XO,
    E_XT,
    E_Y,
    E_YO,
    E_YT,
    N_X,
    N_Y,
    NINJA_RADIUS,
    THWUMP_BACKWARD,
    THWUMP_FORWARD,
)
from npp_rl.sim.entities.grid import grid_move
from npp_rl.sim.events import valid_target


@njit(cache=True)
def move_thwump(nin, ent, grid, e, hor, ver, w):
    st = ent[e, E_STATE]
    if st == 0:
        return
    speed = THWUMP_FORWARD if st == 1 else THWUMP_BACKWARD
    d = ent[e, E_B]
    sd = d * st
    x = ent[e, E_X]
    y = ent[e, E_Y]
    if ent[e, E_A] == 0.0:  # vertical
        ynew = y + speed * sd
        if st == -1 and (ynew - ent[e, E_YO]) * (y - ent[e, E_YO]) < 0:
            ent[e, E_Y] = ent[e, E_YO]
            ent[e, E_STATE] = 0
            return
        cy = math.floor((y + sd * 11) / 12)
        cyn = math.floor((ynew + sd * 11) / 12)
        if cy != cyn:
            cx1 = math.floor((x - 11) / 12)
            cx2 = math.floor((x + 11) / 12)
            if not empty_row(hor, w, cx1, cx2, cy, int(sd)):
                ent[e, E_STATE] = -1
                return
        ent[e, E_Y] = ynew
    else:
        xnew = x + speed * sd
        if st == -1 and (xnew - ent[e, E_XO]) * (x - ent[e, E_XO]) < 0:
            ent[e, E_X] = ent[e, E_XO]
            ent[e, E_STATE] = 0
            return
        cx = math.floor((x + sd * 11) / 12)
        cxn = math.floor((xnew + sd * 11) / 12)
        if cx != cxn:
            cy1 = math.floor((y - 11) / 12)
            cy2 = math.floor((y + 11) / 12)
            if not empty_col(ver, w, cx, cy1, cy2, int(sd)):
                ent[e, E_STATE] = -1
                return
        ent[e, E_X] = xnew
    grid_move(nin, ent, grid, e)

@njit(cache=True)
def think_thwump(nin, ent, e, hor, ver, w):
    if ent[e, E_STATE] != 0 or not valid_target(nin):
        return
    rng = 2 * (9 + NINJA_RADIUS)
    d = int(ent[e, E_B])
    x = ent[e, E_X]
    y = ent[e, E_Y]
    if ent[e, E_A] == 0.0:
        if abs(x - nin[N_X]) < rng:
            ny_cell = math.floor(nin[N_Y] / 12)
            ty = math.floor((y - d * 11) / 12)
            tx1 = math.floor((x - 11) / 12)
            tx2 = math.floor((x + 11) / 12)
            dy = ny_cell - ty
            if dy * d >= 0:
                i = 0
                for i in range(100):  # noqa: B007 - i is read after the loop
                    if not empty_row(hor, w, tx1, tx2, ty, d):
                        dy = ny_cell - ty
                        break
                    ty += d
                if i > 0 and dy * d <= 0:
                    ent[e, E_STATE] = 1
    elif abs(y - nin[N_Y]) < rng:
        nx_cell = math.floor(nin[N_X] / 12)
        tx = math.floor((x - d * 11) / 12)
        ty1 = math.floor((y - 11) / 12)
        ty2 = math.floor((y + 11) / 12)
        dx = nx_cell - tx
        if dx * d >= 0:
            i = 0
            for i in range(100):  # noqa: B007 - i is read after the loop
                if not empty_col(ver, w, tx, ty1, ty2, d):
                    dx = nx_cell - tx
                    break
                tx += d
            if i > 0 and dx * d <= 0:
                ent[e, E_STATE] = 1

@njit(cache=True)
def _shove_move_if_possible(nin, ent, grid, e, hor, ver, w, xdir, ydir, speed):
    if ent[e, E_YT] == 0:
        xnew = ent[e, E_X] + xdir * speed
        cx = math.floor(ent[e, E_X] / 12)
        cxn = math.floor(xnew / 12)
        if cx != cxn:
            cy1 = math.floor((ent[e, E_Y] - 8) / 12)
            cy2 = math.floor((ent[e, E_Y] + 8) / 12)
            if not empty_col(ver, w, cx, cy1, cy2, int(xdir)):
                ent[e, E_STATE] = 3
                return
        ent[e, E_X] = xnew
    else:
        ynew = ent[e, E_Y] + ydir * speed
        cy = math.floor(ent[e, E_Y] / 12)
        cyn = math.floor(ynew / 12)
        if cy != cyn:
            cx1 = math.floor((ent[e, E_X] - 8) / 12)
            cx2 = math.floor((ent[e, E_X] + 8) / 12)
            if not empty_row(hor, w, cx1, cx2, cy, int(ydir)):
                ent[e, E_STATE] = 3
                return
        ent[e, E_Y] = ynew
    grid_move(nin, ent, grid, e)

@njit(cache=True)
def think_shove(nin, ent, grid, e, hor, ver, w):
    if ent[e, E_STATE] == 1:
        if ent[e, E_A] != 0.0:
            ent[e, E_A] = 0.0
            return
        ent[e, E_STATE] = 2
    if ent[e, E_STATE] == 3:
        od = abs(ent[e, E_X] - ent[e, E_XO]) + abs(ent[e, E_Y] - ent[e, E_YO])
        if od >= 1:
            _shove_move_if_possible(nin, ent, grid, e, hor, ver, w, ent[e, E_XT], ent[e, E_YT], 1.0)
        else:
            ent[e, E_X] = ent[e, E_XO]
            ent[e, E_Y] = ent[e, E_YO]
            ent[e, E_STATE] = 0
    elif ent[e, E_STATE] == 2:
        _shove_move_if_possible(nin, ent, grid, e, hor, ver, w, -ent[e, E_XT], -ent[e, E_YT], 4.0)
