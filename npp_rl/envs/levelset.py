"""The levels an environment plays: a list of N++ level files / MapData, or a dataset folder.

``LevelSet(source, split=None, categories=None)`` accepts a level dataset (a folder with
``manifest.json``, loaded and checked by :func:`npp_rl.levels.load_dataset`, or a ``Dataset``; ``split``
and ``categories`` select its levels), any other folder (every N++ level file below it:
``*.npplevel`` or files with no suffix), a single file, or a sequence of paths / ``MapData`` /
``LevelLayout`` / ``GeneratedLevel`` / dataset ``LevelEntry``. Each level's simulator ``Level`` and
``LevelLayout`` are built once and memoised by content (so many envs in one process share them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import _mapdata_adapter as ad
from .level import LevelLayout
from .static import LevelStatic, level_static

LEVEL_SUFFIXES = ("", ".npplevel", ".nlevel", ".level")
_SIM_LEVELS: dict[tuple, tuple] = {}


def _files_in(folder: Path) -> list[Path]:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in LEVEL_SUFFIXES
             and not p.name.startswith(".")]
    if not files:
        raise FileNotFoundError(f"{folder}: no N++ level files (*.npplevel or files without a suffix)")
    return files


EVAL_EVERY = 10


def _from_dataset(ds, split, categories) -> list:
    """Entries of ``split``. ``"eval"`` is a held-back part of the train split (every 10th train level
    of each category); ``"train"`` then leaves those out when the category has at least 10 levels."""
    base = "train" if split == "eval" else split
    entries = [e for e in ds.levels(base) if categories is None or e.category in categories]
    if split in ("train", "eval"):
        by_cat: dict[str, list] = {}
        for e in entries:
            by_cat.setdefault(e.category, []).append(e)
        keep = []
        for es in by_cat.values():
            held = set(range(EVAL_EVERY - 1, len(es), EVAL_EVERY)) or {len(es) - 1}
            if split == "eval":
                keep += [e for k, e in enumerate(es) if k in held]
            else:
                keep += [e for k, e in enumerate(es) if k not in held or len(es) < EVAL_EVERY]
        entries = keep
    if not entries:
        raise ValueError(f"{ds.root}: no levels in split {split!r}"
                         + (f" for categories {list(categories)}" if categories else ""))
    return entries


def split_entries(ds, split: str | None, categories=None) -> list:
    """The entries of a level dataset that an environment with ``EnvConfig.split = split`` plays
    (``eval``: the held-back every-10th train levels; ``train`` without them where a category has 10+)."""
    return _from_dataset(ds, split, categories)


def _expand(source, split=None, categories=None) -> list:
    if hasattr(source, "entries") and hasattr(source, "levels") and hasattr(source, "root"):
        return _from_dataset(source, split, categories)
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.is_dir() and (p / "manifest.json").is_file():
            from npp_rl.levels import load_dataset

            return _from_dataset(load_dataset(p), split, categories)
        if p.is_dir():
            return _files_in(p)
        if p.is_file():
            return [p]
        raise FileNotFoundError(f"level source not found: {p}")
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

    def __init__(self, source, split: str | None = None, categories=None, lenient: bool = True):
        self.lenient = lenient
        if isinstance(source, LevelSet):
            self._items = source._items
            self._built = source._built
            self.lenient = source.lenient
            return
        if isinstance(categories, str):
            categories = (categories,)
        self._items = _expand(source, split, categories)
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
            if hasattr(item, "category") and hasattr(item, "load_map"):  # dataset LevelEntry
                name = f"{item.category}/{item.id}"
                item = item.load_map()
            elif hasattr(item, "category") and hasattr(item, "map"):  # GeneratedLevel
                name = f"{item.category}/{item.seed}"
                item = item.map
            if isinstance(item, (str, Path)):
                name = Path(item).name
                item = ad.load(item)
            key = (item.to_bytes(), self.lenient)
            b = _SIM_LEVELS.get(key)
            if b is None:
                lv = ad.sim_level(item, self.lenient)
                b = (lv, ad.layout_from_sim(item, name, lv))
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

    def category(self, i: int) -> str | None:
        """The level's category when it comes from a dataset or a generator, else None."""
        return getattr(self._items[i], "category", None)
