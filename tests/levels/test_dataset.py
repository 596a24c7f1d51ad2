"""Datasets: layout, manifest checks, determinism, solutions that win, loaders and the CLI."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from PIL import Image

from npp_rl.cli import main
from npp_rl.levels import (
    DatasetError,
    check_solutions,
    generate,
    generate_dataset,
    import_levels,
    load_dataset,
    load_test_suite,
)
from npp_rl.levels.solver import SolverConfig
from npp_rl.sim.mapdata import MapFormatError

CATS = ["simple", "mine_heavy"]
CFG = SolverConfig(max_iterations=400)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds") / "tiny"
    ds, report = generate_dataset(root, 1, 1, seed=11, categories=CATS, solver_config=CFG)
    return root, ds, report


def _copy(tiny, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(tiny[0], dst)
    return dst


def test_layout_and_manifest(tiny):
    root, ds, report = tiny
    assert not report["unfilled_slots"]
    man = json.loads((root / "manifest.json").read_text())
    assert man["counts"] == {"train": {c: 1 for c in CATS}, "test": {c: 1 for c in CATS}}
    assert man["content_hash"] == ds.content_hash
    for rec in man["levels"]:
        assert rec["file"] == f"{rec['split']}/{rec['category']}/{rec['id']}.npplevel"
        assert rec["solution"]["file"].endswith(".nppreplay") and rec["solution"]["frames"] > 0
        assert rec["seed"] is not None and rec["generator_version"]
        assert len(rec["sha256"]) == 64
    assert ds.categories("test") == CATS
    for _cat, st in report["categories"].items():
        assert st["kept"] == 2 and 0 < st["solve_rate"] <= 1


def test_every_solution_replays_to_a_win(tiny):
    assert check_solutions(tiny[1]) == []


def test_same_seed_same_dataset(tiny, tmp_path):
    ds2, _ = generate_dataset(tmp_path / "again", 1, 1, seed=11, categories=CATS, solver_config=CFG)
    assert ds2.content_hash == tiny[1].content_hash
    assert (tmp_path / "again" / "manifest.json").read_bytes() == (tiny[0] / "manifest.json").read_bytes()
    ds3, _ = generate_dataset(tmp_path / "other", 1, 0, seed=12, categories=["simple"], solver_config=CFG)
    assert ds3.content_hash != tiny[1].content_hash


def test_refuses_to_overwrite(tiny):
    with pytest.raises(DatasetError, match="not empty"):
        generate_dataset(tiny[0], 1, 1, seed=11, categories=CATS)


def test_missing_file_named(tiny, tmp_path):
    root = _copy(tiny, tmp_path)
    victim = next((root / "test" / "simple").glob("*.npplevel"))
    victim.unlink()
    with pytest.raises(DatasetError, match=victim.name):
        load_dataset(root)


def test_checksum_mismatch_named(tiny, tmp_path):
    root = _copy(tiny, tmp_path)
    victim = next((root / "train" / "mine_heavy").glob("*.nppreplay"))
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match=f"{victim.name}: sha256 mismatch"):
        load_dataset(root)
    load_dataset(root, verify_checksums=False)  # structure is still fine


def test_category_without_levels(tiny, tmp_path):
    root = _copy(tiny, tmp_path)
    man = json.loads((root / "manifest.json").read_text())
    man["counts"]["test"]["exploration"] = 3
    (root / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(DatasetError, match="'exploration'.*no levels"):
        load_dataset(root)


def test_bad_manifest(tmp_path):
    with pytest.raises(DatasetError, match="manifest not found"):
        load_dataset(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DatasetError, match="manifest.json: not valid JSON"):
        load_dataset(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "npp-rl-levels", "levels": [{"id": 1}]}))
    with pytest.raises(DatasetError, match="level record 0"):
        load_dataset(tmp_path)


def test_test_suite_from_dataset_and_folders(tiny, tmp_path):
    root = tiny[0]
    groups = load_test_suite(root)
    assert list(groups) == CATS and all(len(v) == 1 for v in groups.values())
    assert list(load_test_suite(root, category="simple")) == ["simple"]
    with pytest.raises(DatasetError, match="exploration"):
        load_test_suite(root, category="exploration")
    # a bare folder of N++ level files: category from the folder name, or given
    folder = tmp_path / "my_levels"
    folder.mkdir()
    for s in range(3):
        (folder / f"lvl{s}").write_bytes(generate("medium", s).to_bytes())
    g = load_test_suite(folder)
    assert list(g) == ["my_levels"] and len(g["my_levels"]) == 3
    assert list(load_test_suite(folder, category="medium")) == ["medium"]
    # a folder of category folders (a dataset without its manifest)
    shutil.copytree(root / "test", tmp_path / "plain")
    assert list(load_test_suite(tmp_path / "plain")) == CATS
    (folder / "broken").write_bytes(b"\0" * 50)
    with pytest.raises(MapFormatError, match="broken"):
        load_test_suite(folder)


def test_import_folder(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for s in range(2):
        (src / f"level {s}.bin").write_bytes(generate("simple", 100 + s).to_bytes())
    (src / "junk.dat").write_bytes(b"nope")
    ds, report = import_levels(src, tmp_path / "out", "custom", verify_solvable=True, solver_config=CFG)
    assert len(report["imported"]) == 2 and len(report["rejected"]) == 1
    assert "junk.dat" in report["rejected"][0]["file"]
    assert [e.id for e in ds.levels("test", "custom")] == ["level_0", "level_1"]
    assert check_solutions(ds) == []
    # importing again merges under new ids
    ds2, _ = import_levels(src, tmp_path / "out", "custom")
    assert len(ds2.levels("test", "custom")) == 4
    with pytest.raises(DatasetError, match="no level files"):
        import_levels(tmp_path / "out" / "test", tmp_path / "x", "c")


def test_cli_generate_show_import(tmp_path):
    r = CliRunner()
    out = tmp_path / "ds"
    res = r.invoke(main, ["levels", "generate", "--out", str(out), "--train-per-category", "1",
                          "--test-per-category", "1", "--seed", "5", "--categories", "simple"])
    assert res.exit_code == 0, res.output
    assert "content hash" in res.output and "simple" in res.output
    res = r.invoke(main, ["levels", "show", str(out), "--out", str(tmp_path / "sheet.png")])
    assert res.exit_code == 0, res.output
    assert Image.open(tmp_path / "sheet.png").width > 300
    res = r.invoke(main, ["levels", "generate", "--out", str(out), "--seed", "5"])
    assert res.exit_code != 0 and "not empty" in res.output
    res = r.invoke(main, ["levels", "generate", "--out", str(tmp_path / "n"), "--categories", "nope"])
    assert res.exit_code != 0 and "unknown level category" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = r.invoke(main, ["levels", "import", str(empty), "--out", str(out), "--category", "x"])
    assert res.exit_code != 0 and "no level files" in res.output


@pytest.mark.slow
def test_all_categories_dataset_deterministic_and_verified(tmp_path):
    from npp_rl.levels import CATEGORIES

    a, rep = generate_dataset(tmp_path / "a", 2, 1, seed=2024)
    b, _ = generate_dataset(tmp_path / "b", 2, 1, seed=2024)
    assert a.content_hash == b.content_hash
    assert list(load_test_suite(tmp_path / "a")) == list(CATEGORIES)
    assert not rep["unfilled_slots"]
    assert check_solutions(a) == []
