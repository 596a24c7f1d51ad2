"""Static level rasters and the entity palette shared by the image observations.

Grey levels (uint8, 0 = empty space): tiles are a mid grey (anti-aliased by area averaging), the
ninja is white and each entity kind has its own level, so a 1-channel image still tells them apart.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._jitstamp import ensure_fresh  # noqa: E402,I001  (before any compiled call)
from .tiles import LEVEL_H, LEVEL_W

ensure_fresh()

TILE = 96
NINJA = 255
HAZARD = 240
MINE_DEADLY = 230
EXIT_OPEN = 210
SWITCH = 190
GOLD = 170
EXIT_CLOSED = 150
OTHER = 135
MINE_SAFE = 120
DOOR = 70
SWITCH_DONE = 40

#: grey levels as an array handed to the compiled drawing kernels at run time (compiled code caches
#: module constants, so the values must not be read from globals there); index with the P_* names.
P_TILE, P_NINJA, P_HAZARD, P_MINE_DEADLY, P_EXIT_OPEN, P_SWITCH, P_GOLD = 0, 1, 2, 3, 4, 5, 6
P_EXIT_CLOSED, P_OTHER, P_MINE_SAFE, P_DOOR, P_SWITCH_DONE = 7, 8, 9, 10, 11
PALETTE = np.array([TILE, NINJA, HAZARD, MINE_DEADLY, EXIT_OPEN, SWITCH, GOLD, EXIT_CLOSED, OTHER, MINE_SAFE,
                    DOOR, SWITCH_DONE], dtype=np.int64)

PF_SCALE = 2  # player frame: 1 pixel = 2 px of the level (84 pixels cover 168 px = 7 cells)
PF_SIZE = 84
PF_PAD = PF_SIZE // 2 + 2
GV_SCALE = 6


@njit(cache=True)
def downsample(mask: np.ndarray, factor: int, value: int) -> np.ndarray:
    """Area-average a boolean (600, 1056) mask by ``factor`` into uint8 of ``value`` * coverage."""
    h, w = mask.shape[0] // factor, mask.shape[1] // factor
    out = np.empty((h, w), np.uint8)
    f2 = factor * factor
    for j in range(h):
        for i in range(w):
            c = 0
            for y in range(j * factor, (j + 1) * factor):
                for x in range(i * factor, (i + 1) * factor):
                    if mask[y, x]:
                        c += 1
            out[j, i] = (c * value + f2 // 2) // f2
    return out


def player_frame_base(solid: np.ndarray) -> np.ndarray:
    """Half-resolution tile raster (300, 528) padded with tile grey on every side by ``PF_PAD``."""
    assert solid.shape == (LEVEL_H, LEVEL_W)
    half = downsample(solid, PF_SCALE, TILE)
    return np.pad(half, PF_PAD, mode="constant", constant_values=TILE)


def global_view_base(solid: np.ndarray) -> np.ndarray:
    """(100, 176) tile raster at 1/6 scale."""
    return downsample(solid, GV_SCALE, TILE)


@njit(cache=True)
def draw_disc(img: np.ndarray, cx: float, cy: float, r: float, val: int) -> None:
    """Fill a disc (pixel units of ``img``) with ``val``; a radius below 0.75 draws one pixel."""
    h, w = img.shape[0], img.shape[1]
    if r < 0.75:
        x, y = int(cx), int(cy)
        if 0 <= x < w and 0 <= y < h:
            img[y, x] = val
        return
    r2 = r * r
    y0 = max(int(cy - r), 0)
    y1 = min(int(cy + r) + 1, h)
    x0 = max(int(cx - r), 0)
    x1 = min(int(cx + r) + 1, w)
    for y in range(y0, y1):
        dy = y + 0.5 - cy
        for x in range(x0, x1):
            dx = x + 0.5 - cx
            if dx * dx + dy * dy <= r2:
                img[y, x] = val


@njit(cache=True)
def draw_rect(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, val: int) -> None:
    h, w = img.shape[0], img.shape[1]
    for y in range(max(int(y0), 0), min(int(np.ceil(y1)), h)):
        for x in range(max(int(x0), 0), min(int(np.ceil(x1)), w)):
            img[y, x] = val
