"""Differential check against the nclone reference simulator itself (doors made to collide, as in N++).

Optional: runs only when NPP_RL_NCLONE_SRC names a directory holding nclone's ``nclone/`` package (e.g. an
export of github.com/Tetramputechture/nclone at ee63ac0). nclone is used here as an oracle only; none of its
code is part of npp-rl. Each random level (all tile ids, every implemented entity type) is simulated by both
for 400 frames of random inputs; ninja state and every entity's position/activity must agree exactly.
"""

from __future__ import annotations

import math
import os
import sys
import types
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _levels import random_inputs, random_level  # noqa: E402

from npp_rl.sim.simulator import Simulator  # noqa: E402

SRC = os.environ.get("NPP_RL_NCLONE_SRC")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (SRC and (Path(SRC) / "nclone" / "nsim.py").is_file()),
                       reason="NPP_RL_NCLONE_SRC does not point at an nclone source tree (optional oracle test)"),
]


def _oracle():
    pkg = types.ModuleType("nclone")
    pkg.__path__ = [str(Path(SRC) / "nclone")]
    sys.modules.setdefault("nclone", pkg)
    import nclone.ninja as nj
    import nclone.physics as ph
    from nclone.nsim import Simulator as NSim
    from nclone.sim_config import SimConfig

    def gather(sim, x1, y1, x2, y2):  # cell query that sees door segments and their open/closed state
        mnx, mny, mxx, mxy = min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        out = []
        for xc in range(max(0, min(43, math.floor(mnx / 24))), max(0, min(43, math.floor(mxx / 24))) + 1):
            for yc in range(max(0, min(24, math.floor(mny / 24))), max(0, min(24, math.floor(mxy / 24))) + 1):
                segs = sim.segment_dic[(xc, yc)]
                if segs:
                    b = sim._cell_bounds[(xc, yc)]
                    if not (mxx < b[0] or mnx > b[2] or mxy < b[1] or mny > b[3]):
                        out.extend(s for s in segs if s.active)
        return out

    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("nclone") and hasattr(mod, "gather_segments_from_region"):
            mod.gather_segments_from_region = gather
    ph.gather_segments_from_region = gather
    nj.gather_segments_from_region = gather

    def run(map_bytes, inputs):
        sim = NSim(SimConfig(enable_anim=False, log_data=False, debug=False))
        sim.load(list(map_bytes))
        sim._cell_bounds = {}
        for k, segs in sim.segment_dic.items():
            if segs:
                bs = [s.get_bounds() for s in segs]
                sim._cell_bounds[k] = (min(b[0] for b in bs), min(b[1] for b in bs),
                                       max(b[2] for b in bs), max(b[3] for b in bs))
        allents = [e for lst in sim.entity_dic.values() for e in lst]
        rows, ents = [], []
        for b in inputs:
            sim.tick(1 if (b & 7) in (2, 3) else (-1 if b & 4 else 0), b & 1)
            n = sim.ninja
            rows.append((n.xpos, n.ypos, n.xspeed, n.yspeed, n.state))
            ents.append(sorted((e.type, float(e.xpos), float(e.ypos), bool(e.active)) for e in allents))
            if n.state in (6, 7, 8):
                break
        return rows, ents, sim.ninja.gold_collected

    return run


@pytest.mark.parametrize("seed", range(40))
def test_matches_nclone(seed):
    run = _oracle()
    md = random_level(seed)
    inputs = random_inputs(seed, 400)
    ref_rows, ref_ents, ref_gold = run(md.to_bytes(), inputs)
    sim = Simulator(md)
    for k, b in enumerate(inputs):
        sim.tick(b)
        assert (sim.x, sim.y, sim.vx, sim.vy, sim.state) == ref_rows[k], f"ninja differs at frame {k + 1}"
        mine = sorted((int(t), float(x), float(y), bool(a)) for t, x, y, a in
                      zip(sim.entity_type, sim.entity_x, sim.entity_y, sim.entity_active, strict=True))
        assert mine == ref_ents[k], f"entities differ at frame {k + 1}"
        if sim.state >= 6:
            break
    assert len(ref_rows) == sim.frame and ref_gold == sim.gold_collected
