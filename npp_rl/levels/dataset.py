"""Level datasets: layout, manifest, generation, import, loading and checks.

Layout::

    DIR/manifest.json
    DIR/{train,test}/<category>/<id>.npplevel     an N++ level file (NPP_MECHANICS.md §2)
    DIR/{train,test}/<category>/<id>.nppreplay    its solver-verified solution (npp_rl.sim.replay)

``manifest.json`` lists every level (id, split, category, file, sha256, seed, generator version, solution
file, sha256 and length in frames) and a ``content_hash``: the sha256 of the sorted lines
``<relative path> <sha256>`` over all level and solution files. It holds nothing that varies between runs
(timings go to ``generation_report.json``), so the same arguments give a byte-identical dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from npp_rl.sim.mapdata import MapData, MapFormatError, load_map
from npp_rl.sim.replay import Replay, ReplayFormatError, read_replay, write_replay

from .generators import CATEGORIES, GENERATOR_VERSION
from .importing import read_level
from .solver import SOLVER_VERSION, SolverConfig, solve, verify

MANIFEST = "manifest.json"
REPORT = "generation_report.json"
FORMAT = "npp-rl-levels"
FORMAT_VERSION = 1
SPLITS = ("train", "test")
LEVEL_EXT = ".npplevel"
REPLAY_EXT = ".nppreplay"
NOT_LEVELS = {".nppreplay", ".json", ".png", ".jpg", ".md", ".txt", ".csv", ".py", ".pkl", ".tmp"}


class DatasetError(ValueError):
    """A dataset that is missing files, fails its checksums or lacks levels; names the file."""


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def derive_seed(seed: int, split: str, category: str, index: int, attempt: int) -> int:
    """The level seed for one slot of a dataset: a stable 31-bit hash of its coordinates."""
    h = hashlib.sha256(f"npp-rl-levels/{seed}/{split}/{category}/{index}/{attempt}".encode()).digest()
    return int.from_bytes(h[:4], "little") & 0x7FFFFFFF


@dataclass
class LevelEntry:
    id: str
    split: str
    category: str
    path: Path
    sha256: str = ""
    seed: int | None = None
    generator_version: str = ""
    solution_path: Path | None = None
    solution_sha256: str = ""
    solution_frames: int | None = None
    difficulty: float | None = None
    """The generator's difficulty in [0, 1] (None for imported levels)."""

    def load_map(self) -> MapData:
        return load_map(self.path)

    def load_solution(self) -> Replay | None:
        return read_replay(self.solution_path) if self.solution_path else None


@dataclass
class Dataset:
    root: Path
    entries: list[LevelEntry]
    content_hash: str = ""
    manifest: dict = field(default_factory=dict)

    def levels(self, split: str | None = None, category: str | None = None) -> list[LevelEntry]:
        return [e for e in self.entries if (split is None or e.split == split)
                and (category is None or e.category == category)]

    def categories(self, split: str | None = None) -> list[str]:
        """Categories present, the five standard ones first in their canonical order."""
        seen: list[str] = []
        for e in self.levels(split):
            if e.category not in seen:
                seen.append(e.category)
        return sorted(seen, key=lambda c: (CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES), c))

    def by_category(self, split: str | None = None) -> dict[str, list[LevelEntry]]:
        return {c: self.levels(split, c) for c in self.categories(split)}


# --------------------------------------------------------------------------- manifest
def content_hash(root: Path, entries: Iterable[LevelEntry]) -> str:
    lines = []
    for e in entries:
        lines.append(f"{e.path.relative_to(root).as_posix()} {e.sha256}")
        if e.solution_path is not None:
            lines.append(f"{e.solution_path.relative_to(root).as_posix()} {e.solution_sha256}")
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def _entry_json(root: Path, e: LevelEntry) -> dict:
    return {
        "id": e.id, "split": e.split, "category": e.category, "file": e.path.relative_to(root).as_posix(),
        "sha256": e.sha256, "seed": e.seed, "generator_version": e.generator_version,
        "solution": None if e.solution_path is None else {
            "file": e.solution_path.relative_to(root).as_posix(), "sha256": e.solution_sha256,
            "frames": e.solution_frames,
        },
        **({"difficulty": e.difficulty} if e.difficulty is not None else {}),
    }


def write_manifest(root: Path, entries: list[LevelEntry], extra: dict | None = None) -> dict:
    root = Path(root)
    entries = sorted(entries, key=lambda e: (SPLITS.index(e.split) if e.split in SPLITS else 9,
                                             CATEGORIES.index(e.category) if e.category in CATEGORIES else 99,
                                             e.category, e.id))
    counts: dict[str, dict[str, int]] = {}
    for e in entries:
        counts.setdefault(e.split, {}).setdefault(e.category, 0)
        counts[e.split][e.category] += 1
    man = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "generator_version": GENERATOR_VERSION, "solver_version": SOLVER_VERSION,
        **(extra or {}),
        "counts": counts,
        "content_hash": content_hash(root, entries),
        "levels": [_entry_json(root, e) for e in entries],
    }
    tmp = root / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(man, indent=1, sort_keys=False) + "\n")
    os.replace(tmp, root / MANIFEST)
    return man


