"""Coarse geodesic distances for the solver's heuristic.

Free space is sampled on a 6-px node grid (176 x 100 over the 1056 x 600 level): a node is free when no
solid tile region (or closed door) lies within ``CLEARANCE`` px of it, i.e. a ninja of radius 10 centred
there roughly fits (the clearance is slightly under the radius so one-cell shafts stay open). Distances
are 8-connected shortest paths in pixels, ignoring gravity: an admissible-ish guide, not physics.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from PIL import Image, ImageDraw

from npp_rl.sim.render import tile_polygons

STEP = 6  # px between nodes
GW, GH = 1056 // STEP, 600 // STEP
RES = 3  # px per raster cell for the solid mask
CLEARANCE = 8.5
INF = 1e18


def solid_raster(tiles: np.ndarray, doors: list[tuple[float, float, bool]] = ()) -> np.ndarray:
    """bool (200, 352): solid at 3-px resolution, border ring included; ``doors`` are (x, y, vertical)
    24-px segments drawn 3 px thick."""
    img = Image.new("1", (1056 // RES, 600 // RES), 1)
    d = ImageDraw.Draw(img)
    inner = (24 // RES, 24 // RES, (1056 - 24) // RES - 1, (600 - 24) // RES - 1)
    d.rectangle(inner, fill=0)
    for j in range(tiles.shape[0]):
        for i in range(tiles.shape[1]):
            t = int(tiles[j, i])
            if t == 0:
                continue
            pts = tile_polygons(t)
            if not pts:
                continue
            bx, by = 24 * (i + 1), 24 * (j + 1)
            d.polygon([((bx + u) / RES, (by + v) / RES) for u, v in pts], fill=1)
    for x, y, vertical in doors:
        if vertical:
            d.rectangle(((x - 1.5) / RES, (y - 12) / RES, (x + 1.5) / RES, (y + 12) / RES), fill=1)
        else:
            d.rectangle(((x - 12) / RES, (y - 1.5) / RES, (x + 12) / RES, (y + 1.5) / RES), fill=1)
    return np.array(img, dtype=bool)


def free_nodes(solid: np.ndarray, clearance: float = CLEARANCE) -> np.ndarray:
    """bool (GH, GW): nodes at (6u + 3, 6v + 3) px with no solid raster cell within ``clearance``."""
    h, w = solid.shape
    r = int(np.ceil(clearance / RES)) + 1
    pad = np.pad(solid, r, constant_values=True)
    # raster cell centres relative to a node at (6u+3, 6v+3): cell (a, b) covers [3a, 3a+3)
    ys = np.arange(GH) * STEP + 3
    xs = np.arange(GW) * STEP + 3
    ca = (ys // RES).astype(int)
    cb = (xs // RES).astype(int)
    blocked = np.zeros((GH, GW), dtype=bool)
    for da in range(-r, r + 1):
        for db in range(-r, r + 1):
            # nearest point of the cell to the node, in px
            cy0 = (ca + da) * RES
            cx0 = (cb + db) * RES
            dy = np.maximum(0, np.maximum(cy0 - ys, ys - (cy0 + RES)))
            dx = np.maximum(0, np.maximum(cx0 - xs, xs - (cx0 + RES)))
            near = (dy[:, None] ** 2 + dx[None, :] ** 2) < clearance**2
            blocked |= near & pad[ca[:, None] + da + r, cb[None, :] + db + r]
    return ~blocked


@njit(cache=True)
def _dijkstra(free, sy, sx):
    h, w = free.shape
    dist = np.full((h, w), 1e18)
    if not free[sy, sx]:
        return dist
    dist[sy, sx] = 0.0
    # binary heap of (d, idx)
    cap = h * w * 8 + 16
    hd = np.empty(cap)
    hi = np.empty(cap, dtype=np.int64)
    n = 0
    hd[0] = 0.0
    hi[0] = sy * w + sx
    n = 1
    s2 = np.sqrt(2.0) * 6.0
    while n > 0:
        d = hd[0]
        idx = hi[0]
        n -= 1
        # sift down last into root
        ld, li = hd[n], hi[n]
        k = 0
        while True:
            c = 2 * k + 1
            if c >= n:
                break
            if c + 1 < n and hd[c + 1] < hd[c]:
                c += 1
            if hd[c] < ld:
                hd[k], hi[k] = hd[c], hi[c]
                k = c
            else:
                break
        if n > 0:
            hd[k], hi[k] = ld, li
        y, x = idx // w, idx % w
        if d > dist[y, x]:
            continue
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if dy == 0 and dx == 0:
                    continue
                yy, xx = y + dy, x + dx
                if yy < 0 or yy >= h or xx < 0 or xx >= w or not free[yy, xx]:
                    continue
                if dy != 0 and dx != 0 and (not free[y, xx] or not free[yy, x]):
                    continue
                nd = d + (s2 if dy != 0 and dx != 0 else 6.0)
                if nd < dist[yy, xx]:
                    dist[yy, xx] = nd
                    # push
                    k = n
                    n += 1
                    while k > 0:
                        p = (k - 1) // 2
                        if hd[p] > nd:
                            hd[k], hi[k] = hd[p], hi[p]
                            k = p
                        else:
                            break
                    hd[k], hi[k] = nd, yy * w + xx
    return dist


def nearest_free(free: np.ndarray, x: float, y: float) -> tuple[int, int] | None:
    """The free node nearest to pixel (x, y) within 4 nodes, as (row, col)."""
    u, v = int(x // STEP), int(y // STEP)
    best, bd = None, 1e18
    for dv in range(-4, 5):
        for du in range(-4, 5):
            vv, uu = v + dv, u + du
            if 0 <= vv < GH and 0 <= uu < GW and free[vv, uu]:
                d = (uu * STEP + 3 - x) ** 2 + (vv * STEP + 3 - y) ** 2
                if d < bd:
                    best, bd = (vv, uu), d
    return best


def distance_field(free: np.ndarray, x: float, y: float) -> np.ndarray:
    """float (GH, GW): path length in px from every node to the node nearest (x, y); 1e18 = unreachable."""
    s = nearest_free(free, x, y)
    if s is None:
        return np.full(free.shape, INF)
    return _dijkstra(free, s[0], s[1])


def lookup(field: np.ndarray, x: float, y: float) -> float:
    """Field value at pixel (x, y): the best of the 3x3 nodes around it plus the offset to that node."""
    u, v = int(x // STEP), int(y // STEP)
    best = INF
    for dv in (-1, 0, 1):
        for du in (-1, 0, 1):
            vv, uu = v + dv, u + du
            if 0 <= vv < GH and 0 <= uu < GW and field[vv, uu] < INF:
                d = field[vv, uu] + ((uu * STEP + 3 - x) ** 2 + (vv * STEP + 3 - y) ** 2) ** 0.5
                best = min(best, d)
    return best


def lookup_many(field: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Vectorised :func:`lookup`."""
    u = np.clip((xs // STEP).astype(np.int64), 0, GW - 1)
    v = np.clip((ys // STEP).astype(np.int64), 0, GH - 1)
    best = np.full(len(xs), INF)
    for dv in (-1, 0, 1):
        for du in (-1, 0, 1):
            vv = np.clip(v + dv, 0, GH - 1)
            uu = np.clip(u + du, 0, GW - 1)
            f = field[vv, uu]
            d = f + np.hypot(uu * STEP + 3 - xs, vv * STEP + 3 - ys)
            best = np.minimum(best, np.where(f < INF, d, INF))
    return best
