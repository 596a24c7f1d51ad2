"""Bridge from the simulator (map codec and static ``Level``) to :class:`~npp_rl.envs.level.LevelLayout`.

The one way in from level files and ``MapData`` to layouts (:mod:`npp_rl.envs.level` knows nothing of the
simulator).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .level import LevelLayout, layout_from_arrays


def load(path):
    """``MapData`` of an N++ level file (errors from the codec name the file and the byte)."""
    from npp_rl.sim.mapdata import load_map

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"level file not found: {path}")
    return load_map(path)


def layout(md, name=None):
    """Layout of a ``MapData``."""
    return layout_from_sim(md, name)


def sim_level(md, lenient: bool = True):
    """The simulator's static ``Level`` for a MapData (lenient: unsupported entities are ignored,
    otherwise ``UnsupportedEntityError`` names them)."""
    from npp_rl.sim.simulator import Level

    return Level(md, lenient=lenient)


def layout_from_sim(md, name=None, level=None):
    """Entity rows exactly as the simulator holds them (``Level.ent0``), so row k of the layout is
    entity k of the batched simulator."""
    from npp_rl.sim import core as C

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


def layout_from_mapdata(md, name: str | None = None) -> LevelLayout:
    """Layout of a simulator ``MapData``."""
    return layout(md, name)


def load_layout(level) -> LevelLayout:
    """A layout from a ``LevelLayout``, a ``MapData`` or a path to an N++ level file."""
    if isinstance(level, LevelLayout):
        return level
    if isinstance(level, (str, Path)):
        return layout(load(level), Path(level).name)
    return layout_from_mapdata(level)
