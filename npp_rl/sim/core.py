"""Compiled N++ frame step (numba): pure functions over arrays, batched over worlds.

Per level (static, stacked over the loaded levels ``lv``): segment rows ``seg`` (see
:mod:`npp_rl.sim.geometry`), ``cell_start[lv, 1101]`` / ``cell_segs`` (CSR lists of global segment ids per
24-px cell, cell id = x * 25 + y), ``cell_bounds[lv, 1100, 4]``, ``cell_nonempty[lv, 1100]``.
Per world (dynamic): ``nin[w, NINJA_FIELDS]`` (columns ``N_*``), ``ent[w, max_entities, ENTITY_FIELDS]``
(columns ``E_*``), ``n_ent[w]``, grid edges ``hor[w, 89, 51]`` / ``ver[w, 89, 51]``, level index ``lvl[w]``.

The order of floating-point operations follows NPP_MECHANICS.md sections 4, 5 and 13 exactly; do not
"simplify" expressions here (a reordered sum changes the trajectory after a few hundred frames).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# ---------------------------------------------------------------- constants (literal decimals, section 4.1)
NINJA_RADIUS = 10.0
GRAVITY_FALL = 0.06666666666666665
GRAVITY_JUMP = 0.01111111111111111
GROUND_ACCEL = 0.06666666666666665
AIR_ACCEL = 0.04444444444444444
DRAG_REGULAR = 0.9933221725495059
DRAG_SLOW = 0.8617738760127536
FRICTION_GROUND = 0.9459290248857720
FRICTION_GROUND_SLOW = 0.8617738760127536
FRICTION_WALL = 0.9113380468927672
MAX_HOR_SPEED = 3.333
MAX_JUMP_DURATION = 45
MAX_SURVIVABLE_IMPACT = 6.0
MIN_SURVIVABLE_CRUSHING = 0.05
TWO_THIRDS = 2 / 3
FOUR_THIRDS = 4 / 3
LAUNCH_BOOST = 36 / 7
THWUMP_FORWARD = 20 / 7
THWUMP_BACKWARD = 8 / 7
ZAP_SPEED = 8 / 7
DIAG = math.sqrt(2) / 2

# ---------------------------------------------------------------- segment columns (mirror geometry.py)
S_KIND, S_X1, S_Y1, S_X2, S_Y2, S_PX, S_PY, S_LENSQ = 0, 1, 2, 3, 4, 5, 6, 7
S_BX1, S_BY1, S_BX2, S_BY2 = 8, 9, 10, 11
S_OWNER, S_HOR, S_VER, S_CONVEX = 12, 13, 14, 15
S_PHX, S_PHY, S_PVX, S_PVY = 16, 17, 18, 19
S_LEN, S_NX, S_NY = 20, 21, 22

# ---------------------------------------------------------------- ninja columns
N_X, N_Y, N_VX, N_VY, N_XOLD, N_YOLD, N_VXOLD, N_VYOLD = 0, 1, 2, 3, 4, 5, 6, 7
N_GRAV, N_DRAG, N_STATE, N_AIR, N_AIROLD, N_WALLED, N_WALLN, N_JOLD = 8, 9, 10, 11, 12, 13, 14, 15
N_JDUR, N_JBUF, N_FBUF, N_WBUF, N_LPBUF = 16, 17, 18, 19, 20
N_FNX, N_FNY, N_CNX, N_CNY, N_FCOUNT, N_CCOUNT = 21, 22, 23, 24, 25, 26
N_FSX, N_FSY, N_CSX, N_CSY = 27, 28, 29, 30
N_CRUSHABLE, N_XCRUSH, N_YCRUSH, N_CRUSHLEN, N_LPX, N_LPY = 31, 32, 33, 34, 35, 36
N_HOR, N_JUMP, N_GOLD, N_FRAME, N_CAUSE = 37, 38, 39, 40, 41
N_SWITCH_FRAME, N_WIN_FRAME, N_DEATH_FRAME, N_SEQ, N_DOORS, N_FRICTION = 42, 43, 44, 45, 46, 47
NINJA_FIELDS = 48

DEATH_CAUSES = ("", "mine", "impact", "crush", "thwump", "shove_thwump", "drone", "death_ball")
C_MINE, C_IMPACT, C_CRUSH, C_THWUMP, C_SHOVE, C_DRONE, C_BALL = 1, 2, 3, 4, 5, 6, 7

# ---------------------------------------------------------------- entity columns
E_TYPE, E_ACTIVE, E_X, E_Y, E_CX, E_CY, E_SEQ, E_STATE = 0, 1, 2, 3, 4, 5, 6, 7
E_VX, E_VY, E_XO, E_YO, E_ORI, E_MODE, E_NX, E_NY = 8, 9, 10, 11, 12, 13, 14, 15
E_A, E_B, E_C, E_XT, E_YT, E_RAD, E_IDX = 16, 17, 18, 19, 20, 21, 22
E_DX, E_DY, E_G1X, E_G1Y, E_G2X, E_G2Y, E_VERT = 23, 24, 25, 26, 27, 28, 29
E_NEXT, E_PREV = 30, 31  # links of the per-cell entity lists (grid order), -1 = none
ENTITY_FIELDS = 32

#: entity types the simulator implements (type 4 rows are created from their exit door's record)
SUPPORTED_TYPES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 17, 20, 21, 24, 25, 26, 28)


# ================================================================ geometry primitives
@njit(cache=True)
def _clampi(n, a, b):
    return a if n < a else (b if n > b else n)


@njit(cache=True)
def closest_point(seg, s, x, y):
    """(is_back_facing, a, b) for segment row s and point (x, y)."""
    kind = seg[s, S_KIND]
    if kind != 2.0:
        x1 = seg[s, S_X1]
        y1 = seg[s, S_Y1]
        px = seg[s, S_PX]
        py = seg[s, S_PY]
        dx = x - x1
        dy = y - y1
        u = (dx * px + dy * py) / seg[s, S_LENSQ]
        if 0 > u:
            u = 0.0
        if u > 1:
            u = 1.0
        a = x1 + u * px
        b = y1 + u * py
        back = (dy * px - dx * py < 0) and kind == 0.0
        return back, a, b
    cx = seg[s, S_X1]
    cy = seg[s, S_Y1]
    hor = seg[s, S_HOR]
    ver = seg[s, S_VER]
    dx = x - cx
    dy = y - cy
    if dx * hor > 0 and dy * ver > 0:
        dist = math.sqrt(dx * dx + dy * dy)
        if dist == 0:
            if dx * hor > dy * ver:
                return False, seg[s, S_PHX], seg[s, S_PHY]
            return False, seg[s, S_PVX], seg[s, S_PVY]
        a = cx + 24 * dx / dist
        b = cy + 24 * dy / dist
        if seg[s, S_CONVEX] != 0.0:
            back = dist < 24
        else:
            back = dist > 24
        return back, a, b
    if dx * hor > dy * ver:
        return False, seg[s, S_PHX], seg[s, S_PHY]
    return False, seg[s, S_PVX], seg[s, S_PVY]


@njit(cache=True)
def _toi_circle_circle(x, y, vx, vy, a, b, radius):
    dx = x - a
    dy = y - b
    dist_sq = dx * dx + dy * dy
    vel_sq = vx * vx + vy * vy
    dot = dx * vx + dy * vy
    if dist_sq - radius * radius > 0:
        radicand = dot * dot - vel_sq * (dist_sq - radius * radius)
        if vel_sq > 0.0001 and dot < 0 and radicand >= 0:
            return (-dot - math.sqrt(radicand)) / vel_sq
        return 1.0
    return 0.0


@njit(cache=True)
def _toi_circle_lineseg(x, y, dx, dy, a1, b1, seg_len, nx, ny, radius):
    # seg_len = sqrt(wx*wx + wy*wy), nx = wx / seg_len, ny = wy / seg_len with w = p2 - p1 (precomputed)
    normal_proj = (x - a1) * ny - (y - b1) * nx
    hor_proj = (x - a1) * nx + (y - b1) * ny
    if abs(normal_proj) >= radius:
        d = dx * ny - dy * nx
        if d * normal_proj < 0:
            t = (abs(normal_proj) - radius) / abs(d)
            if t > 1:
                t = 1.0
            hor_proj2 = hor_proj + t * (dx * nx + dy * ny)
            if 0 <= hor_proj2 and hor_proj2 <= seg_len:
                return t
    else:
        if 0 <= hor_proj and hor_proj <= seg_len:
            return 0.0
    return 1.0


@njit(cache=True)
def _toi_circle_arc(x, y, vx, vy, a, b, hor, ver, radius_arc, radius_circle):
    dx = x - a
    dy = y - b
    dist_sq = dx * dx + dy * dy
    vel_sq = vx * vx + vy * vy
    dot = dx * vx + dy * vy
    radius1 = radius_arc + radius_circle
    radius2 = radius_arc - radius_circle
    t = 1.0
    if dist_sq > radius1 * radius1:
        radicand = dot * dot - vel_sq * (dist_sq - radius1 * radius1)
        if vel_sq > 0.0001 and dot < 0 and radicand >= 0:
            t = (-dot - math.sqrt(radicand)) / vel_sq
    elif dist_sq < radius2 * radius2:
        radicand = dot * dot - vel_sq * (dist_sq - radius2 * radius2)
        if vel_sq > 0.0001:
            t = (-dot + math.sqrt(radicand)) / vel_sq
            if t > 1:
                t = 1.0
    else:
        t = 0.0
    if (dx + t * vx) * hor > 0 and (dy + t * vy) * ver > 0:
        return t
    return 1.0


@njit(cache=True)
def intersect_with_ray(seg, s, x, y, dx, dy, radius):
    if seg[s, S_KIND] != 2.0:
        t1 = _toi_circle_circle(x, y, dx, dy, seg[s, S_X1], seg[s, S_Y1], radius)
        t2 = _toi_circle_circle(x, y, dx, dy, seg[s, S_X2], seg[s, S_Y2], radius)
        t3 = _toi_circle_lineseg(x, y, dx, dy, seg[s, S_X1], seg[s, S_Y1], seg[s, S_LEN], seg[s, S_NX],
                                 seg[s, S_NY], radius)
    else:
        t1 = _toi_circle_circle(x, y, dx, dy, seg[s, S_PHX], seg[s, S_PHY], radius)
        t2 = _toi_circle_circle(x, y, dx, dy, seg[s, S_PVX], seg[s, S_PVY], radius)
        t3 = _toi_circle_arc(x, y, dx, dy, seg[s, S_X1], seg[s, S_Y1], seg[s, S_HOR], seg[s, S_VER], 24.0,
                             radius)
    t = t1
    if t2 < t:
        t = t2
    if t3 < t:
        t = t3
    return t


@njit(cache=True)
def gather_segments(seg, cell_start, cell_segs, cell_bounds, cell_nonempty, lv, ent, x1, y1, x2, y2, out):
    """Active segments of the cells overlapped by the box, cell by cell (x-major); returns the count."""
    min_x = x1 if x1 < x2 else x2
    min_y = y1 if y1 < y2 else y2
    max_x = x2 if x2 > x1 else x1
    max_y = y2 if y2 > y1 else y1
    cx1 = _clampi(math.floor(min_x / 24), 0, 43)
    cx2 = _clampi(math.floor(max_x / 24), 0, 43)
    cy1 = _clampi(math.floor(min_y / 24), 0, 24)
    cy2 = _clampi(math.floor(max_y / 24), 0, 24)
    n = 0
    for cx in range(cx1, cx2 + 1):
        for cy in range(cy1, cy2 + 1):
            c = cx * 25 + cy
            if cell_nonempty[lv, c] == 0:
                continue
            if (max_x < cell_bounds[lv, c, 0] or min_x > cell_bounds[lv, c, 2]
                    or max_y < cell_bounds[lv, c, 1] or min_y > cell_bounds[lv, c, 3]):
                continue
            for k in range(cell_start[lv, c], cell_start[lv, c + 1]):
                s = cell_segs[k]
                if seg[s, S_KIND] == 1.0 and ent[int(seg[s, S_OWNER]), E_STATE] == 0.0:
                    continue  # open door
                out[n] = s
                n += 1
    return n


@njit(cache=True)
def sweep_circle_vs_tiles(seg, cs, csg, cb, cne, lv, ent, sbuf, xold, yold, dx, dy, radius):
    xnew = xold + dx
    ynew = yold + dy
    width = radius + 1
    x1 = (xold if xold < xnew else xnew) - width
    y1 = (yold if yold < ynew else ynew) - width
    x2 = (xold if xold > xnew else xnew) + width
    y2 = (yold if yold > ynew else ynew) + width
    n = gather_segments(seg, cs, csg, cb, cne, lv, ent, x1, y1, x2, y2, sbuf)
    shortest = 1.0
    # a segment whose box is farther than the radius from the swept box cannot be hit (every test gives 1)
    m = radius + 0.5
    bx1 = x1 + width - m
    by1 = y1 + width - m
    bx2 = x2 - width + m
    by2 = y2 - width + m
    for k in range(n):
        s = sbuf[k]
        if seg[s, S_BX2] < bx1 or seg[s, S_BX1] > bx2 or seg[s, S_BY2] < by1 or seg[s, S_BY1] > by2:
            continue
        t = intersect_with_ray(seg, s, xold, yold, dx, dy, radius)
        if t == 0:
            return 0.0
        if t < shortest:
            shortest = t
    return shortest


@njit(cache=True)
def single_closest_point(seg, sbuf, n, x, y, radius):
    """(result, a, b): result 1 front-facing, -1 back-facing, 0 nothing within the box."""
    shortest = np.inf
    result = 0
    ra = 0.0
    rb = 0.0
    qx1 = x - radius
    qy1 = y - radius
    qx2 = x + radius
    qy2 = y + radius
    for k in range(n):
        s = sbuf[k]
        if seg[s, S_BX2] < qx1 or seg[s, S_BX1] > qx2 or seg[s, S_BY2] < qy1 or seg[s, S_BY1] > qy2:
            continue
        back, a, b = closest_point(seg, s, x, y)
        dsq = (x - a) * (x - a) + (y - b) * (y - b)
        if not back:
            dsq -= 0.1
        if dsq < shortest:
            shortest = dsq
            ra = a
            rb = b
            result = -1 if back else 1
    return result, ra, rb


@njit(cache=True)
def _overlap_cc(x1, y1, r1, x2, y2, r2):
    lim = r1 + r2 + 1.0  # cheap exact rejection: sqrt(dx*dx + dy*dy) >= max(|dx|, |dy|) - rounding
    if abs(x1 - x2) > lim or abs(y1 - y2) > lim:
        return False
    return math.sqrt((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2)) < r1 + r2


@njit(cache=True)
def _overlap_circle_segment(x, y, radius, px1, py1, px2, py2):
    px = px2 - px1
    py = py2 - py1
    dx = x - px1
    dy = y - py1
    lensq = px * px + py * py
    u = (dx * px + dy * py) / lensq
    if 0 > u:
        u = 0.0
    if u > 1:
        u = 1.0
    a = px1 + u * px
    b = py1 + u * py
    return (x - a) * (x - a) + (y - b) * (y - b) < radius * radius


@njit(cache=True)
def _pen_square(sx, sy, px, py, semi):
    """(hit, nx, ny, pen_main, pen_other): shortest way out of an axis-aligned square."""
    dx = px - sx
    dy = py - sy
    penx = semi - abs(dx)
    peny = semi - abs(dy)
    if penx > 0 and peny > 0:
        if peny <= penx:
            return True, 0.0, (-1.0 if dy < 0 else 1.0), peny, penx
        return True, (-1.0 if dx < 0 else 1.0), 0.0, penx, peny
    return False, 0.0, 0.0, 0.0, 0.0


@njit(cache=True)
def _empty_row(hor, w, x1, x2, y, d):
    for x in range(x1, x2 + 1):
        xx = _clampi(x, 0, 87)
        if d == 1:
            yy = _clampi(y + 1, 0, 49)
        else:
            yy = _clampi(y, 0, 49)
        if hor[w, xx, yy] != 0:
            return False
    return True


@njit(cache=True)
def _empty_col(ver, w, x, y1, y2, d):
    for y in range(y1, y2 + 1):
        yy = _clampi(y, 0, 49)
        if d == 1:
            xx = _clampi(x + 1, 0, 87)
        else:
            xx = _clampi(x, 0, 87)
        if ver[w, xx, yy] != 0:
            return False
    return True


# ================================================================ entity grid helpers
@njit(cache=True)
def grid_append(ent, grid, e, c):
    """Append entity e at the end of cell c's list (grid[0] heads, grid[1] tails, per 24-px cell)."""
    tail = grid[1, c]
    ent[e, E_PREV] = tail
    ent[e, E_NEXT] = -1
    if tail < 0:
        grid[0, c] = e
    else:
        ent[tail, E_NEXT] = e
    grid[1, c] = e


