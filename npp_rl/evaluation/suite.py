"""The test suite an evaluation plays: levels, their category and a reference solution length.

The levels come from :func:`npp_rl.levels.load_test_suite`: a dataset root (its ``test`` split,
manifest and checksums checked), a folder of category folders, or one folder of N++ level files
(category = the folder's name) -- our datasets and imported ones alike.

Reference lengths (for the efficiency metric, see :mod:`npp_rl.evaluation.metrics`), in frames:

1. ``manifest``: the solver solution's length recorded in the dataset manifest;
2. ``replay``: else the winning frame of the ``.nppreplay`` stored beside the level;
3. ``geodesic``: else the level's spawn -> switch -> exit geodesic path length divided by the ninja's
   top running speed (3.333 px/frame), a lower bound for walking, so imported levels without a
   solution still get an efficiency (clipped to 1 like every other reference).

Nothing here imports torch or MLflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TOP_SPEED_PX_PER_FRAME = 3.333  # npp_rl.sim.core.MAX_HOR_SPEED


class SuiteError(ValueError):
    """The test dataset is missing, empty or inconsistent (the message names the file)."""


@dataclass
class SuiteLevel:
    path: Path
    category: str
    name: str
    reference_frames: float | None = None
    reference_kind: str = "geodesic"
    """``manifest`` | ``replay`` | ``geodesic`` (the last filled in when the level is played)."""


@dataclass
class TestSuite:
    root: Path
    levels: list[SuiteLevel] = field(default_factory=list)

    __test__ = False  # not a pytest class

    @property
    def categories(self) -> list[str]:
        seen: list[str] = []
        for lv in self.levels:
            if lv.category not in seen:
                seen.append(lv.category)
        return seen

    def paths(self) -> list[Path]:
        return [lv.path for lv in self.levels]

    def __len__(self) -> int:
        return len(self.levels)

    def content_hash(self) -> str:
        """16 hex digits over the played levels' names and file bytes: two evaluations are on the same
        test set exactly when their hashes match, however the folder was named or passed."""
        import hashlib

        h = hashlib.sha256()
        for lv in sorted(self.levels, key=lambda x: x.name):
            h.update(lv.name.encode() + b"\0" + hashlib.sha256(Path(lv.path).read_bytes()).digest())
        return h.hexdigest()[:16]


def _replay_frames(path: Path | None) -> float | None:
    if path is None or not Path(path).is_file():
        return None
    try:
        from npp_rl.sim.replay import read_replay

        r = read_replay(path)
    except Exception:
        return None
    if r.outcome == "won" and r.outcome_frame > 0:
        return float(r.outcome_frame)
    return None


def load_suite(path: str | Path, split: str = "test", category: str | None = None) -> TestSuite:
    """The levels under ``path`` with their category and reference length (see module docstring)."""
    from npp_rl.levels import load_test_suite
    from npp_rl.sim.mapdata import MapFormatError

    p = Path(path)
    if not p.exists():
        raise SuiteError(f"--test-dataset {p}: no such file or folder")
    try:
        groups = load_test_suite(p, category=category, split=split)
    except (ValueError, MapFormatError) as e:  # DatasetError / MapFormatError name the file
        raise SuiteError(f"--test-dataset {p}: {e}") from None
    levels = []
    for cat, entries in groups.items():
        for e in entries:
            ref, kind = None, "geodesic"
            if getattr(e, "solution_frames", None):
                ref, kind = float(e.solution_frames), "manifest"
            else:
                ref = _replay_frames(e.solution_path)
                kind = "replay" if ref is not None else "geodesic"
            levels.append(SuiteLevel(Path(e.path), cat, f"{cat}/{e.id}", ref, kind))
    if not levels:
        raise SuiteError(f"--test-dataset {p}: no levels")
    return TestSuite(p, levels)


def geodesic_reference_frames(path_length_px: float) -> float:
    """Frames to cover ``path_length_px`` at the ninja's top running speed."""
    return max(1.0, float(path_length_px) / TOP_SPEED_PX_PER_FRAME)
