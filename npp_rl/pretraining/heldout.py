"""Which levels imitation may learn from: never the held-back ``eval`` levels, never the ``test`` split.

A level dataset (``manifest.json``, :mod:`npp_rl.levels.dataset`) has a ``train`` and a ``test`` split;
the environment holds back every 10th train level of each category as the ``eval`` split, on which the
training curve is measured (``EnvConfig.split``, :func:`npp_rl.envs.levelset.split_entries`). BC and
DAgger must see neither: a pretrained agent's held-back curve would otherwise be measured on levels it
imitated, and its test success on levels whose solutions it learnt.

:func:`level_datasets` finds the datasets a folder belongs to or holds (the folder itself, a parent,
or several below it, e.g. ``DIR/chunk-*/manifest.json``); :func:`held_out` returns the sha256 of every
held-back level with the split it belongs to; :func:`training_levels` the entries that may be learnt
from. Replays are matched to levels by the sha256 of their map bytes, so a copy of an eval level's
solution stored anywhere is still excluded.
"""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
HELD_SPLITS = ("eval", "test")


def level_datasets(folder: str | Path) -> list:
    """The level datasets ``folder`` is inside of (nearest manifest at or above it) or, failing that,
    every dataset below it; ``[]`` when it is no part of a dataset."""
    from npp_rl.levels import load_dataset

    p = Path(folder).resolve()
    for d in [p, *p.parents]:
        if (d / MANIFEST).is_file():
            return [load_dataset(d, verify_checksums=False)]
    if not p.is_dir():
        return []
    return [load_dataset(m.parent, verify_checksums=False) for m in sorted(p.rglob(MANIFEST))
            if not any(part.startswith(".") for part in m.relative_to(p).parts)]


def held_out(datasets) -> dict[str, str]:
    """sha256 of every level in an ``eval`` or ``test`` split of ``datasets`` -> that split."""
    from npp_rl.envs.levelset import split_entries

    out: dict[str, str] = {}
    for ds in datasets:
        for split in HELD_SPLITS:
            try:
                entries = split_entries(ds, split)
            except ValueError:  # no level in that split
                continue
            for e in entries:
                out.setdefault(e.sha256, split)
    return out


def training_levels(datasets, categories=None) -> list:
    """Train-split entries of ``datasets`` outside every held-back split (the levels DAgger may play)."""
    from npp_rl.envs.levelset import split_entries

    held = held_out(datasets)
    out = []
    for ds in datasets:
        try:
            out += [e for e in split_entries(ds, "train", categories) if e.sha256 not in held]
        except ValueError:
            continue
    return out
