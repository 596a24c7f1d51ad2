"""Variety in numbers: per category, tile-shape and entity histograms, graph size and solution length."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from npp_rl.sim.mapdata import ENTITY_NAMES

from .dataset import LevelEntry, load_test_suite

#: tile ids grouped by shape (NPP_MECHANICS.md section 3.1)
SHAPE_GROUPS = {
    "full": (1,), "half": (2, 3, 4, 5), "slope45": (6, 7, 8, 9), "convex": (10, 11, 12, 13),
    "concave": (14, 15, 16, 17), "mild": tuple(range(18, 26)), "steep": tuple(range(26, 34)),
}


def _summary(v: list[float]) -> dict:
    if not v:
        return {"mean": None, "min": None, "max": None}
    a = np.asarray(v, dtype=float)
    return {"mean": round(float(a.mean()), 1), "min": round(float(a.min()), 1), "max": round(float(a.max()), 1)}


def category_stats(entries: list[LevelEntry], graph_size: Callable | None = None) -> dict:
    """Histograms and sizes over one category's levels. ``graph_size(map) -> (nodes, edges)`` (optional:
    the observation graph lives in the env layer, which passes it in)."""
    cells = {g: 0 for g in SHAPE_GROUPS}
    with_shape = {g: 0 for g in SHAPE_GROUPS}
    tile_ids: set[int] = set()
    ents: dict[str, int] = {}
    ent_levels: dict[str, int] = {}
    nodes, edges, frames, diff, free = [], [], [], [], []
    for e in entries:
        md = e.load_map()
        t = md.tiles
        tile_ids.update(int(x) for x in np.unique(t))
        free.append(int(np.count_nonzero(t == 0)))
        for g, ids in SHAPE_GROUPS.items():
            n = int(np.isin(t, ids).sum())
            cells[g] += n
            with_shape[g] += n > 0
        seen = set()
        for r in md.entities:
            name = ENTITY_NAMES.get(int(r[0]), f"type {int(r[0])}")
            ents[name] = ents.get(name, 0) + 1
            seen.add(name)
        for name in seen:
            ent_levels[name] = ent_levels.get(name, 0) + 1
        if graph_size is not None:
            n_nodes, n_edges = graph_size(md)
            nodes.append(n_nodes)
            edges.append(n_edges)
        f = e.solution_frames or (e.load_solution().frame_count if e.solution_path else None)
        if f:
            frames.append(f)
        if e.difficulty is not None:
            diff.append(e.difficulty)
    n = max(1, len(entries))
    return {
        "levels": len(entries),
        "tile_cells_per_level": {g: round(c / n, 1) for g, c in cells.items()},
        "levels_with_shape": {g: c for g, c in with_shape.items()},
        "distinct_tile_ids": len(tile_ids - {0}),
        "empty_cells": _summary(free),
        "entities_per_level": {k: round(v / n, 2) for k, v in sorted(ents.items())},
        "levels_with_entity": dict(sorted(ent_levels.items())),
        "graph_nodes": _summary(nodes), "graph_edges": _summary(edges),
        "solution_frames": _summary(frames),
        "solved": len(frames),
        "difficulty": _summary(diff),
    }


def dataset_stats(path: str | os.PathLike, split: str = "test", category: str | None = None,
                  graph_size: Callable | None = None) -> dict[str, dict]:
    groups = load_test_suite(path, category=category, split=split)
    return {c: category_stats(v, graph_size) for c, v in groups.items()}


def _fmt(s: dict) -> str:
    return "-" if s["mean"] is None else f"{s['mean']:.0f} ({s['min']:.0f}-{s['max']:.0f})"


def stats_markdown(stats: dict[str, dict]) -> str:
    """Three markdown tables: sizes, tile shapes (mean cells per level / levels with any), entities."""
    cats = list(stats)
    lines = ["| category | levels | solved | empty cells | graph nodes | graph edges | solution frames | tile ids |",
             "|---|---|---|---|---|---|---|---|"]
    for c in cats:
        s = stats[c]
        lines.append(f"| {c} | {s['levels']} | {s['solved']} | {_fmt(s['empty_cells'])} | {_fmt(s['graph_nodes'])} | "
                     f"{_fmt(s['graph_edges'])} | {_fmt(s['solution_frames'])} | {s['distinct_tile_ids']} |")
    lines += ["", "| category | " + " | ".join(SHAPE_GROUPS) + " |", "|---|" + "---|" * len(SHAPE_GROUPS)]
    for c in cats:
        s = stats[c]
        lines.append(f"| {c} | " + " | ".join(f"{s['tile_cells_per_level'][g]:g} / {s['levels_with_shape'][g]}"
                                             for g in SHAPE_GROUPS) + " |")
    names = sorted({k for s in stats.values() for k in s["entities_per_level"]})
    lines += ["", "| category | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for c in cats:
        s = stats[c]
        lines.append(f"| {c} | " + " | ".join(
            f"{s['entities_per_level'].get(k, 0):g} / {s['levels_with_entity'].get(k, 0)}" for k in names) + " |")
    return "\n".join(lines)
