"""Many worlds stepped together: the batched simulator plus per-world static slots, observations,
rewards and episode bookkeeping. :class:`~npp_rl.envs.env.NppEnv` is one world of it,
:class:`~npp_rl.envs.vec_env.NppVecEnv` many.
"""

from __future__ import annotations

import numpy as np

from npp_rl.levels import geodesic
from npp_rl.sim import core as C
from npp_rl.sim.simulator import BatchSim

from . import spec
from .config import EnvConfig
from .dynamic import G_REMAIN, G_SWITCH_DONE, GOAL_FIELDS, goal_info
from .game_state import GAME_STATE_DIM, game_state
from .global_view import global_views
from .graph import NODE_FEAT_DIM, graph_step, graph_topology
from .levelset import LevelSet
from .player_frame import player_frames
from .raster import PALETTE
from .reward import potential, step_reward, terminal_potential
from .sampler import LevelSampler
from .static import MAX_GOALS

ACTION_BYTES = np.array([0, 4, 2, 1, 5, 3], dtype=np.uint8)  # spec.ACTIONS -> input byte (bit0 jump, bit1 right, bit2 left)


def frame_budget(cfg: EnvConfig, path_length: float) -> int:
    if not cfg.adaptive_frame_budget:
        return int(cfg.max_episode_frames)
    return int(np.clip(600 + 4 * path_length, min(1200, cfg.max_episode_frames), cfg.max_episode_frames))


