"""Replay codecs: N++ attract demos (read) and the project's own ``.nppreplay`` format (read/write).

Both hold a level (the N++ map layout of NPP_MECHANICS.md §2, kept as bytes and parsed lazily with
:func:`npp_rl.sim.mapdata.parse_map`) and one input byte per frame: bit 0 jump, bit 1 right, bit 2 left
(left+right = left), bit 3 an unknown button the simulator ignores (kept here as data).

N++ attract demo (§7.1)::

    0     u32 map_len            4   u32 demo_len          file size = 8 + map_len + demo_len
    0 .. 8+map_len-1              the map block, with the §2 offsets of a level file (bytes 0-7 = this header)
    D = 8 + map_len               demo block: u8 0, u32 demo_len (again), u32 1, u32 frame_count
                                  (= demo_len - 30), u32 id, u32 0, u32 0, u8 1, u32 0xFFFFFFFF,
    D+30 ..                       frame_count input bytes

``.nppreplay`` (format version 1, all integers little-endian)::

    0   8s  magic b"NPPREPLY"
    8   u16 format version (1)
    10  u8  outcome: 0 unknown, 1 won, 2 died, 3 timeout
    11  u8  reserved (0)
    12  u32 outcome frame (the frame on which the outcome happened; 0 when unknown)
    16  u32 map length M
    20  u32 frame count N
    24  u16 source length S (UTF-8 bytes)
    26  S   source text (where the replay came from: a file, a solver, a person)
    ..  M   map bytes (§2 layout)
    ..  N   input bytes
    ..  32  sha256 of every byte before it

Every malformed input raises :class:`ReplayFormatError` naming the file, the byte offset and what was
expected; no other exception escapes the readers for any byte string.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ReplayFormatError",
    "AttractDemo",
    "Replay",
    "parse_attract",
    "read_attract",
    "parse_replay",
    "read_replay",
    "write_replay",
    "read_any",
    "OUTCOMES",
    "MAGIC",
    "FORMAT_VERSION",
    "ACTION_TO_INPUT",
    "INPUT_TO_ACTION",
    "decode_input",
]

MAGIC = b"NPPREPLY"
FORMAT_VERSION = 1
OUTCOMES = ("unknown", "won", "died", "timeout")
_HEADER = struct.Struct("<8sHBBIIIH")  # magic, version, outcome, reserved, outcome frame, M, N, S
_DIGEST = 32

#: Smallest map layout: tiles (184..1149) and the per-type count table (1150..1229).
MIN_MAP_LEN = 1230
#: Largest accepted map block (N++ levels are 1.2-2 kB; records are 5 bytes, a few hundred entities).
MAX_MAP_LEN = 1 << 16
#: Largest accepted number of frames (about 4.6 hours at 60 frames/s).
MAX_FRAMES = 1 << 20
ATTRACT_DEMO_HEADER = 30

#: Gym action (0 noop, 1 left, 2 right, 3 jump, 4 jump+left, 5 jump+right) -> N++ input byte.
ACTION_TO_INPUT = (0, 4, 2, 1, 5, 3)
#: N++ input byte (bits 0-2) -> gym action; left+right counts as left (NPP_MECHANICS.md §6).
INPUT_TO_ACTION = (0, 3, 2, 5, 1, 4, 1, 4)


def decode_input(byte: int) -> tuple[int, int]:
    """Decode an N++ input byte into ``(horizontal, jump)``: left+right = left, bit 3 ignored."""
    hor = -1 if byte & 4 else (1 if byte & 2 else 0)
    return hor, byte & 1


class ReplayFormatError(ValueError):
    """A replay file that does not follow its format; names the file, the byte offset and what was expected."""

    def __init__(self, path: str | os.PathLike | None, offset: int, expected: str, found: Any = None):
        self.path = str(path) if path is not None else "<bytes>"
        self.offset = int(offset)
        self.expected = expected
        self.found = found
        msg = f"{self.path}: byte {self.offset}: expected {expected}"
        if found is not None:
            msg += f", found {found}"
        super().__init__(msg)


def _u32(data: bytes, off: int, path, what: str) -> int:
    if off + 4 > len(data):
        raise ReplayFormatError(path, off, f"{what} (u32), file ends at byte {len(data)}")
    return struct.unpack_from("<I", data, off)[0]


def _parse_map_lazy(map_bytes: bytes, source: str):
    from npp_rl.sim import mapdata  # local import: the map codec lives beside this module

    return mapdata.parse_map(map_bytes, source)


def _check_inputs(inputs: bytes, start: int, path, limit: int) -> None:
    for i, b in enumerate(inputs):
        if b >= limit:
            raise ReplayFormatError(path, start + i, f"an input byte 0..{limit - 1} (frame {i + 1})", b)


# --------------------------------------------------------------------------- attract demos
@dataclass(frozen=True)
class AttractDemo:
    """An N++ attract demo: a level and the inputs a person played on it."""

    map_bytes: bytes
    """The level in the §2 layout, header bytes 0-7 rewritten as in a level file (0, total size)."""
    inputs: bytes
    """One input byte per frame, frame 1 first, bit-3 frames included (the simulator ignores bit 3)."""
    level_id: int
    """u32 at map byte 8 (= the demo's file name for the shipped demos)."""
    demo_id: int
    """u32 at D+13 (a small id, not always the level id)."""
    map_len: int
    demo_len: int
    source: str = ""
    raw_map_block: bytes = field(default=b"", repr=False)
    """The map block as stored (bytes 0-7 are the attract header)."""

    @property
    def frame_count(self) -> int:
        return len(self.inputs)

    @property
    def title(self) -> str:
        raw = self.map_bytes[38:166]
        return raw.split(b"\0", 1)[0].decode("ascii", "replace")

    def movement_inputs(self) -> bytes:
        """The inputs with bit 3 cleared (what the simulator acts on)."""
        return bytes(b & 7 for b in self.inputs)

    def map(self):
        """The level as :class:`npp_rl.sim.mapdata.MapData` (parsed on demand)."""
        return _parse_map_lazy(self.map_bytes, self.source or "attract demo")

    def to_replay(self) -> Replay:
        return Replay(self.map_bytes, self.inputs, "unknown", 0, source=f"npp-attract:{self.source}")


def parse_attract(data: bytes, source: str | os.PathLike | None = None) -> AttractDemo:
    """Decode an N++ attract demo from bytes; raise :class:`ReplayFormatError` on any disagreement."""
    path = str(source) if source is not None else None
    data = bytes(data)
    n = len(data)
    map_len = _u32(data, 0, path, "map block length")
    demo_len = _u32(data, 4, path, "demo block length")
    if map_len + 8 < MIN_MAP_LEN or map_len > MAX_MAP_LEN:
        raise ReplayFormatError(
            path, 0, f"map block length {MIN_MAP_LEN - 8}..{MAX_MAP_LEN} (tiles and entity counts)", map_len
        )
    if demo_len < ATTRACT_DEMO_HEADER or demo_len > ATTRACT_DEMO_HEADER + MAX_FRAMES:
        raise ReplayFormatError(path, 4, f"demo block length >= {ATTRACT_DEMO_HEADER}", demo_len)
    if n != 8 + map_len + demo_len:
        raise ReplayFormatError(
            path, min(n, 8 + map_len + demo_len),
            f"file size 8 + map_len {map_len} + demo_len {demo_len} = {8 + map_len + demo_len}", n,
        )
    d = 8 + map_len
    if data[d] != 0:
        raise ReplayFormatError(path, d, "demo block marker byte 0", data[d])
    demo_len2 = _u32(data, d + 1, path, "demo block length (repeated)")
    if demo_len2 != demo_len:
        raise ReplayFormatError(path, d + 1, f"demo length {demo_len} repeated from byte 4", demo_len2)
    frame_count = _u32(data, d + 9, path, "frame count")
    if frame_count != demo_len - ATTRACT_DEMO_HEADER:
        raise ReplayFormatError(
            path, d + 9, f"frame count = demo_len - {ATTRACT_DEMO_HEADER} = {demo_len - ATTRACT_DEMO_HEADER}",
            frame_count,
        )
    demo_id = _u32(data, d + 13, path, "demo id")
    start = d + ATTRACT_DEMO_HEADER
    inputs = data[start : start + frame_count]
    _check_inputs(inputs, start, path, 16)
    raw = data[:d]
    level_id = struct.unpack_from("<I", raw, 8)[0]
    map_bytes = struct.pack("<II", 0, len(raw)) + raw[8:]
    return AttractDemo(
        map_bytes=map_bytes, inputs=inputs, level_id=level_id, demo_id=demo_id,
        map_len=map_len, demo_len=demo_len, source=path or "", raw_map_block=raw,
    )


def read_attract(path: str | os.PathLike) -> AttractDemo:
    return parse_attract(Path(path).read_bytes(), path)


# --------------------------------------------------------------------------- .nppreplay
@dataclass(frozen=True)
class Replay:
    """A level, the inputs played on it and how it ended: the project's ``.nppreplay`` record."""

    map_bytes: bytes
    inputs: bytes
    outcome: str = "unknown"
    """One of ``OUTCOMES``: unknown, won, died, timeout."""
    outcome_frame: int = 0
    """Frame (1-based) on which the outcome happened; 0 when unknown."""
    source: str = ""
    version: int = FORMAT_VERSION

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}, got {self.outcome!r}")
        if not 0 <= self.outcome_frame <= len(self.inputs):
            raise ValueError(f"outcome_frame {self.outcome_frame} outside 0..{len(self.inputs)}")
        if len(self.source.encode("utf-8")) > 0xFFFF:
            raise ValueError("source text longer than 65535 bytes")

    @property
    def frame_count(self) -> int:
        return len(self.inputs)

    def map(self):
        return _parse_map_lazy(self.map_bytes, self.source or "replay")

    def to_bytes(self) -> bytes:
        src = self.source.encode("utf-8")
        head = _HEADER.pack(
            MAGIC, FORMAT_VERSION, OUTCOMES.index(self.outcome), 0, self.outcome_frame,
            len(self.map_bytes), len(self.inputs), len(src),
        )
        body = head + src + bytes(self.map_bytes) + bytes(self.inputs)
        return body + hashlib.sha256(body).digest()


