"""Replay codecs: attract demos from the shared reference data, .nppreplay round trips and errors."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from npp_rl.sim.replay import (
    MAGIC,
    Replay,
    ReplayFormatError,
    decode_input,
    parse_attract,
    parse_replay,
    read_any,
    read_attract,
    read_replay,
    write_replay,
)

REF = Path(os.environ.get("NPP_RL_SHARED_REFERENCE", Path(__file__).resolve().parents[2].parent / "shared" / "reference"))
ATTRACT = REF / "npp" / "attract"
MAPS = REF / "npp" / "maps"
needs_ref = pytest.mark.skipif(
    not ATTRACT.is_dir(), reason=f"shared reference data absent ({ATTRACT} not found beside the repo)"
)


def _attract_files():
    return sorted(ATTRACT.iterdir()) if ATTRACT.is_dir() else []


def _trace_rows(name):
    path = REF / "traces" / f"attract_{name}.csv"
    if not path.exists():
        return None
    return path.read_text().strip().splitlines()[2:]  # header, spawn row


@needs_ref
@pytest.mark.parametrize("path", _attract_files(), ids=lambda p: p.name)
def test_attract_demo_header_and_inputs(path):
    demo = read_attract(path)
    data = path.read_bytes()
    assert 8 + demo.map_len + demo.demo_len == len(data)
    assert demo.frame_count == demo.demo_len - 30
    assert demo.level_id == int(path.name)
    assert len(demo.map_bytes) == 8 + demo.map_len
    assert demo.map_bytes[8:] == data[8 : 8 + demo.map_len]
    assert struct.unpack_from("<I", demo.map_bytes, 4)[0] == len(demo.map_bytes)
    assert demo.title  # every shipped demo has a title
    assert all(b < 16 for b in demo.inputs)
    # bit-3 frames are kept as data, only at the end
    bit3 = [i for i, b in enumerate(demo.inputs) if b & 8]
    if bit3:
        assert bit3[-1] == demo.frame_count - 1
    # the recorded trace (one row per frame after the spawn row) uses the same inputs
    rows = _trace_rows(path.name)
    if rows is not None:
        traced = bytes(int(r.split(",")[1]) for r in rows)
        assert demo.inputs[: len(traced)] == traced


@needs_ref
def test_attract_the_basics_matches_level_file():
    demo = read_attract(ATTRACT / "0")
    level = (MAPS / "000_the_basics").read_bytes()
    assert demo.title == "the basics"
    assert len(demo.map_bytes) == len(level)
    assert demo.map_bytes[184:1230] == level[184:1230]  # tiles and entity counts


@needs_ref
def test_attract_to_replay_round_trip(tmp_path):
    demo = read_attract(ATTRACT / "2")
    rep = demo.to_replay()
    out = write_replay(tmp_path / "d.nppreplay", rep)
    back = read_replay(out)
    assert back == rep
    assert read_any(out) == rep
    assert read_any(ATTRACT / "2").inputs == demo.inputs


def test_decode_input_left_wins():
    assert decode_input(0) == (0, 0)
    assert decode_input(1) == (0, 1)
    assert decode_input(2) == (1, 0)
    assert decode_input(4) == (-1, 0)
    assert decode_input(6) == (-1, 0)
    assert decode_input(7) == (-1, 1)
    assert decode_input(9) == (0, 1)


def _replay(**kw):
    base = dict(map_bytes=bytes(range(256)) * 5, inputs=bytes([0, 2, 3, 1, 8] * 20), outcome="won",
                outcome_frame=97, source="test ✓")
    base.update(kw)
    return Replay(**base)


def test_nppreplay_round_trip(tmp_path):
    rep = _replay()
    data = rep.to_bytes()
    assert data[:8] == MAGIC
    assert parse_replay(data) == rep
    p = write_replay(tmp_path / "x.nppreplay", rep)
    assert read_replay(p) == rep
    assert rep.frame_count == 100


@pytest.mark.parametrize("outcome", ["unknown", "won", "died", "timeout"])
def test_nppreplay_outcomes(outcome):
    rep = _replay(outcome=outcome, outcome_frame=0 if outcome == "unknown" else 5)
    assert parse_replay(rep.to_bytes()).outcome == outcome


def test_replay_rejects_bad_fields():
    with pytest.raises(ValueError):
        _replay(outcome="maybe")
    with pytest.raises(ValueError):
        _replay(outcome_frame=101)


def _err(data, match=None):
    with pytest.raises(ReplayFormatError) as e:
        parse_replay(data, "f.nppreplay")
    assert "f.nppreplay" in str(e.value) and "byte" in str(e.value)
    if match:
        assert match in str(e.value)
    return e.value


def test_nppreplay_errors_name_file_and_offset():
    data = _replay().to_bytes()
    assert _err(data[:10]).offset == 10
    assert _err(b"XXXXXXXX" + data[8:], "magic").offset == 0
    assert _err(data[:-1], "file size").offset == len(data) - 1
    assert _err(data + b"\0", "file size")
    flipped = bytearray(data)
    flipped[40] ^= 1
    assert "checksum" in str(_err(bytes(flipped)))
    bad_version = bytearray(data)
    bad_version[8] = 9
    assert _err(bytes(bad_version), "format version").offset == 8


def _attract_bytes(map_len=1300, frames=10, inputs=None):
    inputs = bytes(inputs if inputs is not None else [2] * frames)
    demo_len = 30 + len(inputs)
    head = struct.pack("<II", map_len, demo_len)
    body = bytearray(map_len)
    body[0:4] = struct.pack("<I", 77)
    block = bytes([0]) + struct.pack("<IIIIII", demo_len, 1, len(inputs), 3, 0, 0) + bytes([1]) + b"\xff" * 4
    return head + bytes(body) + block + inputs


def test_attract_synthetic_ok():
    demo = parse_attract(_attract_bytes(inputs=[0, 1, 2, 8]))
    assert demo.inputs == bytes([0, 1, 2, 8]) and demo.level_id == 77 and demo.demo_id == 3
    assert demo.movement_inputs() == bytes([0, 1, 2, 0])


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda b: b[:-1], "file size"),
        (lambda b: b + b"\0", "file size"),
        (lambda b: b[:3], "map block length"),
        (lambda b: struct.pack("<I", 5) + b[4:], "map block length"),
        (lambda b: b[: 8 + 1300 + 9] + struct.pack("<I", 99) + b[8 + 1300 + 13 :], "frame count"),
        (lambda b: b[: 8 + 1300 + 1] + struct.pack("<I", 11) + b[8 + 1300 + 5 :], "repeated"),
        (lambda b: b[:-1] + b"\x20", "input byte"),
    ],
)
def test_attract_errors(mutate, match):
    with pytest.raises(ReplayFormatError, match=match) as e:
        parse_attract(mutate(_attract_bytes()), "demo.bin")
    assert str(e.value).startswith("demo.bin: byte ")
