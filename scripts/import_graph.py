#!/usr/bin/env python3
"""The import graph of the ``npp_rl`` package: module circles, layer direction, module sizes.

Every import of an ``npp_rl`` module counts, at module level or inside a function (a lazy import still ties
the two modules together). Prints a summary; ``--dot FILE`` writes the layer graph for Graphviz;
``--check`` exits 1 when there is a circle, an import pointing up the layers of
``ARCHITECTURE.md``, or a module of 500 lines or more (each named).

    python scripts/import_graph.py --check
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "npp_rl"
#: the layers, lowest first: a layer imports only layers before it (services: any layer may use them).
#: evaluation sits below pretraining, which measures its policies with the evaluator; the pipeline's steps
#: (pretrain, train, evaluate, compare by run id) sit below the sweep, which fans them out.
LAYERS = ("sim", "levels", "envs", "models", "training", "evaluation", "pretraining", "comparison", "pipeline",
          "sweep")
SERVICES = ("tracking", "stack")
TOP = ("experiment", "cli")  # the design's experiment layout and the command line: may import everything
MAX_LINES = 500


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _resolve(name: str, mods: dict[str, Path]) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the npp_rl modules it imports."""
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                # `from pkg import sub` imports the submodule sub; `from mod import name` imports mod
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                if t.startswith("npp_rl"):
                    r = _resolve(t, mods)
                    if r and r != mod:
                        graph[mod].add(r)
    for m in mods:
        graph.setdefault(m, set())
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer_of(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "npp_rl"


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a layer to one after it in LAYERS (pointing up)."""
    bad = []
    for a, targets in graph.items():
        la = layer_of(a)
        if la not in LAYERS:
            continue
        for b in targets:
            lb = layer_of(b)
            if lb in LAYERS and LAYERS.index(lb) > LAYERS.index(la):
                bad.append((a, b))
            elif lb in TOP:
                bad.append((a, b))
    return sorted(bad)


def too_long(mods: dict[str, Path]) -> list[tuple[str, int]]:
    sizes = [(str(p.relative_to(ROOT.parent)), len(p.read_text().splitlines())) for p in mods.values()]
    return sorted([s for s in sizes if s[1] >= MAX_LINES], key=lambda s: -s[1])


def layer_graph(graph: dict[str, set[str]]) -> dict[str, dict[str, int]]:
    lg: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a, targets in graph.items():
        for b in targets:
            if layer_of(a) != layer_of(b):
                lg[layer_of(a)][layer_of(b)] += 1
    return lg


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 on a circle, an upward import or a long module")
    ap.add_argument("--dot", help="write the layer graph as Graphviz dot to this file")
    args = ap.parse_args(argv)
    mods = modules()
    graph = edges(mods)
    circ, up, long_ = cycles(graph), upward(graph), too_long(mods)
    lg = layer_graph(graph)
    print(f"{len(mods)} modules, {sum(len(v) for v in graph.values())} imports between them")
    for a in sorted(lg):
        print(f"  {a:<12} -> " + ", ".join(f"{b} ({n})" for b, n in sorted(lg[a].items())))
    sizes = sorted(((len(p.read_text().splitlines()), m) for m, p in mods.items()), reverse=True)[:5]
    print("largest modules: " + ", ".join(f"{m} {n}" for n, m in sizes))
    for c in circ:
        print("circle: " + " <-> ".join(c))
    for a, b in up:
        print(f"upward import: {a} -> {b}")
    for f, n in long_:
        print(f"module too long: {f} has {n} lines (limit {MAX_LINES - 1})")
    if args.dot:
        lines = ["digraph npp_rl {", "  rankdir=BT;"]
        lines += [f'  "{a}" -> "{b}" [label="{n}"];' for a in sorted(lg) for b, n in sorted(lg[a].items())]
        Path(args.dot).write_text("\n".join(lines + ["}"]) + "\n")
    if not (circ or up or long_):
        print("no circles, no upward imports, every module under 500 lines")
    return 1 if args.check and (circ or up or long_) else 0


if __name__ == "__main__":
    sys.exit(main())
