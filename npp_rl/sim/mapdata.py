"""N++ map codec: the binary level layout of NPP_MECHANICS.md section 2.

Layout (absolute offsets): 0..183 header (title at 38, NUL-terminated), 184..1149 tile ids (42 x 23, x fastest),
1150..1229 per-type entity counts (40 x u16 LE), 1230.. entity records ``[type, x, y, orientation, mode]``
(x/y in 6-px units), the first being the ninja spawn (type 0). Records are read by the declared counts;
bytes after them ("junk": real files carry extra records) are kept for a byte-exact round trip but are not
entities. The map block of an N++ attract demo has the same offsets (its first 8 bytes are the demo header).

Declared record count: ``sum(counts)``, plus one switch record per locked/trap door when the file does not
count the switches itself (nclone-authored test maps count type 6/8 doors but not their 7/9 switch records).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TILES_OFFSET = 184
TILES_W, TILES_H = 42, 23
COUNTS_OFFSET = 1150
N_TYPES = 40
RECORDS_OFFSET = 1230
RECORD_SIZE = 5
MAX_TILE_ID = 37
MAX_ENTITY_TYPE = 28
#: largest x / y in 6-px units that is inside the 1056 x 600 level
MAX_X_UNITS = 1056 // 6
MAX_Y_UNITS = 600 // 6
MAX_MAP_BYTES = RECORDS_OFFSET + RECORD_SIZE * 20000

ENTITY_NAMES = {
    0: "ninja spawn", 1: "toggle mine", 2: "gold", 3: "exit door", 4: "exit switch", 5: "regular door",
    6: "locked door", 7: "locked door switch", 8: "trap door", 9: "trap door switch", 10: "launch pad",
    11: "one-way platform", 12: "chaingun drone", 13: "laser drone", 14: "zap drone", 15: "chaser drone",
    16: "floor guard", 17: "bounce block", 18: "rocket", 19: "gauss turret", 20: "thwump",
    21: "toggle mine (safe)", 22: "evil ninja", 23: "laser", 24: "boost pad", 25: "death ball",
    26: "mini drone", 27: "alt death ball", 28: "shove thwump",
}


class MapFormatError(ValueError):
    """Malformed map data: names the file, the byte offset and what was expected."""

    def __init__(self, source: str, offset: int, expected: str, found=None):
        self.source = source
        self.offset = offset
        self.expected = expected
        msg = f"{source}: byte {offset}: expected {expected}"
        if found is not None:
            msg += f", found {found}"
        super().__init__(msg)


@dataclass
class MapData:
    """A parsed N++ level. See the package docstring for the field conventions."""

    tiles: np.ndarray
    """uint8 (23, 42): tile id at [row j, column i] of the inner grid."""
    entities: np.ndarray
    """uint8 (n, 5): declared records after the spawn, ``[type, x, y, orientation, mode]`` (6-px units)."""
    spawn_units: tuple[int, int]
    """Spawn position in 6-px units (bytes 1231, 1232)."""
    spawn_facing: int
    """Byte 1233 of the spawn record."""
    counts: np.ndarray
    """uint16 (40,): the per-type count table as stored."""
    header: bytes
    """Bytes 0..183 as stored (title and unused fields)."""
    spawn_record: bytes = b"\0\0\0\0\0"
    """The 5 bytes of the spawn record as stored."""
    junk: bytes = b""
    """Bytes after the declared records, kept for the round trip; never instantiated."""
    source: str = "<bytes>"
    extra: dict = field(default_factory=dict)

    @property
    def spawn(self) -> tuple[float, float]:
        return (6.0 * self.spawn_units[0], 6.0 * self.spawn_units[1])

    @property
    def title(self) -> str:
        raw = self.header[38:166]
        return raw.split(b"\0", 1)[0].decode("ascii", "replace")

    @property
    def entity_types(self) -> set[int]:
        return {int(t) for t in self.entities[:, 0]} if len(self.entities) else set()

    def count(self, entity_type: int) -> int:
        return int(self.counts[entity_type])

    def to_bytes(self) -> bytes:
        """Serialise to the section-2 layout (byte-exact for files read with :func:`parse_map`)."""
        out = bytearray(self.header[:TILES_OFFSET].ljust(TILES_OFFSET, b"\0"))
        out += np.ascontiguousarray(self.tiles, dtype=np.uint8).tobytes()
        out += np.ascontiguousarray(self.counts, dtype="<u2").tobytes()
        out += bytes(self.spawn_record[:1]) + bytes([self.spawn_units[0], self.spawn_units[1]])
        out += bytes(self.spawn_record[3:5])
        out += np.ascontiguousarray(self.entities, dtype=np.uint8).tobytes()
        out += self.junk
        return bytes(out)


def _declared_records(counts: np.ndarray) -> int:
    n = int(counts.sum())
    n += max(0, int(counts[6]) - int(counts[7]))
    n += max(0, int(counts[8]) - int(counts[9]))
    return n


def parse_map(data: bytes, source: str | os.PathLike = "<bytes>") -> MapData:
    """Decode a level (or an attract demo's map block) from bytes; raise :class:`MapFormatError`."""
    source = str(source)
    data = bytes(data)
    n = len(data)
    if n < RECORDS_OFFSET + RECORD_SIZE:
        raise MapFormatError(source, n, f"at least {RECORDS_OFFSET + RECORD_SIZE} bytes (tiles, counts and "
                             f"the ninja spawn record), file ends", n)
    if n > MAX_MAP_BYTES:
        raise MapFormatError(source, MAX_MAP_BYTES, f"at most {MAX_MAP_BYTES} bytes", n)
    tiles = np.frombuffer(data, dtype=np.uint8, count=TILES_W * TILES_H, offset=TILES_OFFSET)
    bad = np.nonzero(tiles > MAX_TILE_ID)[0]
    if len(bad):
        k = int(bad[0])
        raise MapFormatError(source, TILES_OFFSET + k,
                             f"a tile id 0..{MAX_TILE_ID} (tile column {k % TILES_W}, row {k // TILES_W})",
                             int(tiles[k]))
    counts = np.frombuffer(data, dtype="<u2", count=N_TYPES, offset=COUNTS_OFFSET).astype(np.uint16)
    for t in range(MAX_ENTITY_TYPE + 1, N_TYPES):
        if counts[t]:
            raise MapFormatError(source, COUNTS_OFFSET + 2 * t,
                                 f"count 0 for unknown entity type {t} (types are 0..{MAX_ENTITY_TYPE})",
                                 int(counts[t]))
    if data[RECORDS_OFFSET] != 0:
        raise MapFormatError(source, RECORDS_OFFSET, "the ninja spawn record (type 0)", data[RECORDS_OFFSET])
    n_decl = _declared_records(counts)
    if counts[0] not in (0, 1):
        raise MapFormatError(source, COUNTS_OFFSET, "a ninja count of 0 or 1", int(counts[0]))
    n_ent = n_decl - int(counts[0]) if counts[0] else n_decl
    # the spawn record is always present; counts[0] normally counts it
    end = RECORDS_OFFSET + RECORD_SIZE * (1 + n_ent)
    if end > n:
        raise MapFormatError(source, n, f"{1 + n_ent} entity records of 5 bytes as declared by the counts at "
                             f"{COUNTS_OFFSET} (ending at byte {end}); file ends", n)
    sx, sy = data[RECORDS_OFFSET + 1], data[RECORDS_OFFSET + 2]
    _check_xy(source, RECORDS_OFFSET, sx, sy)
    ents = np.frombuffer(data, dtype=np.uint8, count=RECORD_SIZE * n_ent,
                         offset=RECORDS_OFFSET + RECORD_SIZE).reshape(n_ent, RECORD_SIZE).copy()
    seen = np.zeros(N_TYPES, dtype=np.int64)
    for r in range(n_ent):
        off = RECORDS_OFFSET + RECORD_SIZE * (r + 1)
        t, x, y = int(ents[r, 0]), int(ents[r, 1]), int(ents[r, 2])
        if t == 0 or t > MAX_ENTITY_TYPE:
            raise MapFormatError(source, off, f"an entity type 1..{MAX_ENTITY_TYPE} (record {r + 1})", t)
        _check_xy(source, off, x, y)
        seen[t] += 1
        if t in (6, 8):
            want = t + 1
            if r + 1 >= n_ent or ents[r + 1, 0] != want:
                found = int(ents[r + 1, 0]) if r + 1 < n_ent else "end of records"
                raise MapFormatError(source, off + RECORD_SIZE,
                                     f"the {ENTITY_NAMES[want]} record (type {want}) right after the "
                                     f"{ENTITY_NAMES[t]} at byte {off}", found)
        if t in (7, 9) and (r == 0 or ents[r - 1, 0] != t - 1):
            raise MapFormatError(source, off, f"a {ENTITY_NAMES[t]} only right after its door (type {t - 1})",
                                 int(ents[r - 1, 0]) if r else "spawn record")
    for t in range(1, MAX_ENTITY_TYPE + 1):
        if t in (7, 9):
            continue
        if seen[t] != counts[t]:
            raise MapFormatError(source, COUNTS_OFFSET + 2 * t,
                                 f"count of type {t} ({ENTITY_NAMES[t]}) = number of its records ({seen[t]})",
                                 int(counts[t]))
    n_exit = int(seen[3])
    if seen[4] != n_exit:
        raise MapFormatError(source, COUNTS_OFFSET + 8, f"one exit switch (type 4) per exit door ({n_exit})",
                             int(seen[4]))
    exit_rows = np.nonzero(ents[:, 0] == 3)[0]
    for r in exit_rows:
        s = int(r) + n_exit
        if s >= n_ent or ents[s, 0] != 4:
            off = RECORDS_OFFSET + RECORD_SIZE * (s + 1)
            raise MapFormatError(source, off, f"the exit switch (type 4) of the exit door at record {int(r) + 1} "
                                 f"{n_exit} records later", int(ents[s, 0]) if s < n_ent else "end of records")
    return MapData(
        tiles=tiles.reshape(TILES_H, TILES_W).copy(),
        entities=ents,
        spawn_units=(int(sx), int(sy)),
        spawn_facing=int(data[RECORDS_OFFSET + 3]),
        counts=counts,
        header=data[:TILES_OFFSET],
        spawn_record=data[RECORDS_OFFSET:RECORDS_OFFSET + RECORD_SIZE],
        junk=data[end:],
        source=source,
    )


def _check_xy(source: str, off: int, x: int, y: int) -> None:
    if x > MAX_X_UNITS:
        raise MapFormatError(source, off + 1, f"an x coordinate 0..{MAX_X_UNITS} (6-px units)", x)
    if y > MAX_Y_UNITS:
        raise MapFormatError(source, off + 2, f"a y coordinate 0..{MAX_Y_UNITS} (6-px units)", y)


def load_map(path: str | os.PathLike) -> MapData:
    """Read a level file (or an attract demo's map block, if ``path`` is a bare map block)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MapFormatError(str(path), 0, f"a readable file ({exc.strerror})") from None
    return parse_map(data, str(path))


def attract_map_block(data: bytes, source: str = "<bytes>") -> bytes:
    """The map block of an attract demo (bytes 0 .. 8 + map_len), checked against the file size."""
    if len(data) < 8:
        raise MapFormatError(source, len(data), "an 8-byte attract header, file ends", len(data))
    map_len, demo_len = struct.unpack_from("<II", data, 0)
    if 8 + map_len + demo_len != len(data):
        raise MapFormatError(source, 0, f"map_len + demo_len + 8 = file size {len(data)}",
                             8 + map_len + demo_len)
    return data[: 8 + map_len]
