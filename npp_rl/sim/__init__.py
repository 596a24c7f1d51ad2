"""npp_rl.sim: the N++ simulator (map codec, tile geometry, ninja, entities, batched frame step).

Rules: ``../shared/reference/NPP_MECHANICS.md``. Units are pixels and frames (60 frames/s), origin at the
top-left of the 1056x600 level (44x25 cells of 24 px, the outer ring solid), y grows downward.

Map codec (:mod:`npp_rl.sim.mapdata`)
-------------------------------------
``parse_map(data: bytes, source: str = "<bytes>") -> MapData``   (also accepts an attract demo's map block)
``load_map(path) -> MapData``
``MapData.to_bytes() -> bytes``   byte-exact round trip (header bytes, counts and trailing junk kept)
``MapFormatError(ValueError)``    message names the file, the byte offset and what was expected.

``MapData`` fields:
  ``tiles``     uint8 ``(23, 42)`` = [row j, column i] of the file's inner grid (simulator cell (i+1, j+1)).
  ``entities``  uint8 ``(n, 5)`` declared entity records ``[type, x, y, orientation, mode]`` in file order,
                x/y in 6-px units (pixel = 6 * value), *excluding* the ninja spawn record. Switch records of
                exit doors (4), locked doors (7) and trap doors (9) are included as they appear in the file.
  ``spawn``     ``(x_px, y_px)`` floats; ``spawn_facing`` int (byte 1233).
  ``title``     str; ``counts`` uint16 ``(40,)`` per-type count table; ``junk`` bytes after the declared
                records (kept for round trip, never instantiated); ``header`` bytes 0..183; ``source`` str.

Simulator, one world (:mod:`npp_rl.sim.simulator`)
--------------------------------------------------
``Simulator(map_data: MapData, lenient: bool = False)``  raises ``UnsupportedEntityError(ValueError)`` naming
the entity types it does not implement (lenient=True ignores them, and ``ignored_types`` lists them).
  ``.tick(input_byte: int) -> None``   one frame; bit0 jump, bit1 right, bit2 left, left+right = left, bit3
                                       ignored.  ``.run(inputs: bytes | ndarray, stop_on_end=True) -> int``
                                       steps several frames, returns the number stepped.
  ``.reset()``                         back to the spawn state (frame 0).
  ninja fields (floats unless said): ``x, y, vx, vy, state`` (int 0..9, see below), ``airborne`` (bool),
  ``walled`` (bool), ``wall_normal`` (-1/0/+1, points from the wall to the ninja), ``floor_normal`` (nx, ny),
  ``ceiling_normal`` (nx, ny), ``jump_buffer, floor_buffer, wall_buffer, launch_pad_buffer`` (int, -1 = off),
  ``jump_duration`` (int), ``applied_gravity``, ``applied_drag``, ``hor_input`` (-1/0/1), ``jump_input`` (0/1).
  world fields: ``frame`` (int), ``gold_collected`` (int), ``exit_switch_activated`` (bool),
  ``exit_switch_frame`` / ``win_frame`` / ``death_frame`` (int or None), ``won`` (bool), ``dead`` (bool),
  ``death_cause`` (str or None: "mine", "impact", "crush", "thwump", "shove_thwump", "drone", "death_ball").
  entity arrays (one row per entity, in simulator order = N++ type order then file order; exit switches are
  separate rows): ``entity_type`` int32 (n,), ``entity_x`` / ``entity_y`` float64 (n,) current pixel position
  (doors: the switch position; ``door_x``/``door_y`` hold the door segment centre), ``entity_active`` bool (n,)
  (gold not collected, switch not hit, ...), ``entity_state`` int32 (n,) type-specific: mines 0 deadly /
  1 safe / 2 toggling; doors 1 closed / 0 open; exit door 1 once its switch is hit; thwumps 0 idle / 1 forward
  / -1 back; shove thwumps 0..3; others 0.  ``state_vector() -> ndarray`` the raw float64 ninja row.
  Ninja states: 0 immobile, 1 running, 2 ground sliding, 3 jumping, 4 falling, 5 wall sliding, 6 dead,
  7 awaiting death, 8 celebrating (won), 9 disabled.

Batched core (:mod:`npp_rl.sim.simulator`, compiled kernels in :mod:`npp_rl.sim.core`)
--------------------------------------------------------------------------------------
``BatchSim(maps: Sequence[MapData], n_worlds: int | None = None, world_maps: Sequence[int] | None = None)``
  n worlds, each on one of ``maps`` (``world_maps[k]`` = index into ``maps``; default world k uses map k).
  ``.step(inputs: uint8[n_worlds], n_frames: int = 1) -> int32[n_worlds]`` frames actually stepped per world;
  a world stops early on the frame it dies or wins (and is not stepped again until reset).
  ``.reset(worlds=None)`` resets all or the given worlds to their spawn state.
  ``.set_map(world, map_index)`` moves a world to another loaded map (and resets it).
  arrays (views, read-only by convention): ``ninja`` float64 (n_worlds, NINJA_FIELDS) with column indices
  in :mod:`npp_rl.sim.core` (``N_X, N_Y, N_VX, N_VY, N_STATE, ...``), ``entities`` float64
  (n_worlds, max_entities, ENTITY_FIELDS) with ``E_TYPE, E_X, E_Y, E_ACTIVE, E_STATE``; ``n_entities``
  int32 (n_worlds,); and convenience views ``x, y, vx, vy, state, frame, dead, won, gold``.
  ``.world(k) -> Simulator``-like read view of one world.
Deterministic: the same map and inputs give bit-identical states, single or batched.
"""

from npp_rl.sim.mapdata import MapData, MapFormatError, load_map, parse_map  # noqa: F401

__all__ = ["MapData", "MapFormatError", "load_map", "parse_map"]


def __getattr__(name):  # lazy: importing the compiled core is not free
    if name in ("Simulator", "BatchSim", "UnsupportedEntityError"):
        from npp_rl.sim import simulator

        return getattr(simulator, name)
    raise AttributeError(name)
