"""The levels an environment plays: a list of N++ level files / MapData, or a dataset folder.

``LevelSet(source)`` accepts a directory (every N++ level file below it: ``*.npplevel``, or files
with no suffix), a single file, a sequence of paths / ``MapData`` / ``LevelLayout``, or an object with
a ``maps()`` method returning such a sequence (a dataset). Each level's simulator ``Level`` and
``LevelLayout`` are built once and memoised by content (so many envs in one process share them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import _mapdata_adapter as ad
from .level import LevelLayout
from .static import LevelStatic, level_static

LEVEL_SUFFIXES = ("", ".npplevel", ".nlevel", ".level")
_SIM_LEVELS: dict[bytes, tuple] = {}


def _files_in(folder: Path) -> list[Path]:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in LEVEL_SUFFIXES
             and not p.name.startswith(".")]
    if not files:
        raise FileNotFoundError(f"{folder}: no N++ level files (*.npplevel or files without a suffix)")
    return files


def _expand(source) -> list:
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.is_dir():
            return _files_in(p)
        if p.is_file():
            return [p]
        raise FileNotFoundError(f"level source not found: {p}")
    if hasattr(source, "maps") and callable(source.maps):
        return list(source.maps())
    if isinstance(source, Sequence) or hasattr(source, "__iter__"):
        out = []
        for s in source:
            if isinstance(s, (str, Path)) and Path(s).is_dir():
                out += _files_in(Path(s))
            else:
                out.append(s)
        if not out:
            raise ValueError("level source is empty: give at least one level")
        return out
    raise TypeError(f"level source: expected a folder, a file, a sequence of levels or a dataset, got {type(source)}")


class LevelSet:
    """An indexed, immutable collection of levels."""

    def __init__(self, source):
        if isinstance(source, LevelSet):
            self._items = source._items
            self._built = source._built
            return
        self._items = _expand(source)
        self._built: list[tuple | None] = [None] * len(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def _build(self, i: int):
        b = self._built[i]
        if b is None:
            item = self._items[i]
            if isinstance(item, LevelLayout):
                item = item.source
            name = None
            if isinstance(item, (str, Path)):
                name = Path(item).name
                item = ad.load(item)
            key = item.to_bytes()
            b = _SIM_LEVELS.get(key)
            if b is None:
                lv = ad.sim_level(item)
                b = (lv, ad._layout_from_sim_mapdata(item, name, lv))
                _SIM_LEVELS[key] = b
            self._built[i] = b
        return b

    def sim_level(self, i: int):
        """The simulator ``Level`` of level ``i``."""
        return self._build(i)[0]

    def layout(self, i: int) -> LevelLayout:
        return self._build(i)[1]

    def static(self, i: int) -> LevelStatic:
        return level_static(self.layout(i))

    def name(self, i: int) -> str:
        return self.layout(i).name
