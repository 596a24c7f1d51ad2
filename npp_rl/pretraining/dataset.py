"""Replays -> a behavioural-cloning dataset on disk: npz shards, a manifest and a content hash.

``build_dataset(replay_dir, out_dir=None, options) -> BCDataset`` finds every replay under
``replay_dir`` (:mod:`npp_rl.pretraining.sources`), leaves out the replays of held-back levels (a level
dataset's ``eval`` and ``test`` splits, matched by map sha256; :mod:`npp_rl.pretraining.heldout`),
re-simulates each through the environment (:mod:`npp_rl.pretraining.resim`), and writes::

    out_dir/manifest.json      build options, one entry per replay used, every skipped replay with
                               its reason, the shards, totals and the content hash
    out_dir/skipped.json       the skipped replays alone ({"counts": {reason: n}, "replays": [...]})
    out_dir/shard-00000.npz    arrays, one row per decision step:
        obs/<key>     the observation keys of the requested modalities (environment dtypes)
        action        int8, mixed bool, reward float32, ret float32 (discounted return), replay int32
                      (index into manifest["replays"]), step int32

The content hash (``manifest["content_hash"]``, 16 hex digits) is a sha256 over the build options and
every array's name, dtype, shape and bytes, in shard order: it names the data, not the files (npz
archives carry timestamps). ``out_dir`` defaults to ``<cache_dir>/<build key>`` where the build key
hashes the replay files' bytes, the options and the held-out level set, so a second build of the same
replays is a cache hit. Shards hold about ``shard_bytes`` of observations each (so a graph dataset's
shards have fewer samples than a game-state one's); :meth:`BCDataset.iter_shards` reads them one at a
time, which is how BC streams thousands of levels in bounded memory (:mod:`npp_rl.pretraining.stream`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import sources
from .labels import MIXED_RULES
from .resim import resimulate

BUILDER_VERSION = "2"
MANIFEST = "manifest.json"
SKIPPED = "skipped.json"


@dataclass
class DatasetOptions:
    """How replays become samples (part of the build key and the content hash)."""

    modalities: tuple[str, ...] = ("game_state",)
    """Observation modalities stored (the architecture's)."""
    frame_skip: int = 4
    """Frames per decision step; must match the environment PPO trains in."""
    mixed_rule: str = "majority"
    """Label of windows whose input changes mid-window: majority | first | drop (see labels.py)."""
    gamma: float = 0.99
    """Discount of the stored returns (value-head warm start)."""
    include_test_split: bool = False
    """Also use replays under a ``test`` folder (solutions of evaluation levels: off by default)."""
    shard_size: int = 0
    """Samples per shard (a replay is never split across shards); 0 = as many as fit ``shard_bytes``."""
    shard_bytes: int = 32 << 20
    """Target uncompressed observation bytes per shard when ``shard_size`` is 0."""
    exclude_held_out: bool = True
    """Leave out replays of levels in a level dataset's ``eval`` or ``test`` split (never turn off for a
    pretrained condition that is compared on those levels)."""

    def __post_init__(self):
        self.modalities = tuple(self.modalities)
        if self.mixed_rule not in MIXED_RULES:
            raise ValueError(f"mixed_rule {self.mixed_rule!r}: expected one of {', '.join(MIXED_RULES)}")
        if self.frame_skip < 1 or self.shard_size < 0 or self.shard_bytes < 1:
            raise ValueError("frame_skip must be >= 1, shard_size >= 0 and shard_bytes >= 1")

    def samples_per_shard(self) -> int:
        if self.shard_size:
            return self.shard_size
        from npp_rl.envs.env import observation_space

        sp = observation_space(self.modalities)
        per = sum(int(np.prod(v.shape)) * v.dtype.itemsize for v in sp.spaces.values())
        return max(64, self.shard_bytes // max(per, 1))


@dataclass
class BCDataset:
    """A built dataset: where it is and what its manifest says."""

    path: Path
    manifest: dict = field(repr=False)

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]

    @property
    def n_samples(self) -> int:
        return int(self.manifest["totals"]["samples"])

    @property
    def skip_counts(self) -> dict[str, int]:
        return dict(self.manifest["skipped_counts"])

    def iter_shards(self, order=None):
        """Shard by shard (index order, or ``order``): dicts as :meth:`load` returns, one shard each."""
        shards = self.manifest["shards"]
        for i in (range(len(shards)) if order is None else order):
            yield self._read_shard(shards[i])

    def _read_shard(self, sh: dict, keys=None) -> dict:
        reps = self.manifest["replays"]
        with np.load(self.path / sh["file"]) as z:
            arr = {k: z[k] for k in z.files if keys is None or k in keys or k == "replay"}
        out = {"obs": {k[4:]: v for k, v in arr.items() if k.startswith("obs/")}}
        out.update({k: v for k, v in arr.items() if not k.startswith("obs/")})
        lv = np.array([r["level"] for r in reps])
        cat = np.array([r["category"] for r in reps])
        out["level"] = lv[arr["replay"]]
        out["category"] = cat[arr["replay"]]
        return out

    def load(self) -> dict:
        """All shards in memory: ``{"obs": {key: array}, "action", "mixed", "reward", "ret", "replay",
        "step", "level": level key per sample, "category": category per sample}``."""
        parts: dict[str, list] = {}
        for sh in self.manifest["shards"]:
            with np.load(self.path / sh["file"]) as z:
                for k in z.files:
                    parts.setdefault(k, []).append(z[k])
        if not parts:
            raise ValueError(f"{self.path}: the dataset has no samples (see {SKIPPED})")
        arr = {k: np.concatenate(v) for k, v in parts.items()}
        reps = self.manifest["replays"]
        out = {"obs": {k[4:]: v for k, v in arr.items() if k.startswith("obs/")}}
        out.update({k: v for k, v in arr.items() if not k.startswith("obs/")})
        out["level"] = np.array([reps[i]["level"] for i in arr["replay"]])
        out["category"] = np.array([reps[i]["category"] for i in arr["replay"]])
        return out


def open_dataset(path: str | Path) -> BCDataset:
    p = Path(path)
    mf = p / MANIFEST
    if not mf.is_file():
        raise FileNotFoundError(f"{p}: no {MANIFEST} (not a BC dataset)")
    return BCDataset(p, json.loads(mf.read_text()))


def _hash_arrays(h, arrays: dict[str, np.ndarray]) -> None:
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}\n".encode())
        h.update(a.tobytes())


