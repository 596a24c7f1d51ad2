"""The house rules, checked through the script that reports them: no import circles, imports point down
the layers, every module under 500 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "import_graph.py"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_no_circles_no_upward_imports_no_long_modules(tmp_path):
    res = _run("--check", "--dot", str(tmp_path / "layers.dot"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no circles, no upward imports, every module under 500 lines" in res.stdout
    dot = (tmp_path / "layers.dot").read_text()
    assert '"envs" -> "sim"' in dot and '"sim" ->' not in dot  # the simulator imports no other layer


def test_the_check_names_what_breaks_the_rules(tmp_path, monkeypatch):
    """On a package with a circle, an upward import and a long module, each is named."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import import_graph as ig
    finally:
        sys.path.pop(0)
    pkg = tmp_path / "npp_rl"
    (pkg / "sim").mkdir(parents=True)
    (pkg / "envs").mkdir()
    for d in (pkg, pkg / "sim", pkg / "envs"):
        (d / "__init__.py").write_text("")
    (pkg / "sim" / "a.py").write_text("from npp_rl.sim import b\nfrom npp_rl.envs import c\n")
    (pkg / "sim" / "b.py").write_text("def f():\n    from npp_rl.sim import a\n" + "x = 1\n" * 600)
    (pkg / "envs" / "c.py").write_text("x = 1\n")
    mods = ig.modules(pkg)
    graph = ig.edges(mods)
    assert ig.cycles(graph) == [["npp_rl.sim.a", "npp_rl.sim.b"]]
    assert ig.upward(graph) == [("npp_rl.sim.a", "npp_rl.envs.c")]
    monkeypatch.setattr(ig, "ROOT", pkg)
    assert ig.too_long(mods) == [("npp_rl/sim/b.py", 602)]