@njit(cache=True)
def _grid_remove(ent, grid, e, c):
    p = int(ent[e, E_PREV])
    n = int(ent[e, E_NEXT])
    if p < 0:
        grid[0, c] = n
    else:
        ent[p, E_NEXT] = n
    if n < 0:
        grid[1, c] = p
    else:
        ent[n, E_PREV] = p


@njit(cache=True)
def _grid_move(nin, ent, grid, e):
    """An entity whose centre changed cell leaves its old cell's list and joins the end of the new one."""
    cx = _clampi(math.floor(ent[e, E_X] / 24), 0, 43)
    cy = _clampi(math.floor(ent[e, E_Y] / 24), 0, 24)
    if cx != ent[e, E_CX] or cy != ent[e, E_CY]:
        _grid_remove(ent, grid, e, int(ent[e, E_CX]) * 25 + int(ent[e, E_CY]))
        ent[e, E_CX] = cx
        ent[e, E_CY] = cy
        ent[e, E_SEQ] = nin[N_SEQ]
        nin[N_SEQ] += 1
        grid_append(ent, grid, e, cx * 25 + cy)


@njit(cache=True)
def gather_entities(ent, grid, x, y, out):
    """Active entities in the 3x3 cells around (x, y): cells x-major, each cell in list (insertion) order."""
    cx = _clampi(math.floor(x / 24), 0, 43)
    cy = _clampi(math.floor(y / 24), 0, 24)
    x0 = cx - 1 if cx - 1 > 0 else 0
    x1 = cx + 1 if cx + 1 < 43 else 43
    y0 = cy - 1 if cy - 1 > 0 else 0
    y1 = cy + 1 if cy + 1 < 24 else 24
    n = 0
    for gx in range(x0, x1 + 1):
        for gy in range(y0, y1 + 1):
            e = grid[0, gx * 25 + gy]
            while e >= 0:
                if ent[e, E_ACTIVE] != 0.0:
                    out[n] = e
                    n += 1
                e = int(ent[e, E_NEXT])
    return n


