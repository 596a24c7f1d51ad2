"""Find replays under a folder and read them, turning every defect into a counted skip reason.

What counts as a replay (searched recursively, hidden files and folders ignored):

* ``*.nppreplay``: the project's format (solver solutions, recorded play); see :mod:`npp_rl.sim.replay`.
* N++ attract demos: files with no suffix (or ``.demo``/``.attract``) whose first two u32 make the file
  size (``8 + map_len + demo_len``, NPP_MECHANICS.md §7.1). Level files (``.npplevel`` or suffix-less
  N++ maps, whose first u32 is 0) are not replays and are passed over silently.

The map comes from the replay itself; a ``.nppreplay`` stored without map bytes takes the level file
beside it with the same stem (``<id>.npplevel`` or ``<id>``), as the level dataset lays them out.

Category and split of a replay come from its path in a level dataset, ``DIR/{train,test}/<category>/``:
the folder after ``train``/``test``; elsewhere the parent folder's name (``attract`` for attract demos
outside a dataset). Replays under a ``test`` folder are excluded by default (they are solutions of the
evaluation levels).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

from npp_rl.sim.replay import MAGIC, MIN_MAP_LEN, Replay, ReplayFormatError, parse_attract, parse_replay

REPLAY_SUFFIX = ".nppreplay"
ATTRACT_SUFFIXES = ("", ".demo", ".attract")
LEVEL_SUFFIXES = (".npplevel", "")

#: Reasons a replay is skipped (keys of the skip counts).
SKIP_REASONS = ("corrupt", "missing_map", "bad_map", "desync", "empty")


class SkipReplay(Exception):
    """A replay that cannot be used: ``reason`` is one of :data:`SKIP_REASONS`, ``detail`` says why."""

    def __init__(self, reason: str, detail: str):
        assert reason in SKIP_REASONS, reason
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass
class ReplayFile:
    """One replay found on disk, not yet read."""

    path: Path
    kind: str  # "nppreplay" | "attract"
    category: str
    split: str  # "train" | "test" | ""
    rel: str = ""
    sha256: str = field(default="", repr=False)


def _looks_like_attract(path: Path) -> bool:
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except OSError:
        return False
    if len(head) < 8 or head == MAGIC:
        return False
    map_len, demo_len = struct.unpack("<II", head)
    return map_len + 8 >= MIN_MAP_LEN and size == 8 + map_len + demo_len


def _place(rel_parts: tuple[str, ...], kind: str) -> tuple[str, str]:
    folders = rel_parts[:-1]
    for i, part in enumerate(folders):
        if part in ("train", "test"):
            cat = folders[i + 1] if i + 1 < len(folders) else ("attract" if kind == "attract" else "uncategorised")
            return cat, part
    if folders:
        return folders[-1], ""
    return ("attract" if kind == "attract" else "uncategorised"), ""


def discover(root: str | Path) -> list[ReplayFile]:
    """Every replay under ``root`` (a folder, or a single replay file), sorted by relative path."""
    root = Path(root)
    if root.is_file():
        files, base = [root], root.parent
    elif root.is_dir():
        files, base = sorted(p for p in root.rglob("*") if p.is_file()), root
    else:
        raise FileNotFoundError(f"--replay-data-dir {root}: no such folder")
    out = []
    for p in files:
        rel = p.relative_to(base)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.suffix == REPLAY_SUFFIX:
            kind = "nppreplay"
        elif p.suffix in ATTRACT_SUFFIXES and _looks_like_attract(p):
            kind = "attract"
        else:
            continue
        cat, split = _place(rel.parts, kind)
        out.append(ReplayFile(p, kind, cat, split, rel.as_posix()))
    return out


def _sibling_level(path: Path) -> bytes | None:
    for suffix in LEVEL_SUFFIXES:
        cand = path.with_suffix(suffix)
        if cand != path and cand.is_file():
            return cand.read_bytes()
    return None


def read(rf: ReplayFile) -> tuple[Replay, object]:
    """Read a replay and parse its map: ``(Replay, MapData)``; raises :class:`SkipReplay`."""
    from npp_rl.sim.mapdata import MapFormatError, parse_map

    try:
        data = rf.path.read_bytes()
    except OSError as e:
        raise SkipReplay("corrupt", f"{rf.path}: cannot read ({e})") from None
    rf.sha256 = hashlib.sha256(data).hexdigest()
    try:
        if rf.kind == "nppreplay":
            rep = parse_replay(data, rf.path)
        else:
            rep = parse_attract(data, rf.path).to_replay()
    except ReplayFormatError as e:
        raise SkipReplay("corrupt", str(e)) from None
    map_bytes = rep.map_bytes
    if not map_bytes:
        map_bytes = _sibling_level(rf.path)
        if map_bytes is None:
            raise SkipReplay("missing_map", f"{rf.path}: no map bytes in the replay and no level file "
                                            f"{rf.path.with_suffix('.npplevel').name} beside it")
        rep = Replay(map_bytes, rep.inputs, rep.outcome, rep.outcome_frame, rep.source)
    try:
        md = parse_map(map_bytes, str(rf.path))
    except (MapFormatError, ValueError) as e:
        raise SkipReplay("bad_map", str(e)) from None
    if not rep.inputs:
        raise SkipReplay("empty", f"{rf.path}: no input frames")
    return rep, md
