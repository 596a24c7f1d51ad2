"""Drones (zap drones, chasers) and death balls: movement rules and targeting.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import (
    empty_col,
    empty_row,
    gather_segments,
    single_closest_point,
    sweep_circle_vs_tiles,
)
from npp_rl.sim.constants import (
    E_A,
    E_B,
    E_C,
    E_IDX,
    E_MODE,
    E_RAD,
    E_TYPE,
    E_VX,
    E_VY,
    E_X,
    E_XT,
    E_Y,
    E_YT,
    N_X,
    N_Y,
)
from npp_rl.sim.entities.grid import grid_move
from npp_rl.sim.events import valid_target


@njit(cache=True)
def _dir_vec(d):
    if d == 0:
        return 1.0, 0.0
    if d == 1:
        return 0.0, 1.0
    if d == 2:
        return -1.0, 0.0
    return 0.0, -1.0

@njit(cache=True)
def _drone_test_dir(ent, e, hor, ver, w, d):
    xd, yd = _dir_vec(d)
    rad = ent[e, E_RAD]
    gw = ent[e, E_C]
    x = ent[e, E_X]
    y = ent[e, E_Y]
    xt = x + gw * xd
    yt = y + gw * yd
    if yd == 0:
        cx = math.floor((x + xd * rad) / 12)
        cxt = math.floor((xt + xd * rad) / 12)
        cy1 = math.floor((y - rad) / 12)
        cy2 = math.floor((y + rad) / 12)
        while cx != cxt:
            if not empty_col(ver, w, cx, cy1, cy2, int(xd)):
                return False
            cx += int(xd)
    else:
        cy = math.floor((y + yd * rad) / 12)
        cyt = math.floor((yt + yd * rad) / 12)
        cx1 = math.floor((x - rad) / 12)
        cx2 = math.floor((x + rad) / 12)
        while cy != cyt:
            if not empty_row(hor, w, cx1, cx2, cy, int(yd)):
                return False
            cy += int(yd)
    ent[e, E_XT] = xt
    ent[e, E_YT] = yt
    return True

@njit(cache=True)
def _drone_turn_offset(mode, i):
    if mode == 0:
        return (1, 0, 3, 2)[i]
    if mode == 1:
        return (3, 0, 1, 2)[i]
    if mode == 2:
        return (0, 1, 3, 2)[i]
    return (0, 3, 1, 2)[i]

@njit(cache=True)
def move_drone(nin, ent, grid, e, hor, ver, w):
    d = int(ent[e, E_A])
    speed = ent[e, E_B]
    xd, yd = _dir_vec(d)
    xs = speed * xd
    ys = speed * yd
    dx = ent[e, E_XT] - ent[e, E_X]
    dy = ent[e, E_YT] - ent[e, E_Y]
    dist = math.sqrt(dx * dx + dy * dy)
    if dist < 1e-06 or dx * (ent[e, E_XT] - (ent[e, E_X] + xs)) + dy * (ent[e, E_YT] - (ent[e, E_Y] + ys)) < 0:
        ent[e, E_X] = ent[e, E_XT]
        ent[e, E_Y] = ent[e, E_YT]
        mode = int(ent[e, E_MODE])
        for i in range(4):
            nd = (d + _drone_turn_offset(mode, i)) % 4
            if _drone_test_dir(ent, e, hor, ver, w, nd):
                ent[e, E_A] = nd
                disp = speed - dist
                vx, vy = _dir_vec(nd)
                ent[e, E_X] += disp * vx
                ent[e, E_Y] += disp * vy
                break
    else:
        ent[e, E_X] += xs
        ent[e, E_Y] += ys
        grid_move(nin, ent, grid, e)

@njit(cache=True)
def think_death_ball(nin, ent, grid, e, ne, seg, cs, csg, cb, cne, lv, sbuf, db_count):
    if not valid_target(nin):
        ent[e, E_VX] *= 0.95
        ent[e, E_VY] *= 0.95
    else:
        dx = nin[N_X] - ent[e, E_X]
        dy = nin[N_Y] - ent[e, E_Y]
        dist = math.sqrt(dx * dx + dy * dy)
        if dist > 0:
            dx /= dist
            dy /= dist
        ent[e, E_VX] += dx * 0.04
        ent[e, E_VY] += dy * 0.04
        speed = math.sqrt(ent[e, E_VX] * ent[e, E_VX] + ent[e, E_VY] * ent[e, E_VY])
        if speed > 0.85:
            ns = (speed - 0.85) * 0.9
            if ns <= 0.01:
                ns = 0.0
            ns += 0.85
            ent[e, E_VX] = ent[e, E_VX] / speed * ns
            ent[e, E_VY] = ent[e, E_VY] / speed * ns
    xo = ent[e, E_X]
    yo = ent[e, E_Y]
    vx = ent[e, E_VX]
    vy = ent[e, E_VY]
    ent[e, E_X] += vx
    ent[e, E_Y] += vy
    t = sweep_circle_vs_tiles(seg, cs, csg, cb, cne, lv, ent, sbuf, xo, yo, vx, vy, 8 * 0.5)
    ent[e, E_X] = xo + t * vx
    ent[e, E_Y] = yo + t * vy
    xn = 0.0
    yn = 0.0
    for _ in range(16):
        x = ent[e, E_X]
        y = ent[e, E_Y]
        n = gather_segments(seg, cs, csg, cb, cne, lv, ent, x - 8, y - 8, x + 8, y + 8, sbuf)
        res, a, b = single_closest_point(seg, sbuf, n, x, y, 8.0)
        if res == 0:
            break
        dx = x - a
        dy = y - b
        dist = math.sqrt(dx * dx + dy * dy)
        dl = 8 - dist * res
        if dl < 1e-07:
            break
        if dist == 0:
            return
        xm = dx / dist
        ym = dy / dist
        ent[e, E_X] += xm * dl
        ent[e, E_Y] += ym * dl
        xn += xm
        yn += ym
    nl = math.sqrt(xn * xn + yn * yn)
    if nl > 0:
        dx = xn / nl
        dy = yn / nl
        dot = ent[e, E_VX] * dx + ent[e, E_VY] * dy
        if dot < 0:
            speed = math.sqrt(ent[e, E_VX] * ent[e, E_VX] + ent[e, E_VY] * ent[e, E_VY])
            bs = 1.0 if speed <= 1.35 else 2.0
            ent[e, E_VX] -= dx * dot * bs
            ent[e, E_VY] -= dy * dot * bs
    idx = ent[e, E_IDX]
    if idx + 1 < db_count:
        for o in range(ne):
            if ent[o, E_TYPE] != 25 or ent[o, E_IDX] <= idx:
                continue
            dx = ent[e, E_X] - ent[o, E_X]
            dy = ent[e, E_Y] - ent[o, E_Y]
            dist = math.sqrt(dx * dx + dy * dy)
            if dist < 16:
                dx = dx / dist * 4
                dy = dy / dist * 4
                ent[e, E_VX] += dx
                ent[e, E_VY] += dy
                ent[o, E_VX] -= dx
                ent[o, E_VY] -= dy
    grid_move(nin, ent, grid, e)
