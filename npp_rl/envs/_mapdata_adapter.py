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


def _layout_from_sim_mapdata(md, name):
    from .level import layout_from_arrays, sim_rows_from_records

    ents = np.asarray(md.entities, dtype=np.float64).reshape(-1, 5).copy()
    ents[:, 1:3] *= 6.0
    rows = sim_rows_from_records(ents)
    return layout_from_arrays(name or str(md.source), md.tiles, md.spawn, rows, source=md)
