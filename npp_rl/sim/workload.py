"""Benchmark and profiling workloads: random input runs and the levels they are played on."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from npp_rl.sim.mapdata import MapData, load_map, parse_map

DEFAULT_MAPS = ("000_the_basics", "001_walljumptroduction", "003_wall-to-wall", "minefield", "slopes",
                 "complex-path-switch-required")


def random_inputs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Input bytes for n frames: a random action (none, left, right, jump, jump+left, jump+right) held 1-8
    frames, as in the reference traces' generator."""
    table = np.array([0, 4, 2, 1, 5, 3], dtype=np.uint8)
    out = np.empty(n, dtype=np.uint8)
    k = 0
    while k < n:
        a = int(rng.integers(0, 6))
        r = int(rng.integers(1, 9))
        out[k:k + r] = table[a]
        k += r
    return out


def builtin_map() -> MapData:
    """A small level with floors, walls, slopes and a few mines (used when no reference maps exist)."""
    data = bytearray(1230 + 5 * 5)
    tiles = np.zeros((23, 42), dtype=np.uint8)
    tiles[20:, :] = 1
    tiles[:, 0] = 1
    tiles[:, 41] = 1
    tiles[19, 10:14] = (6, 1, 1, 7)
    tiles[12, 20:30] = 1
    data[184:1150] = tiles.tobytes()
    counts = np.zeros(40, dtype="<u2")
    counts[0], counts[1], counts[3], counts[4] = 1, 2, 1, 1
    data[1150:1230] = counts.tobytes()
    recs = [(0, 30, 70, 0, 0), (1, 60, 78, 0, 0), (1, 120, 78, 0, 0), (3, 160, 78, 0, 0), (4, 100, 40, 0, 0)]
    for i, r in enumerate(recs):
        data[1230 + 5 * i:1235 + 5 * i] = bytes(r)
    return parse_map(bytes(data), "<builtin bench level>")


def find_maps(names=None) -> list[tuple[str, MapData]]:
    """Named level files (or reference levels by name); the built-in level when none is found."""
    ref = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "npp" / "maps"
    out = []
    for name in names or DEFAULT_MAPS:
        p = Path(name)
        if not p.is_file():
            p = ref / name
        if p.is_file():
            out.append((str(p), load_map(p)))
    if not out:
        out.append(("<builtin bench level>", builtin_map()))
    return out
