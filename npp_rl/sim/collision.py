"""Tile geometry queries and swept collision of a circle against segments (NPP_MECHANICS.md section 5).

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from npp_rl.sim.constants import (
    E_STATE,
    S_BX1,
    S_BX2,
    S_BY1,
    S_BY2,
    S_CONVEX,
    S_HOR,
    S_KIND,
    S_LEN,
    S_LENSQ,
    S_NX,
    S_NY,
    S_OWNER,
    S_PHX,
    S_PHY,
    S_PVX,
    S_PVY,
    S_PX,
    S_PY,
    S_VER,
    S_X1,
    S_X2,
    S_Y1,
    S_Y2,
)


@njit(cache=True)
def clampi(n, a, b):
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
    cx1 = clampi(math.floor(min_x / 24), 0, 43)
    cx2 = clampi(math.floor(max_x / 24), 0, 43)
    cy1 = clampi(math.floor(min_y / 24), 0, 24)
    cy2 = clampi(math.floor(max_y / 24), 0, 24)
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
def overlap_cc(x1, y1, r1, x2, y2, r2):
    lim = r1 + r2 + 1.0  # cheap exact rejection: sqrt(dx*dx + dy*dy) >= max(|dx|, |dy|) - rounding
    if abs(x1 - x2) > lim or abs(y1 - y2) > lim:
        return False
    return math.sqrt((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2)) < r1 + r2

@njit(cache=True)
def overlap_circle_segment(x, y, radius, px1, py1, px2, py2):
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
def pen_square(sx, sy, px, py, semi):
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
def empty_row(hor, w, x1, x2, y, d):
    for x in range(x1, x2 + 1):
        xx = clampi(x, 0, 87)
        if d == 1:
            yy = clampi(y + 1, 0, 49)
        else:
            yy = clampi(y, 0, 49)
        if hor[w, xx, yy] != 0:
            return False
    return True

@njit(cache=True)
def empty_col(ver, w, x, y1, y2, d):
    for y in range(y1, y2 + 1):
        yy = clampi(y, 0, 49)
        if d == 1:
            xx = clampi(x + 1, 0, 87)
        else:
            xx = clampi(x, 0, 87)
        if ver[w, xx, yy] != 0:
            return False
    return True