class WorldBatch:
    """``n`` worlds on levels drawn from a :class:`LevelSet`."""

    def __init__(self, levels, n: int, config: EnvConfig | None = None, seed: int | None = None):
        self.cfg = config or EnvConfig()
        self.levels = levels if isinstance(levels, LevelSet) else LevelSet(
            levels, self.cfg.split, self.cfg.categories, lenient=self.cfg.lenient)
        self.n = int(n)
        self.mods = self.cfg.observation_modalities
        self.keys = spec.keys_for(self.mods)
        self.rng = np.random.default_rng(self.cfg.seed if seed is None else seed)
        self.sampler = LevelSampler(self.cfg.level_sampling, len(self.levels),
                                    [self.levels.category(i) for i in range(len(self.levels))])
        self.sim = BatchSim([self.levels.sim_level(i) for i in range(len(self.levels))],
                            world_maps=[0] * self.n)
        self.ws_all = np.arange(self.n, dtype=np.int64)
        n, E = self.n, self.sim.max_ent
        self.level_idx = np.zeros(n, np.int64)
        self._loaded = np.zeros(n, bool)
        MG = MAX_GOALS
        self.g_n = np.zeros(n, np.int64)
        self.g_rows = np.zeros((n, MG), np.int64)
        self.g_kind = np.zeros((n, MG), np.int64)
        self.g_xy = np.zeros((n, MG, 2))
        self.g_rest = np.zeros((n, MG))
        self.scale = np.ones(n)
        self.gold_total = np.zeros(n)
        self.frame_limit = np.ones(n)
        self.solid_grid = np.ones((n, geodesic.FH, geodesic.FW), np.bool_)  # game_state's terrain rays
        self.dist = np.zeros((n, MAX_GOALS, geodesic.FH, geodesic.FW), np.float32)
        self.phi = np.zeros(n)
        self.prev_switch = np.zeros(n, bool)
        self.prev_gold = np.zeros(n)
        self.ep_return = np.zeros(n)
        self.ep_steps = np.zeros(n, np.int64)
        if "player_frame" in self.mods:
            st = self.levels.static(0)
            self.pf_base = np.zeros((n,) + st.pf_base.shape, np.uint8)
        if "global_view" in self.mods:
            self.gv_base = np.zeros((n, geodesic.FH, geodesic.FW), np.uint8)
        if "graph" in self.mods:
            M, Emax = spec.MAX_NODES, spec.MAX_EDGES
            self.g_feats0 = np.zeros((n, M, NODE_FEAT_DIM), np.float32)
            self.g_type = np.zeros((n, M), np.float32)
            self.g_mask = np.zeros((n, M), np.float32)
            self.g_nn = np.zeros(n, np.int64)
            self.g_np = np.zeros(n, np.int64)
            self.g_ns = np.zeros(n, np.int64)
            self.g_x = np.zeros((n, M))
            self.g_y = np.zeros((n, M))
            self.g_goal = np.zeros((n, MAX_GOALS, M), np.float32)
            self.g_isgoal = np.zeros((n, MAX_GOALS, M), np.float32)
            self.g_rownode = np.full((n, max(E, 1), 2), -1, np.int32)
            self.g_rowkind = np.zeros((n, max(E, 1)), np.int32)
            self.g_platmap = np.full((n, geodesic.FH, geodesic.FW), -1, np.int32)
            self.g_open = np.zeros((n, geodesic.FH, geodesic.FW), np.bool_)
            self.g_eidx0 = np.zeros((n, 2, Emax), np.float32)
            self.g_etype0 = np.zeros((n, Emax), np.float32)

    # ------------------------------------------------------------------ levels
    def pick_level(self) -> int:
        return self.sampler.sample(self.rng)

    def reset_worlds(self, ws, level_indices=None) -> None:
        """Put each world of ``ws`` on a (given or sampled) level at its spawn."""
        for k, w in enumerate(ws):
            i = self.pick_level() if level_indices is None else int(level_indices[k])
            self._load(w, i)
        ws = np.asarray(ws, dtype=np.int64)
        gi = self._goal(ws)
        self.phi[ws] = potential(gi[:, G_REMAIN], self.scale[ws], self.cfg.reward)
        self.prev_switch[ws] = gi[:, G_SWITCH_DONE] != 0
        self.prev_gold[ws] = 0
        self.ep_return[ws] = 0
        self.ep_steps[ws] = 0

    def _load(self, w: int, i: int) -> None:
        self.sim.set_map(w, i)
        if self._loaded[w] and self.level_idx[w] == i:
            return  # same level: the static slots are already in place
        self.level_idx[w] = i
        st = self.levels.static(i)
        lay = st.layout
        G = st.n_goals
        self.g_n[w] = G
        self.dist[w, :G] = st.goal_fields
        self.g_rows[w, :G] = st.goal_rows
        self.g_kind[w, :G] = st.goal_kind
        self.g_xy[w, :G] = st.goal_xy
        self.g_rest[w, :G] = st.goal_rest
        self.scale[w] = st.dist_scale
        self.gold_total[w] = float(np.count_nonzero(lay.ent_type == 2))
        self.frame_limit[w] = frame_budget(self.cfg, st.dist_scale)
        self.solid_grid[w] = st.solid[3::geodesic.STEP, 3::geodesic.STEP]
        if "player_frame" in self.mods:
            self.pf_base[w] = st.pf_base
        if "global_view" in self.mods:
            self.gv_base[w] = st.gv_base
        if "graph" in self.mods:
            g = graph_topology(st)
            self.g_feats0[w] = g.node_feats
            self.g_type[w] = g.node_type
            self.g_mask[w] = g.node_mask
            self.g_nn[w], self.g_np[w], self.g_ns[w] = g.n_nodes, g.n_platforms, g.n_static_edges
            self.g_x[w], self.g_y[w] = g.node_x, g.node_y
            self.g_goal[w], self.g_isgoal[w] = g.node_goal, g.node_is_goal
            self.g_rownode[w] = -1
            self.g_rownode[w, : g.row_node.shape[0]] = g.row_node
            self.g_rowkind[w] = 0
            self.g_rowkind[w, : g.row_kind.shape[0]] = g.row_kind
            self.g_platmap[w] = g.plat_map
            self.g_open[w] = ~st.solid[3::geodesic.STEP, 3::geodesic.STEP]
            self.g_eidx0[w] = g.edge_index
            self.g_etype0[w] = g.edge_type
        self._loaded[w] = True

    # ------------------------------------------------------------------ observe
    def _goal(self, ws) -> np.ndarray:
        out = np.zeros((len(ws), GOAL_FIELDS))
        goal_info(ws, self.sim.ninja, self.sim.entities, self.sim.n_entities, self.dist, self.g_n, self.g_rows,
                  self.g_kind, self.g_xy, self.g_rest, out)
        return out

    def observe(self, ws=None, gi=None) -> dict:
        """Observation arrays for the worlds ``ws`` (all by default), batch dimension first."""
        ws = self.ws_all if ws is None else np.asarray(ws, dtype=np.int64)
        k = len(ws)
        s = self.sim
        if gi is None:
            gi = self._goal(ws)
        obs = {}
        if "player_frame" in self.mods:
            o = np.empty((k,) + spec.PLAYER_FRAME_SHAPE, np.uint8)
            player_frames(ws, s.ninja, s.entities, s.n_entities, self.pf_base, o, PALETTE)
            obs["player_frame"] = o
        if "global_view" in self.mods:
            o = np.empty((k,) + spec.GLOBAL_VIEW_SHAPE, np.uint8)
            global_views(ws, s.ninja, s.entities, s.n_entities, self.gv_base, o, PALETTE)
            obs["global_view"] = o
        if "game_state" in self.mods:
            o = np.empty((k, GAME_STATE_DIM), np.float32)
            game_state(ws, s.ninja, s.entities, s.n_entities, gi, self.scale, self.gold_total, self.frame_limit,
                       self.solid_grid, o)
            obs["game_state"] = o
        if "graph" in self.mods:
            M, Emax = spec.MAX_NODES, spec.MAX_EDGES
            feats = np.zeros((k, M, NODE_FEAT_DIM), np.float32)
            eidx = np.zeros((k, 2, Emax), np.float32)
            etype = np.zeros((k, Emax), np.float32)
            emask = np.zeros((k, Emax), np.float32)
            graph_step(ws, s.ninja, s.entities, s.n_entities, gi, self.scale, self.g_feats0, self.g_nn, self.g_np,
                       self.g_ns, self.g_x, self.g_y, self.g_goal, self.g_isgoal, self.g_rownode, self.g_rowkind,
                       self.g_platmap, self.g_open, self.g_eidx0, self.g_etype0, feats, eidx, etype, emask)
            obs["graph_node_feats"] = feats
            obs["graph_node_type"] = self.g_type[ws]
            obs["graph_node_mask"] = self.g_mask[ws]
            obs["graph_edge_index"] = eidx
            obs["graph_edge_type"] = etype
            obs["graph_edge_mask"] = emask
        return obs

    # ------------------------------------------------------------------ step
    def step(self, actions):
        """Step every world; returns (obs, rewards, terminated, truncated, infos) with obs of the
        state reached (before any reset)."""
        a = np.asarray(actions, dtype=np.int64).reshape(self.n)
        if (a < 0).any() or (a >= len(spec.ACTIONS)).any():
            raise ValueError(f"actions must be in 0..{len(spec.ACTIONS) - 1}, got {a}")
        frames = self.sim.step(ACTION_BYTES[a], self.cfg.frame_skip)
        nin = self.sim.ninja
        state = nin[:, C.N_STATE]
        won = state == 8
        died = (state == 6) | (state == 7)
        gi = self._goal(self.ws_all)
        switch_now = gi[:, G_SWITCH_DONE] != 0
        switch_hit = switch_now & ~self.prev_switch
        gold = nin[:, C.N_GOLD]
        gold_new = gold - self.prev_gold
        terminated = won | died
        phi_next = potential(gi[:, G_REMAIN], self.scale, self.cfg.reward)
        rew = step_reward(self.cfg.reward, won, died, switch_hit, gold_new, frames, self.phi, phi_next)
        self.phi = terminal_potential(phi_next, terminated)  # Phi(terminal) = 0; the reset sets Phi(s0)
        self.prev_switch = switch_now
        self.prev_gold = gold.copy()
        truncated = ~terminated & (nin[:, C.N_FRAME] >= self.frame_limit)
        self.ep_return += rew
        self.ep_steps += 1
        for w in np.flatnonzero(terminated | truncated):
            self.sampler.update(int(self.level_idx[w]), bool(won[w]))
        obs = self.observe(None, gi)
        infos = []
        for w in range(self.n):
            cause = None
            if died[w]:
                c = int(nin[w, C.N_CAUSE])
                cause = C.DEATH_CAUSES[c] if 0 < c < len(C.DEATH_CAUSES) else "unknown"
            infos.append({
                "success": bool(won[w]), "is_success": bool(won[w]), "death_cause": cause,
                "gold": int(gold[w]), "switch_activated": bool(switch_now[w]),
                "frames": int(nin[w, C.N_FRAME]), "level": self.levels.name(int(self.level_idx[w])),
                "category": self.levels.category(int(self.level_idx[w])),
            })
        return obs, rew.astype(np.float32), terminated, truncated, infos