# ================================================================ ninja state changes
@njit(cache=True)
def _kill(nin, cause):
    if nin[N_STATE] < 6:
        nin[N_CAUSE] = cause
        if nin[N_STATE] == 3:
            nin[N_GRAV] = GRAVITY_FALL
        nin[N_STATE] = 7
        nin[N_DEATH_FRAME] = nin[N_FRAME]


@njit(cache=True)
def _win(nin):
    if nin[N_STATE] < 6:
        if nin[N_STATE] == 3:
            nin[N_GRAV] = GRAVITY_FALL
        nin[N_STATE] = 8
        nin[N_WIN_FRAME] = nin[N_FRAME]


@njit(cache=True)
def _valid_target(nin):
    st = nin[N_STATE]
    return st != 6 and st != 8 and st != 9


@njit(cache=True)
def _door_change(ent, e, hor, ver, w, closed):
    ent[e, E_STATE] = 1.0 if closed else 0.0
    dv = 1 if closed else -1
    if ent[e, E_VERT] != 0.0:
        ver[w, int(ent[e, E_G1X]), int(ent[e, E_G1Y])] += dv
        ver[w, int(ent[e, E_G2X]), int(ent[e, E_G2Y])] += dv
    else:
        hor[w, int(ent[e, E_G1X]), int(ent[e, E_G1Y])] += dv
        hor[w, int(ent[e, E_G2X]), int(ent[e, E_G2Y])] += dv


