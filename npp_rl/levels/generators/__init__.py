"""Seeded level generators for the five categories (each in its own module; definitions in docs/levels.md).

``generate(category, seed, difficulty=None) -> GeneratedLevel`` is a pure function of its arguments: the
same arguments give byte-identical level files on every machine (``random.Random`` only). ``difficulty``
in [0, 1] grows each category as its module describes (for curricula); ``None`` draws it uniformly from
the seed. A generated level is *candidate* geometry; the solver (:mod:`npp_rl.levels.solver`) decides
whether it is kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from npp_rl.sim.mapdata import MapData

from ..builder import LevelBuilder
from . import complex as _complex
from . import exploration as _exploration
from . import medium as _medium
from . import mine_heavy as _mine_heavy
from . import simple as _simple

GENERATOR_VERSION = "2.0"
CATEGORIES = ("simple", "medium", "complex", "mine_heavy", "exploration")

GENERATORS: dict[str, Callable[[random.Random, LevelBuilder, float], dict]] = {
    "simple": _simple.generate,
    "medium": _medium.generate,
    "complex": _complex.generate,
    "mine_heavy": _mine_heavy.generate,
    "exploration": _exploration.generate,
}
_MODULES = {"simple": _simple, "medium": _medium, "complex": _complex, "mine_heavy": _mine_heavy,
            "exploration": _exploration}


@dataclass
class GeneratedLevel:
    category: str
    seed: int
    map: MapData
    description: str
    features: dict = field(default_factory=dict)
    difficulty: float = 0.0

    def to_bytes(self) -> bytes:
        return self.map.to_bytes()


def check_difficulty(difficulty: float | None) -> float | None:
    if difficulty is None:
        return None
    d = float(difficulty)
    if not 0.0 <= d <= 1.0:
        raise ValueError(f"difficulty must be in [0, 1], got {difficulty!r}")
    return d


def generate(category: str, seed: int, difficulty: float | None = None) -> GeneratedLevel:
    """One candidate level of ``category`` from ``seed`` at ``difficulty`` (deterministic)."""
    if category not in GENERATORS:
        raise ValueError(f"unknown level category {category!r}; expected one of {', '.join(CATEGORIES)}")
    d = check_difficulty(difficulty)
    rng = random.Random(f"npp-rl/{GENERATOR_VERSION}/{category}/{int(seed)}")
    if d is None:
        d = rng.random()
    d = round(d, 3)
    b = LevelBuilder(title=f"{category} {seed} d{d:.2f}")
    features = GENERATORS[category](rng, b, d)
    md = b.to_map(source=f"<{category} seed {seed}>")
    doc = (_MODULES[category].__doc__ or category).strip().split("\n")[0]
    return GeneratedLevel(category, int(seed), md, doc, features, d)