def parse_replay(data: bytes, source: str | os.PathLike | None = None) -> Replay:
    """Decode ``.nppreplay`` bytes; raise :class:`ReplayFormatError` on any defect."""
    path = str(source) if source is not None else None
    data = bytes(data)
    if len(data) < _HEADER.size:
        raise ReplayFormatError(path, len(data), f"a {_HEADER.size}-byte .nppreplay header")
    magic, version, outcome, reserved, oframe, m, n, s = _HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise ReplayFormatError(path, 0, f"magic {MAGIC!r}", magic)
    if version != FORMAT_VERSION:
        raise ReplayFormatError(path, 8, f"format version {FORMAT_VERSION}", version)
    if outcome >= len(OUTCOMES):
        raise ReplayFormatError(path, 10, f"outcome code 0..{len(OUTCOMES) - 1}", outcome)
    if reserved != 0:
        raise ReplayFormatError(path, 11, "reserved byte 0", reserved)
    if m > MAX_MAP_LEN:
        raise ReplayFormatError(path, 16, f"map length <= {MAX_MAP_LEN}", m)
    if n > MAX_FRAMES:
        raise ReplayFormatError(path, 20, f"frame count <= {MAX_FRAMES}", n)
    if oframe > n:
        raise ReplayFormatError(path, 12, f"outcome frame <= frame count {n}", oframe)
    if outcome == 0 and oframe != 0:
        raise ReplayFormatError(path, 12, "outcome frame 0 for outcome 'unknown'", oframe)
    expect = _HEADER.size + s + m + n + _DIGEST
    if len(data) != expect:
        raise ReplayFormatError(
            path, min(len(data), expect),
            f"file size {expect} (header {_HEADER.size} + source {s} + map {m} + inputs {n} + sha256 32)",
            len(data),
        )
    body_end = expect - _DIGEST
    if hashlib.sha256(data[:body_end]).digest() != data[body_end:]:
        raise ReplayFormatError(path, body_end, "sha256 of the preceding bytes (checksum mismatch)")
    off = _HEADER.size
    try:
        src = data[off : off + s].decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReplayFormatError(path, off + e.start, "UTF-8 source text") from None
    off += s
    map_bytes = data[off : off + m]
    off += m
    inputs = data[off : off + n]
    _check_inputs(inputs, off, path, 16)
    return Replay(map_bytes, inputs, OUTCOMES[outcome], oframe, source=src)


def read_replay(path: str | os.PathLike) -> Replay:
    return parse_replay(Path(path).read_bytes(), path)


def write_replay(path: str | os.PathLike, replay: Replay) -> Path:
    """Write ``replay`` to ``path`` atomically (temp file + rename); return the path."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_bytes(replay.to_bytes())
    os.replace(tmp, p)
    return p


def read_any(path: str | os.PathLike) -> Replay:
    """Read a ``.nppreplay`` or an N++ attract demo (detected by the magic) as a :class:`Replay`."""
    data = Path(path).read_bytes()
    if data[:8] == MAGIC:
        return parse_replay(data, path)
    return parse_attract(data, path).to_replay()