class ShardWriter:
    """Rows (dicts of equal-length arrays: ``obs/<key>``, ``action``, ``replay``, ...) -> npz shards of about
    ``per_shard`` samples in ``out``, and the content hash over them (``header`` hashed first)."""

    def __init__(self, out: Path, per_shard: int, header: dict):
        self.out, self.per_shard = Path(out), int(per_shard)
        self.out.mkdir(parents=True, exist_ok=True)
        for old in self.out.glob("shard-*.npz"):
            old.unlink()
        self.h = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
        self.shards: list[dict] = []
        self.buf: dict[str, list] = {}
        self.pending = 0

    def add(self, rows: dict[str, np.ndarray]) -> None:
        for k, v in rows.items():
            self.buf.setdefault(k, []).append(v)
        self.pending += len(rows["action"])
        if self.pending >= self.per_shard:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        arrays = {k: np.concatenate(v) for k, v in self.buf.items()}
        name = f"shard-{len(self.shards):05d}.npz"
        np.savez_compressed(self.out / name, **arrays)
        _hash_arrays(self.h, arrays)
        self.shards.append({"file": name, "samples": int(len(arrays["action"]))})
        self.buf.clear()
        self.pending = 0

    def close(self) -> list[dict]:
        self.flush()
        return self.shards

    @property
    def content_hash(self) -> str:
        return self.h.hexdigest()[:16]


def build_key(files: list[sources.ReplayFile], opts: DatasetOptions, held: dict | None = None) -> str:
    h = hashlib.sha256(json.dumps({"v": BUILDER_VERSION, "opts": asdict(opts), "held": sorted(held or {})},
                                  sort_keys=True).encode())
    for rf in files:
        h.update(rf.rel.encode() + b"\0" + rf.path.read_bytes())
    return h.hexdigest()[:16]


