"""A synthetic run set for looking at compare's figures (docs/img/compare_*.png): five rows x three seeds on
20 levels, an idle agent, a BC-only condition and an unevaluated seed, logged like the real steps.

    cd /tmp/demo && PYTHONPATH=REPO python REPO/scripts/compare_demo_runs.py && npp-rl compare \
        --experiment-name demo --out out --no-champion
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "comparison"))
from npp_runsets import eval_run, train_run  # noqa: E402

from npp_rl import tracking  # noqa: E402

tracking.configure(quiet=True)
rng = np.random.default_rng(0)
exp = "demo"
spec = {("mlp_baseline", "scratch"): (0.0, 0.2, 55_751, 4000, 0.0),
        ("gcn", "scratch"): (0.3, 4.5, 199_927, 600, 1.0),
        ("gcn", "pretrained"): (0.55, 4.5, 199_927, 600, 1.0),
        ("vision_free", "pretrained"): (0.6, 3.0, 501_505, 1100, 1.0),
        ("gcn", "bc_only"): (0.35, 4.5, 199_927, 0, 1.0)}
for (arch, cond), (p, lat, params, fps, moved) in spec.items():
    for seed in range(3):
        ps = np.clip(p + rng.normal(0, 0.08), 0, 1) if p else 0.0
        lv = (rng.random(20) < ps).astype(float).tolist()
        if cond == "bc_only":
            tid = train_run(exp, arch, "pretrained", seed=seed, step="pretrain")
            eval_run(exp, tid, arch, "bc_only", lv, seed=seed, source_step="pretrain", latency=lat, params=params, deaths=3, efficiency=0.5)
            continue
        curve = [(k * 4096, min(1, ps * (1 - np.exp(-k / 3)) + rng.normal(0, 0.03))) for k in range(1, 11)]
        tid = train_run(exp, arch, cond, seed=seed, curve=curve, fps=fps)
        if arch == "vision_free" and seed == 2:
            continue  # unevaluated seed
        eval_run(exp, tid, arch, cond, lv, seed=seed, moved=moved, latency=lat, params=params, deaths=0 if not moved else 4, efficiency=float(rng.uniform(0.4, 0.95)))
