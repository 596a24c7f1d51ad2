"""Per-frame traces (the ``npp-rl sim trace`` command) and helpers to compare them with reference traces.

CSV columns: ``frame,input,x,y,vx,vy,state,dead,won``; row 0 is the spawn state (input empty), row k the state
after frame k; floats written with ``repr`` (full precision). The trace stops after the frame on which the
ninja dies or wins, or after the last input.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from npp_rl.sim.mapdata import MapData, attract_map_block, load_map, parse_map

COLUMNS = "frame,input,x,y,vx,vy,state,dead,won"


@dataclass
class TraceResult:
    inputs: bytes
    rows: np.ndarray
    """float64 (frames + 1, 5): x, y, vx, vy, state; row 0 = spawn."""
    death_frame: int | None
    win_frame: int | None
    exit_switch_frame: int | None
    gold_collected: int
    death_cause: str | None
    ignored_types: list


def load_demo(path: str | os.PathLike) -> tuple[MapData, bytes]:
    """(map, inputs) of an N++ attract demo (via :mod:`npp_rl.sim.replay` when available)."""
    path = Path(path)
    data = path.read_bytes()
    try:
        from npp_rl.sim import replay
    except ImportError:  # pragma: no cover - colleague's module absent
        replay = None
    if replay is not None and hasattr(replay, "parse_attract"):
        demo = replay.parse_attract(data, str(path))
        return parse_map(demo.map_bytes, str(path)), bytes(demo.inputs)
    block = attract_map_block(data, str(path))
    d = len(block)
    import struct

    n = struct.unpack_from("<I", data, d + 9)[0]
    return parse_map(block, str(path)), data[d + 30: d + 30 + n]


def run_trace(md: MapData, inputs: bytes, lenient: bool = False) -> TraceResult:
    from npp_rl.sim.simulator import Simulator

    sim = Simulator(md, lenient=lenient)
    spawn = np.array([[sim.x, sim.y, sim.vx, sim.vy, sim.state]])
    rows = sim.trace(inputs, stop_on_end=True)
    return TraceResult(bytes(inputs[: len(rows)]), np.concatenate([spawn, rows]), sim.death_frame,
                       sim.win_frame, sim.exit_switch_frame, sim.gold_collected, sim.death_cause,
                       list(sim.ignored_types))


def format_csv(tr: TraceResult) -> str:
    out = io.StringIO()
    out.write(COLUMNS + "\n")
    for k, (x, y, vx, vy, st) in enumerate(tr.rows):
        st = int(st)
        inp = "" if k == 0 else str(tr.inputs[k - 1])
        dead = 1 if st in (6, 7) else 0
        won = 1 if st == 8 else 0
        out.write(f"{k},{inp},{float(x)!r},{float(y)!r},{float(vx)!r},{float(vy)!r},{st},{dead},{won}\n")
    return out.getvalue()


def read_csv(path: str | os.PathLike) -> np.ndarray:
    """Reference trace as float64 (rows, 5): x, y, vx, vy, state."""
    data = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="ascii")
    return np.stack([data["x"], data["y"], data["vx"], data["vy"], data["state"]], axis=1).astype(np.float64)


def trace_command(map_path, inputs_path, demo_path, out_path) -> TraceResult:
    if demo_path:
        md, inputs = load_demo(demo_path)
    else:
        md = load_map(map_path)
        inputs = Path(inputs_path).read_bytes()
    from npp_rl.sim.simulator import UNSUPPORTED_TYPES

    ignored = sorted({int(t) for t in md.entities[:, 0]} & set(UNSUPPORTED_TYPES)) if len(md.entities) else []
    if ignored:
        from npp_rl.sim.mapdata import ENTITY_NAMES

        names = ", ".join(f"{t} ({ENTITY_NAMES[t]})" for t in ignored)
        print(f"WARNING: {md.source}: entity type(s) {names} are NOT simulated (lenient trace mode, as nclone); "
              f"the trace may differ from N++", file=sys.stderr)
    tr = run_trace(md, inputs, lenient=True)
    Path(out_path).write_text(format_csv(tr))
    return tr
