"""game_state's terrain rays: free distances to solid around the ninja, and the depth of drops beside it."""

from __future__ import annotations

import numpy as np
import pytest

from npp_rl.envs import NppEnv
from npp_rl.envs.game_state import FIELDS, RAY_RANGE, _ray


def test_ray_distances_on_a_known_grid():
    solid = np.zeros((100, 176), np.bool_)
    solid[60:, :] = True  # floor from y = 360 px
    solid[:, 120:] = True  # wall from x = 720 px
    assert _ray(solid, 300.0, 300.0, 0.0, 1.0) == pytest.approx(60.0, abs=3.0)
    assert _ray(solid, 690.0, 300.0, 1.0, 0.0) == pytest.approx(30.0, abs=3.0)
    assert _ray(solid, 300.0, 300.0, -1.0, 0.0) == RAY_RANGE  # nothing within range
    assert _ray(solid, 300.0, 300.0, 0.0, -1.0) == RAY_RANGE


def test_standing_on_the_floor(simple_walk):
    env = NppEnv([simple_walk], observation_modalities=("game_state",))
    obs, _ = env.reset()
    f = {name: float(v) for (name, _), v in zip(FIELDS, obs["game_state"], strict=True)}
    assert 2 * 8 / RAY_RANGE - 1 < f["ray_down"] < 2 * 16 / RAY_RANGE - 1  # centre ~10 px above the floor
    assert f["ray_up"] > f["ray_down"]
    assert all(-1.0 <= f[n] <= 1.0 for n in f if n.startswith(("ray_", "drop_")))
