"""Build N++ level files: a tile grid and entity records laid out as NPP_MECHANICS.md §2.

Cells are addressed in *file* coordinates: column ``i`` in 0..41, row ``j`` in 0..22 (the simulator
surrounds them with a solid ring, so file cell (i, j) covers pixels [24(i+1), 24(i+2)) x [24(j+1), 24(j+2))).
Entity positions are stored in 6-px units; :meth:`LevelBuilder.cell_center` gives the units of a cell
centre. The result is parsed back with the project's map codec, so every level written is one the
simulator will read.
"""

from __future__ import annotations

import struct

import numpy as np

from npp_rl.sim.mapdata import MapData, parse_map

COLS, ROWS = 42, 23
EMPTY, FULL = 0, 1

# entity type ids (N++ numbering)
SPAWN, MINE, GOLD, EXIT, EXIT_SWITCH, LOCKED_DOOR, LOCKED_SWITCH, SAFE_MINE = 0, 1, 2, 3, 4, 6, 7, 21
LAUNCH_PAD, ONE_WAY, ZAP_DRONE, BOUNCE_BLOCK, THWUMP, MINI_DRONE = 10, 11, 14, 17, 20, 26
#: orientation byte of a direction (NPP_MECHANICS.md section 5: 0 +x, 2 +y (down), 4 -x, 6 -y (up))
RIGHT, DOWN, LEFT, UP = 0, 2, 4, 6


def cell_units(i: int, j: int, dx: int = 2, dy: int = 2) -> tuple[int, int]:
    """6-px units of the point (dx, dy) quarter-cells into file cell (i, j); (2, 2) is the centre."""
    return 4 * (i + 1) + dx, 4 * (j + 1) + dy


