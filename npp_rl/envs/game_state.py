"""``game_state``: a float32 vector in [-1, 1] describing the ninja and its task.

``FIELDS`` lists every entry in order as (name, meaning); ``GAME_STATE_DIM = len(FIELDS)``.
Flags are +1 / -1; one-hot entries are 1 / 0; clipped ratios are mapped to [-1, 1].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from npp_rl.sim.core import (
    E_ACTIVE,
    E_STATE,
    E_TYPE,
    E_X,
    E_Y,
    GRAVITY_FALL,
    GRAVITY_JUMP,
    MAX_HOR_SPEED,
    N_AIR,
    N_CCOUNT,
    N_CNX,
    N_CNY,
    N_FBUF,
    N_FCOUNT,
    N_FNX,
    N_FNY,
    N_FRAME,
    N_GRAV,
    N_HOR,
    N_JBUF,
    N_JDUR,
    N_JUMP,
    N_LPBUF,
    N_STATE,
    N_VX,
    N_VY,
    N_WALLED,
    N_WALLN,
    N_WBUF,
    N_X,
    N_Y,
)

from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from .dynamic import G_DIRX, G_DIRY, G_GEO, G_GX, G_GY, G_HAS_GOAL, G_SWITCH_DONE

ensure_fresh()

N_HAZ = 3
HAZARD_RANGE = 240.0

FIELDS: list[tuple[str, str]] = [
    ("x", "ninja x, 2*x/1056 - 1"),
    ("y", "ninja y, 2*y/600 - 1"),
    ("vx", "horizontal speed / 3.333 (max run speed), clipped"),
    ("vy", "vertical speed / 7, clipped (free-fall limit is ~9.9)"),
    ("state_immobile", "movement state one-hot: 0 immobile"),
    ("state_running", "1 running"),
    ("state_sliding", "2 ground sliding"),
    ("state_jumping", "3 jumping"),
    ("state_falling", "4 falling"),
    ("state_wall_sliding", "5 wall sliding"),
    ("state_terminal", "6-9 dead, dying, celebrating or disabled"),
    ("airborne", "+1 airborne, -1 touching a floor"),
    ("walled", "+1 touching a wall (within 10.1 px)"),
    ("wall_normal", "-1/0/+1, points from the wall to the ninja"),
    ("floor_normal_x", "floor normal x when on a floor, else 0"),
    ("floor_normal_y", "floor normal y when on a floor (-1 flat), else 0"),
    ("ceiling_normal_x", "ceiling normal x when touching a ceiling, else 0"),
    ("ceiling_normal_y", "ceiling normal y when touching a ceiling, else 0"),
    ("jump_buffer", "jump buffer, -1 off, rising to +1 at the end of its 5-frame window"),
    ("floor_buffer", "floor buffer, same scale"),
    ("wall_buffer", "wall buffer, same scale"),
    ("launch_pad_buffer", "launch-pad buffer, -1 off .. +1 (4-frame window)"),
    ("jump_duration", "frames the current jump has been held / 45, 2r-1"),
    ("gravity", "-1 jump gravity (jump held) .. +1 fall gravity"),
    ("hor_input", "horizontal input applied last frame (-1/0/+1)"),
    ("jump_input", "jump input applied last frame (+1 held / -1)"),
    ("switch_activated", "+1 once an exit switch has been hit"),
    ("gold_fraction", "gold collected / gold in the level, 2r-1 (-1 if none)"),
    ("goal_dx", "(current goal x - ninja x) / 1056: goal = nearest unhit exit switch, then the open exit"),
    ("goal_dy", "(current goal y - ninja y) / 600"),
    ("goal_distance", "straight-line distance to the goal / 1211 (level diagonal), 2r-1"),
    ("goal_geodesic", "geodesic distance to the goal through free space / level scale, 2r-1 clipped"),
    ("path_dir_x", "first step of the geodesic path to the goal, unit vector x"),
    ("path_dir_y", "first step of the geodesic path to the goal, unit vector y"),
]
for _k in range(N_HAZ):
    FIELDS += [
        (f"hazard{_k}_dx", f"{_k + 1}-th nearest deadly object (deadly/toggling mine, drone, thwump, ...): dx / 240"),
        (f"hazard{_k}_dy", "its dy / 240"),
        (f"hazard{_k}_near", "1 - 2*min(distance/240, 1): +1 touching, -1 absent or 240 px or farther"),
    ]
FIELDS += [("time_remaining", "frames left before truncation / frame budget, 2r-1")]
# terrain around the ninja (the MLP sees no picture): rays through the level's solid cells
RAY_DIRS = ((1.0, 0.0), (0.7071067811865476, 0.7071067811865476), (0.0, 1.0), (-0.7071067811865476, 0.7071067811865476),
            (-1.0, 0.0), (-0.7071067811865476, -0.7071067811865476), (0.0, -1.0), (0.7071067811865476, -0.7071067811865476))
RAY_NAMES = ("right", "down_right", "down", "down_left", "left", "up_left", "up", "up_right")
RAY_RANGE = 144.0
DROP_OFFSETS = (-48.0, -24.0, 24.0, 48.0)
for _n in RAY_NAMES:
    FIELDS += [(f"ray_{_n}", f"free distance {_n} to solid / {RAY_RANGE:.0f} px, 2r-1 (+1 = nothing within range)")]
for _d in DROP_OFFSETS:
    FIELDS += [(f"drop_{'m' if _d < 0 else 'p'}{abs(int(_d))}",
                f"free depth below the point {int(_d):+d} px beside the ninja / {RAY_RANGE:.0f} px, 2r-1 "
                "(-1 = floor level, +1 = a gap deeper than the range)")]
GAME_STATE_DIM = len(FIELDS)
RAY_STEP = 3.0


@njit(cache=True, inline="always")
def _clip(v):
    return min(1.0, max(-1.0, v))


@njit(cache=True, inline="always")
def _buf(b, window):
    return -1.0 if b < 0 else _clip(2.0 * (b + 1.0) / window - 1.0)


@njit(cache=True)
def _is_deadly(t, st):
    if t == 1.0 or t == 21.0:
        return st != 1.0
    return t == 14.0 or t == 20.0 or t == 25.0 or t == 26.0 or t == 28.0


@njit(cache=True, inline="always")
def _solid_at(solid, x, y):
    """Solid (or outside the level) at pixel (x, y) on the (100, 176) 6-px solid grid."""
    i = int(x / 6.0)
    j = int(y / 6.0)
    if i < 0 or j < 0 or j >= solid.shape[0] or i >= solid.shape[1]:
        return True
    return solid[j, i]


@njit(cache=True)
def _ray(solid, x, y, dx, dy):
    """Free distance from (x, y) along (dx, dy) before a solid cell, capped at RAY_RANGE."""
    t = 0.0
    while t < RAY_RANGE:
        t += RAY_STEP
        if _solid_at(solid, x + dx * t, y + dy * t):
            return t
    return RAY_RANGE


@njit(cache=True)
def game_state(ws, nin, ent, n_ent, ginfo, scale, gold_total, frame_limit, solid, out):
    """For the worlds ``ws``, fill ``out`` (len(ws), GAME_STATE_DIM) float32; ``ginfo`` rows follow ``ws``;
    ``solid`` (n_worlds, 100, 176) bool: each world's solid grid (pixel (6j+3, 6i+3) of its solid mask)."""
    hd = np.empty(N_HAZ)
    hx = np.empty(N_HAZ)
    hy = np.empty(N_HAZ)
    for q in range(ws.shape[0]):
        w = ws[q]
        x = nin[w, N_X]
        y = nin[w, N_Y]
        o = out[q]
        o[0] = _clip(2 * x / 1056 - 1)
        o[1] = _clip(2 * y / 600 - 1)
        o[2] = _clip(nin[w, N_VX] / MAX_HOR_SPEED)
        o[3] = _clip(nin[w, N_VY] / 7.0)
        st = int(nin[w, N_STATE])
        for k in range(7):
            o[4 + k] = 0.0
        o[4 + min(st, 6)] = 1.0
        air = nin[w, N_AIR] != 0.0
        o[11] = 1.0 if air else -1.0
        o[12] = 1.0 if nin[w, N_WALLED] != 0.0 else -1.0
        o[13] = _clip(nin[w, N_WALLN])
        if nin[w, N_FCOUNT] > 0:
            o[14] = _clip(nin[w, N_FNX])
            o[15] = _clip(nin[w, N_FNY])
        else:
            o[14] = 0.0
            o[15] = 0.0
        if nin[w, N_CCOUNT] > 0:
            o[16] = _clip(nin[w, N_CNX])
            o[17] = _clip(nin[w, N_CNY])
        else:
            o[16] = 0.0
            o[17] = 0.0
        o[18] = _buf(nin[w, N_JBUF], 5.0)
        o[19] = _buf(nin[w, N_FBUF], 5.0)
        o[20] = _buf(nin[w, N_WBUF], 5.0)
        o[21] = _buf(nin[w, N_LPBUF], 4.0)
        o[22] = _clip(2.0 * nin[w, N_JDUR] / 45.0 - 1.0)
        o[23] = _clip(2.0 * (nin[w, N_GRAV] - GRAVITY_JUMP) / (GRAVITY_FALL - GRAVITY_JUMP) - 1.0)
        o[24] = _clip(nin[w, N_HOR])
        o[25] = 1.0 if nin[w, N_JUMP] != 0.0 else -1.0
        o[26] = 1.0 if ginfo[q, G_SWITCH_DONE] != 0.0 else -1.0
        gt = gold_total[w]
        if gt > 0:
            got = 0.0
            for e in range(n_ent[w]):
                if ent[w, e, E_TYPE] == 2.0 and ent[w, e, E_ACTIVE] == 0.0:
                    got += 1.0
            o[27] = _clip(2.0 * got / gt - 1.0)
        else:
            o[27] = -1.0
        if ginfo[q, G_HAS_GOAL] != 0.0:
            gdx = ginfo[q, G_GX] - x
            gdy = ginfo[q, G_GY] - y
            o[28] = _clip(gdx / 1056.0)
            o[29] = _clip(gdy / 600.0)
            o[30] = _clip(2.0 * np.sqrt(gdx * gdx + gdy * gdy) / 1211.0 - 1.0)
            o[31] = _clip(2.0 * ginfo[q, G_GEO] / scale[w] - 1.0)
        else:
            o[28] = 0.0
            o[29] = 0.0
            o[30] = 1.0
            o[31] = 1.0
        o[32] = ginfo[q, G_DIRX]
        o[33] = ginfo[q, G_DIRY]
        for k in range(N_HAZ):
            hd[k] = 1e18
            hx[k] = 0.0
            hy[k] = 0.0
        for e in range(n_ent[w]):
            if ent[w, e, E_ACTIVE] == 0.0 or not _is_deadly(ent[w, e, E_TYPE], ent[w, e, E_STATE]):
                continue
            dx = ent[w, e, E_X] - x
            dy = ent[w, e, E_Y] - y
            d = dx * dx + dy * dy
            if d >= hd[N_HAZ - 1]:
                continue
            k = N_HAZ - 1
            while k > 0 and hd[k - 1] > d:
                hd[k] = hd[k - 1]
                hx[k] = hx[k - 1]
                hy[k] = hy[k - 1]
                k -= 1
            hd[k] = d
            hx[k] = dx
            hy[k] = dy
        base = 34
        for k in range(N_HAZ):
            if hd[k] < 1e17:
                o[base + 3 * k] = _clip(hx[k] / HAZARD_RANGE)
                o[base + 3 * k + 1] = _clip(hy[k] / HAZARD_RANGE)
                o[base + 3 * k + 2] = 1.0 - 2.0 * min(np.sqrt(hd[k]) / HAZARD_RANGE, 1.0)
            else:
                o[base + 3 * k] = 0.0
                o[base + 3 * k + 1] = 0.0
                o[base + 3 * k + 2] = -1.0
        o[base + 3 * N_HAZ] = _clip(2.0 * (1.0 - nin[w, N_FRAME] / frame_limit[w]) - 1.0)
        r0 = base + 3 * N_HAZ + 1
        sw = solid[w]
        for k in range(len(RAY_DIRS)):
            o[r0 + k] = 2.0 * _ray(sw, x, y, RAY_DIRS[k][0], RAY_DIRS[k][1]) / RAY_RANGE - 1.0
        r1 = r0 + len(RAY_DIRS)
        for k in range(len(DROP_OFFSETS)):
            px = x + DROP_OFFSETS[k]
            if _solid_at(sw, px, y):
                o[r1 + k] = -1.0  # a wall there: no drop
            else:  # depth below the ninja's feet level (10 px under its centre)
                o[r1 + k] = _clip(2.0 * max(_ray(sw, px, y, 0.0, 1.0) - 10.0, 0.0) / (RAY_RANGE - 10.0) - 1.0)
