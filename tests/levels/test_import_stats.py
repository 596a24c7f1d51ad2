"""Tolerant import (entities outside the map, nclone pickles) and `levels stats`."""

from __future__ import annotations

import pickle

import pytest
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.levels import import_levels
from npp_rl.levels.builder import LevelBuilder
from npp_rl.levels.importing import read_level
from npp_rl.levels.stats import dataset_stats
from npp_rl.sim.mapdata import MapFormatError


def _level(outside: str = "") -> bytes:
    b = LevelBuilder("imp")
    b.carve(0, 20, 20, 22)
    b.set(5, 22, 8)  # one 45-degree slope
    b.set(6, 22, 20)  # and a mild pair
    b.set(7, 22, 24)
    b.set_spawn(1, 22)
    b.add_exit((19, 22), (10, 22))
    b.add_mine((4 * 14 + 2, 4 * 23 + 3))
    b.add_mine((4 * 17 + 2, 4 * 23 + 3))
    if outside == "mine":
        b.add_mine((200, 50))  # x beyond 176 units
    if outside == "exit":
        b.exits = [((4 * 19 + 2, 150), b.exits[0][1])]
    return b.to_bytes()


def test_entity_outside_the_map_is_dropped_with_a_warning(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "bad_mine").write_bytes(_level("mine"))
    (src / "bad_exit").write_bytes(_level("exit"))
    (src / "fine").write_bytes(_level())
    with pytest.raises(MapFormatError):  # the strict codec refuses the file
        from npp_rl.sim.mapdata import load_map

        load_map(src / "bad_mine")
    data, md, warns = read_level(src / "bad_mine")
    assert len(warns) == 1 and "bad_mine" in warns[0] and "toggle mine" in warns[0] and "(200, 50)" in warns[0]
    assert md.to_bytes() == data and md.count(1) == 2
    assert data == _level()  # the same bytes as the level written without the stray mine
    ds, report = import_levels(src, tmp_path / "out", "custom", verify_solvable=False)
    assert sorted(e.id for e in ds.entries) == ["bad_mine", "fine"]
    assert [r["file"] for r in report["rejected"]] == [str(src / "bad_exit")]
    assert "exit door" in report["rejected"][0]["reason"]


def test_nclone_pickles_import_and_hostile_pickles_are_refused(tmp_path):
    src = tmp_path / "nclone"
    src.mkdir()
    data = _level("mine")
    rec = {"level_id": "x", "seed": 1, "category": "simple", "metadata": {"generator": "t"},
           "map_data": [float(v) for v in data]}
    (src / "simple_000.pkl").write_bytes(pickle.dumps(rec))

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (src / "evil.pkl").write_bytes(pickle.dumps({"map_data": Evil()}))
    r = CliRunner()
    res = r.invoke(main, ["levels", "import", str(src), "--out", str(tmp_path / "out"), "--category", "nclone",
                          "--verify", "--max-iterations", "300"])
    assert res.exit_code == 0, res.output
    assert "imported 1 of 2" in res.output
    assert "refusing to load builtins.print" in res.output
    assert "dropped entity record" in res.output and "simple_000.pkl" in res.output
    st = dataset_stats(tmp_path / "out", graph_size=None)
    assert st["nclone"]["levels"] == 1 and st["nclone"]["solved"] == 1


def test_stats_counts_known_shapes_and_entities(tmp_path):
    d = tmp_path / "lv" / "mine"
    d.mkdir(parents=True)
    (d / "a").write_bytes(_level())
    (d / "b").write_bytes(_level())
    st = dataset_stats(tmp_path / "lv")["mine"]
    assert st["levels"] == 2
    assert st["tile_cells_per_level"]["slope45"] == 1 and st["tile_cells_per_level"]["mild"] == 2
    assert st["levels_with_shape"]["convex"] == 0
    assert st["entities_per_level"]["toggle mine"] == 2 and st["levels_with_entity"]["exit door"] == 2
    assert st["solution_frames"]["mean"] is None
    res = CliRunner().invoke(main, ["levels", "stats", str(tmp_path / "lv")])
    assert res.exit_code == 0, res.output
    assert "| mine | 2 | 0 |" in res.output and "slope45" in res.output and "toggle mine" in res.output
    row = next(ln for ln in res.output.splitlines() if ln.startswith("| mine | 2"))
    nodes = row.split("|")[5].strip()
    assert nodes != "-" and int(nodes.split()[0]) > 1
