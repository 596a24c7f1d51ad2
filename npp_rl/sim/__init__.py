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
the entity types it does not implement (12, 13, 15, 16, 18, 19, 22, 23, 27); ``lenient=True`` ignores them
(as nclone does) and ``.ignored_types`` lists them.
  ``.tick(input_byte: int) -> None``   one frame; bit0 jump, bit1 right, bit2 left, left+right = left, bit3
                                       ignored.
  ``.run(inputs: bytes | uint8 array, stop_on_end=True) -> int``   frames stepped (stops after the frame the
                                       ninja dies or wins when ``stop_on_end``).
  ``.trace(inputs, stop_on_end=True) -> float64 (frames, 5)``   rows (x, y, vx, vy, state) after each frame.
  ``.reset()``                         back to the spawn state (frame 0).
  ninja fields (floats unless said): ``x, y, vx, vy, state`` (int 0..9, see below), ``airborne`` (bool),
  ``walled`` (bool), ``wall_normal`` (-1/+1, points from the wall to the ninja; last value when not walled),
  ``floor_normal`` (nx, ny), ``ceiling_normal`` (nx, ny), ``jump_buffer, floor_buffer, wall_buffer,
  launch_pad_buffer`` (int, -1 = off), ``jump_duration`` (int), ``applied_gravity``, ``applied_drag``,
  ``hor_input`` (-1/0/1), ``jump_input`` (0/1).
  world fields: ``frame`` (int), ``gold_collected`` (int), ``exit_switch_activated`` (bool),
  ``exit_switch_frame`` / ``win_frame`` / ``death_frame`` (int or None), ``won`` (bool), ``dead`` (bool),
  ``death_cause`` (None or "mine", "impact", "crush", "thwump", "shove_thwump", "drone", "death_ball").
  entity arrays (one row per entity in simulator order = N++ type order 1..28, then file order; each exit
  door row is followed by its exit switch row, type 4): ``entity_type`` int32 (n,), ``entity_x`` /
  ``entity_y`` float64 (n,) current pixel position (doors 5/6/8: the switch/trigger position; ``door_x`` /
  ``door_y`` hold the door segment centre), ``entity_active`` bool (n,) (gold not collected, switch not hit,
  locked/trap door switch not hit, ...), ``entity_state`` int32 (n,) type-specific: mines 0 deadly / 1 safe /
  2 toggling; doors 5/6/8 1 closed / 0 open; exit door 1 once its switch is hit; thwumps 0 idle / 1 forward /
  -1 back; shove thwumps 0 idle / 1 armed / 2 launching / 3 retreating; others 0.
  ``state_vector() -> ndarray`` a copy of the raw float64 ninja row (columns ``N_*``).
  Ninja states: 0 immobile, 1 running, 2 ground sliding, 3 jumping, 4 falling, 5 wall sliding, 6 dead,
  7 awaiting death, 8 celebrating (won), 9 disabled.

Batched core (:mod:`npp_rl.sim.simulator`, compiled kernels in :mod:`npp_rl.sim.core`)
--------------------------------------------------------------------------------------
``Level(map_data, lenient=False)``: static per-level data built once (segments per cell, grid edges,
``ent0`` initial entity rows, ``n_ent``, ``nin0`` initial ninja row, ``ignored_types``).
``BatchSim(maps: Sequence[MapData | Level], n_worlds: int | None = None, world_maps: Sequence[int] | None = None,
lenient=False)``: n worlds, each on one of ``maps`` (``world_maps[k]`` = index into ``maps``; by default world
k uses map ``k % len(maps)``).
  ``.step(inputs: uint8[n_worlds] (or one byte), n_frames: int = 1) -> int64[n_worlds]`` frames actually
      stepped per world, each world holding its byte; a world stops on the frame it dies or wins and is not
      stepped again until reset.
  ``.step_sequences(inputs: uint8[n_worlds, n_frames]) -> int64[n_worlds]`` world w plays ``inputs[w]``.
  ``.tick_world(w, input_byte)``, ``.run_world(w, inputs, stop_on_end=True) -> float64 (frames, 5)``.
  ``.reset(worlds=None)`` resets all or the given worlds to their spawn state; ``.set_map(world, map_index)``.
  arrays (views; treat as read-only): ``ninja`` float64 (n_worlds, NINJA_FIELDS) with the column indices
  ``N_X, N_Y, N_VX, N_VY, N_STATE, N_AIR, N_WALLED, N_WALLN, N_FNX, N_FNY, N_JBUF, N_FBUF, N_WBUF, N_LPBUF,
  N_JDUR, N_HOR, N_JUMP, N_GOLD, N_FRAME, N_CAUSE (index into DEATH_CAUSES), N_SWITCH_FRAME, N_WIN_FRAME,
  N_DEATH_FRAME`` (frames are -1 until the event) of :mod:`npp_rl.sim.core`; ``entities`` float64
  (n_worlds, max_ent, ENTITY_FIELDS) with ``E_TYPE, E_ACTIVE, E_X, E_Y, E_STATE`` as above, ``E_DX/E_DY`` door
  segment centre, ``E_VERT`` door is vertical, ``E_ORI, E_MODE`` record bytes, ``E_B`` (exit switch rows: the
  row of its door); ``n_entities`` int (n_worlds,); ``lvl`` map index per world; convenience views
  ``x, y, vx, vy, state, frame, dead, won, gold``; ``.world(k)`` a read view with the Simulator field names.
Deterministic: the same map and inputs give bit-identical states, single or batched. Every kernel is
``@njit(cache=True)``: the first process compiles (~20 s CPU), later ones load the cache.
"""

from npp_rl.sim.mapdata import MapData, MapFormatError, load_map, parse_map  # noqa: F401

__all__ = ["MapData", "MapFormatError", "load_map", "parse_map"]


def __getattr__(name):  # lazy: importing the compiled core is not free
    if name in ("Simulator", "BatchSim", "UnsupportedEntityError"):
        from npp_rl.sim import simulator

        return getattr(simulator, name)
    raise AttributeError(name)
