"""Object-level API over the compiled core: level loading, :class:`BatchSim` and :class:`Simulator`.

See the package docstring (:mod:`npp_rl.sim`) for the public contract.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from npp_rl.sim import core as C
from npp_rl.sim import geometry as G
from npp_rl.sim.mapdata import ENTITY_NAMES, RECORDS_OFFSET, MapData

# Types N++ has but this simulator does not implement (their rules are not documented in the reference).
UNSUPPORTED_TYPES = (12, 13, 15, 16, 18, 19, 22, 23, 27)
_ORIENTED = (5, 6, 8, 10, 11, 14, 20, 26)


class UnsupportedEntityError(ValueError):
    """The level holds entity types the simulator does not implement."""


class Level:
    """Static per-level data (segments per cell, grid edges, initial entity and ninja rows)."""

    def __init__(self, md: MapData, lenient: bool = False):
        self.map = md
        present = sorted({int(t) for t in md.entities[:, 0]} & set(UNSUPPORTED_TYPES)) if len(md.entities) else []
        if present and not lenient:
            names = ", ".join(f"{t} ({ENTITY_NAMES[t]})" for t in present)
            raise UnsupportedEntityError(f"{md.source}: entity type(s) not implemented by the simulator: {names}")
        self.ignored_types = present
        seg_rows, seg_cells, hor, ver = G.build_tile_geometry(md.tiles)
        n_exit = int(np.count_nonzero(md.entities[:, 0] == 3)) if len(md.entities) else 0
        per_key: dict[int, list[dict]] = {}
        created: list[dict] = []  # creation (file) order
        seq = 0
        recs = md.entities
        for r in range(len(recs)):
            t, x, y, o, mode = (int(v) for v in recs[r])
            off = RECORDS_OFFSET + 5 * (r + 1)
            if t in UNSUPPORTED_TYPES or t in (4, 7, 9):
                continue  # 4/7/9 are created with their door; unsupported ones ignored in lenient mode
            if t in _ORIENTED and o > 7:
                raise UnsupportedEntityError(f"{md.source}: byte {off + 3}: expected an orientation 0..7 for "
                                             f"{ENTITY_NAMES[t]}, found {o}")
            if t in (14, 26) and mode > 3:
                raise UnsupportedEntityError(f"{md.source}: byte {off + 4}: expected a drone mode 0..3, found {mode}")
            ent = {"type": t, "x": 6 * x, "y": 6 * y, "ori": o, "mode": mode, "file": len(created)}
            per_key.setdefault(t, []).append(ent)
            created.append(ent)
            if t == 3:
                sw = recs[r + n_exit]
                ent["seq"] = -1
                switch = {"type": 4, "x": 6 * int(sw[1]), "y": 6 * int(sw[2]), "ori": 0, "mode": 0,
                          "parent": ent, "seq": seq}
                seq += 1
                per_key[3].append(switch)
                continue
            if t in (5, 6, 8):
                if t == 5:
                    sx, sy = x, y
                else:
                    sx, sy = int(recs[r + 1][1]), int(recs[r + 1][2])
                ent["door_x"], ent["door_y"] = ent["x"], ent["y"]
                ent["sw_x"], ent["sw_y"] = 6 * sx, 6 * sy
            ent["seq"] = seq
            seq += 1
        order = [e for k in sorted(per_key) for e in per_key[k]]
        ne = len(order)
        for i, e in enumerate(order):
            e["index"] = i
        ent0 = np.zeros((max(ne, 1), C.ENTITY_FIELDS), dtype=np.float64)
        type_count: dict[int, int] = {}
        door_rows = []
        for i, e in enumerate(order):
            row = ent0[i]
            t = e["type"]
            row[C.E_TYPE] = t
            row[C.E_ACTIVE] = 1.0
            row[C.E_X], row[C.E_Y] = e["x"], e["y"]
            row[C.E_ORI], row[C.E_MODE] = e["ori"], e["mode"]
            row[C.E_IDX] = type_count.get(t, 0)
            type_count[t] = type_count.get(t, 0) + 1
            row[C.E_SEQ] = e["seq"]
            if t in (1, 21):
                row[C.E_STATE] = 0 if t == 1 else 1
                row[C.E_RAD] = 4.0 if t == 1 else 3.5
            elif t == 4:
                row[C.E_B] = e["parent"]["index"]
            elif t in (5, 6, 8):
                vx, vy = _orientation_vector(e["ori"])
                dx, dy = e["door_x"], e["door_y"]
                dcx = min(max(math.floor((dx - 12 * vx) / 24), 0), 43)
                dcy = min(max(math.floor((dy - 12 * vy) / 24), 0), 24)
                hx, hy = 2 * (dcx + 1), 2 * (dcy + 1)
                vert = e["ori"] in (0, 4)
                row[C.E_VERT] = 1.0 if vert else 0.0
                row[C.E_DX], row[C.E_DY] = dx, dy
                if vert:
                    g = ((hx, hy - 2), (hx, hy - 1))
                    for gx, gy in g:
                        ver[gx, gy] += 1
                else:
                    g = ((hx - 2, hy), (hx - 1, hy))
                    for gx, gy in g:
                        hor[gx, gy] += 1
                (row[C.E_G1X], row[C.E_G1Y]), (row[C.E_G2X], row[C.E_G2Y]) = g
                row[C.E_STATE] = 1.0
                door_rows.append((e["file"], i, dx, dy, vert, dcx * G.GRID_H + dcy))
                row[C.E_X], row[C.E_Y] = e["sw_x"], e["sw_y"]
                if t == 8:  # trap doors start open
                    row[C.E_STATE] = 0.0
                    grid = ver if vert else hor
                    for gx, gy in g:
                        grid[gx, gy] -= 1
            elif t in (10, 11):
                row[C.E_NX], row[C.E_NY] = _orientation_vector(e["ori"])
            elif t == 17:
                row[C.E_XO], row[C.E_YO] = e["x"], e["y"]
            elif t == 20:
                o = e["ori"]
                row[C.E_A] = 1.0 if o in (0, 4) else 0.0
                row[C.E_B] = 1.0 if o in (0, 2) else -1.0
                row[C.E_XO], row[C.E_YO] = e["x"], e["y"]
            elif t == 28:
                row[C.E_XO], row[C.E_YO] = e["x"], e["y"]
            elif t in (14, 26):
                row[C.E_A] = e["ori"] // 2
                row[C.E_B] = 8 / 7 if t == 14 else 1.3
                row[C.E_RAD] = 7.5 if t == 14 else 4.0
                row[C.E_C] = 24.0 if t == 14 else 12.0
                row[C.E_XT], row[C.E_YT] = e["x"], e["y"]
            cx = min(max(math.floor(row[C.E_X] / 24), 0), 43)
            cy = min(max(math.floor(row[C.E_Y] / 24), 0), 24)
            row[C.E_CX], row[C.E_CY] = cx, cy
        if t_exit := [i for i, e in enumerate(order) if e["type"] == 3]:
            for i in t_exit:  # the exit door's cell is its own position
                ent0[i, C.E_CX] = min(max(math.floor(ent0[i, C.E_X] / 24), 0), 43)
                ent0[i, C.E_CY] = min(max(math.floor(ent0[i, C.E_Y] / 24), 0), 24)
        # per-cell entity lists in grid insertion order (exit doors join when their switch is hit)
        grid0 = np.full((2, G.N_CELLS), -1, dtype=np.int64)
        ent0[:, C.E_NEXT] = -1
        ent0[:, C.E_PREV] = -1
        for i in sorted((i for i in range(ne) if ent0[i, C.E_SEQ] >= 0), key=lambda i: ent0[i, C.E_SEQ]):
            c = int(ent0[i, C.E_CX]) * G.GRID_H + int(ent0[i, C.E_CY])
            tail = grid0[1, c]
            ent0[i, C.E_PREV] = tail
            if tail < 0:
                grid0[0, c] = i
            else:
                ent0[tail, C.E_NEXT] = i
            grid0[1, c] = i
        self.grid0 = grid0
        doors = sorted(door_rows)  # door segments go after the tile segments of their cell, in file order
        if doors:
            seg_rows = np.concatenate([seg_rows] + [G.door_segment(dx, dy, v, i) for _f, i, dx, dy, v, _c in doors])
            seg_cells = np.concatenate([seg_cells, np.array([c for *_r, c in doors], dtype=np.int64)])
        self.segs, self.cell_start, self.cell_bounds, self.cell_nonempty = G.pack_cells(seg_rows, seg_cells)
        self.hor0 = hor.astype(np.int16)
        self.ver0 = ver.astype(np.int16)
        self.ent0 = ent0
        self.n_ent = ne
        self.db_count = int(md.counts[25]) & 0xFF
        nin = np.zeros(C.NINJA_FIELDS, dtype=np.float64)
        nin[C.N_X], nin[C.N_Y] = md.spawn
        nin[C.N_GRAV] = C.GRAVITY_FALL
        nin[C.N_DRAG] = C.DRAG_REGULAR
        nin[C.N_FRICTION] = C.FRICTION_GROUND
        for k in (C.N_JBUF, C.N_FBUF, C.N_WBUF, C.N_LPBUF, C.N_SWITCH_FRAME, C.N_WIN_FRAME, C.N_DEATH_FRAME):
            nin[k] = -1
        nin[C.N_FNY] = -1.0
        nin[C.N_CNY] = 1.0
        nin[C.N_SEQ] = seq
        self.nin0 = nin


def _orientation_vector(o: int) -> tuple[float, float]:
    d = math.sqrt(2) / 2
    return ((1, 0), (d, d), (0, 1), (-d, d), (-1, 0), (-d, -d), (0, -1), (d, -d))[o]


class BatchSim:
    """Many worlds (possibly on different maps) stepped by one compiled call. See :mod:`npp_rl.sim`."""

    def __init__(self, maps: Sequence[MapData | Level], n_worlds: int | None = None,
                 world_maps: Sequence[int] | None = None, lenient: bool = False):
        self.levels = [m if isinstance(m, Level) else Level(m, lenient=lenient) for m in maps]
        if not self.levels:
            raise ValueError("BatchSim needs at least one map")
        if world_maps is None:
            n = n_worlds if n_worlds is not None else len(self.levels)
            world_maps = [k % len(self.levels) for k in range(n)]
        self.n_worlds = len(world_maps)
        nl = len(self.levels)
        seg_parts, cs, csg_parts = [], np.zeros((nl, G.N_CELLS + 1), np.int32), []
        base = 0
        for i, lv in enumerate(self.levels):
            seg_parts.append(lv.segs)
            cs[i] = lv.cell_start + base
            csg_parts.append(np.arange(len(lv.segs), dtype=np.int32) + base)
            base += len(lv.segs)
        self.seg = np.ascontiguousarray(np.concatenate(seg_parts))
        self.cell_start = cs
        self.cell_segs = np.concatenate(csg_parts).astype(np.int32)
        self.cell_bounds = np.stack([lv.cell_bounds for lv in self.levels])
        self.cell_nonempty = np.stack([lv.cell_nonempty for lv in self.levels])
        self.db_counts = np.array([lv.db_count for lv in self.levels], dtype=np.int64)
        self.max_ent = max(max(lv.n_ent for lv in self.levels), 1)
        w = self.n_worlds
        self.lvl = np.asarray(world_maps, dtype=np.int64)
        self.ninja = np.zeros((w, C.NINJA_FIELDS))
        self.entities = np.zeros((w, self.max_ent, C.ENTITY_FIELDS))
        self.n_entities = np.zeros(w, dtype=np.int64)
        self.hor = np.zeros((w, G.HALF_W, G.HALF_H), dtype=np.int16)
        self.ver = np.zeros((w, G.HALF_W, G.HALF_H), dtype=np.int16)
        self._sbuf = np.zeros(max(len(self.seg), 16), dtype=np.int64)
        self._elist = np.zeros(self.max_ent + 1, dtype=np.int64)
        self.egrid = np.full((w, 2, G.N_CELLS), -1, dtype=np.int64)
        self._stepped = np.zeros(w, dtype=np.int64)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self, worlds: Sequence[int] | None = None) -> None:
        for k in range(self.n_worlds) if worlds is None else worlds:
            lv = self.levels[self.lvl[k]]
            self.ninja[k] = lv.nin0
            self.entities[k] = 0.0
            self.entities[k, : lv.ent0.shape[0]] = lv.ent0
            self.n_entities[k] = lv.n_ent
            self.hor[k] = lv.hor0
            self.ver[k] = lv.ver0
            self.egrid[k] = lv.grid0

    def set_map(self, world: int, map_index: int) -> None:
        self.lvl[world] = map_index
        self.reset([world])

    def _args(self):
        return (self.ninja, self.entities, self.n_entities, self.hor, self.ver, self.lvl, self.seg,
                self.cell_start, self.cell_segs, self.cell_bounds, self.cell_nonempty, self.db_counts,
                self._sbuf, self._elist, self.egrid)

    def step(self, inputs, n_frames: int = 1) -> np.ndarray:
        """Step every world ``n_frames`` frames with its input byte; returns frames stepped per world."""
        inp = np.ascontiguousarray(np.broadcast_to(np.asarray(inputs, dtype=np.uint8), (self.n_worlds,)))
        C.step_worlds(inp, int(n_frames), *self._args(), self._stepped)
        return self._stepped.copy()

    def step_sequences(self, inputs) -> np.ndarray:
        """Step world w through ``inputs[w, :]`` (uint8, one byte per frame); stops a world on death/win."""
        inp = np.ascontiguousarray(np.asarray(inputs, dtype=np.uint8))
        C.step_worlds_seq(inp, *self._args(), self._stepped)
        return self._stepped.copy()

    def tick_world(self, w: int, input_byte: int) -> None:
        C.tick_world(int(w), np.uint8(input_byte & 0xFF), *self._args())

    def run_world(self, w: int, inputs, stop_on_end: bool = True) -> np.ndarray:
        """Step world w through ``inputs``; return float64 (frames, 5) rows (x, y, vx, vy, state)."""
        inp = np.ascontiguousarray(np.frombuffer(bytes(inputs), dtype=np.uint8)
                                   if isinstance(inputs, (bytes, bytearray)) else np.asarray(inputs, np.uint8))
        out = np.zeros((len(inp), 5))
        n = C.run_inputs(int(w), inp, *self._args(), out, bool(stop_on_end))
        return out[:n]

    # convenience views
    x = property(lambda self: self.ninja[:, C.N_X])
    y = property(lambda self: self.ninja[:, C.N_Y])
    vx = property(lambda self: self.ninja[:, C.N_VX])
    vy = property(lambda self: self.ninja[:, C.N_VY])
    state = property(lambda self: self.ninja[:, C.N_STATE].astype(np.int64))
    frame = property(lambda self: self.ninja[:, C.N_FRAME].astype(np.int64))
    dead = property(lambda self: np.isin(self.ninja[:, C.N_STATE], (6, 7)))
    won = property(lambda self: self.ninja[:, C.N_STATE] == 8)
    gold = property(lambda self: self.ninja[:, C.N_GOLD].astype(np.int64))

    def world(self, k: int) -> _WorldView:
        return _WorldView(self, k)


class _WorldView:
    """Read view of one world of a :class:`BatchSim` with the :class:`Simulator` field names."""

    def __init__(self, batch: BatchSim, k: int):
        self._b = batch
        self._k = k

    @property
    def _n(self):
        return self._b.ninja[self._k]

    def _f(self, col):
        return float(self._n[col])

    x = property(lambda s: s._f(C.N_X))
    y = property(lambda s: s._f(C.N_Y))
    vx = property(lambda s: s._f(C.N_VX))
    vy = property(lambda s: s._f(C.N_VY))
    state = property(lambda s: int(s._n[C.N_STATE]))
    airborne = property(lambda s: bool(s._n[C.N_AIR]))
    walled = property(lambda s: bool(s._n[C.N_WALLED]))
    wall_normal = property(lambda s: s._f(C.N_WALLN))
    floor_normal = property(lambda s: (s._f(C.N_FNX), s._f(C.N_FNY)))
    ceiling_normal = property(lambda s: (s._f(C.N_CNX), s._f(C.N_CNY)))
    jump_buffer = property(lambda s: int(s._n[C.N_JBUF]))
    floor_buffer = property(lambda s: int(s._n[C.N_FBUF]))
    wall_buffer = property(lambda s: int(s._n[C.N_WBUF]))
    launch_pad_buffer = property(lambda s: int(s._n[C.N_LPBUF]))
    jump_duration = property(lambda s: int(s._n[C.N_JDUR]))
    applied_gravity = property(lambda s: s._f(C.N_GRAV))
    applied_drag = property(lambda s: s._f(C.N_DRAG))
    hor_input = property(lambda s: int(s._n[C.N_HOR]))
    jump_input = property(lambda s: int(s._n[C.N_JUMP]))
    frame = property(lambda s: int(s._n[C.N_FRAME]))
    gold_collected = property(lambda s: int(s._n[C.N_GOLD]))
    won = property(lambda s: bool(s._n[C.N_STATE] == 8))
    dead = property(lambda s: bool(s._n[C.N_STATE] in (6, 7)))

    def _opt_frame(self, col):
        v = int(self._n[col])
        return None if v < 0 else v

    exit_switch_frame = property(lambda s: s._opt_frame(C.N_SWITCH_FRAME))
    win_frame = property(lambda s: s._opt_frame(C.N_WIN_FRAME))
    death_frame = property(lambda s: s._opt_frame(C.N_DEATH_FRAME))
    exit_switch_activated = property(lambda s: bool(s._n[C.N_SWITCH_FRAME] >= 0))

    @property
    def death_cause(self):
        c = int(self._n[C.N_CAUSE])
        return C.DEATH_CAUSES[c] if c > 0 and self.dead else None

    @property
    def _e(self):
        return self._b.entities[self._k, : self._b.n_entities[self._k]]

    entity_type = property(lambda s: s._e[:, C.E_TYPE].astype(np.int32))
    entity_x = property(lambda s: s._e[:, C.E_X].copy())
    entity_y = property(lambda s: s._e[:, C.E_Y].copy())
    entity_active = property(lambda s: s._e[:, C.E_ACTIVE] != 0)
    entity_state = property(lambda s: s._e[:, C.E_STATE].astype(np.int32))
    door_x = property(lambda s: s._e[:, C.E_DX].copy())
    door_y = property(lambda s: s._e[:, C.E_DY].copy())

    def state_vector(self) -> np.ndarray:
        return self._n.copy()


class Simulator(_WorldView):
    """One world with a ``tick`` method; the tools' and tests' view of the simulator."""

    def __init__(self, map_data: MapData, lenient: bool = False):
        batch = BatchSim([map_data], n_worlds=1, lenient=lenient)
        super().__init__(batch, 0)
        self.map_data = map_data
        self.ignored_types = batch.levels[0].ignored_types

    def tick(self, input_byte: int) -> None:
        self._b.tick_world(0, input_byte)

    def run(self, inputs, stop_on_end: bool = True) -> int:
        return len(self._b.run_world(0, inputs, stop_on_end))

    def trace(self, inputs, stop_on_end: bool = True) -> np.ndarray:
        """Rows (x, y, vx, vy, state) after each frame (see :meth:`BatchSim.run_world`)."""
        return self._b.run_world(0, inputs, stop_on_end)

    def reset(self) -> None:
        self._b.reset()
