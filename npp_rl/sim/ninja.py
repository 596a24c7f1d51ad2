"""The ninja: tile depenetration, wall and impact pass, jumps, and the movement state machine.

Compiled with numba; the order of floating-point operations follows NPP_MECHANICS.md exactly (do not
"simplify" expressions: a reordered sum changes trajectories after a few hundred frames).
"""

from __future__ import annotations

import math

from numba import njit

from npp_rl.sim.collision import closest_point, gather_segments, single_closest_point, sweep_circle_vs_tiles
from npp_rl.sim.constants import (
    AIR_ACCEL,
    C_CRUSH,
    C_IMPACT,
    DRAG_REGULAR,
    DRAG_SLOW,
    FOUR_THIRDS,
    FRICTION_GROUND,
    FRICTION_GROUND_SLOW,
    FRICTION_WALL,
    GRAVITY_FALL,
    GRAVITY_JUMP,
    GROUND_ACCEL,
    MAX_HOR_SPEED,
    MAX_JUMP_DURATION,
    MAX_SURVIVABLE_IMPACT,
    MIN_SURVIVABLE_CRUSHING,
    N_AIR,
    N_AIROLD,
    N_CCOUNT,
    N_CNX,
    N_CNY,
    N_CRUSHABLE,
    N_CRUSHLEN,
    N_CSX,
    N_CSY,
    N_DRAG,
    N_FBUF,
    N_FCOUNT,
    N_FNX,
    N_FNY,
    N_FSX,
    N_FSY,
    N_GRAV,
    N_HOR,
    N_JBUF,
    N_JDUR,
    N_JOLD,
    N_JUMP,
    N_LPBUF,
    N_LPX,
    N_LPY,
    N_STATE,
    N_VX,
    N_VXOLD,
    N_VY,
    N_VYOLD,
    N_WALLED,
    N_WALLN,
    N_WBUF,
    N_X,
    N_XCRUSH,
    N_XOLD,
    N_Y,
    N_YCRUSH,
    N_YOLD,
    NINJA_RADIUS,
    S_BX1,
    S_BX2,
    S_BY1,
    S_BY2,
    TWO_THIRDS,
)
from npp_rl.sim.events import kill


@njit(cache=True)
def collide_vs_tiles(nin, seg, cs, csg, cb, cne, lv, ent, sbuf):
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

@njit(cache=True, inline="always")
def post_walls_and_impacts(nin, ent, seg, cs, csg, cb, cne, lv, sbuf, wall_normal):
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
                kill(nin, C_IMPACT)
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
                kill(nin, C_IMPACT)
    if nin[N_CRUSHABLE] != 0.0 and nin[N_CRUSHLEN] > 0:
        xc = nin[N_XCRUSH]
        yc = nin[N_YCRUSH]
        if math.sqrt(xc * xc + yc * yc) / nin[N_CRUSHLEN] < MIN_SURVIVABLE_CRUSHING:
            kill(nin, C_CRUSH)

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
def think(nin):
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
