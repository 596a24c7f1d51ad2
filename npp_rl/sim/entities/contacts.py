"""Ninja-versus-entity contacts: physical pushes (blocks, thwumps, one-way platforms) and logical collisions (mines, gold, switches, doors, pads, drones).

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import overlap_cc, overlap_circle_segment, pen_square
from npp_rl.sim.constants import (
    C_BALL,
    C_DRONE,
    C_MINE,
    C_SHOVE,
    C_THWUMP,
    E_A,
    E_ACTIVE,
    E_B,
    E_CX,
    E_CY,
    E_NX,
    E_NY,
    E_RAD,
    E_SEQ,
    E_STATE,
    E_TYPE,
    E_VX,
    E_VY,
    E_X,
    E_XT,
    E_Y,
    E_YT,
    GRAVITY_FALL,
    LAUNCH_BOOST,
    N_CCOUNT,
    N_CRUSHABLE,
    N_CRUSHLEN,
    N_CSX,
    N_CSY,
    N_DOORS,
    N_FBUF,
    N_FCOUNT,
    N_FRAME,
    N_FSX,
    N_FSY,
    N_GOLD,
    N_GRAV,
    N_LPBUF,
    N_LPX,
    N_LPY,
    N_SEQ,
    N_STATE,
    N_SWITCH_FRAME,
    N_VX,
    N_VY,
    N_X,
    N_XCRUSH,
    N_XOLD,
    N_Y,
    N_YCRUSH,
    N_YOLD,
    NINJA_RADIUS,
)
from npp_rl.sim.entities.grid import gather_entities, grid_append
from npp_rl.sim.events import door_change, kill, valid_target, win


@njit(cache=True)
def _one_way_depen(nin, ent, e):
    """(hit, push length) of the ninja out of a one-way platform."""
    nx = ent[e, E_NX]
    ny = ent[e, E_NY]
    dx = nin[N_X] - ent[e, E_X]
    dy = nin[N_Y] - ent[e, E_Y]
    lat = dy * nx - dx * ny
    direction = (nin[N_VY] * nx - nin[N_VX] * ny) * lat
    rs = 0.91 if direction < 0 else 0.51
    if abs(lat) < rs * NINJA_RADIUS + 12:
        nd = dx * nx + dy * ny
        if 0 < nd and nd <= NINJA_RADIUS:
            if nin[N_VX] * nx + nin[N_VY] * ny <= 0:
                dxo = nin[N_XOLD] - ent[e, E_X]
                dyo = nin[N_YOLD] - ent[e, E_Y]
                ndo = dxo * nx + dyo * ny
                if NINJA_RADIUS - ndo <= 1.1:
                    return True, NINJA_RADIUS - nd
    return False, 0.0

@njit(cache=True)
def collide_vs_objects(nin, ent, elist, ne_near):
    for k in range(ne_near):
        e = elist[k]
        t = ent[e, E_TYPE]
        hit = False
        nx = 0.0
        ny = 0.0
        dl = 0.0
        if t == 11:
            hit, dl = _one_way_depen(nin, ent, e)
            nx = ent[e, E_NX]
            ny = ent[e, E_NY]
        elif t == 17:
            h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS)
            if h:
                ent[e, E_X] -= nx * pm * (1 - 0.2)
                ent[e, E_Y] -= ny * pm * (1 - 0.2)
                ent[e, E_VX] -= nx * pm * (1 - 0.2)
                ent[e, E_VY] -= ny * pm * (1 - 0.2)
                hit = True
                dl = pm * 0.2
        elif t == 20:
            h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS)
            if h:
                hit = True
                dl = pm
        elif t == 28:
            if ent[e, E_STATE] <= 1:
                h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 12 + NINJA_RADIUS)
                if h:
                    if ent[e, E_STATE] == 0 or ent[e, E_XT] * nx + ent[e, E_YT] * ny >= 0.01:
                        hit = True
                        dl = pm
        else:
            continue
        if not hit:
            continue
        px = nx * dl
        py = ny * dl
        nin[N_X] += px
        nin[N_Y] += py
        if t != 17:
            nin[N_XCRUSH] += px
            nin[N_YCRUSH] += py
            nin[N_CRUSHLEN] += dl
        if t == 20:
            nin[N_CRUSHABLE] = 1.0
        if t == 17 or t == 20 or t == 28:
            nin[N_VX] += px
            nin[N_VY] += py
        if t == 11:
            vx = nin[N_VX]
            vy = nin[N_VY]
            nvx = (vx * ny - vy * nx) * ny
            nvy = (vx * ny - vy * nx) * (-nx)
            nin[N_VX] = nvx
            nin[N_VY] = nvy
        if ny >= -0.0001:
            nin[N_CCOUNT] += 1
            nin[N_CSX] += nx
            nin[N_CSY] += ny
        else:
            nin[N_FCOUNT] += 1
            nin[N_FSX] += nx
            nin[N_FSY] += ny

@njit(cache=True, inline="always")
def logical_collisions(nin, ent, w, hor, ver, elist, grid, ne):
    """Logical entity collisions (fresh 3x3 gather); returns the entities' wall-normal contribution."""
    wall_normal = 0.0
    nn = gather_entities(ent, grid, nin[N_X], nin[N_Y], elist)
    for k in range(nn):
        e = elist[k]
        t = ent[e, E_TYPE]
        if t == 1 or t == 21:
            if valid_target(nin) and ent[e, E_STATE] == 0:
                if overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                    ent[e, E_STATE] = 1
                    ent[e, E_RAD] = 3.5
                    kill(nin, C_MINE)
        elif t == 2:
            if nin[N_STATE] != 8:
                if overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                    nin[N_GOLD] += 1
                    ent[e, E_ACTIVE] = 0.0
        elif t == 3:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], 12.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                win(nin)
        elif t == 4:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                ent[e, E_ACTIVE] = 0.0
                p = int(ent[e, E_B])
                if ent[p, E_A] == 0.0 and nin[N_SWITCH_FRAME] < 0:
                    nin[N_SWITCH_FRAME] = nin[N_FRAME]
                ent[p, E_A] = 1.0
                ent[p, E_STATE] = 1.0
                ent[p, E_SEQ] = nin[N_SEQ]
                nin[N_SEQ] += 1
                grid_append(ent, grid, p, int(ent[p, E_CX]) * 25 + int(ent[p, E_CY]))
        elif t == 5:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], 10.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                door_change(ent, e, hor, ver, w, False)
                ent[e, E_A] = 0.0
        elif t == 6:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                nin[N_DOORS] += 1
                door_change(ent, e, hor, ver, w, False)
                ent[e, E_ACTIVE] = 0.0
        elif t == 8:
            if overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                door_change(ent, e, hor, ver, w, True)
                ent[e, E_ACTIVE] = 0.0
        elif t == 10:
            if valid_target(nin):
                if overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                    nx = ent[e, E_NX]
                    ny = ent[e, E_NY]
                    if ((ent[e, E_X] - (nin[N_X] - NINJA_RADIUS * nx)) * nx
                            + (ent[e, E_Y] - (nin[N_Y] - NINJA_RADIUS * ny)) * ny >= -0.1):
                        ys = 1.0
                        if ny < 0:
                            ys = 1 - ny
                        xb = nx * LAUNCH_BOOST
                        yb = ny * LAUNCH_BOOST * ys
                        xb = xb * 2 / 3
                        yb = yb * 2 / 3
                        nin[N_X] += xb
                        nin[N_Y] += yb
                        nin[N_VX] = xb
                        nin[N_VY] = yb
                        nin[N_FCOUNT] = 0
                        nin[N_FBUF] = -1
                        bs = math.sqrt(xb * xb + yb * yb)
                        nin[N_LPX] = xb / bs
                        nin[N_LPY] = yb / bs
                        nin[N_LPBUF] = 0
                        if nin[N_STATE] == 3:
                            nin[N_GRAV] = GRAVITY_FALL
                        nin[N_STATE] = 4
        elif t == 11:
            hit, _dl = _one_way_depen(nin, ent, e)
            if hit and abs(ent[e, E_NX]) == 1:
                wall_normal += ent[e, E_NX]
        elif t == 14 or t == 26:
            if valid_target(nin):
                if overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                    kill(nin, C_DRONE)
        elif t == 17:
            h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS + 0.1)
            if h:
                wall_normal += nx
        elif t == 20:
            if valid_target(nin):
                h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y],
                                                9 + NINJA_RADIUS + 0.1)
                if h:
                    d = ent[e, E_B]
                    if ent[e, E_A] != 0.0:
                        ddx = (9 + 2) * d
                        ddy = 9 - 2
                        px1 = ent[e, E_X] + ddx
                        py1 = ent[e, E_Y] - ddy
                        px2 = ent[e, E_X] + ddx
                        py2 = ent[e, E_Y] + ddy
                    else:
                        ddx = 9 - 2
                        ddy = (9 + 2) * d
                        px1 = ent[e, E_X] - ddx
                        py1 = ent[e, E_Y] + ddy
                        px2 = ent[e, E_X] + ddx
                        py2 = ent[e, E_Y] + ddy
                    if overlap_circle_segment(nin[N_X], nin[N_Y], NINJA_RADIUS + 2, px1, py1, px2, py2):
                        kill(nin, C_THWUMP)
                    wall_normal += nx
        elif t == 25:
            if valid_target(nin):
                if overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                    dx = ent[e, E_X] - nin[N_X]
                    dy = ent[e, E_Y] - nin[N_Y]
                    dist = math.sqrt(dx * dx + dy * dy)
                    ent[e, E_VX] += dx / dist * 10
                    ent[e, E_VY] += dy / dist * 10
                    kill(nin, C_BALL)
        elif t == 28:
            h, nx, ny, pm, po = pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 12 + NINJA_RADIUS + 0.1)
            st = ent[e, E_STATE]
            handled = False
            if h and st <= 1:
                handled = True
                if st == 0:
                    ent[e, E_A] = 1.0
                    if po > 0.2:
                        ent[e, E_XT] = nx
                        ent[e, E_YT] = ny
                        ent[e, E_STATE] = 1
                    wall_normal += nx
                else:
                    if ent[e, E_XT] * nx + ent[e, E_YT] * ny >= 0.01:
                        ent[e, E_A] = 1.0
                        wall_normal += nx
            if not handled:
                if overlap_cc(nin[N_X], nin[N_Y], NINJA_RADIUS, ent[e, E_X], ent[e, E_Y], 8.0):
                    kill(nin, C_SHOVE)
    return wall_normal
