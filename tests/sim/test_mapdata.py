"""Map codec: byte-exact round trips on the reference files, MapFormatError cases, fuzzing."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _reference as R  # noqa: E402

from npp_rl.sim.mapdata import MapData, MapFormatError, attract_map_block, load_map, parse_map
from npp_rl.sim.workload import builtin_map

needs_ref = pytest.mark.skipif(not R.available(), reason=R.SKIP_REASON)


def _ref_files(kind):
    d = R.REFERENCE / "npp" / kind
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else ["<reference absent>"]


@needs_ref
@pytest.mark.parametrize("name", _ref_files("maps"))
def test_level_round_trip(name):
    data = (R.REFERENCE / "npp" / "maps" / name).read_bytes()
    md = load_map(R.REFERENCE / "npp" / "maps" / name)
    assert md.to_bytes() == data
    assert md.tiles.shape == (23, 42)
    assert md.spawn == (6.0 * data[1231], 6.0 * data[1232])


@needs_ref
@pytest.mark.parametrize("name", _ref_files("attract"))
def test_attract_map_block_round_trip(name):
    data = (R.REFERENCE / "npp" / "attract" / name).read_bytes()
    block = attract_map_block(data, name)
    md = parse_map(block, name)
    assert md.to_bytes() == block


@needs_ref
def test_junk_records_kept_not_instantiated():
    data = (R.REFERENCE / "npp" / "attract" / "5").read_bytes()
    md = parse_map(attract_map_block(data, "5"), "5")
    assert len(md.junk) == 5 and md.junk[0] == 0  # a stray type-0 record after the declared ones
    assert len(md.entities) == int(md.counts.sum()) - 1


def _level() -> bytes:
    return builtin_map().to_bytes()


def test_builtin_round_trip_and_fields():
    data = _level()
    md = parse_map(data, "x")
    assert md.to_bytes() == data
    assert isinstance(md, MapData)
    assert md.tiles[20, 5] == 1
    assert [int(t) for t in md.entities[:, 0]] == [1, 1, 3, 4]


def _expect(data, match, source="lvl.bin"):
    with pytest.raises(MapFormatError, match=match) as ei:
        parse_map(bytes(data), source)
    assert source in str(ei.value) and "byte" in str(ei.value)
    return ei.value


def test_truncated():
    data = _level()
    e = _expect(data[:1000], "at least")
    assert e.offset == 1000
    _expect(data[:-5], "entity records")


def test_oversized():
    _expect(_level() + bytes(200_000), "at most")


def test_unknown_tile():
    data = bytearray(_level())
    data[184 + 42 * 3 + 7] = 38
    e = _expect(data, "tile id")
    assert e.offset == 184 + 42 * 3 + 7


def test_wrong_counts():
    data = bytearray(_level())
    struct.pack_into("<H", data, 1150 + 2 * 2, 3)  # 3 gold declared, none present
    _expect(data, "entity records|count of type")


def test_unknown_entity_type():
    data = bytearray(_level())
    data[1235] = 31
    _expect(data, "entity type")
    data = bytearray(_level())
    struct.pack_into("<H", data, 1150 + 2 * 33, 1)
    _expect(data, "unknown entity type 33")


def test_coordinates_out_of_range():
    data = bytearray(_level())
    data[1236] = 200
    e = _expect(data, "x coordinate")
    assert e.offset == 1236
    data = bytearray(_level())
    data[1237] = 101
    _expect(data, "y coordinate")


def test_missing_exit_switch():
    data = bytearray(_level())
    data[1230 + 5 * 4] = 2  # exit switch record turned into gold
    _expect(data, "count of type|exit switch")


def test_missing_spawn():
    data = bytearray(_level())
    data[1230] = 2
    _expect(data, "spawn")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=0, max_size=1400))
def test_fuzz_random_bytes(data):
    try:
        md = parse_map(data, "fuzz")
    except MapFormatError:
        return
    assert md.to_bytes() == data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1230, 1254), st.integers(0, 255)), max_size=6),
       st.integers(0, 30))
def test_fuzz_mutated_level(edits, cut):
    data = bytearray(_level())
    for off, v in edits:
        data[off] = v
    data = bytes(data[: len(data) - cut])
    try:
        md = parse_map(data, "fuzz")
    except MapFormatError:
        return
    assert md.to_bytes() == data
    assert np.all(md.tiles <= 37)
