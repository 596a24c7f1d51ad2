"""Fuzz the replay codecs (and the map codec when present): only format errors, no hang, no other crash."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from npp_rl.sim.replay import Replay, ReplayFormatError, parse_attract, parse_replay

REF = Path(os.environ.get("NPP_RL_SHARED_REFERENCE", Path(__file__).resolve().parents[2].parent / "shared" / "reference"))
ATTRACT = REF / "npp" / "attract"
MAPS = REF / "npp" / "maps"

FUZZ = settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])


def _seeds():
    out = []
    if ATTRACT.is_dir():
        out += [p.read_bytes() for p in sorted(ATTRACT.iterdir())[:4]]
    return out or [_synthetic_attract()]


def _synthetic_attract(frames=12):
    map_len, demo_len = 1300, 30 + frames
    block = bytes([0]) + struct.pack("<IIIIII", demo_len, 1, frames, 0, 0, 0) + bytes([1]) + b"\xff" * 4
    return struct.pack("<II", map_len, demo_len) + bytes(map_len) + block + bytes([2] * frames)


@st.composite
def mutated(draw, seeds):
    """A valid file with a few bytes flipped, inserted, deleted, or the length changed."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 4))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == 0 and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == 1:
            data.insert(pos, draw(st.integers(0, 255)))
        elif op == 2 and data:
            del data[pos]
        elif op == 3:
            data = data[: draw(st.integers(0, len(data)))]
        else:
            # header fields are where the interesting lengths live
            off = draw(st.sampled_from([0, 4, 8, 12, 16, 20]))
            if off + 4 <= len(data):
                data[off : off + 4] = struct.pack("<I", draw(st.sampled_from([0, 1, 29, 30, 1222, 2**31, 2**32 - 1])))
    return bytes(data)


def _check_attract(data):
    try:
        demo = parse_attract(data, "fuzz.bin")
    except ReplayFormatError as e:
        assert str(e).startswith("fuzz.bin: byte ")
        assert 0 <= e.offset <= len(data)
        return
    assert 8 + demo.map_len + demo.demo_len == len(data)


@FUZZ
@given(st.binary(max_size=3000))
def test_attract_random_bytes(data):
    _check_attract(data)


@FUZZ
@given(mutated(_seeds()))
def test_attract_mutated(data):
    _check_attract(data)


_VALID_REPLAY = Replay(bytes(1300), bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), "died", 10, source="fuzz").to_bytes()


def _check_replay(data):
    try:
        rep = parse_replay(data, "fuzz.nppreplay")
    except ReplayFormatError as e:
        assert str(e).startswith("fuzz.nppreplay: byte ")
        assert 0 <= e.offset <= len(data)
        return
    assert rep.to_bytes() == data


@FUZZ
@given(st.binary(max_size=2000))
def test_nppreplay_random_bytes(data):
    _check_replay(data)


@FUZZ
@given(mutated([_VALID_REPLAY]))
def test_nppreplay_mutated(data):
    _check_replay(data)


@FUZZ
@given(
    st.binary(max_size=1500),
    st.binary(max_size=300).map(lambda b: bytes(x & 15 for x in b)),
    st.sampled_from(["unknown", "won", "died", "timeout"]),
    st.text(max_size=40),
    st.data(),
)
def test_nppreplay_round_trip_any(map_bytes, inputs, outcome, source, data):
    frame = 0 if outcome == "unknown" else data.draw(st.integers(0, len(inputs)))
    rep = Replay(map_bytes, inputs, outcome, frame, source=source)
    assert parse_replay(rep.to_bytes()) == rep


# --------------------------------------------------------------------------- map codec (colleague's)
def _mapdata():
    try:
        from npp_rl.sim import mapdata
    except ImportError:
        pytest.skip("npp_rl.sim.mapdata (the map codec) is not built yet")
    return mapdata


def _map_seeds():
    return [p.read_bytes() for p in sorted(MAPS.iterdir())] if MAPS.is_dir() else []


@pytest.mark.skipif(not MAPS.is_dir(), reason=f"shared reference maps absent ({MAPS})")
@FUZZ
@given(st.data())
def test_map_codec_mutated(data):
    mapdata = _mapdata()
    raw = data.draw(mutated(_map_seeds()))
    try:
        m = mapdata.parse_map(raw, "fuzz.npplevel")
    except mapdata.MapFormatError as e:
        assert "fuzz.npplevel" in str(e)
        return
    # whatever parses must re-encode and parse to the same content
    again = mapdata.parse_map(m.to_bytes(), "re-encoded")
    assert again.to_bytes() == m.to_bytes()


@FUZZ
@given(st.binary(max_size=2500))
def test_map_codec_random_bytes(raw):
    mapdata = _mapdata()
    try:
        mapdata.parse_map(raw, "fuzz.npplevel")
    except mapdata.MapFormatError as e:
        assert "fuzz.npplevel" in str(e)
