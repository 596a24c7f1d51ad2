"""Dataset generation on a process pool: byte-identical whatever the number of workers; difficulty."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from npp_rl.cli import main
from npp_rl.levels import check_solutions, generate_dataset, load_dataset
from npp_rl.levels.generation import parse_difficulty, slot_difficulty
from npp_rl.levels.solver import SolverConfig

CFG = SolverConfig(max_iterations=400)


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "generation_report.json"}


def test_one_and_two_workers_write_the_same_bytes(tmp_path):
    a, ra = generate_dataset(tmp_path / "a", 2, 1, seed=5, categories=["simple", "mine_heavy"],
                             solver_config=CFG, workers=1, difficulty="0:0.4")
    b, rb = generate_dataset(tmp_path / "b", 2, 1, seed=5, categories=["simple", "mine_heavy"],
                             solver_config=CFG, workers=2, difficulty="0:0.4")
    assert ra["workers"] == 1 and rb["workers"] == 2
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(fa) == 13 and fa == fb  # manifest + 6 levels + 6 solutions
    assert a.content_hash == b.content_hash
    assert check_solutions(b) == []
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert man["difficulty"] == [0.0, 0.4]
    assert all(0.0 <= rec["difficulty"] <= 0.4 for rec in man["levels"])
    assert len({rec["difficulty"] for rec in man["levels"]}) > 1
    assert {e.difficulty for e in a.entries} == {rec["difficulty"] for rec in man["levels"]}
    for st in rb["categories"].values():
        assert st["kept"] == 3 and sum(st["rejections_by_reason"].values()) == st["rejected"] + st["duplicates"]
    assert rb["levels_per_cpu_second"] > 0 and len(rb["load_average"]) == 3


def test_difficulty_specs():
    assert parse_difficulty(None) == (0.0, 1.0)
    assert parse_difficulty("0.3") == (0.3, 0.3)
    assert parse_difficulty("0.2:0.6") == (0.2, 0.6)
    for bad in ("2", "0.5:0.1", "easy"):
        with pytest.raises(ValueError, match="difficulty"):
            parse_difficulty(bad)
    assert slot_difficulty(1, "train", "simple", 0, (0.4, 0.4)) == 0.4
    ds = {slot_difficulty(1, "train", "simple", i, (0.0, 1.0)) for i in range(50)}
    assert len(ds) > 40 and min(ds) < 0.2 and max(ds) > 0.8


def test_cli_generate_with_workers_and_difficulty(tmp_path):
    r = CliRunner()
    out = tmp_path / "ds"
    res = r.invoke(main, ["levels", "generate", "--out", str(out), "--train-per-category", "1",
                          "--test-per-category", "1", "--categories", "simple", "--workers", "2",
                          "--difficulty", "0.1", "--max-iterations", "400"])
    assert res.exit_code == 0, res.output
    assert "workers: 2" in res.output and "per CPU-s" in res.output
    ds = load_dataset(out)
    assert {e.difficulty for e in ds.entries} == {0.1}
    bad = r.invoke(main, ["levels", "generate", "--out", str(tmp_path / "x"), "--difficulty", "7"])
    assert bad.exit_code != 0 and "--difficulty" in bad.output


def test_cli_stall_iterations_reaches_the_solver(tmp_path):
    r = CliRunner()
    base = ["levels", "generate", "--train-per-category", "1", "--test-per-category", "0", "--workers", "1", "--json"]
    res = r.invoke(main, base + ["--out", str(tmp_path / "c"), "--categories", "complex", "--stall-iterations", "2"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output.strip().splitlines()[-1])["categories"]["complex"]
    # two iterations without progress end every search: no candidate of the slot is kept, each says why
    assert st["kept"] == 0 and st["candidates"] == 10
    assert st["rejections_by_reason"].get("no progress for 2 iterations", 0) >= 5
    assert sum(st["rejections_by_reason"].values()) == 10
    res = r.invoke(main, base + ["--out", str(tmp_path / "s"), "--categories", "simple"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output.strip().splitlines()[-1])["categories"]["simple"]
    assert st["kept"] == 1 and st["env_action_solutions"] == 1 and st["rejections_by_reason"] == {}
