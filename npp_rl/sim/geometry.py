"""Level geometry and static tables: tiles -> collision segments (per 24-px cell) and grid edges.

Built once per level in plain numpy (NPP_MECHANICS.md section 3). The result feeds the compiled core
(:mod:`npp_rl.sim.core`). Segment rows (``SEG_FIELDS`` float64 columns, see ``S_*``):

* kind 0: oriented line segment p1 -> p2 (tiles); kind 1: door segment (never back-facing, active only while
  its door entity is closed); kind 2: quarter-circle arc (centre, quadrant signs, convex flag, radius 24).

Segments are filed under cells; within a cell the order is: the tile's own diagonal/arc, then orthogonal
12-px pieces (horizontal keys in (hx, hy) order, then vertical keys), then door segments in file order.
This order decides ties in the closest-point search, so it is part of the rules.
"""

from __future__ import annotations

import numpy as np

GRID_W, GRID_H = 44, 25
N_CELLS = GRID_W * GRID_H
HALF_W, HALF_H = 89, 51

S_KIND, S_X1, S_Y1, S_X2, S_Y2, S_PX, S_PY, S_LENSQ = 0, 1, 2, 3, 4, 5, 6, 7
S_BX1, S_BY1, S_BX2, S_BY2 = 8, 9, 10, 11
S_OWNER, S_HOR, S_VER, S_CONVEX = 12, 13, 14, 15
S_PHX, S_PHY, S_PVX, S_PVY = 16, 17, 18, 19
S_LEN, S_NX, S_NY = 20, 21, 22
SEG_FIELDS = 23

# 12 entries per tile: 6 horizontal half-edges (rows y=0,12,24; left then right), 6 vertical (cols x=0,12,24;
# top then bottom). Grid edges: 1 where a solid boundary lies (XOR-accumulated); ortho: -1 faces up/left,
# +1 faces down/right (summed, so facing pairs cancel).
GRID_EDGES = {
    0: "000000000000", 1: "110011110011", 2: "111100100010", 3: "010001001111", 4: "001111010001",
    5: "100010111100", 6: "110110110110", 7: "111001100111", 8: "011011011011", 9: "100111111001",
    10: "110011110011", 11: "110011110011", 12: "110011110011", 13: "110011110011",
    14: "110110110110", 15: "111001100111", 16: "011011011011", 17: "100111111001",
    18: "111100100010", 19: "111100100010", 20: "001111010001", 21: "001111010001",
    22: "110011110011", 23: "110011110011", 24: "110011110011", 25: "110011110011",
    26: "100010111100", 27: "010001001111", 28: "010001001111", 29: "100010111100",
    30: "110011110011", 31: "110011110011", 32: "110011110011", 33: "110011110011",
}
_O = {"-": -1, "0": 0, "+": 1}
ORTHO = {
    0: "000000000000", 1: "--00++--00++", 2: "--++00-000+0", 3: "0-000+00--++", 4: "00--++0-000+",
    5: "-000+0--++00", 6: "--0000--0000", 7: "--00000000++", 8: "0000++0000++", 9: "0000++--0000",
    10: "--0000--0000", 11: "--00000000++", 12: "0000++0000++", 13: "0000++--0000",
    14: "--0000--0000", 15: "--00000000++", 16: "0000++0000++", 17: "0000++--0000",
    18: "--0000-00000", 19: "--00000000+0", 20: "0000++00000+", 21: "0000++0-0000",
    22: "--0000--00+0", 23: "--0000-000++", 24: "0000++0-00++", 25: "0000++--000+",
    26: "-00000--0000", 27: "0-00000000++", 28: "00000+0000++", 29: "0000+0--0000",
    30: "--00+0--0000", 31: "--000+0000++", 32: "0-00++0000++", 33: "-000++--0000",
}
DIAG = {
    6: ((0, 24), (24, 0)), 7: ((0, 0), (24, 24)), 8: ((24, 0), (0, 24)), 9: ((24, 24), (0, 0)),
    18: ((0, 12), (24, 0)), 19: ((0, 0), (24, 12)), 20: ((24, 12), (0, 24)), 21: ((24, 24), (0, 12)),
    22: ((0, 24), (24, 12)), 23: ((0, 12), (24, 24)), 24: ((24, 0), (0, 12)), 25: ((24, 12), (0, 0)),
    26: ((0, 24), (12, 0)), 27: ((12, 0), (24, 24)), 28: ((24, 0), (12, 24)), 29: ((12, 24), (0, 0)),
    30: ((12, 24), (24, 0)), 31: ((0, 0), (12, 24)), 32: ((12, 0), (0, 24)), 33: ((24, 24), (12, 0)),
}
ARCS = {  # centre offset, quadrant (hor, ver), convex
    10: ((0, 0), (1, 1), True), 11: ((24, 0), (-1, 1), True), 12: ((24, 24), (-1, -1), True),
    13: ((0, 24), (1, -1), True), 14: ((24, 24), (-1, -1), False), 15: ((0, 24), (1, -1), False),
    16: ((0, 0), (1, 1), False), 17: ((24, 0), (-1, 1), False),
}
#: tiles 34-37 ("glitched"): no collision at all, as in nclone and (as far as known) the shipped game data.
GLITCHED = (34, 35, 36, 37)


