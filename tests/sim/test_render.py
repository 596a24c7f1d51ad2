"""Level pictures: every tile shape, entities, legend, CLI and bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from npp_rl.cli import main
from npp_rl.sim.render import level_view, render_level, tile_polygons

REF = Path(os.environ.get("NPP_RL_SHARED_REFERENCE", Path(__file__).resolve().parents[2].parent / "shared" / "reference"))
MAPS = REF / "npp" / "maps"
needs_ref = pytest.mark.skipif(not MAPS.is_dir(), reason=f"shared reference maps absent ({MAPS})")


def _polygon_area(pts):
    a = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True):
        a += x0 * y1 - x1 * y0
    return abs(a) / 2 / 576


@pytest.mark.parametrize(
    "tile,frac",
    [(0, 0), (1, 1), (2, 0.5), (5, 0.5), (6, 0.5), (9, 0.5), (10, np.pi / 4), (13, np.pi / 4),
     (14, 1 - np.pi / 4), (17, 1 - np.pi / 4), (18, 0.25), (22, 0.75), (26, 0.25), (33, 0.75)],
)
def test_tile_shapes_have_documented_area(tile, frac):
    pts = tile_polygons(tile)
    assert (_polygon_area(pts) if pts else 0.0) == pytest.approx(frac, abs=0.01)


def _synthetic_level():
    from npp_rl.sim.mapdata import parse_map

    data = bytearray(1230)
    tiles = np.zeros((23, 42), np.uint8)
    tiles[22, :] = 1
    tiles[10, : 34] = np.arange(34)  # every shape once
    data[184:1150] = tiles.tobytes()
    recs = [(0, 10, 90, 1, 0), (1, 40, 90, 0, 0), (2, 50, 90, 0, 0), (3, 100, 90, 0, 0), (4, 80, 90, 0, 0)]
    counts = np.zeros(40, "<u2")
    for t, *_ in recs:
        counts[t] += 1
    data[1150:1230] = counts.tobytes()
    for r in recs:
        data += bytes(r)
    return parse_map(bytes(data), "synthetic")


def test_render_synthetic_level_every_tile():
    md = _synthetic_level()
    img = render_level(md, scale=0.5)
    assert isinstance(img, Image.Image) and img.width == 528
    a = np.asarray(img)
    assert a.std() > 10  # not blank
    view = level_view(md)
    assert view.entities[0][0] == 0 and len(view.entities) == 5


@needs_ref
def test_cli_render_reference_map(tmp_path):
    out = tmp_path / "level.png"
    res = CliRunner().invoke(main, ["sim", "render", str(MAPS / "complex-path-switch-required"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    img = Image.open(out)
    assert img.width == 1056 and img.height > 600


def test_cli_render_bad_file(tmp_path):
    bad = tmp_path / "bad.npplevel"
    bad.write_bytes(b"\0" * 100)
    res = CliRunner().invoke(main, ["sim", "render", str(bad), "--out", str(tmp_path / "x.png")])
    assert res.exit_code != 0
    assert "bad.npplevel" in res.output and "byte" in res.output


@pytest.mark.skipif(not (REF / "npp" / "attract").is_dir(), reason=f"shared reference demos absent ({REF})")
def test_cli_render_demo_draws_its_path(tmp_path):
    from npp_rl.sim.render import replay_trajectory

    demo = REF / "npp" / "attract" / "0"
    traj = replay_trajectory(demo)
    rows = (REF / "traces" / "attract_0.csv").read_text().strip().splitlines()
    assert len(traj) == len(rows) - 1  # spawn row + one per frame up to the death
    x, y = (float(v) for v in rows[-1].split(",")[2:4])
    assert traj[-1] == pytest.approx((x, y), abs=1e-6)
    assert replay_trajectory(MAPS / "simple-walk") is None
    out = tmp_path / "demo.png"
    res = CliRunner().invoke(main, ["sim", "render", str(demo), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert Image.open(out).width == 1056
