"""The environment's view of one level: tiles with border, entities as arrays, a content hash.

:class:`LevelLayout` is built from the simulator's ``MapData`` (``npp_rl.sim.mapdata``); everything
static that observations and rewards need is derived from it once per level and cached by
``LevelLayout.key`` (see :mod:`npp_rl.envs.static`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .tiles import with_border

# N++ entity type ids (NPP_MECHANICS section 5)
E_MINE, E_GOLD, E_EXIT, E_SWITCH = 1, 2, 3, 4
E_DOOR_REG, E_DOOR_LOCKED, E_LOCKED_SWITCH, E_DOOR_TRAP, E_TRAP_SWITCH = 5, 6, 7, 8, 9
E_MINE_SAFE = 21
MINE_TYPES = (E_MINE, E_MINE_SAFE)
DOOR_TYPES = (E_DOOR_REG, E_DOOR_LOCKED, E_DOOR_TRAP)
#: entity types that kill on contact (besides mines, which have a state)
HAZARD_TYPES = (12, 13, 14, 15, 16, 18, 19, 20, 22, 23, 25, 26, 27, 28)


@dataclass(frozen=True)
class LevelLayout:
    """Static description of one level.

    ``tiles``: (25, 44) uint8 tile ids, border ring included. ``spawn``: ninja spawn (x, y) px.
    Entities, one row each in the simulator's row order (so row k is the simulator's entity k):
    ``ent_type``, ``ent_x``/``ent_y`` (px; locked and trap doors: their switch position, as the
    simulator keeps them), ``ent_door_x``/``ent_door_y`` (door segment centre for doors, else the
    entity position), ``ent_orient``, ``ent_mode``, ``ent_partner`` (exit door <-> its exit switch,
    else -1).
    """

    name: str
    tiles: np.ndarray
    spawn: tuple[float, float]
    ent_type: np.ndarray
    ent_x: np.ndarray
    ent_y: np.ndarray
    ent_door_x: np.ndarray
    ent_door_y: np.ndarray
    ent_orient: np.ndarray
    ent_mode: np.ndarray
    ent_partner: np.ndarray
    key: str
    source: object = None  # the MapData it came from

    @property
    def n_entities(self) -> int:
        return int(self.ent_type.shape[0])


def _hash(tiles: np.ndarray, ents: np.ndarray, spawn) -> str:
    h = hashlib.sha1()
    h.update(np.ascontiguousarray(tiles, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(ents, dtype=np.float64).tobytes())
    h.update(np.asarray(spawn, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


def layout_from_arrays(name, inner_tiles, spawn, rows, source=None) -> LevelLayout:
    """Build a layout from (23, 42) inner tile ids, spawn px and simulator-order entity ``rows``
    ``(type, x, y, door_x, door_y, orientation, mode)`` (as the simulator's ``Level.ent0`` holds them)."""
    tiles = with_border(np.asarray(inner_tiles, dtype=np.uint8))
    rec = np.asarray(rows, dtype=np.float64).reshape(-1, 7)
    etype = rec[:, 0].astype(np.int64)
    partner = np.full(len(rec), -1, dtype=np.int64)
    exits = np.flatnonzero(etype == E_EXIT)
    switches = np.flatnonzero(etype == E_SWITCH)
    for a, b in zip(exits, switches, strict=False):
        partner[a], partner[b] = b, a
    return LevelLayout(
        name=str(name),
        tiles=tiles,
        spawn=(float(spawn[0]), float(spawn[1])),
        ent_type=etype,
        ent_x=rec[:, 1].copy(),
        ent_y=rec[:, 2].copy(),
        ent_door_x=rec[:, 3].copy(),
        ent_door_y=rec[:, 4].copy(),
        ent_orient=rec[:, 5].astype(np.int64),
        ent_mode=rec[:, 6].astype(np.int64),
        ent_partner=partner,
        key=_hash(tiles, rec, spawn),
        source=source,
    )