_GE = np.array([[int(c) for c in GRID_EDGES[t]] if t in GRID_EDGES else [0] * 12 for t in range(38)])
_OR = np.array([[_O[c] for c in ORTHO[t]] if t in ORTHO else [0] * 12 for t in range(38)])


def linear_rows(x1, y1, x2, y2, kind=0, owner=-1) -> np.ndarray:
    """Segment rows for line segments p1 -> p2 (arrays or scalars; IEEE-identical to scalar arithmetic)."""
    x1, y1, x2, y2 = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x1, y1, x2, y2))
    rows = np.zeros((len(x1), SEG_FIELDS))
    rows[:, S_KIND] = kind
    rows[:, S_X1], rows[:, S_Y1], rows[:, S_X2], rows[:, S_Y2] = x1, y1, x2, y2
    px, py = x2 - x1, y2 - y1
    rows[:, S_PX], rows[:, S_PY] = px, py
    lensq = px * px + py * py
    rows[:, S_LENSQ] = np.where(lensq != 0, lensq, 1e-9)
    rows[:, S_BX1], rows[:, S_BY1] = np.minimum(x1, x2), np.minimum(y1, y2)
    rows[:, S_BX2], rows[:, S_BY2] = np.maximum(x1, x2), np.maximum(y1, y2)
    rows[:, S_OWNER] = owner
    seg_len = np.sqrt(px * px + py * py)  # as the sweep computes it, once per level
    rows[:, S_LEN] = seg_len
    ok = seg_len > 0
    rows[ok, S_NX] = px[ok] / seg_len[ok]
    rows[ok, S_NY] = py[ok] / seg_len[ok]
    return rows


def arc_row(cx, cy, hor, ver, convex) -> np.ndarray:
    row = np.zeros((1, SEG_FIELDS))
    r = row[0]
    r[S_KIND] = 2
    r[S_X1], r[S_Y1] = cx, cy
    r[S_HOR], r[S_VER], r[S_CONVEX] = hor, ver, 1.0 if convex else 0.0
    r[S_PHX], r[S_PHY] = cx + 24 * hor, cy
    r[S_PVX], r[S_PVY] = cx, cy + 24 * ver
    r[S_BX1], r[S_BX2] = min(cx, cx + 24 * hor), max(cx, cx + 24 * hor)
    r[S_BY1], r[S_BY2] = min(cy, cy + 24 * ver), max(cy, cy + 24 * ver)
    r[S_OWNER] = -1
    return row


def full_tiles(tiles: np.ndarray) -> np.ndarray:
    """(44, 25) tile ids indexed [x, y], the inner 42x23 grid surrounded by solid tiles."""
    full = np.ones((GRID_W, GRID_H), dtype=np.int64)
    full[1:43, 1:24] = np.asarray(tiles, dtype=np.int64).T
    return full


