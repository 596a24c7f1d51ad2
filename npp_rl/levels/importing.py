"""Reading level files from elsewhere, tolerantly: N++ level files (NPP_MECHANICS.md section 2) and
nclone's generated levels (a pickled dict whose ``map_data`` is the same layout as a list of numbers,
section 11). Entity records outside the map are dropped, each with a warning naming the file and the
entity; a level is kept if it still has its spawn, an exit door and its switch.

nclone pickles are read with an unpickler that builds only plain containers and numbers (no classes), so
a hostile file cannot run code.
"""

from __future__ import annotations

import io
import pickle
import struct
from pathlib import Path

import numpy as np

from npp_rl.sim.mapdata import (
    COUNTS_OFFSET,
    ENTITY_NAMES,
    MAX_X_UNITS,
    MAX_Y_UNITS,
    N_TYPES,
    RECORD_SIZE,
    RECORDS_OFFSET,
    MapData,
    MapFormatError,
    _declared_records,
    parse_map,
)

_PLAIN = {("builtins", n) for n in ("dict", "list", "tuple", "str", "int", "float", "bool", "set", "frozenset")}


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _PLAIN:
            import builtins

            return getattr(builtins, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain containers and numbers)")


def is_pickle(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == 0x80 and 2 <= data[1] <= 5


def nclone_map_bytes(data: bytes, source: str) -> bytes:
    """The N++ map bytes of an nclone level pickle ({..., "map_data": [numbers]})."""
    try:
        obj = _PlainUnpickler(io.BytesIO(data)).load()
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a format error
        raise MapFormatError(source, 0, f"an nclone level pickle with plain data ({exc})") from None
    md = obj.get("map_data") if isinstance(obj, dict) else None
    if not isinstance(md, (list, tuple)) or not md:
        raise MapFormatError(source, 0, "an nclone level pickle: a dict with a 'map_data' list of numbers")
    try:
        vals = [int(v) for v in md]
    except (TypeError, ValueError):
        raise MapFormatError(source, 0, "numbers in 'map_data'") from None
    out = bytearray(len(vals))
    for k, v in enumerate(vals):
        if not 0 <= v <= 255:
            raise MapFormatError(source, k, "'map_data' entries 0..255 (one per byte)", v)
        out[k] = v
    return bytes(out)


def drop_outside_entities(data: bytes, source: str) -> tuple[bytes, list[str]]:
    """Remove entity records whose position is outside the map (x > 176 or y > 100 units), with the
    partner records that belong to them (a locked/trap door and its switch; an exit door and its switch),
    and fix the count table. Returns the bytes (unchanged when nothing is outside) and one warning per
    dropped record."""
    if len(data) < RECORDS_OFFSET + RECORD_SIZE:
        return data, []
    counts = np.frombuffer(data, dtype="<u2", count=N_TYPES, offset=COUNTS_OFFSET).astype(np.int64)
    n_decl = _declared_records(counts)
    n_ent = n_decl - int(counts[0]) if counts[0] else n_decl
    end = RECORDS_OFFSET + RECORD_SIZE * (1 + n_ent)
    if end > len(data):
        return data, []  # truncated: parse_map reports it
    recs = [list(data[RECORDS_OFFSET + RECORD_SIZE * (r + 1): RECORDS_OFFSET + RECORD_SIZE * (r + 2)])
            for r in range(n_ent)]

    def outside(r):
        return r[1] > MAX_X_UNITS or r[2] > MAX_Y_UNITS

    drop = {k for k, r in enumerate(recs) if outside(r)}
    if not drop:
        return data, []
    exits = [k for k, r in enumerate(recs) if r[0] == 3]
    n_exit = len(exits)
    for k in list(drop):
        t = recs[k][0]
        if t in (6, 8) and k + 1 < n_ent:
            drop.add(k + 1)
        elif t in (7, 9) and k > 0:
            drop.add(k - 1)
        elif t == 3 and k + n_exit < n_ent:
            drop.add(k + n_exit)
        elif t == 4 and k - n_exit >= 0:
            drop.add(k - n_exit)
    warnings = []
    for k in sorted(drop):
        t, x, y = recs[k][:3]
        why = "outside the map" if outside(recs[k]) else "its partner is outside the map"
        warnings.append(f"{source}: dropped entity record {k + 1} ({ENTITY_NAMES.get(t, f'type {t}')}) at "
                        f"({x}, {y}) units: {why}")
    kept = [r for k, r in enumerate(recs) if k not in drop]
    new_counts = np.zeros(N_TYPES, dtype="<u2")
    new_counts[0] = 1 if counts[0] else 0
    self_counted = counts[7] >= counts[6] and counts[9] >= counts[8]  # nclone maps count doors, not switches
    for r in kept:
        if r[0] in (7, 9) and not self_counted:
            continue
        new_counts[r[0]] += 1
    spawn = data[RECORDS_OFFSET: RECORDS_OFFSET + RECORD_SIZE]
    out = bytearray(data[:COUNTS_OFFSET]) + new_counts.tobytes() + spawn + b"".join(bytes(r) for r in kept)
    if len(out) >= 8 and struct.unpack_from("<I", out, 4)[0] == len(data):
        struct.pack_into("<I", out, 4, len(out))  # the header's file size field, when it holds one
    return bytes(out), warnings


def read_level(path: str | Path) -> tuple[bytes, MapData, list[str]]:
    """Read an N++ level file or an nclone level pickle, dropping entities outside the map; return the
    (possibly rewritten) bytes, the parsed map and the warnings. Raises :class:`MapFormatError` naming the
    file when it is not a level, or when it is no longer complete (spawn, exit door and switch)."""
    path = Path(path)
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MapFormatError(source, 0, f"a readable file ({exc.strerror})") from None
    if is_pickle(data):
        data = nclone_map_bytes(data, source)
    data, warnings = drop_outside_entities(data, source)
    md = parse_map(data, source)
    if warnings:
        types = md.entity_types
        if 3 not in types or 4 not in types:
            raise MapFormatError(source, RECORDS_OFFSET, "an exit door and its switch inside the map after "
                                 f"dropping {len(warnings)} entities outside it", "none left")
    return data, md, warnings