# ================================================================ entity move / think
@njit(cache=True)
def _move_bounce_block(nin, ent, grid, e):
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
    _grid_move(nin, ent, grid, e)


@njit(cache=True)
def _move_thwump(nin, ent, grid, e, hor, ver, w):
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
            if not _empty_row(hor, w, cx1, cx2, cy, int(sd)):
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
            if not _empty_col(ver, w, cx, cy1, cy2, int(sd)):
                ent[e, E_STATE] = -1
                return
        ent[e, E_X] = xnew
    _grid_move(nin, ent, grid, e)


@njit(cache=True)
def _think_thwump(nin, ent, e, hor, ver, w):
    if ent[e, E_STATE] != 0 or not _valid_target(nin):
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
                    if not _empty_row(hor, w, tx1, tx2, ty, d):
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
                if not _empty_col(ver, w, tx, ty1, ty2, d):
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
            if not _empty_col(ver, w, cx, cy1, cy2, int(xdir)):
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
            if not _empty_row(hor, w, cx1, cx2, cy, int(ydir)):
                ent[e, E_STATE] = 3
                return
        ent[e, E_Y] = ynew
    _grid_move(nin, ent, grid, e)


@njit(cache=True)
def _think_shove(nin, ent, grid, e, hor, ver, w):
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
            if not _empty_col(ver, w, cx, cy1, cy2, int(xd)):
                return False
            cx += int(xd)
    else:
        cy = math.floor((y + yd * rad) / 12)
        cyt = math.floor((yt + yd * rad) / 12)
        cx1 = math.floor((x - rad) / 12)
        cx2 = math.floor((x + rad) / 12)
        while cy != cyt:
            if not _empty_row(hor, w, cx1, cx2, cy, int(yd)):
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
def _move_drone(nin, ent, grid, e, hor, ver, w):
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
        _grid_move(nin, ent, grid, e)


@njit(cache=True)
def _move_boost_pad(nin, ent, e):
    if not _valid_target(nin):
        ent[e, E_A] = 0.0
        return
    if _overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
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


@njit(cache=True)
def _think_mine(nin, ent, e):
    st = ent[e, E_STATE]
    if _valid_target(nin):
        if st == 1:
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                ent[e, E_STATE] = 2
                ent[e, E_RAD] = 4.5
        elif st == 2:
            if not _overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                ent[e, E_STATE] = 0
                ent[e, E_RAD] = 4.0
    else:
        if st == 2 and nin[N_STATE] == 6:
            ent[e, E_STATE] = 1
            ent[e, E_RAD] = 3.5


@njit(cache=True)
def _think_death_ball(nin, ent, grid, e, ne, seg, cs, csg, cb, cne, lv, sbuf, db_count):
    if not _valid_target(nin):
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
    _grid_move(nin, ent, grid, e)


