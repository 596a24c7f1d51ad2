"""Static topology of the level graph: platforms from free space, reachability edges.

Platforms (node type ``platform``) are found on the 6-px free-space grid of :mod:`npp_rl.levels.geodesic`:

* a *standing point* is a free point with solid 8..18 px straight below it (where the centre of a
  ninja standing on a floor or slope lies);
* a *wall point* is a free point, not standing, with solid 8..14 px to its left or right (where the
  centre of a wall-sliding ninja lies); left-wall and right-wall points are kept apart;
* components of standing points (points within 2 grid steps connect) are floor platforms (slopes included), components of wall
  points (at least 3 points, 18 px) are wall platforms; components longer than ``span`` px are cut into
  pieces of at most ``span`` (144 px = 6 cells by default, widened if a level would need more nodes).

Edges between platforms (directed; walk is stored both ways):

* ``walk``: the platforms touch (points within 2 grid steps);
* ``fall``: the target lies at least 12 px lower and within the horizontal range of walking off the
  source's end (or letting go of a wall) at full speed: |dx| <= reach_fall(dy), from simulating the
  ninja's air kinematics (drag, gravity 0.0667, air acceleration 0.0444 capped at 3.333);
* ``jump``: the target lies within the envelope of a full 45-frame jump with a running start
  (apex 72 px above for floors, 56 px for walls, |dx| <= reach_jump(dy)), and the polyline from source
  point over an apex 24 px above the higher end to target point crosses only free space.
Each platform keeps its ``K_JUMP`` nearest jump targets and ``K_FALL`` nearest fall targets. Fatal
fall heights and launch pads are ignored: the graph is a map of likely moves, not a proof.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from npp_rl.levels.geodesic import FH, FW, STEP

from .._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)

ensure_fresh()

DRAG = 0.9933221725495059
G_JUMP = 0.01111111111111111
G_FALL = 0.06666666666666665
AIR_ACCEL = 0.04444444444444444
MAX_VX = 3.333
K_JUMP = 4
K_FALL = 3
SPAN = 144.0
FLOOR, WALL_L, WALL_R = 0, 1, 2  # platform kinds; WALL_L = wall on the left (normal +x)


def _trajectory(vx: float, vy: float, hold: int, frames: int = 400) -> np.ndarray:
    x = y = 0.0
    out = np.empty((frames, 3))
    for t in range(frames):
        vx = min(MAX_VX, vx * DRAG + AIR_ACCEL)
        vy = vy * DRAG + (G_JUMP if t < hold else G_FALL)
        x += vx
        y += vy
        out[t] = (x, y, vy)
    return out


def _reach_table(traj: np.ndarray, max_dy: int = 600) -> np.ndarray:
    """reach[dy + 600] = horizontal distance when the descending trajectory crosses height dy
    (-1 where it never gets that high)."""
    reach = np.full(2 * max_dy + 1, -1.0)
    desc = traj[traj[:, 2] > 0]
    for k, dy in enumerate(range(-max_dy, max_dy + 1)):
        hit = desc[desc[:, 1] >= dy]
        if len(hit) and traj[:, 1].min() <= dy:
            reach[k] = hit[0, 0]
    return reach


REACH_JUMP = _reach_table(_trajectory(MAX_VX, -2.0, 45))
REACH_WALLJUMP = _reach_table(_trajectory(MAX_VX, -1.4, 45))
REACH_FALL = _reach_table(_trajectory(MAX_VX, 0.0, 0))


@njit(cache=True)
def classify_points(free: np.ndarray, solid: np.ndarray) -> np.ndarray:
    """(100, 176) int8: -1 not a surface point, FLOOR, WALL_L or WALL_R."""
    H, W = solid.shape
    out = np.full((FH, FW), -1, dtype=np.int8)
    for j in range(FH):
        y = j * STEP + 3
        for i in range(FW):
            if not free[j, i]:
                continue
            x = i * STEP + 3
            stand = False
            for yy in range(y + 8, min(y + 19, H)):
                if solid[yy, x] or solid[yy, x - 2] or solid[yy, min(x + 2, W - 1)]:
                    stand = True
                    break
            if stand:
                out[j, i] = FLOOR
                continue
            for xx in range(max(x - 14, 0), x - 7):
                if solid[y, xx]:
                    out[j, i] = WALL_L
                    break
            if out[j, i] >= 0:
                continue
            for xx in range(x + 8, min(x + 15, W)):
                if solid[y, xx]:
                    out[j, i] = WALL_R
                    break
    return out


@njit(cache=True)
def label_components(kind: np.ndarray) -> np.ndarray:
    """Components of equal non-negative ``kind``, points within 2 grid steps on each axis counting as
    connected (so steep slopes, which skip a grid row per column, stay one surface); labels 0.., -1
    elsewhere."""
    lab = np.full(kind.shape, -1, dtype=np.int32)
    stack = np.empty(FH * FW, dtype=np.int32)
    n = 0
    for j0 in range(FH):
        for i0 in range(FW):
            if kind[j0, i0] < 0 or lab[j0, i0] >= 0:
                continue
            k = kind[j0, i0]
            lab[j0, i0] = n
            top = 0
            stack[top] = j0 * FW + i0
            top += 1
            while top > 0:
                top -= 1
                idx = stack[top]
                j = idx // FW
                i = idx - j * FW
                for dj in range(-2, 3):
                    for di in range(-2, 3):
                        nj, ni = j + dj, i + di
                        if 0 <= nj < FH and 0 <= ni < FW and lab[nj, ni] < 0 and kind[nj, ni] == k:
                            lab[nj, ni] = n
                            stack[top] = nj * FW + ni
                            top += 1
            n += 1
    return lab


@njit(cache=True)
def _segment_clear(free: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> bool:
    d = max(abs(x1 - x0), abs(y1 - y0))
    n = int(d / (STEP * 0.75)) + 1
    for s in range(n + 1):
        t = s / n
        x = x0 + (x1 - x0) * t
        y = y0 + (y1 - y0) * t
        i = int(x / STEP)
        j = int(y / STEP)
        if i < 0 or i >= FW or j < 0 or j >= FH or not free[j, i]:
            return False
    return True


@njit(cache=True)
def reach_edges(free, px, py, pstart, pkind, pxmin, pxmax, walk_adj, reach_jump, reach_wall, reach_fall):
    """Best (cost) jump and fall candidate per ordered platform pair; cost 1e9 = none.

    ``px``/``py``: sample points of all platforms concatenated, platform p owns
    ``pstart[p]:pstart[p+1]``."""
    P = pstart.shape[0] - 1
    jump = np.full((P, P), 1e9)
    fall = np.full((P, P), 1e9)
    for a in range(P):
        ka = pkind[a]
        for b in range(P):
            if a == b or walk_adj[a, b]:
                continue
            for s in range(pstart[a], pstart[a + 1]):
                ax, ay = px[s], py[s]
                for t in range(pstart[b], pstart[b + 1]):
                    bx, by = px[t], py[t]
                    dx = bx - ax
                    dy = by - ay
                    idy = int(round(dy)) + 600
                    if idy < 0 or idy >= reach_fall.shape[0]:
                        continue
                    cost = abs(dx) + abs(dy)
                    # direction constraints: floors leave by an end, walls away from the wall
                    if ka == FLOOR:
                        at_left = ax <= pxmin[a] + 0.5
                        at_right = ax >= pxmax[a] - 0.5
                        off_end = (at_left and dx < 0) or (at_right and dx > 0)
                    else:
                        nx = 1.0 if ka == 1 else -1.0
                        off_end = dx * nx > 0
                    if dy > 12 and off_end and abs(dx) <= reach_fall[idy] and cost < fall[a, b]:
                        # walk off horizontally, then drop
                        mx = ax + (dx if abs(dx) < 18 else 18.0 * np.sign(dx))
                        if _segment_clear(free, ax, ay, mx, ay) and _segment_clear(free, mx, ay, bx, by):
                            fall[a, b] = cost
                            continue
                    r = reach_jump[idy] if ka == FLOOR else reach_wall[idy]
                    if ka != FLOOR and not (dx * (1.0 if ka == 1 else -1.0) > -24):
                        continue
                    if r < 0 or abs(dx) > r or cost >= jump[a, b]:
                        continue
                    top = min(ay, by) - 24.0
                    mx = 0.5 * (ax + bx)
                    if _segment_clear(free, ax, ay, mx, top) and _segment_clear(free, mx, top, bx, by):
                        jump[a, b] = cost
    return jump, fall
