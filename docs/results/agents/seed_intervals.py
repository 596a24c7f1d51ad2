"""Intervals over seeds for hand-picked groups of evaluate runs (rliable-style, the project's own statistics).

usage: python seed_intervals.py TRACKING_URI NAME=EVAL_RUN,EVAL_RUN,... NAME=... [--reps N]

Each group is one row (seeds x test levels, success rate per level from the run's per_level.json); the
first group is the baseline the others are compared against (probability of improvement). `npp-rl compare`
groups runs by architecture and condition only; this is for an A/B of recipes inside one architecture.
"""

import os
import sys

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
import mlflow  # noqa: E402
import numpy as np  # noqa: E402

from npp_rl.comparison.collect import per_level_success  # noqa: E402
from npp_rl.comparison.stats import aggregate, probability_of_improvement  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 2000
mlflow.set_tracking_uri(args[0])
groups = {}
for spec in args[1:]:
    if "=" not in spec:
        continue
    name, ids = spec.split("=", 1)
    rows = [{r["level"]: r["success_rate"] for r in per_level_success(i)} for i in ids.split(",")]
    groups[name] = rows
levels = sorted(set.intersection(*(set(r) for rows in groups.values() for r in rows)))
mats = {n: np.array([[r[lv] for lv in levels] for r in rows]) for n, rows in groups.items()}
base = next(iter(mats))
print(f"{len(levels)} test levels; 95 % intervals, {reps} stratified bootstrap resamples")
print("| group | seeds | per-seed mean | mean [CI over seeds] | IQM [CI] | mean [CI seeds+levels] | P(group > "
      f"{base}) [CI] |")
print("|---|---|---|---|---|---|---|")
for n, m in mats.items():
    a, b = aggregate(m, reps=reps), aggregate(m, over="seeds+levels", reps=reps)
    poi = "" if n == base else "{p:.2f} [{low:.2f}, {high:.2f}]".format(**probability_of_improvement(m, mats[base], reps=reps))
    print(f"| {n} | {len(m)} | {' / '.join(f'{v:.2f}' for v in m.mean(axis=1))} "
          f"| {a['mean']:.2f} [{a['mean_low']:.2f}, {a['mean_high']:.2f}] | {a['iqm']:.2f} [{a['iqm_low']:.2f}, "
          f"{a['iqm_high']:.2f}] | {b['mean']:.2f} [{b['mean_low']:.2f}, {b['mean_high']:.2f}] | {poi} |")