# ================================================================ ninja phases
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
def _collide_vs_objects(nin, ent, elist, ne_near):
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
            h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS)
            if h:
                ent[e, E_X] -= nx * pm * (1 - 0.2)
                ent[e, E_Y] -= ny * pm * (1 - 0.2)
                ent[e, E_VX] -= nx * pm * (1 - 0.2)
                ent[e, E_VY] -= ny * pm * (1 - 0.2)
                hit = True
                dl = pm * 0.2
        elif t == 20:
            h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS)
            if h:
                hit = True
                dl = pm
        elif t == 28:
            if ent[e, E_STATE] <= 1:
                h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 12 + NINJA_RADIUS)
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


@njit(cache=True)
def _collide_vs_tiles(nin, seg, cs, csg, cb, cne, lv, ent, sbuf):
    xo = nin[N_XOLD]
    yo = nin[N_YOLD]
    dx = nin[N_X] - xo
    dy = nin[N_Y] - yo
    t = sweep_circle_vs_tiles(seg, cs, csg, cb, cne, lv, ent, sbuf, xo, yo, dx, dy, NINJA_RADIUS * 0.5)
    x = xo + t * dx
    y = yo + t * dy
    rad = NINJA_RADIUS
    n = gather_segments(seg, cs, csg, cb, cne, lv, ent, x - rad, y - rad, x + rad, y + rad, sbuf)
    vx = nin[N_VX]
    vy = nin[N_VY]
    for _ in range(32):
        res, a, b = single_closest_point(seg, sbuf, n, x, y, NINJA_RADIUS)
        if res == 0:
            break
        dx = x - a
        dy = y - b
        mdx = -dx
        if abs(dx) <= 0.0000001:
            dx = 0.0
            mdx = 0.0  # the reference sets an integer 0 here: -0 is +0
            if x == 50.51197510492316 or x == 49.23232124849253:
                dx = -(2.0 ** -47)
                mdx = -dx
            if x == 49.153536108584795:
                dx = 2.0 ** -47
                mdx = -dx
        dsq = dx * dx + dy * dy
        if dsq < 1e-16:
            break
        dist = math.sqrt(dsq)
        dl = NINJA_RADIUS - dist * res
        if dl < 0.0000001:
            break
        inv = 1.0 / dist
        ndx = dx * inv
        ndy = dy * inv
        px = ndx * dl
        py = ndy * dl
        x += px
        y += py
        nin[N_XCRUSH] += px
        nin[N_YCRUSH] += py
        nin[N_CRUSHLEN] += dl
        if vx * dx + vy * dy < 0:
            cross = vx * dy - vy * dx
            inv2 = inv * inv
            vx = cross * inv2 * dy
            vy = cross * inv2 * mdx
        if dy >= -0.0001:
            nin[N_CCOUNT] += 1
            nin[N_CSX] += ndx
            nin[N_CSY] += ndy
        else:
            nin[N_FCOUNT] += 1
            nin[N_FSX] += ndx
            nin[N_FSY] += ndy
    nin[N_X] = x
    nin[N_Y] = y
    nin[N_VX] = vx
    nin[N_VY] = vy


@njit(cache=True)
def _post_collision(nin, ent, w, hor, ver, seg, cs, csg, cb, cne, lv, sbuf, elist, grid, ne):
    wall_normal = _logical_collisions(nin, ent, w, hor, ver, elist, grid, ne)
    _post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wall_normal)


@njit(cache=True, inline="always")
def _logical_collisions(nin, ent, w, hor, ver, elist, grid, ne):
    """Logical entity collisions (fresh 3x3 gather); returns the entities' wall-normal contribution."""
    wall_normal = 0.0
    nn = gather_entities(ent, grid, nin[N_X], nin[N_Y], elist)
    for k in range(nn):
        e = elist[k]
        t = ent[e, E_TYPE]
        if t == 1 or t == 21:
            if _valid_target(nin) and ent[e, E_STATE] == 0:
                if _overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                    ent[e, E_STATE] = 1
                    ent[e, E_RAD] = 3.5
                    _kill(nin, C_MINE)
        elif t == 2:
            if nin[N_STATE] != 8:
                if _overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                    nin[N_GOLD] += 1
                    ent[e, E_ACTIVE] = 0.0
        elif t == 3:
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], 12.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                _win(nin)
        elif t == 4:
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
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
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], 10.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                _door_change(ent, e, hor, ver, w, False)
                ent[e, E_A] = 0.0
        elif t == 6:
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                nin[N_DOORS] += 1
                _door_change(ent, e, hor, ver, w, False)
                ent[e, E_ACTIVE] = 0.0
        elif t == 8:
            if _overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                _door_change(ent, e, hor, ver, w, True)
                ent[e, E_ACTIVE] = 0.0
        elif t == 10:
            if _valid_target(nin):
                if _overlap_cc(ent[e, E_X], ent[e, E_Y], 6.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
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
            if _valid_target(nin):
                if _overlap_cc(ent[e, E_X], ent[e, E_Y], ent[e, E_RAD], nin[N_X], nin[N_Y], NINJA_RADIUS):
                    _kill(nin, C_DRONE)
        elif t == 17:
            h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 9 + NINJA_RADIUS + 0.1)
            if h:
                wall_normal += nx
        elif t == 20:
            if _valid_target(nin):
                h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y],
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
                    if _overlap_circle_segment(nin[N_X], nin[N_Y], NINJA_RADIUS + 2, px1, py1, px2, py2):
                        _kill(nin, C_THWUMP)
                    wall_normal += nx
        elif t == 25:
            if _valid_target(nin):
                if _overlap_cc(ent[e, E_X], ent[e, E_Y], 5.0, nin[N_X], nin[N_Y], NINJA_RADIUS):
                    dx = ent[e, E_X] - nin[N_X]
                    dy = ent[e, E_Y] - nin[N_Y]
                    dist = math.sqrt(dx * dx + dy * dy)
                    ent[e, E_VX] += dx / dist * 10
                    ent[e, E_VY] += dy / dist * 10
                    _kill(nin, C_BALL)
        elif t == 28:
            h, nx, ny, pm, po = _pen_square(ent[e, E_X], ent[e, E_Y], nin[N_X], nin[N_Y], 12 + NINJA_RADIUS + 0.1)
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
                if _overlap_cc(nin[N_X], nin[N_Y], NINJA_RADIUS, ent[e, E_X], ent[e, E_Y], 8.0):
                    _kill(nin, C_SHOVE)
    return wall_normal


