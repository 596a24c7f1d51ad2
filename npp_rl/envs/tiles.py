"""Tile shapes as pixel masks (for rasters, free space and the level graph).

Each N++ tile id (NPP_MECHANICS section 3.1) is a region of its 24x24 px cell. ``tile_solid(t, u, v)``
answers whether the local point (u, v) in [0, 24)^2 (y down) is solid; :func:`solid_mask` samples it at
every pixel centre of the 44x25-cell level (1056x600 px, border ring included). This is rendering
geometry, not collision: the simulator owns collision.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)

ensure_fresh()

CELL = 24
GRID_W, GRID_H = 44, 25  # cells, border ring included
LEVEL_W, LEVEL_H = GRID_W * CELL, GRID_H * CELL  # 1056 x 600 px


@njit(cache=True)
def tile_solid(t: int, u: float, v: float) -> bool:
    """Whether local point (u, v) of a tile with id ``t`` is solid."""
    if t == 0:
        return False
    if t == 1:
        return True
    if t == 2:
        return v < 12
    if t == 3:
        return u >= 12
    if t == 4:
        return v >= 12
    if t == 5:
        return u < 12
    if t == 6:
        return u + v < 24
    if t == 7:
        return u > v
    if t == 8:
        return u + v > 24
    if t == 9:
        return v > u
    if 10 <= t <= 17:
        # arc centres: convex 10-13 solid inside, concave 14-17 solid outside
        cx = (0.0, 24.0, 24.0, 0.0, 24.0, 0.0, 0.0, 24.0)[t - 10]
        cy = (0.0, 0.0, 24.0, 24.0, 24.0, 24.0, 0.0, 0.0)[t - 10]
        d2 = (u - cx) * (u - cx) + (v - cy) * (v - cy)
        if t <= 13:
            return d2 < 576.0
        return d2 > 576.0
    if t == 18:
        return v < 12 - u / 2
    if t == 19:
        return v < u / 2
    if t == 20:
        return v > 24 - u / 2
    if t == 21:
        return v > 12 + u / 2
    if t == 22:
        return v < 24 - u / 2
    if t == 23:
        return v < 12 + u / 2
    if t == 24:
        return v > 12 - u / 2
    if t == 25:
        return v > u / 2
    if t == 26:
        return u < 12 - v / 2
    if t == 27:
        return u > 12 + v / 2
    if t == 28:
        return u > 24 - v / 2
    if t == 29:
        return u < v / 2
    if t == 30:
        return u < 24 - v / 2
    if t == 31:
        return u > v / 2
    if t == 32:
        return u > 12 - v / 2
    if t == 33:
        return u < 12 + v / 2
    return False  # 34-37 glitched tiles: no collision


@njit(cache=True)
def _solid_mask(tiles: np.ndarray) -> np.ndarray:
    h, w = tiles.shape
    out = np.zeros((h * CELL, w * CELL), dtype=np.bool_)
    for cj in range(h):
        for ci in range(w):
            t = tiles[cj, ci]
            if t == 0:
                continue
            for v in range(CELL):
                for u in range(CELL):
                    if tile_solid(t, u + 0.5, v + 0.5):
                        out[cj * CELL + v, ci * CELL + u] = True
    return out


def solid_mask(tiles: np.ndarray) -> np.ndarray:
    """Boolean (600, 1056) mask of solid pixels for a (25, 44) tile-id grid (border included)."""
    tiles = np.ascontiguousarray(tiles, dtype=np.int64)
    if tiles.shape != (GRID_H, GRID_W):
        raise ValueError(f"tile grid must be {(GRID_H, GRID_W)} (border included), got {tiles.shape}")
    return _solid_mask(tiles)


def with_border(inner: np.ndarray) -> np.ndarray:
    """(23, 42) file tile ids -> (25, 44) simulator grid with the solid border ring."""
    inner = np.asarray(inner)
    if inner.shape != (GRID_H - 2, GRID_W - 2):
        raise ValueError(f"inner tile grid must be {(GRID_H - 2, GRID_W - 2)}, got {inner.shape}")
    out = np.ones((GRID_H, GRID_W), dtype=np.uint8)
    out[1:-1, 1:-1] = inner
    return out