def build_dataset(replay_dir: str | Path, out_dir: str | Path | None = None, options: DatasetOptions | None = None,
                  cache_dir: str | Path = ".npp-rl/bc-datasets", env_config=None, progress=None,
                  held: dict[str, str] | None = None, show_progress: bool = False) -> BCDataset:
    """Build (or reuse) the dataset of every usable replay under ``replay_dir``; see the module doc.
    ``held``: sha256 -> split of levels to leave out (default: the eval/test levels of the level datasets
    ``replay_dir`` belongs to or holds, when ``options.exclude_held_out``)."""
    from tqdm.auto import tqdm

    from .heldout import held_out, level_datasets

    opts = options or DatasetOptions()
    files = sources.discover(replay_dir)
    if held is None:
        held = held_out(level_datasets(replay_dir)) if opts.exclude_held_out else {}
    if opts.include_test_split:
        held = {k: v for k, v in held.items() if v != "test"}
    key = build_key(files, opts, held)
    out = Path(out_dir) if out_dir else Path(cache_dir) / key
    if (out / MANIFEST).is_file():
        ds = open_dataset(out)
        if ds.manifest.get("build_key") == key:
            return ds
    t0 = time.perf_counter()
    replays: list[dict] = []
    skipped: list[dict] = []
    excluded: list[str] = []
    excluded_held: list[dict] = []
    per_shard = opts.samples_per_shard()
    counts = {r: 0 for r in sources.SKIP_REASONS}
    writer = ShardWriter(out, per_shard, {"v": BUILDER_VERSION, "opts": asdict(opts)})
    totals = {"samples": 0, "mixed_windows": 0, "dropped_mixed": 0, "steps_over_budget": 0, "frames": 0}

    bar = tqdm(files, desc="replays -> BC samples", unit="replay", disable=not show_progress, mininterval=2.0)
    for i, rf in enumerate(bar):
        if progress:
            progress(i, len(files), rf.rel)
        if rf.split == "test" and not opts.include_test_split:
            excluded.append(rf.rel)
            continue
        try:
            rep, md = sources.read(rf)
            level_sha = hashlib.sha256(rep.map_bytes).hexdigest()
            if level_sha in held:
                excluded_held.append({"file": rf.rel, "split": held[level_sha], "level": level_sha[:16]})
                continue
            ep = resimulate(rep, md, modalities=opts.modalities, frame_skip=opts.frame_skip,
                            mixed_rule=opts.mixed_rule, gamma=opts.gamma, env_config=env_config, source=rf.rel)
        except sources.SkipReplay as e:
            counts[e.reason] += 1
            skipped.append({"file": rf.rel, "reason": e.reason, "detail": e.detail})
            continue
        idx = len(replays)
        m = ep.keep
        n = int(m.sum())
        replays.append({
            "file": rf.rel, "kind": rf.kind, "category": rf.category, "split": rf.split, "sha256": rf.sha256,
            "level": level_sha[:16], "recorded_outcome": rep.outcome,
            "outcome": ep.outcome, "end_frame": ep.end_frame, "frames": ep.frames_played, "steps": int(len(m)),
            "samples": n, "mixed_windows": int(ep.mixed.sum()), "steps_over_budget": ep.over_budget,
            "ignored_entity_types": ep.ignored_entity_types,
        })
        totals["samples"] += n
        totals["mixed_windows"] += int(ep.mixed.sum())
        totals["dropped_mixed"] += int((~m).sum())
        totals["steps_over_budget"] += ep.over_budget
        totals["frames"] += ep.frames_played
        if n == 0:
            continue
        rows = {f"obs/{k}": v[m] for k, v in ep.obs.items()}
        rows.update(action=ep.actions[m].astype(np.int8), mixed=ep.mixed[m], reward=ep.rewards[m],
                    ret=ep.returns[m], replay=np.full(n, idx, np.int32),
                    step=np.nonzero(m)[0].astype(np.int32))
        writer.add(rows)
        bar.set_postfix(samples=totals["samples"], skipped=len(skipped), held_out=len(excluded_held), refresh=False)
    shards = writer.close()
    bar.close()
    steps = sum(r["steps"] for r in replays)
    totals.update(replays_found=len(files), replays_used=len(replays), replays_skipped=len(skipped),
                  replays_excluded_test_split=len(excluded), replays_excluded_held_out=len(excluded_held),
                  held_out_levels_known=len(held), decision_steps=steps,
                  mixed_fraction=(totals["mixed_windows"] / steps) if steps else 0.0,
                  levels=len({r["level"] for r in replays}), build_seconds=round(time.perf_counter() - t0, 2))
    totals["build_samples_per_s"] = round(totals["samples"] / max(totals["build_seconds"], 1e-9), 1)
    by_cat: dict[str, dict] = {}
    for r in replays:
        c = by_cat.setdefault(r["category"], {"replays": 0, "samples": 0, "mixed_windows": 0, "steps": 0})
        c["replays"] += 1
        c["samples"] += r["samples"]
        c["mixed_windows"] += r["mixed_windows"]
        c["steps"] += r["steps"]
    manifest = {
        "format": "npp-rl-bc-dataset", "builder_version": BUILDER_VERSION, "build_key": key,
        "content_hash": writer.content_hash, "source_dir": str(Path(replay_dir).resolve()),
        "options": asdict(opts), "totals": totals, "categories": by_cat, "shards": shards,
        "skipped_counts": counts, "skipped": skipped, "excluded_test_split": excluded,
        "excluded_held_out": excluded_held, "replays": replays,
    }
    (out / SKIPPED).write_text(json.dumps({"counts": counts, "replays": skipped}, indent=1))
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return BCDataset(out, manifest)
