"""Helpers of the pretraining tests: scripted replays on the reference maps."""

from __future__ import annotations

from pathlib import Path

FRAME_SKIP = 4


def aligned(*segments: tuple[int, int]) -> bytes:
    """Input bytes from (byte, windows) segments, every window ``FRAME_SKIP`` frames of one byte."""
    return b"".join(bytes([b]) * (n * FRAME_SKIP) for b, n in segments)


#: simple-walk: wait, walk right past the exit switch, jump twice on the way to the exit (byte 3 = jump+right).
SIMPLE_WALK_INPUTS = aligned((0, 1), (2, 13), (3, 3), (2, 1), (0, 1), (3, 2), (2, 12))


def scripted_replay(map_path: Path, inputs: bytes, source: str = "test script"):
    """A ``.nppreplay`` record of ``inputs`` on ``map_path`` with the outcome the simulator gives."""
    from npp_rl.sim import Simulator, load_map
    from npp_rl.sim.replay import Replay

    md = load_map(map_path)
    sim = Simulator(md)
    sim.run(inputs)
    if sim.won:
        outcome, frame = "won", int(sim.win_frame)
    elif sim.dead:
        outcome, frame = "died", int(sim.death_frame)
    else:
        outcome, frame = "timeout", 0
    return Replay(md.to_bytes(), inputs[:frame] if frame else inputs, outcome, frame, source=source), md
