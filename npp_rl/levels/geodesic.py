"""Free space on a fine grid and geodesic distances to goals: one module for the solver and the env.

The level is sampled on a 6-px grid (100 x 176 points, the global-view resolution). A point is *free*
when no solid pixel lies within ``CLEARANCE`` px of it (8 px: a little less than the ninja radius 10,
so every 24-px corridor keeps two free columns). Distances are shortest 8-connected paths
(steps 6 and 6*sqrt(2) px) through free points from the goal, computed once per level with Dijkstra.
Points that are not free get the distance of the nearest free point plus the path into the solid (so
the field is defined everywhere and continuous at walls), but paths never cross solid.

Gravity is respected coarsely when a *climbable* grid is given: a move that goes *up* may only enter a
point at most ``JUMP_REACH`` px above the surface below it (a jump from that surface reaches it) or within
``WALL_REACH`` px of a wall (wall jumps climb walls). Moves down or sideways are always allowed (falling,
air control). So the distance under a high platform is the way round by the stairs, not straight up.
Where the goal cannot be reached under this rule (launch pads, momentum tricks), the plain geometric
distance is used instead (:func:`distance_field` falls back by itself).

Users: the environment (:mod:`npp_rl.envs.static`: reward potential, game state, graph; with gravity)
and the solver (:mod:`npp_rl.levels.solver`: its search heuristic, plain geometric distances on a solid
mask drawn from the tile polygons with closed doors, :func:`solid_raster`). Pixel (x, y) of a field is
read with :func:`sample` (bilinear) or :func:`lookup` (best neighbouring grid point plus the offset).
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit
from PIL import Image, ImageDraw

from npp_rl.sim.render import tile_polygons

STEP = 6
FH, FW = 100, 176
CLEARANCE = 8.0
UNREACHABLE = 1e6
JUMP_REACH = 84.0  # ninja centre: 10 px above the floor standing, about 74 px more at a full jump's apex
WALL_REACH = 16.0


@njit(cache=True)
def free_grid(solid: np.ndarray, clearance: float = CLEARANCE) -> np.ndarray:
    """(100, 176) bool: points at (6i+3, 6j+3) px with no solid pixel within ``clearance``."""
    H, W = solid.shape
    out = np.zeros((FH, FW), dtype=np.bool_)
    r = int(np.ceil(clearance))
    c2 = clearance * clearance
    for j in range(FH):
        py = j * STEP + 3.0
        for i in range(FW):
            px = i * STEP + 3.0
            ok = True
            for y in range(int(py) - r, int(py) + r + 1):
                if not ok:
                    break
                if y < 0 or y >= H:
                    ok = False
                    break
                dy = y + 0.5 - py
                for x in range(int(px) - r, int(px) + r + 1):
                    dx = x + 0.5 - px
                    if dx * dx + dy * dy > c2:
                        continue
                    if x < 0 or x >= W or solid[y, x]:
                        ok = False
                        break
            out[j, i] = ok
    return out


@njit(cache=True)
def climbable(solid: np.ndarray, free: np.ndarray) -> np.ndarray:
    """(100, 176) bool: free points a ninja can rise into (see the module docstring)."""
    H, W = solid.shape
    out = np.zeros((FH, FW), dtype=np.bool_)
    reach = int(JUMP_REACH)
    wall = int(WALL_REACH)
    for j in range(FH):
        y = j * STEP + 3
        for i in range(FW):
            if not free[j, i]:
                continue
            x = i * STEP + 3
            ok = False
            for yy in range(y, min(y + reach + 1, H)):
                if solid[yy, x]:
                    ok = True
                    break
            if not ok:
                for xx in range(max(x - wall, 0), min(x + wall + 1, W)):
                    if solid[y, xx]:
                        ok = True
                        break
            out[j, i] = ok
    return out


@njit(cache=True)
def _dijkstra(free: np.ndarray, seeds_j: np.ndarray, seeds_i: np.ndarray, climb: np.ndarray,
              into_solid: bool = True) -> np.ndarray:
    H, W = free.shape
    dist = np.full((H, W), UNREACHABLE, dtype=np.float64)
    heap = [(0.0, 0)]
    heap.pop()
    for k in range(seeds_j.shape[0]):
        dist[seeds_j[k], seeds_i[k]] = 0.0
        heap.append((0.0, seeds_j[k] * W + seeds_i[k]))
    heapq.heapify(heap)
    dj = (-1, -1, -1, 0, 0, 1, 1, 1)
    di = (-1, 0, 1, -1, 1, -1, 0, 1)
    dc = (1.4142135623730951, 1.0, 1.4142135623730951, 1.0, 1.0, 1.4142135623730951, 1.0, 1.4142135623730951)
    while len(heap) > 0:
        d, idx = heapq.heappop(heap)
        j = idx // W
        i = idx - j * W
        if d > dist[j, i]:
            continue
        src_free = free[j, i]
        for k in range(8):
            nj = j + dj[k]
            ni = i + di[k]
            if nj < 0 or nj >= H or ni < 0 or ni >= W:
                continue
            nfree = free[nj, ni]
            if not nfree and not into_solid:
                continue  # free points only: solid stays UNREACHABLE
            if nfree and not src_free:
                continue  # never leave solid into free space (no paths through walls)
            if nfree and dj[k] > 0 and not climb[j, i]:
                continue  # the forward move (nj, ni) -> (j, i) goes up into a point out of reach
            if nfree and dj[k] != 0 and di[k] != 0:
                # no diagonal corner cutting between free points
                if not (free[j, ni] and free[nj, i]):
                    continue
            nd = d + dc[k] * STEP
            if nd < dist[nj, ni]:
                dist[nj, ni] = nd
                heapq.heappush(heap, (nd, nj * W + ni))
    return dist


def distance_field(free: np.ndarray, goals_xy, reach: float, climb: np.ndarray | None = None,
                   start=None, into_solid: bool = True) -> np.ndarray:
    """(100, 176) float32 px distance to the nearest goal for every grid point.

    Seeds: the free points within ``reach`` px of a goal (touching distance); when a goal has none,
    its nearest free point. ``climb``: the climbable grid (None = ignore gravity); when the point
    ``start`` (x, y) cannot reach the goal with it, the field is recomputed without. Unreachable
    points get ``UNREACHABLE``.
    """
    ys = np.arange(FH) * STEP + 3.0
    xs = np.arange(FW) * STEP + 3.0
    fj, fi = np.nonzero(free)
    sj, si = [], []
    for gx, gy in goals_xy:
        if fj.size == 0:
            break
        d2 = (xs[fi] - gx) ** 2 + (ys[fj] - gy) ** 2
        near = d2 <= reach * reach
        if not near.any():
            near = d2 == d2.min()
        sj.append(fj[near])
        si.append(fi[near])
    if not sj:
        return np.full((FH, FW), UNREACHABLE, dtype=np.float32)
    seeds_j = np.concatenate(sj).astype(np.int64)
    seeds_i = np.concatenate(si).astype(np.int64)
    if climb is None:
        return _dijkstra(free, seeds_j, seeds_i, np.ones_like(free), into_solid).astype(np.float32)
    dist = _dijkstra(free, seeds_j, seeds_i, climb, into_solid).astype(np.float32)
    if start is not None and sample(dist, float(start[0]), float(start[1])) >= UNREACHABLE:
        dist = _dijkstra(free, seeds_j, seeds_i, np.ones_like(free)).astype(np.float32)
    return dist


@njit(cache=True)
def sample(field: np.ndarray, x: float, y: float) -> float:
    """Bilinear sample of a (100, 176) grid field at pixel (x, y)."""
    fx = (x - 3.0) / STEP
    fy = (y - 3.0) / STEP
    if fx < 0.0:
        fx = 0.0
    if fy < 0.0:
        fy = 0.0
    if fx > FW - 1.001:
        fx = FW - 1.001
    if fy > FH - 1.001:
        fy = FH - 1.001
    i0 = int(fx)
    j0 = int(fy)
    ax = fx - i0
    ay = fy - j0
    return ((field[j0, i0] * (1 - ax) + field[j0, i0 + 1] * ax) * (1 - ay)
            + (field[j0 + 1, i0] * (1 - ax) + field[j0 + 1, i0 + 1] * ax) * ay)


@njit(cache=True)
def descent_direction(field: np.ndarray, x: float, y: float):
    """Unit vector (dx, dy) towards the steepest descent neighbour of the grid point at (x, y):
    the first step of the geodesic path to the goal. (0, 0) at the goal or when unreachable."""
    i = min(max(int(x / STEP), 0), FW - 1)
    j = min(max(int(y / STEP), 0), FH - 1)
    best = field[j, i]
    bi, bj = 0, 0
    for dj in range(-1, 2):
        for di in range(-1, 2):
            nj, ni = j + dj, i + di
            if (dj == 0 and di == 0) or nj < 0 or nj >= FH or ni < 0 or ni >= FW:
                continue
            v = field[nj, ni]
            if v < best:
                best = v
                bi, bj = di, dj
    if bi == 0 and bj == 0:
        return 0.0, 0.0
    n = np.sqrt(bi * bi + bj * bj)
    return bi / n, bj / n


# --------------------------------------------------------------------------- solver helpers
INF = UNREACHABLE
"""Distance of points no path reaches (an alias kept for the solver's arithmetic)."""
RES = 3  # px per cell of :func:`solid_raster`
SOLVER_CLEARANCE = 8.5


def solid_raster(tiles: np.ndarray, doors=()) -> np.ndarray:
    """bool (600, 1056) pixel mask: solid tiles of the (23, 42) inner ``tiles`` (drawn as polygons at 3-px
    resolution), the border ring, and ``doors`` given as (x, y, vertical) 24-px segments 3 px thick."""
    img = Image.new("1", (1056 // RES, 600 // RES), 1)
    d = ImageDraw.Draw(img)
    d.rectangle((24 // RES, 24 // RES, (1056 - 24) // RES - 1, (600 - 24) // RES - 1), fill=0)
    for j in range(tiles.shape[0]):
        for i in range(tiles.shape[1]):
            t = int(tiles[j, i])
            pts = tile_polygons(t) if t else None
            if not pts:
                continue
            bx, by = 24 * (i + 1), 24 * (j + 1)
            d.polygon([((bx + u) / RES, (by + v) / RES) for u, v in pts], fill=1)
    for x, y, vertical in doors:
        if vertical:
            d.rectangle(((x - 1.5) / RES, (y - 12) / RES, (x + 1.5) / RES, (y + 12) / RES), fill=1)
        else:
            d.rectangle(((x - 12) / RES, (y - 1.5) / RES, (x + 12) / RES, (y + 1.5) / RES), fill=1)
    coarse = np.array(img, dtype=bool)
    return np.repeat(np.repeat(coarse, RES, axis=0), RES, axis=1)


def free_nodes(solid: np.ndarray) -> np.ndarray:
    """The solver's free grid: :func:`free_grid` with its slightly larger clearance."""
    return free_grid(solid, SOLVER_CLEARANCE)


def point_field(free: np.ndarray, x: float, y: float) -> np.ndarray:
    """Plain geometric distance (no gravity) through free points to the free point nearest (x, y); solid
    points stay ``INF`` (so a closed door cuts the field: the solver plans its switch first)."""
    return distance_field(free, [(x, y)], 0.0, into_solid=False)


def unreachable_goal(tiles: np.ndarray, spawn, entities) -> str:
    """Why a level cannot be won, or "": all its exit switches (type 4), or all its exit doors (type 3), are
    cut off from ``spawn`` on the solver's free grid of the tiles alone, every door and one-way platform
    taken as open. That grid is a relaxation of the level (its clearance, 8.5 px, is under the ninja's
    radius, 10 px): what no path reaches on it, the ninja cannot reach either."""
    f = point_field(free_nodes(solid_raster(tiles)), float(spawn[0]), float(spawn[1]))
    for kind, t in (("exit switch", 4), ("exit door", 3)):
        pts = [(6.0 * e[1], 6.0 * e[2]) for e in entities if e[0] == t]
        if pts and min(lookup(f, x, y) for x, y in pts) >= INF:
            return (f"{kind} unreachable from the spawn (at {pts[0][0]:.0f}, {pts[0][1]:.0f} px; "
                    "no path even with every door and one-way platform open)")
    return ""


def lookup(field: np.ndarray, x: float, y: float) -> float:
    """Field value at pixel (x, y): the best of the 3x3 grid points around it plus the offset to it."""
    return float(lookup_many(field, np.array([float(x)]), np.array([float(y)]))[0])


def lookup_many(field: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Vectorised :func:`lookup`; ``INF`` where no neighbouring point is reached."""
    return _lookup_many(field, np.ascontiguousarray(xs, np.float64).ravel(),
                        np.ascontiguousarray(ys, np.float64).ravel())


@njit(cache=True)
def _lookup_many(field, xs, ys):
    out = np.empty(xs.shape[0])
    for n in range(xs.shape[0]):
        x, y = xs[n], ys[n]
        u = min(max(int(np.floor(x / STEP)), 0), FW - 1)
        v = min(max(int(np.floor(y / STEP)), 0), FH - 1)
        best = INF
        for dv in (-1, 0, 1):
            vv = min(max(v + dv, 0), FH - 1)
            for du in (-1, 0, 1):
                uu = min(max(u + du, 0), FW - 1)
                f = np.float64(field[vv, uu])
                if f < INF:
                    d = f + np.hypot(uu * STEP + 3 - x, vv * STEP + 3 - y)
                    if d < best:
                        best = d
        out[n] = best
    return out