def build_tile_geometry(tiles: np.ndarray):
    """Tile segments and grid edges of a level.

    Returns ``(rows, cells, hor_edges, ver_edges)``: segment rows in filing order (each tile's diagonal/arc,
    then horizontal 12-px pieces by (hx, hy), then vertical ones by (vx, vy)), the cell id (x * 25 + y) each
    row is filed under, and the 89 x 51 grid-edge arrays. :func:`pack_cells` sorts rows by cell, stably.
    """
    full = full_tiles(tiles)
    full = np.where(np.isin(full, GLITCHED), 0, full)  # 34-37: no collision, no grid edges
    X, Y = np.meshgrid(np.arange(GRID_W), np.arange(GRID_H), indexing="ij")
    hor_acc = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    ver_acc = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    hor_edge = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    ver_edge = np.zeros((HALF_W, HALF_H), dtype=np.int64)
    hor_edge[:, 0] = 1
    hor_edge[:, 50] = 1
    ver_edge[0, :] = 1
    ver_edge[88, :] = 1
    ge, og = _GE[full], _OR[full]  # (44, 25, 12)
    for j in range(3):
        for i in range(2):
            np.add.at(hor_edge, (2 * X + i, 2 * Y + j), ge[:, :, 2 * j + i])
            np.add.at(hor_acc, (2 * X + i, 2 * Y + j), og[:, :, 2 * j + i])
    for i in range(3):
        for j in range(2):
            np.add.at(ver_edge, (2 * X + i, 2 * Y + j), ge[:, :, 2 * i + j + 6])
            np.add.at(ver_acc, (2 * X + i, 2 * Y + j), og[:, :, 2 * i + j + 6])
    hor_edge %= 2  # the per-tile (edge + value) % 2 accumulation is the parity of the sum
    ver_edge %= 2
    parts, part_cells = [], []
    for x, y in zip(*np.nonzero(np.isin(full, list(DIAG) + list(ARCS))), strict=True):
        t = int(full[x, y])
        xt, yt = 24 * int(x), 24 * int(y)
        if t in DIAG:
            (a1, b1), (a2, b2) = DIAG[t]
            parts.append(linear_rows(xt + a1, yt + b1, xt + a2, yt + b2))
        else:
            (cx, cy), (h, v), convex = ARCS[t]
            parts.append(arc_row(xt + cx, yt + cy, h, v, convex))
        part_cells.append(np.array([x * GRID_H + y]))
    hx, hy = np.nonzero(hor_acc)  # C order: hx-major, then hy
    st = hor_acc[hx, hy]
    p1x, p2x = 12 * hx, 12 * hx + 12
    flip = st == -1
    parts.append(linear_rows(np.where(flip, p2x, p1x), 12 * hy, np.where(flip, p1x, p2x), 12 * hy))
    part_cells.append(np.floor(hx / 2).astype(np.int64) * GRID_H + np.floor((hy - 0.1 * st) / 2).astype(np.int64))
    vx, vy = np.nonzero(ver_acc)
    st = ver_acc[vx, vy]
    p1y, p2y = 12 * vy + 12, 12 * vy
    flip = st == -1
    parts.append(linear_rows(12 * vx, np.where(flip, p2y, p1y), 12 * vx, np.where(flip, p1y, p2y)))
    part_cells.append(np.floor((vx - 0.1 * st) / 2).astype(np.int64) * GRID_H + np.floor(vy / 2).astype(np.int64))
    return np.concatenate(parts), np.concatenate(part_cells), hor_edge, ver_edge


def door_segment(x: float, y: float, vertical: bool, owner: int) -> np.ndarray:
    """(1, SEG_FIELDS) row of a door: 24 px, centred on the door, never back-facing."""
    if vertical:
        return linear_rows(x, y - 12, x, y + 12, kind=1, owner=owner)
    return linear_rows(x - 12, y, x + 12, y, kind=1, owner=owner)


def pack_cells(rows: np.ndarray, cells: np.ndarray):
    """CSR packing by cell, keeping the given order within a cell:
    (segments (n, SEG_FIELDS), cell_start (1101,), cell_bounds (1100, 4), cell_nonempty (1100,))."""
    order = np.argsort(cells, kind="stable")
    segs = np.ascontiguousarray(rows[order])
    sc = cells[order]
    counts = np.bincount(sc, minlength=N_CELLS)
    start = np.zeros(N_CELLS + 1, dtype=np.int32)
    start[1:] = np.cumsum(counts)
    nonempty = (counts > 0).astype(np.int8)
    bounds = np.zeros((N_CELLS, 4), dtype=np.float64)
    if len(segs):
        bounds[:, 0] = np.inf
        bounds[:, 1] = np.inf
        bounds[:, 2] = -np.inf
        bounds[:, 3] = -np.inf
        np.minimum.at(bounds[:, 0], sc, segs[:, S_BX1])
        np.minimum.at(bounds[:, 1], sc, segs[:, S_BY1])
        np.maximum.at(bounds[:, 2], sc, segs[:, S_BX2])
        np.maximum.at(bounds[:, 3], sc, segs[:, S_BY2])
        bounds[nonempty == 0] = 0.0
    return segs, start, bounds, nonempty