@njit(cache=True, inline="always")
def _post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wall_normal):
    """Walls from tile segments, airborne/walled flags, floor/ceiling normals, impact and crush deaths."""
    rad = NINJA_RADIUS + 0.1
    x = nin[N_X]
    y = nin[N_Y]
    n = gather_segments(seg, cs, csg, cb, cne, lv, ent, x - rad, y - rad, x + rad, y + rad, sbuf)
    for k in range(n):
        s = sbuf[k]
        # the closest point lies in the segment's box: skip boxes that cannot give |dy| < 1e-5, dist <= rad
        if y < seg[s, S_BY1] - 0.001 or y > seg[s, S_BY2] + 0.001 or seg[s, S_BX2] < x - rad - 0.001 \
                or seg[s, S_BX1] > x + rad + 0.001:
            continue
        back, a, b = closest_point(seg, s, x, y)
        dx = x - a
        dy = y - b
        dist = math.sqrt(dx * dx + dy * dy)
        if abs(dy) < 0.00001 and 0 < dist and dist <= rad:
            wall_normal += dx / dist
    nin[N_AIROLD] = nin[N_AIR]
    nin[N_AIR] = 1.0
    nin[N_WALLED] = 0.0
    if wall_normal != 0:
        nin[N_WALLED] = 1.0
        nin[N_WALLN] = wall_normal / abs(wall_normal)
    if nin[N_FCOUNT] > 0:
        nin[N_AIR] = 0.0
        fx = nin[N_FSX]
        fy = nin[N_FSY]
        fs = math.sqrt(fx * fx + fy * fy)
        if fs == 0:
            nin[N_FNX] = 0.0
            nin[N_FNY] = -1.0
        else:
            nin[N_FNX] = fx / fs
            nin[N_FNY] = fy / fs
        if nin[N_STATE] != 8 and nin[N_AIROLD] != 0.0:
            impact = -(nin[N_FNX] * nin[N_VXOLD] + nin[N_FNY] * nin[N_VYOLD])
            if impact > MAX_SURVIVABLE_IMPACT - FOUR_THIRDS * abs(nin[N_FNY]):
                nin[N_VX] = nin[N_VXOLD]
                nin[N_VY] = nin[N_VYOLD]
                _kill(nin, C_IMPACT)
    if nin[N_CCOUNT] > 0:
        cx = nin[N_CSX]
        cy = nin[N_CSY]
        csc = math.sqrt(cx * cx + cy * cy)
        if csc == 0:
            nin[N_CNX] = 0.0
            nin[N_CNY] = 1.0
        else:
            nin[N_CNX] = cx / csc
            nin[N_CNY] = cy / csc
        if nin[N_STATE] != 8:
            impact = -(nin[N_CNX] * nin[N_VXOLD] + nin[N_CNY] * nin[N_VYOLD])
            if impact > MAX_SURVIVABLE_IMPACT - FOUR_THIRDS * abs(nin[N_CNY]):
                nin[N_VX] = nin[N_VXOLD]
                nin[N_VY] = nin[N_VYOLD]
                _kill(nin, C_IMPACT)
    if nin[N_CRUSHABLE] != 0.0 and nin[N_CRUSHLEN] > 0:
        xc = nin[N_XCRUSH]
        yc = nin[N_YCRUSH]
        if math.sqrt(xc * xc + yc * yc) / nin[N_CRUSHLEN] < MIN_SURVIVABLE_CRUSHING:
            _kill(nin, C_CRUSH)


@njit(cache=True)
def _floor_jump(nin):
    nin[N_JBUF] = -1
    nin[N_FBUF] = -1
    nin[N_LPBUF] = -1
    nin[N_STATE] = 3
    nin[N_GRAV] = GRAVITY_JUMP
    fnx = nin[N_FNX]
    if fnx == 0:
        jx = 0.0
        jy = -2.0
    else:
        fny = nin[N_FNY]
        if nin[N_VX] * fnx >= 0:
            if nin[N_VX] * nin[N_HOR] >= 0:
                jx = TWO_THIRDS * fnx
                jy = 2 * fny
            else:
                jx = 0.0
                jy = -1.4
        else:
            if nin[N_VX] * nin[N_HOR] > 0:
                jx = 0.0
                jy = -1.4
            else:
                nin[N_VX] = 0.0
                jx = TWO_THIRDS * fnx
                jy = 2 * fny
    if nin[N_VY] > 0:
        nin[N_VY] = 0.0
    nin[N_VX] += jx
    nin[N_VY] += jy
    nin[N_X] += jx
    nin[N_Y] += jy
    nin[N_JDUR] = 0


@njit(cache=True)
def _wall_jump(nin):
    wn = nin[N_WALLN]
    if nin[N_HOR] * wn < 0 and nin[N_STATE] == 5:
        jx = TWO_THIRDS
        jy = -1.0
    else:
        jx = 1.0
        jy = -1.4
    nin[N_STATE] = 3
    nin[N_GRAV] = GRAVITY_JUMP
    if nin[N_VX] * wn < 0:
        nin[N_VX] = 0.0
    if nin[N_VY] > 0:
        nin[N_VY] = 0.0
    nin[N_VX] += jx * wn
    nin[N_VY] += jy
    nin[N_X] += jx * wn
    nin[N_Y] += jy
    nin[N_JBUF] = -1
    nin[N_WBUF] = -1
    nin[N_LPBUF] = -1
    nin[N_JDUR] = 0