def load_dataset(root: str | os.PathLike, verify_checksums: bool = True,
                 require_splits: Iterable[str] = ()) -> Dataset:
    """Read ``root/manifest.json`` and check it: every file present, every sha256 and the content hash
    matching, every category listed holding at least one level. Raises :class:`DatasetError`."""
    root = Path(root)
    mpath = root / MANIFEST
    if not mpath.is_file():
        raise DatasetError(f"{mpath}: manifest not found (is {root} a level dataset? "
                           f"`npp-rl levels generate` or `levels import` writes one)")
    try:
        man = json.loads(mpath.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DatasetError(f"{mpath}: not valid JSON ({e})") from None
    if not isinstance(man, dict) or man.get("format") != FORMAT or not isinstance(man.get("levels"), list):
        raise DatasetError(f"{mpath}: expected a {FORMAT!r} manifest with a 'levels' list")
    entries = []
    for n, rec in enumerate(man["levels"]):
        try:
            sol = rec.get("solution")
            e = LevelEntry(
                id=str(rec["id"]), split=str(rec["split"]), category=str(rec["category"]),
                path=root / rec["file"], sha256=str(rec["sha256"]), seed=rec.get("seed"),
                generator_version=str(rec.get("generator_version", "")),
                solution_path=(root / sol["file"]) if sol else None,
                solution_sha256=str(sol["sha256"]) if sol else "",
                solution_frames=sol.get("frames") if sol else None,
                difficulty=rec.get("difficulty"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise DatasetError(f"{mpath}: level record {n}: missing or bad field {exc}") from None
        for p, want in ((e.path, e.sha256), (e.solution_path, e.solution_sha256)):
            if p is None:
                continue
            if not p.is_file():
                raise DatasetError(f"{p}: listed in {mpath} but missing")
            if verify_checksums:
                got = sha256_file(p)
                if got != want:
                    raise DatasetError(f"{p}: sha256 mismatch (manifest {want[:12]}…, file {got[:12]}…)")
        entries.append(e)
    for split, cats in (man.get("counts") or {}).items():
        for cat, cnt in cats.items():
            have = sum(1 for e in entries if e.split == split and e.category == cat)
            if have == 0 or have != cnt:
                raise DatasetError(f"{mpath}: category {cat!r} in split {split!r} lists {cnt} levels, "
                                   f"found {have}" + (" (a category with no levels)" if have == 0 else ""))
    for split in require_splits:
        if not any(e.split == split for e in entries):
            raise DatasetError(f"{mpath}: no levels in split {split!r}")
    h = content_hash(root, entries)
    if verify_checksums and man.get("content_hash") != h:
        raise DatasetError(f"{mpath}: content_hash {man.get('content_hash')} does not match the files ({h})")
    return Dataset(root, entries, h, man)


# --------------------------------------------------------------------------- writing
def _write_level(root: Path, split: str, category: str, level_id: str, data: bytes, replay: Replay | None,
                 seed: int | None, gen_version: str) -> LevelEntry:
    d = root / split / category
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{level_id}{LEVEL_EXT}"
    path.write_bytes(data)
    e = LevelEntry(level_id, split, category, path, hashlib.sha256(data).hexdigest(), seed, gen_version)
    if replay is not None:
        rp = write_replay(d / f"{level_id}{REPLAY_EXT}", replay)
        e.solution_path, e.solution_sha256, e.solution_frames = rp, sha256_file(rp), replay.frame_count
    return e


# --------------------------------------------------------------------------- import and test suites
def level_files(folder: Path, pickles: bool = False) -> list[Path]:
    """The N++ level files directly in ``folder``: regular files, not hidden, not replays, images or JSON
    (with ``pickles``, nclone's ``.pkl`` levels too)."""
    skip = NOT_LEVELS - ({".pkl"} if pickles else set())
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in skip)


def import_levels(src: str | os.PathLike, out: str | os.PathLike, category: str, split: str = "test",
                  verify_solvable: bool = False, solver_config: SolverConfig | None = None,
                  progress: Callable[[int, str], None] | None = None) -> tuple[Dataset, dict]:
    """Copy every N++ level file in ``src`` into ``out/<split>/<category>/`` (merging with a dataset already
    there) and rewrite the manifest. ``src`` may hold N++ level files and nclone level pickles
    (:mod:`npp_rl.levels.importing`); entities outside the map are dropped with a warning (in
    ``report["warnings"]``) and the level kept if still complete. With ``verify_solvable`` the solver must win each level (its solution
    is stored beside it); levels that fail to parse, to load in the simulator or to solve are reported."""
    src, root = Path(src), Path(out)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not category or "/" in category or category.startswith("."):
        raise ValueError(f"bad category name {category!r}")
    if not src.is_dir():
        raise DatasetError(f"{src}: not a folder of N++ level files")
    files = level_files(src, pickles=True)
    if not files:
        raise DatasetError(f"{src}: no level files found")
    root.mkdir(parents=True, exist_ok=True)
    entries = load_dataset(root).entries if (root / MANIFEST).is_file() else []
    cfg = solver_config or SolverConfig()
    taken = {(e.split, e.category, e.id) for e in entries}
    report: dict = {"imported": [], "rejected": [], "warnings": []}
    for f in files:
        try:
            data, md, warnings = read_level(f)
        except MapFormatError as e:
            report["rejected"].append({"file": str(f), "reason": str(e)})
            if progress:
                progress(1, f.name)
            continue
        report["warnings"] += warnings
        rep = None
        if verify_solvable:
            try:
                res = solve(md, cfg)
            except ValueError as e:  # unsupported entity types, no exit
                report["rejected"].append({"file": str(f), "reason": str(e)})
                if progress:
                    progress(1, f.name)
                continue
            if not res.solved:
                report["rejected"].append({"file": str(f), "reason": f"not solved: {res.reason}"})
                if progress:
                    progress(1, f.name)
                continue
            rep = res.to_replay(data, source=f"npp-rl solver {SOLVER_VERSION} on {f.name}")
        level_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in f.stem) or "level"
        base, n = level_id, 1
        while (split, category, level_id) in taken:
            n += 1
            level_id = f"{base}_{n}"
        taken.add((split, category, level_id))
        entries.append(_write_level(root, split, category, level_id, data, rep, None, "import"))
        report["imported"].append({"file": str(f), "id": level_id, "solution_frames": rep.frame_count if rep else None})
        if progress:
            progress(1, f.name)
    if not any(e.split == split and e.category == category for e in entries):
        raise DatasetError(f"{src}: none of the {len(files)} files could be imported: "
                           + "; ".join(r["reason"] for r in report["rejected"][:3]))
    write_manifest(root, entries)
    return load_dataset(root), report


def load_test_suite(path: str | os.PathLike, category: str | None = None,
                    split: str = "test") -> dict[str, list[LevelEntry]]:
    """Levels for evaluation, grouped by category.

    ``path`` may be a dataset (with ``manifest.json``: its ``split`` levels, checked), a folder of
    category folders of N++ level files, or one folder of N++ level files (category = ``category`` or the
    folder's name). Every level file is parsed; a bad one raises naming the file.
    """
    root = Path(path)
    if (root / MANIFEST).is_file():
        ds = load_dataset(root, require_splits=[split])
        groups = ds.by_category(split)
        if category is not None:
            if category not in groups:
                raise DatasetError(f"{root / MANIFEST}: no levels of category {category!r} in split {split!r}")
            groups = {category: groups[category]}
        return groups
    if not root.is_dir():
        raise DatasetError(f"{root}: not a dataset or a folder of level files")
    if not level_files(root) and (root / split).is_dir():  # a dataset layout without its manifest
        root = root / split
    subdirs = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: (CATEGORIES.index(p.name) if p.name in CATEGORIES else len(CATEGORIES), p.name))
    folders = [(d.name, d) for d in subdirs if level_files(d)] if not level_files(root) else []
    if not folders:
        folders = [(category or root.name, root)]
    elif category is not None:
        folders = [(category, d) for name, d in folders if name == category] or folders
    groups: dict[str, list[LevelEntry]] = {}
    for cat, folder in folders:
        files = level_files(folder)
        if not files:
            raise DatasetError(f"{folder}: category {cat!r} has no level files")
        out = []
        for f in files:
            load_map(f)  # MapFormatError names the file
            sol = f.with_suffix(REPLAY_EXT)
            out.append(LevelEntry(f.stem, split, cat, f, sha256_file(f),
                                  solution_path=sol if sol.is_file() and sol != f else None))
        groups[cat] = out
    return groups


def check_solutions(ds: Dataset, split: str | None = None) -> list[str]:
    """Replay every stored solution in the simulator; return the problems (empty = all win)."""
    problems = []
    for e in ds.levels(split):
        if e.solution_path is None:
            continue
        try:
            rep = e.load_solution()
        except ReplayFormatError as exc:
            problems.append(str(exc))
            continue
        md = e.load_map()
        if rep.map_bytes != md.to_bytes():
            problems.append(f"{e.solution_path}: map bytes differ from {e.path}")
        outcome, frame = verify(md, rep.inputs)
        if outcome != "won" or frame != rep.frame_count:
            problems.append(f"{e.solution_path}: replays to {outcome} at frame {frame} of {rep.frame_count}")
    return problems
