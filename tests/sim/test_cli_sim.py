"""`npp-rl sim trace` / `sim bench` command-line contract (subprocesses: also checks determinism across runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _reference as R  # noqa: E402
from _levels import random_inputs, random_level  # noqa: E402

from npp_rl.sim.trace import COLUMNS, format_csv, run_trace  # noqa: E402

CLI = [sys.executable, "-m", "npp_rl.cli"]


def _run(*args, check=True):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=check, timeout=600)


def test_trace_map_inputs_matches_in_process(tmp_path):
    md = random_level(3)
    inputs = random_inputs(3, 500)
    (tmp_path / "level").write_bytes(md.to_bytes())
    (tmp_path / "inputs").write_bytes(inputs)
    _run("sim", "trace", "--map", str(tmp_path / "level"), "--inputs", str(tmp_path / "inputs"),
         "--out", str(tmp_path / "t.csv"))
    text = (tmp_path / "t.csv").read_text()
    assert text.splitlines()[0] == COLUMNS
    assert text == format_csv(run_trace(md, inputs))  # another process, same bytes
    rows = text.splitlines()[1:]
    assert rows[0].split(",")[1] == ""  # row 0 = spawn, no input
    last = rows[-1].split(",")
    assert int(last[0]) == len(rows) - 1
    assert len(rows) - 1 == len(inputs) or last[7] == "1" or last[8] == "1"


@pytest.mark.skipif(not R.available(), reason=R.SKIP_REASON)
def test_trace_demo_reproduces_reference(tmp_path):
    res = _run("sim", "trace", "--demo", str(R.REFERENCE / "npp" / "attract" / "9"), "--out",
               str(tmp_path / "a.csv"))
    assert "23 (laser)" in res.stderr and "WARNING" in res.stderr  # lenient mode is loud
    ours = (tmp_path / "a.csv").read_text().splitlines()
    ref = (R.TRACES / "attract_9.csv").read_text().replace("\r", "").splitlines()
    assert ours == ref[: len(ours)] and len(ours) == len(ref)


def test_trace_usage_and_format_errors(tmp_path):
    res = _run("sim", "trace", "--out", str(tmp_path / "x.csv"), check=False)
    assert res.returncode != 0 and "--demo" in res.stderr
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(1000))
    (tmp_path / "in").write_bytes(b"\0" * 10)
    res = _run("sim", "trace", "--map", str(bad), "--inputs", str(tmp_path / "in"), "--out",
               str(tmp_path / "x.csv"), check=False)
    assert res.returncode != 0 and str(bad) in res.stderr and "byte" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_bench_json():
    res = _run("sim", "bench", "--json", "--frames", "50000", "--worlds", "16")
    out = json.loads(res.stdout)
    for key in ("frames_per_s_single", "frames_per_s_batched", "compile_s", "maps", "time_split"):
        assert key in out
    assert out["frames_per_s_batched"] > 0 and np.isfinite(out["time_split"]["collision"])