class LevelBuilder:
    """A mutable level: ``tiles[j, i]`` (uint8, 23x42, start all solid) and entity records."""

    def __init__(self, title: str = ""):
        self.tiles = np.full((ROWS, COLS), FULL, dtype=np.uint8)
        self.title = title
        self.spawn: tuple[int, int] | None = None
        self.facing = 1
        self.exits: list[tuple[tuple[int, int], tuple[int, int]]] = []  # (door, switch) in units
        self.locked: list[tuple[tuple[int, int], int, tuple[int, int]]] = []  # (door, orientation, switch)
        self.others: list[tuple[int, int, int, int, int]] = []  # mines, gold: [type, x, y, o, m]

    # ------------------------------------------------------------------ tiles
    def carve(self, i0: int, j0: int, i1: int, j1: int, tile: int = EMPTY) -> None:
        """Set the inclusive cell rectangle (i0..i1, j0..j1), clipped to the grid, to ``tile``."""
        i0, i1 = max(0, min(i0, i1)), min(COLS - 1, max(i0, i1))
        j0, j1 = max(0, min(j0, j1)), min(ROWS - 1, max(j0, j1))
        if i0 <= i1 and j0 <= j1:
            self.tiles[j0 : j1 + 1, i0 : i1 + 1] = tile

    def set(self, i: int, j: int, tile: int) -> None:
        if 0 <= i < COLS and 0 <= j < ROWS:
            self.tiles[j, i] = tile

    def is_empty(self, i: int, j: int) -> bool:
        return 0 <= i < COLS and 0 <= j < ROWS and self.tiles[j, i] == EMPTY

    def is_solid(self, i: int, j: int) -> bool:
        """Full tile, or outside the grid (the border ring)."""
        return not (0 <= i < COLS and 0 <= j < ROWS) or self.tiles[j, i] == FULL

    # ------------------------------------------------------------------ entities
    def set_spawn(self, i: int, j: int, facing: int = 1) -> None:
        self.spawn = cell_units(i, j)
        self.facing = 1 if facing >= 0 else 255

    def add_exit(self, door_cell: tuple[int, int], switch_cell: tuple[int, int]) -> None:
        self.exits.append((cell_units(*door_cell), cell_units(*switch_cell)))

    def add_locked_door(self, door_cell: tuple[int, int], switch_cell: tuple[int, int]) -> None:
        """A vertical locked door on the left edge of ``door_cell`` (as N++ files place doors: x on a cell
        boundary, y at the cell centre) and its switch at the centre of ``switch_cell``."""
        self.locked.append((cell_units(*door_cell, dx=0), 0, cell_units(*switch_cell)))

    def add(self, etype: int, units: tuple[int, int], orientation: int = 0, mode: int = 0) -> None:
        self.others.append((etype, int(units[0]), int(units[1]), orientation, mode))

    def add_mine(self, units: tuple[int, int], safe: bool = False) -> None:
        self.add(SAFE_MINE if safe else MINE, units)

    def add_gold(self, units: tuple[int, int]) -> None:
        self.add(GOLD, units)

    def add_launch_pad(self, i: int, j: int, orientation: int = UP) -> None:
        """A launch pad on the surface of cell (i, j) opposite its direction (UP: on the cell's floor)."""
        dx = {RIGHT: 0, LEFT: 4}.get(orientation, 2)
        dy = {UP: 4, DOWN: 0}.get(orientation, 2)
        self.add(LAUNCH_PAD, cell_units(i, j, dx, dy), orientation)

    def add_one_way(self, i: int, j: int) -> None:
        """A one-way platform along the top edge of cell (i, j), normal up: stood on from above, passed
        through from below."""
        self.add(ONE_WAY, cell_units(i, j, 2, 0), UP)

    def add_zap_drone(self, i: int, j: int, direction: int = RIGHT, mode: int = 0) -> None:
        """A zap drone at the centre of cell (i, j), starting toward ``direction`` (an orientation byte);
        mode 0 keeps walls on its right, 1 on its left, 2/3 go straight first."""
        self.add(ZAP_DRONE, cell_units(i, j), direction, mode)

    def add_mini_drone(self, i: int, j: int, direction: int = RIGHT, mode: int = 0) -> None:
        self.add(MINI_DRONE, cell_units(i, j, 1, 1), direction, mode)

    def add_thwump(self, i: int, j: int, direction: int = DOWN) -> None:
        """A thwump at the centre of cell (i, j) that charges toward ``direction``."""
        self.add(THWUMP, cell_units(i, j), direction)

    def add_bounce_block(self, i: int, j: int) -> None:
        self.add(BOUNCE_BLOCK, cell_units(i, j))

    # ------------------------------------------------------------------ output
    def records(self) -> list[tuple[int, int, int, int, int]]:
        """Entity records after the spawn, in N++ file order: others by type, exit doors, their switches,
        then each locked door followed by its switch."""
        recs = sorted((r for r in self.others), key=lambda r: r[0])
        recs += [(EXIT, d[0], d[1], 0, 0) for d, _ in self.exits]
        recs += [(EXIT_SWITCH, s[0], s[1], 0, 0) for _, s in self.exits]
        for d, o, s in self.locked:
            recs += [(LOCKED_DOOR, d[0], d[1], o, 0), (LOCKED_SWITCH, s[0], s[1], 0, 0)]
        return recs

    def to_bytes(self) -> bytes:
        if self.spawn is None:
            raise ValueError("level has no ninja spawn")
        recs = self.records()
        counts = np.zeros(40, dtype="<u2")
        counts[SPAWN] = 1
        for r in recs:
            counts[r[0]] += 1
        size = 1230 + 5 * (1 + len(recs))
        head = bytearray(184)
        struct.pack_into("<IIIIII", head, 0, 0, size, 0xFFFFFFFF, 0, 37, 0xFFFFFFFF)
        title = self.title.encode("ascii", "replace")[:127]
        head[38 : 38 + len(title)] = title
        out = bytearray(head)
        out += self.tiles.astype(np.uint8).tobytes()
        out += counts.tobytes()
        out += bytes((SPAWN, self.spawn[0], self.spawn[1], self.facing, 0))
        for r in recs:
            out += bytes(r)
        assert len(out) == size
        return bytes(out)

    def to_map(self, source: str = "<generated>") -> MapData:
        return parse_map(self.to_bytes(), source)
