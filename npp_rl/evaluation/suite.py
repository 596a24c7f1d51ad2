"""The test suite an evaluation plays: levels, their category and a reference solution length.

``load_suite(path)`` accepts

* a dataset root ``DIR`` with ``DIR/test/<category>/<id>.npplevel`` (the ``test`` split is used;
  ``split="train"`` picks the other one) and optionally ``DIR/manifest.json``;
* a split folder ``DIR/test`` or any folder of N++ level files (``*.npplevel`` or files without a
  suffix, searched recursively): a level's category is the first folder below the root holding it,
  and levels directly in the root take the root folder's name;
* a single level file.

Reference lengths (for the efficiency metric, see :mod:`npp_rl.evaluation.metrics`), in frames:

1. ``solution_frames`` / ``solution_length`` of the level's manifest entry, when present;
2. else the solver's ``.nppreplay`` beside the level (``<id>.nppreplay``): its winning frame;
3. else ``geodesic``: the level's spawn -> switch -> exit geodesic path length divided by the ninja's
   top running speed (3.333 px/frame) -- a lower bound for walking, so imported levels get an
   efficiency too (clipped to 1 like every other reference).

Nothing here imports torch or MLflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LEVEL_SUFFIXES = ("", ".npplevel", ".nlevel", ".level")
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
    """``manifest`` | ``replay`` | ``geodesic`` (filled in when the level is loaded)."""


@dataclass
class TestSuite:
    root: Path
    levels: list[SuiteLevel] = field(default_factory=list)

    __test__ = False  # not a pytest class

    @property
    def categories(self) -> list[str]:
        return sorted({lv.category for lv in self.levels})

    def paths(self) -> list[Path]:
        return [lv.path for lv in self.levels]

    def __len__(self) -> int:
        return len(self.levels)


def _is_level_file(p: Path) -> bool:
    return p.is_file() and p.suffix in LEVEL_SUFFIXES and not p.name.startswith(".") and p.name != "manifest.json"


def _manifest_entries(root: Path) -> dict[str, dict]:
    """Manifest entries keyed by level path relative to the dataset root (and by file name)."""
    for cand in (root / "manifest.json", root.parent / "manifest.json"):
        if cand.is_file():
            try:
                data = json.loads(cand.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise SuiteError(f"{cand}: unreadable manifest ({e})") from None
            base = cand.parent
            entries = data.get("levels", data) if isinstance(data, dict) else data
            if isinstance(entries, dict):
                entries = [dict(v, path=v.get("path", k)) if isinstance(v, dict) else {} for k, v in entries.items()]
            out: dict[str, dict] = {}
            for e in entries if isinstance(entries, list) else []:
                if not isinstance(e, dict):
                    continue
                rel = e.get("path") or e.get("file") or e.get("level")
                if not rel:
                    continue
                full = (base / rel).resolve()
                out[str(full)] = e
            return out
    return {}


def _replay_frames(level: Path) -> float | None:
    rp = level.with_suffix(".nppreplay")
    if not rp.is_file():
        return None
    try:
        from npp_rl.sim.replay import read_replay

        r = read_replay(rp)
    except Exception:
        return None
    if r.outcome == "won" and r.outcome_frame > 0:
        return float(r.outcome_frame)
    return None


def load_suite(path: str | Path, split: str = "test") -> TestSuite:
    """The levels under ``path`` with their category and reference length (see module docstring)."""
    p = Path(path)
    if not p.exists():
        raise SuiteError(f"--test-dataset {p}: no such file or folder")
    if p.is_file():
        files, root = [p], p.parent
    else:
        root = p / split if (p / split).is_dir() else p
        files = [f for f in sorted(root.rglob("*")) if _is_level_file(f)]
        if not files:
            raise SuiteError(f"--test-dataset {root}: no N++ level files (*.npplevel or files without a suffix)")
    manifest = _manifest_entries(p if p.is_dir() else p.parent)
    levels = []
    for f in files:
        rel = f.relative_to(root)
        category = rel.parts[0] if len(rel.parts) > 1 else root.name
        entry = manifest.get(str(f.resolve()), {})
        category = str(entry.get("category") or category)
        ref, kind = None, "geodesic"
        for key in ("solution_frames", "solution_length"):
            if entry.get(key):
                ref, kind = float(entry[key]), "manifest"
                break
        if ref is None:
            ref = _replay_frames(f)
            kind = "replay" if ref is not None else "geodesic"
        levels.append(SuiteLevel(f, category, str(rel.with_suffix("")), ref, kind))
    return TestSuite(root, levels)


def geodesic_reference_frames(path_length_px: float) -> float:
    """Frames to cover ``path_length_px`` at the ninja's top running speed."""
    return max(1.0, float(path_length_px) / TOP_SPEED_PX_PER_FRAME)
