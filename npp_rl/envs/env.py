"""``NppEnv``: one N++ world as a gymnasium environment."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from . import spec
from .config import EnvConfig
from .engine import WorldBatch
from .game_state import GAME_STATE_DIM
from .graph import NODE_FEAT_DIM


def observation_space(modalities) -> gym.spaces.Dict:
    """The ``Dict`` observation space for the given modality names."""
    sp = {}
    for key in spec.keys_for(modalities):
        if key == "player_frame":
            sp[key] = gym.spaces.Box(0, 255, spec.PLAYER_FRAME_SHAPE, np.uint8)
        elif key == "global_view":
            sp[key] = gym.spaces.Box(0, 255, spec.GLOBAL_VIEW_SHAPE, np.uint8)
        elif key == "game_state":
            sp[key] = gym.spaces.Box(-1.0, 1.0, (GAME_STATE_DIM,), np.float32)
        elif key == "graph_node_feats":
            sp[key] = gym.spaces.Box(-1.0, 1.0, (spec.MAX_NODES, NODE_FEAT_DIM), np.float32)
        elif key == "graph_node_type":
            sp[key] = gym.spaces.Box(0, len(spec.NODE_TYPES) - 1, (spec.MAX_NODES,), np.float32)
        elif key == "graph_node_mask":
            sp[key] = gym.spaces.Box(0, 1, (spec.MAX_NODES,), np.float32)
        elif key == "graph_edge_index":
            sp[key] = gym.spaces.Box(0, spec.MAX_NODES - 1, (2, spec.MAX_EDGES), np.float32)
        elif key == "graph_edge_type":
            sp[key] = gym.spaces.Box(0, len(spec.EDGE_TYPES) - 1, (spec.MAX_EDGES,), np.float32)
        elif key == "graph_edge_mask":
            sp[key] = gym.spaces.Box(0, 1, (spec.MAX_EDGES,), np.float32)
    return gym.spaces.Dict(sp)


class NppEnv(gym.Env):
    """N++ as a gymnasium env: ``Discrete(6)`` actions (spec.ACTIONS), ``Dict`` observations.

    ``levels``: a folder of level files, a list of paths / ``MapData``, or a dataset (see
    :class:`~npp_rl.envs.levelset.LevelSet`). ``config``: :class:`EnvConfig` (or keyword overrides
    of it). ``reset(options={"level": i})`` pins the next level by index.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 15}

    def __init__(self, levels, config: EnvConfig | None = None, render_mode: str | None = None, **overrides):
        if config is None:
            config = EnvConfig(**overrides)
        elif overrides:
            from dataclasses import replace

            config = replace(config, **overrides)
        self.config = config
        self.batch = WorldBatch(levels, 1, config)
        self.observation_space = observation_space(config.observation_modalities)
        self.action_space = gym.spaces.Discrete(len(spec.ACTIONS))
        self.render_mode = render_mode
        self._needs_reset = True

    @property
    def levels(self):
        return self.batch.levels

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self.batch.rng = np.random.default_rng(seed)
        level = (options or {}).get("level")
        self.batch.reset_worlds([0], None if level is None else [level])
        self._needs_reset = False
        obs = {k: v[0] for k, v in self.batch.observe().items()}
        return obs, {"level": self.batch.levels.name(int(self.batch.level_idx[0]))}

    def step(self, action):
        if self._needs_reset:
            raise RuntimeError("NppEnv.step called before reset() or after the episode ended")
        obs, rew, term, trunc, infos = self.batch.step([int(action)])
        if term[0] or trunc[0]:
            self._needs_reset = True
        return {k: v[0] for k, v in obs.items()}, float(rew[0]), bool(term[0]), bool(trunc[0]), infos[0]

    def render(self):
        """An RGB picture of the whole level (the global view, enlarged 4x)."""
        from .global_view import global_views
        from .raster import PALETTE

        b = self.batch
        if not hasattr(b, "gv_base"):
            st = b.levels.static(int(b.level_idx[0]))
            base = st.gv_base[None]
        else:
            base = b.gv_base
        o = np.empty((1,) + spec.GLOBAL_VIEW_SHAPE, np.uint8)
        global_views(np.zeros(1, np.int64), b.sim.ninja, b.sim.entities, b.sim.n_entities, base, o, PALETTE)
        g = np.repeat(np.repeat(o[0, :, :, 0], 4, 0), 4, 1)
        return np.stack([g, g, g], axis=-1)
