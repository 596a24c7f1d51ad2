"""Recompute a saved decision matrix (a compare step's matrix.csv) with today's statistics.

    python scripts/recompute_study_table.py docs/results/study-simple/matrix.csv --levels 10 --budget 40960

For studies whose MLflow store is gone: only the saved row aggregates are left. What they determine is
recomputed through the same code as ``npp-rl compare`` (:func:`npp_rl.comparison.build_matrix`):

* each row's per-level results, when the policy was deterministic: with L test levels a success rate s means
  round(s * L) levels solved; the mean, the IQM and every bootstrap interval depend only on that count, not on
  which levels (the probability of improvement does depend on which, so it is NOT recomputed);
* safety among attempts that move, when no row died (safety 1.0 then stays 1.0 for any row with a success);
* steps to 50 % with a seed that never got there counted as the full ``--budget``.

Not recoverable from aggregates: the area under the training curve (sample efficiency is then dropped from
the score and the weights renormalised), intervals over seeds for single-seed studies (points).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

from npp_rl.comparison import ModelRecord, RunSet, build_matrix
from npp_rl.comparison.report import display_table


def records(df: pd.DataFrame, n_levels: int) -> list[ModelRecord]:
    out = []
    for r in df.to_dict("records"):
        if int(r["seeds"]) != 1:
            sys.exit(f"row {r['architecture']} ({r['condition']}) has {r['seeds']} seeds: per-seed values are not "
                     f"in matrix.csv, recompute from the MLflow runs (npp-rl compare) instead")
        if r["safety"] < 1.0:
            sys.exit(f"row {r['architecture']} ({r['condition']}) has deaths: safety among moving attempts "
                     f"cannot be recovered from the saved 1 - death rate")
        solved = round(r["success"] * n_levels)
        if abs(solved - r["success"] * n_levels) > 1e-6:
            sys.exit(f"row {r['architecture']} ({r['condition']}): success {r['success']} is not k/{n_levels}; "
                     f"was the policy stochastic? (--levels)")
        metrics = {"eval/overall/success_rate": r["success"], "eval/overall/spl": r["spl"],
                   "eval/overall/timeout_rate": r["timeout_rate"], "perf/latency_ms_b1_p50": r["latency_ms"],
                   "model/parameters": r["parameters"]}
        for c in [k for k in r if k.startswith("success/")]:
            metrics[f"eval/{c.split('/', 1)[1]}/success_rate"] = r[c]
        if solved:
            metrics.update({"eval/overall/efficiency": r["efficiency"], "eval/overall/safety": 1.0,
                            "eval/overall/moving_rate": 1.0, "eval/overall/deaths_per_success": 0.0})
        per_level = [{"level": f"level_{i:02d}", "success_rate": 1.0 if i < solved else 0.0} for i in range(n_levels)]
        out.append(ModelRecord(r["architecture"], r["condition"], "0", f"saved:{r['architecture']}:{r['condition']}",
                               "saved", metrics, {"perf/fps_overall": r["train_fps"]}, [], None, None,
                               "saved", "deterministic", per_level))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("matrix_csv", type=Path)
    ap.add_argument("--levels", type=int, required=True, help="test levels the evaluation played")
    ap.add_argument("--budget", type=float, required=True, help="PPO env steps per training run")
    ap.add_argument("--out", type=Path, default=None, help="write the recomputed matrix as CSV here")
    args = ap.parse_args()
    df = pd.read_csv(args.matrix_csv)
    m = build_matrix(RunSet("saved", records(df, args.levels)))
    old = df.set_index(["architecture", "condition"])
    t = m.table
    t["steps_to_50"] = [old.loc[(a, c), "steps_to_50"] for a, c in zip(t["architecture"], t["condition"], strict=True)]
    t["reached_50"] = [0.0 if math.isnan(v) else 1.0 for v in t["steps_to_50"]]
    t["steps_to_50"] = t["steps_to_50"].fillna(args.budget)
    t["old_rank"] = [int(old.loc[(a, c), "rank"]) for a, c in zip(t["architecture"], t["condition"], strict=True)]
    disp = display_table(m)
    disp.insert(1, "old rank", t["old_rank"].astype(str).values)
    keep = ["rank", "old rank", "architecture", "condition", "seeds", "score", "success", "IQM [95% CI]",
            "95% CI seeds×levels", "efficiency", "safety", "steps to 50%", "train steps/s", "latency ms", "params"]
    print("| " + " | ".join(keep) + " |\n|" + "---|" * len(keep))
    for r in disp[keep].itertuples(index=False):
        print("| " + " | ".join(str(v) for v in r) + " |")
    print(f"\nweights used: {', '.join(f'{k} {w:.3f}' for k, w in m.weights.items())}; dropped: "
          f"{', '.join(m.dropped_criteria) or 'none'}")
    if args.out:
        t.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