@njit(cache=True)
def _lp_jump(nin):
    nin[N_FBUF] = -1
    nin[N_WBUF] = -1
    nin[N_JBUF] = -1
    nin[N_LPBUF] = -1
    bs = 2 * abs(nin[N_LPX]) + 2
    if bs == 2:
        bs = 1.7
    nin[N_VX] += nin[N_LPX] * bs * TWO_THIRDS
    nin[N_VY] += nin[N_LPY] * bs * TWO_THIRDS


@njit(cache=True)
def _think(nin):
    hor = nin[N_HOR]
    if nin[N_JUMP] == 0:
        new_jump = False
    else:
        new_jump = nin[N_JOLD] == 0
    nin[N_JOLD] = nin[N_JUMP]
    b = nin[N_LPBUF]
    nin[N_LPBUF] = b + 1 if (-1 < b and b < 3) else -1
    in_lp = -1 < nin[N_LPBUF] and nin[N_LPBUF] < 4
    b = nin[N_JBUF]
    nin[N_JBUF] = b + 1 if (-1 < b and b < 5) else -1
    in_jump = -1 < nin[N_JBUF] and nin[N_JBUF] < 5
    b = nin[N_WBUF]
    nin[N_WBUF] = b + 1 if (-1 < b and b < 5) else -1
    in_wall = -1 < nin[N_WBUF] and nin[N_WBUF] < 5
    b = nin[N_FBUF]
    nin[N_FBUF] = b + 1 if (-1 < b and b < 5) else -1
    in_floor = -1 < nin[N_FBUF] and nin[N_FBUF] < 5
    airborne = nin[N_AIR] != 0.0
    if new_jump and airborne:
        nin[N_JBUF] = 0
    if nin[N_WALLED] != 0.0:
        nin[N_WBUF] = 0
    if not airborne:
        nin[N_FBUF] = 0
    st = nin[N_STATE]
    if st == 6 or st == 9:
        return
    if st == 7:
        nin[N_STATE] = 6
        return
    if st == 8:
        nin[N_DRAG] = DRAG_REGULAR if airborne else DRAG_SLOW
        return
    if not airborne:
        xsn = nin[N_VX] + GROUND_ACCEL * hor
        if abs(xsn) < MAX_HOR_SPEED:
            nin[N_VX] = xsn
        if nin[N_STATE] > 2:
            if nin[N_VX] * hor <= 0:
                if nin[N_STATE] == 3:
                    nin[N_GRAV] = GRAVITY_FALL
                nin[N_STATE] = 2
            else:
                if nin[N_STATE] == 3:
                    nin[N_GRAV] = GRAVITY_FALL
                nin[N_STATE] = 1
        if not in_jump and not new_jump:
            fnx = nin[N_FNX]
            fny = nin[N_FNY]
            st = nin[N_STATE]
            if st == 2:
                proj = abs(nin[N_VY] * fnx - nin[N_VX] * fny)
                if hor * proj * nin[N_VX] > 0:
                    nin[N_STATE] = 1
                    return
                if proj < 0.1 and fnx == 0:
                    nin[N_STATE] = 0
                    return
                if nin[N_VY] < 0 and fnx != 0:
                    vx = nin[N_VX]
                    vy = nin[N_VY]
                    sc = math.sqrt(vx * vx + vy * vy)
                    ff = abs(vx * (1 - FRICTION_GROUND) * fny)
                    ff2 = sc - ff * (fny * fny)
                    nin[N_VX] = vx / sc * ff2
                    nin[N_VY] = vy / sc * ff2
                    return
                nin[N_VX] *= FRICTION_GROUND
                return
            if st == 1:
                proj = abs(nin[N_VY] * fnx - nin[N_VX] * fny)
                if hor * proj * nin[N_VX] > 0:
                    if hor * fnx >= 0:
                        return
                    if abs(xsn) < MAX_HOR_SPEED:
                        boost = GROUND_ACCEL / 2 * hor
                        xb = boost * fny * fny
                        yb = boost * fny * -fnx
                        nin[N_VX] += xb
                        nin[N_VY] += yb
                    return
                nin[N_STATE] = 2
            else:
                if hor != 0:
                    nin[N_STATE] = 1
                    return
                proj = abs(nin[N_VY] * fnx - nin[N_VX] * fny)
                if proj < 0.1:
                    nin[N_VX] *= FRICTION_GROUND_SLOW
                    return
                nin[N_STATE] = 2
            return
        _floor_jump(nin)
        return
    xsn = nin[N_VX] + AIR_ACCEL * hor
    if abs(xsn) < MAX_HOR_SPEED:
        nin[N_VX] = xsn
    if nin[N_STATE] < 3:
        nin[N_STATE] = 4
        return
    if nin[N_STATE] == 3:
        nin[N_JDUR] += 1
        if nin[N_JUMP] == 0 or nin[N_JDUR] > MAX_JUMP_DURATION:
            nin[N_GRAV] = GRAVITY_FALL
            nin[N_STATE] = 4
            return
    if in_jump or new_jump:
        if nin[N_WALLED] != 0.0 or in_wall:
            _wall_jump(nin)
            return
        if in_floor:
            _floor_jump(nin)
            return
        if in_lp and new_jump:
            _lp_jump(nin)
            return
    if nin[N_WALLED] == 0.0:
        if nin[N_STATE] == 5:
            nin[N_STATE] = 4
    else:
        if nin[N_STATE] == 5:
            if hor * nin[N_WALLN] <= 0:
                nin[N_VY] *= FRICTION_WALL
            else:
                nin[N_STATE] = 4
        else:
            if nin[N_VY] > 0 and hor * nin[N_WALLN] < 0:
                if nin[N_STATE] == 3:
                    nin[N_GRAV] = GRAVITY_FALL
                nin[N_STATE] = 5


