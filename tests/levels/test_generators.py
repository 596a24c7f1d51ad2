"""Level generators: deterministic, valid N++ level files with the entities each category promises."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.levels import CATEGORIES, generate
from npp_rl.levels.builder import LevelBuilder
from npp_rl.sim.mapdata import parse_map


@pytest.mark.parametrize("category", CATEGORIES)
def test_generation_is_deterministic_and_seed_dependent(category):
    a = [generate(category, s).to_bytes() for s in range(5)]
    b = [generate(category, s).to_bytes() for s in range(5)]
    assert a == b
    assert len(set(a)) == 5


@pytest.mark.parametrize("category", CATEGORIES)
def test_generated_levels_are_valid_level_files(category):
    for s in range(20):
        g = generate(category, s)
        data = g.to_bytes()
        md = parse_map(data, "gen")
        assert md.to_bytes() == data
        types = [int(t) for t in md.entities[:, 0]]
        assert types.count(3) == 1 and types.count(4) == 1
        # spawn, exit and switch sit in empty cells inside the grid
        for x, y in [md.spawn] + [(6.0 * e[1], 6.0 * e[2]) for e in md.entities if e[0] in (3, 4)]:
            i, j = int(x // 24) - 1, int(y // 24) - 1
            assert 0 <= i < 42 and 0 <= j < 23
            assert md.tiles[j, i] == 0, (category, s, x, y)
        assert int(np.count_nonzero(md.tiles == 0)) > 20
        if category == "mine_heavy":  # mines, drones and thwumps on the route
            hazards = types.count(1) + types.count(21) + 4 * sum(types.count(t) for t in (14, 20, 26))
            assert hazards >= 8, (s, types)
        if category == "simple":  # simple stays simple: nothing but the exit, its switch and gold
            assert set(types) <= {2, 3, 4}, (s, types)


def test_every_tile_shape_and_the_simulated_entities_appear():
    tiles, ents = set(), {c: set() for c in CATEGORIES}
    for c in CATEGORIES:
        for s in range(60):
            md = generate(c, s).map
            tiles.update(int(t) for t in np.unique(md.tiles))
            ents[c].update(int(t) for t in md.entities[:, 0])
    assert set(range(0, 34)) <= tiles  # every shape the simulator collides with (34-37 are ignored by it)
    assert {6, 7, 10, 11} <= ents["complex"]  # locked doors + switches, launch pads, one-way platforms
    assert {1, 14, 20, 21} <= ents["mine_heavy"]  # mines, toggle mines, zap drones, thwumps
    assert {1, 11, 17} <= ents["medium"]  # mines, one-way platforms, bounce blocks
    assert {10, 11} <= ents["exploration"]


@pytest.mark.parametrize("category", CATEGORIES)
def test_difficulty_grows_the_levels(category):
    def size(d):
        return np.mean([np.count_nonzero(generate(category, s, d).map.tiles == 0) for s in range(25)])

    assert size(1.0) > size(0.0)
    g = generate(category, 3, 0.25)
    assert g.difficulty == 0.25 and "d0.25" in g.map.title
    assert generate(category, 3, 0.25).to_bytes() == g.to_bytes()


def test_simple_levels_stay_short_at_low_difficulty():
    for s in range(30):
        md = generate("simple", s, 0.0).map
        cols = np.nonzero((md.tiles != 1).any(axis=0))[0]
        rows = np.nonzero((md.tiles != 1).any(axis=1))[0]
        assert cols.max() - cols.min() + 1 <= 13 and rows.max() - rows.min() + 1 <= 7, s


def test_bad_difficulty_named():
    with pytest.raises(ValueError, match="difficulty"):
        generate("simple", 0, 1.5)


def test_unknown_category():
    with pytest.raises(ValueError, match="unknown level category"):
        generate("impossible", 0)


def test_builder_layout():
    b = LevelBuilder("t")
    b.carve(0, 20, 41, 22)
    b.set_spawn(1, 22)
    b.add_exit((40, 22), (20, 22))
    b.add_locked_door((30, 22), (10, 22))
    b.add_mine((50, 50))
    data = b.to_bytes()
    md = parse_map(data, "b")
    assert md.title == "t"
    assert [int(t) for t in md.entities[:, 0]] == [1, 3, 4, 6, 7]
    assert md.count(6) == 1 and md.count(7) == 1
    assert md.spawn == (6.0 * 10, 6.0 * 94)
    with pytest.raises(ValueError, match="spawn"):
        LevelBuilder().to_bytes()
