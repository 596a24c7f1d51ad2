"""Shared helpers for the reference-trace tests: where ../shared/reference is and how traces compare."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference"
TRACES = REFERENCE / "traces"
SKIP_REASON = f"reference data not found at {REFERENCE} (the shared/ folder beside the repository)"


def available() -> bool:
    return (TRACES / "summary.json").is_file()


def summary() -> dict:
    return json.loads((TRACES / "summary.json").read_text())["traces"]


def trace_names() -> list[str]:
    if not available():
        return []
    return sorted(summary())


def inputs_for(name: str):
    """(MapData, inputs bytes) that produced reference trace ``name``."""
    from npp_rl.sim.mapdata import load_map
    from npp_rl.sim.trace import load_demo

    if name.startswith("attract_"):
        md, inputs = load_demo(REFERENCE / "npp" / "attract" / name[len("attract_"):])
        return md, inputs
    md = load_map(REFERENCE / "npp" / "maps" / name[len("map_"):])
    seq = json.loads((TRACES / "random_inputs_seed0.json").read_text())
    if isinstance(seq, dict):
        seq = seq["input_bytes"]
    return md, bytes(int(b) for b in seq)


def compare(name: str):
    """Run the simulator on a reference trace; return a dict of outcome and error figures."""
    from npp_rl.sim.trace import read_csv, run_trace

    md, inputs = inputs_for(name)
    ref = read_csv(TRACES / f"{name}.csv")
    tr = run_trace(md, inputs, lenient=True)
    n = min(len(ref), len(tr.rows))
    err = np.maximum(np.abs(ref[:n, 0] - tr.rows[:n, 0]), np.abs(ref[:n, 1] - tr.rows[:n, 1]))
    bad = np.nonzero(err > 1e-6)[0]
    return {
        "trace": tr,
        "frames": n - 1,
        "max_err": float(err.max()) if n else 0.0,
        "first_diff": int(bad[0]) if len(bad) else None,
        "ref": ref,
    }


def table() -> list[dict]:
    """One row per reference trace: frames compared, max position error, first differing frame, events."""
    rows = []
    summ = summary()
    for name in trace_names():
        r = compare(name)
        tr, s = r["trace"], summ[name]
        events = (tr.death_frame == s["death_frame"] and tr.win_frame == s["win_frame"]
                  and tr.exit_switch_frame == s["exit_switch_frame"] and tr.gold_collected == s["gold_collected"])
        rows.append({"trace": name, "frames": r["frames"], "max_err_px": r["max_err"],
                     "first_diff": r["first_diff"], "events_match": events})
    return rows


if __name__ == "__main__":  # python tests/sim/_reference.py  -> markdown table
    import sys

    sys.path.insert(0, str(REPO))
    print("| trace | frames | max position error (px) | first differing frame | events match |")
    print("|---|---|---|---|---|")
    for row in table():
        print(f"| {row['trace']} | {row['frames']} | {row['max_err_px']:.3g} | {row['first_diff'] or '-'} | "
              f"{'yes' if row['events_match'] else 'NO'} |")