@njit(cache=True)
def collision_substeps(nin, ent, elist, m, seg, cs, csg, cb, cne, lv, sbuf):
    """The 4 substeps: physical entity collisions (the m entities of elist), then tiles."""
    for _ in range(4):
        if m > 0:
            _collide_vs_objects(nin, ent, elist, m)
        x0 = nin[N_X]
        y0 = nin[N_Y]
        c0 = nin[N_FCOUNT] + nin[N_CCOUNT]
        _collide_vs_tiles(nin, seg, cs, csg, cb, cne, lv, ent, sbuf)
        # exact shortcut: a substep that neither moved the ninja nor touched anything is a fixed point
        # (its inputs are the next substep's inputs), so the remaining substeps would repeat it
        if m == 0 and nin[N_X] == x0 and nin[N_Y] == y0 and nin[N_FCOUNT] + nin[N_CCOUNT] == c0:
            break


# ================================================================ one frame
@njit(cache=True)
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


@njit(cache=True)
def entity_phase(nin, ent, grid, ne, w, hor, ver, lv, seg, cs, csg, cb, cne, sbuf, db_count):
    """Entities move (type order, then file order), then think; both see last frame's ninja."""
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 17:
            _move_bounce_block(nin, ent, grid, e)
        elif t == 20:
            _move_thwump(nin, ent, grid, e, hor, ver, w)
        elif t == 24:
            _move_boost_pad(nin, ent, e)
        elif t == 14 or t == 26:
            _move_drone(nin, ent, grid, e, hor, ver, w)
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 1 or t == 21:
            _think_mine(nin, ent, e)
        elif t == 5:
            if ent[e, E_STATE] == 0.0:
                ent[e, E_A] += 1
                if ent[e, E_A] > 5:
                    _door_change(ent, e, hor, ver, w, True)
        elif t == 20:
            _think_thwump(nin, ent, e, hor, ver, w)
        elif t == 28:
            _think_shove(nin, ent, grid, e, hor, ver, w)
        elif t == 25:
            _think_death_ball(nin, ent, grid, e, ne, seg, cs, csg, cb, cne, lv, sbuf, db_count)


@njit(cache=True)
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
    """One frame of world w (NPP_MECHANICS.md section 4.2). The phases are written out here (not calls to
    set_inputs / entity_phase / integrate_and_prepare / collision_substeps, which the profiler uses) because
    numba does not inline those calls well: keep both in step when changing the rules."""
    nin = nin_all[w]
    ent = ent_all[w]
    grid = egrid[w]
    ne = n_ent[w]
    lv = lvl[w]
    nin[N_FRAME] += 1
    if inp & 4:
        h = -1.0
    elif inp & 2:
        h = 1.0
    else:
        h = 0.0
    nin[N_HOR] = h
    nin[N_JUMP] = 1.0 if (inp & 1) else 0.0
    # entities move (type order, then file order), then think; both see last frame's ninja
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 17:
            _move_bounce_block(nin, ent, grid, e)
        elif t == 20:
            _move_thwump(nin, ent, grid, e, hor, ver, w)
        elif t == 24:
            _move_boost_pad(nin, ent, e)
        elif t == 14 or t == 26:
            _move_drone(nin, ent, grid, e, hor, ver, w)
    for e in range(ne):
        if ent[e, E_ACTIVE] == 0.0:
            continue
        t = ent[e, E_TYPE]
        if t == 1 or t == 21:
            _think_mine(nin, ent, e)
        elif t == 5:
            if ent[e, E_STATE] == 0.0:
                ent[e, E_A] += 1
                if ent[e, E_A] > 5:
                    _door_change(ent, e, hor, ver, w, True)
        elif t == 20:
            _think_thwump(nin, ent, e, hor, ver, w)
        elif t == 28:
            _think_shove(nin, ent, grid, e, hor, ver, w)
        elif t == 25:
            _think_death_ball(nin, ent, grid, e, ne, seg, cs, csg, cb, cne, lv, sbuf, db_counts[lv])
    st = nin[N_STATE]
    if st != 9:
        if st != 6:
            # integrate
            nin[N_VX] *= nin[N_DRAG]
            nin[N_VY] *= nin[N_DRAG]
            nin[N_VY] += nin[N_GRAV]
            nin[N_XOLD] = nin[N_X]
            nin[N_YOLD] = nin[N_Y]
            nin[N_X] += nin[N_VX]
            nin[N_Y] += nin[N_VY]
            # pre-collision
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
            # keep only physically collidable ones, in order
            m = 0
            for k in range(nn):
                t = ent[elist[k], E_TYPE]
                if t == 11 or t == 17 or t == 20 or t == 28:
                    elist[m] = elist[k]
                    m += 1
            for _ in range(4):
                if m > 0:
                    _collide_vs_objects(nin, ent, elist, m)
                x0 = nin[N_X]
                y0 = nin[N_Y]
                c0 = nin[N_FCOUNT] + nin[N_CCOUNT]
                _collide_vs_tiles(nin, seg, cs, csg, cb, cne, lv, ent, sbuf)
                # exact shortcut: a substep that neither moved the ninja nor touched anything is a fixed point
                # (its inputs are the next substep's inputs), so the remaining substeps would repeat it
                if m == 0 and nin[N_X] == x0 and nin[N_Y] == y0 and nin[N_FCOUNT] + nin[N_CCOUNT] == c0:
                    break
            _post_collision(nin, ent, w, hor, ver, seg, cs, csg, cb, cne, lv, sbuf, elist, grid, ne)
        _think(nin)


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
