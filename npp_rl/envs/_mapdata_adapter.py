"""Bridge from the simulator's map codec to :class:`~npp_rl.envs.level.LevelLayout`.

Uses ``npp_rl.sim.mapdata`` when it is importable. Until then a minimal reader of the N++ level layout
(NPP_MECHANICS section 2: tiles at 184, records at 1230) stands in; it is not a codec and is removed
once the simulator's is published.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _sim_mapdata():
    try:
        from npp_rl.sim import mapdata  # noqa: PLC0415

        return mapdata
    except Exception:  # pragma: no cover - before the simulator lands
        return None


class _RawMap:
    def __init__(self, data: bytes, name: str):
        if len(data) < 1235:
            raise ValueError(f"{name}: {len(data)} bytes is too short for an N++ level (needs >= 1235)")
        self.name = name
        self.tiles = np.frombuffer(data, dtype=np.uint8, count=966, offset=184).reshape(23, 42).copy()
        recs = []
        spawn = (6.0 * data[1231], 6.0 * data[1232])
        off = 1235
        while off + 5 <= len(data):
            t, x, y, o, m = data[off : off + 5]
            if t == 0:
                break
            recs.append((t, 6.0 * x, 6.0 * y, o, m))
            off += 5
        self.spawn = spawn
        self.records = recs


def load(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"level file not found: {path}")
    md = _sim_mapdata()
    if md is not None and hasattr(md, "load_map"):
        return md.load_map(path)
    return _RawMap(path.read_bytes(), path.name)


def layout(md, name=None):
    from .level import layout_from_arrays, sim_rows_from_records

    if isinstance(md, _RawMap):
        rows = sim_rows_from_records(md.records)
        return layout_from_arrays(name or md.name, md.tiles, md.spawn, rows, source=md)
    # simulator MapData (attribute names per npp_rl.sim.mapdata)
    return _layout_from_sim_mapdata(md, name)


def sim_level(md, lenient: bool = True):
    """The simulator's static ``Level`` for a MapData (lenient: unsupported entities are ignored,
    otherwise ``UnsupportedEntityError`` names them)."""
    from npp_rl.sim.simulator import Level

    return Level(md, lenient=lenient)


def _layout_from_sim_mapdata(md, name, level=None):
    """Entity rows exactly as the simulator holds them (``Level.ent0``), so row k of the layout is
    entity k of the batched simulator."""
    from npp_rl.sim import core as C

    from .level import layout_from_arrays

    lv = level if level is not None else sim_level(md)
    e = lv.ent0[: lv.n_ent]
    rows = np.stack([e[:, C.E_TYPE], e[:, C.E_X], e[:, C.E_Y], e[:, C.E_DX], e[:, C.E_DY],
                     e[:, C.E_ORI], e[:, C.E_MODE]], axis=1) if lv.n_ent else np.zeros((0, 7))
    doors = np.isin(rows[:, 0], (5, 6, 8))
    rows[~doors, 3] = rows[~doors, 1]
    rows[~doors, 4] = rows[~doors, 2]
    lay = layout_from_arrays(name or str(md.source), md.tiles, md.spawn, rows, source=md)
    # exit switch -> its door (E_B holds the door's row)
    lay.ent_partner[:] = -1
    for k in range(lv.n_ent):
        if e[k, C.E_TYPE] == 4:
            d = int(e[k, C.E_B])
            lay.ent_partner[k], lay.ent_partner[d] = d, k
    return lay
