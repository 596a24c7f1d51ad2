"""A solver that proves a level solvable by searching the real simulator, and yields the inputs.

Batched best-first search over macro-actions (an input pattern held for ``macro_frames`` frames):

* Goals are planned once per level on a coarse geodesic grid (:mod:`npp_rl.levels.geodesic`): the exit
  switch, then the exit door, with locked-door switches inserted wherever a closed locked door cuts the
  way. A world's *stage* is the first planned goal it has not reached (read from the simulator state).
* Score = geodesic distance to the current goal + the planned distance still left after it + a small
  cost per frame. Every iteration takes the ``beam`` best open nodes, copies their simulator state into
  ``beam x len(MACROS)`` worlds of one :class:`~npp_rl.sim.simulator.BatchSim`, steps them all in one
  compiled call, drops deaths and states already seen (quantised position, velocity, movement state,
  jump held, stage), and keeps the best ``frontier`` nodes.
* A world that wins ends the search; its inputs are then replayed from the spawn in a fresh
  :class:`~npp_rl.sim.simulator.Simulator` and kept only if that replay wins on its last frame. The
  search is a heuristic; that replay is the proof.

The simulator is reached through :class:`~npp_rl.levels.state_store.SimBackend` (saved worlds: its
:class:`~npp_rl.levels.state_store.StateStore`) so another implementation can be dropped in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from npp_rl.sim.mapdata import MapData
from npp_rl.sim.replay import Replay

from . import geodesic as geo
from .state_store import SimBackend, StateStore, per_world_arrays

SOLVER_VERSION = "1.3"

# macro-actions: input byte per frame (bit0 jump, bit1 right, bit2 left); "press" variants release jump for
# one frame first so that a new jump (or wall jump) is triggered even when jump was already held.
_MACRO_PATTERNS = (
    ("noop", 0, 0),
    ("left", 4, 4),
    ("right", 2, 2),
    ("press jump", 0, 1),
    ("press jump+left", 4, 5),
    ("press jump+right", 2, 3),
    ("hold jump", 1, 1),
    ("hold jump+left", 5, 5),
    ("hold jump+right", 3, 3),
)


#: the environment's Discrete(6) actions as input bytes (npp_rl.envs.spec.ACTIONS: noop, left, right, jump,
#: jump+left, jump+right), each held for a whole macro.
_ENV_ACTION_INPUTS = (0, 4, 2, 1, 5, 3)
ACTION_SETS = ("auto", "env", "macros")


def macro_table(k: int, action_set: str = "macros") -> np.ndarray:
    """uint8 (n_macros, k): the input bytes of each macro-action.

    ``env``: the six environment actions, each held for all k frames; with k = the env's frame skip a
    solution is exactly a sequence of env actions (what behavioural cloning needs: no window whose input
    changes midway). ``macros``: the nine patterns above, whose "press" variants release jump for a frame.
    """
    if action_set == "env":
        return np.repeat(np.asarray(_ENV_ACTION_INPUTS, np.uint8)[:, None], k, axis=1)
    if action_set != "macros":
        raise ValueError(f"unknown solver action set {action_set!r}; expected one of {', '.join(ACTION_SETS)}")
    out = np.empty((len(_MACRO_PATTERNS), k), dtype=np.uint8)
    for a, (_, first, rest) in enumerate(_MACRO_PATTERNS):
        out[a, 0] = first
        out[a, 1:] = rest
    return out


@dataclass
class SolverConfig:
    beam: int = 48
    """Open nodes expanded per iteration (each into every macro-action)."""
    frontier: int = 6000
    """Open nodes kept; the worst are dropped beyond this."""
    action_set: str = "auto"
    """``env``: the environment's six actions held for ``macro_frames`` frames (solutions are exact
    env-action sequences, so BC labels replay to a win); ``macros``: nine jump press/hold patterns of
    ``macro_frames`` frames (finer jump timing, but windows whose input changes midway); ``auto``:
    ``env`` with 4-frame macros first, then ``macros`` with ``macro_frames`` if that fails."""
    macro_frames: int = 6
    """Frames each macro-action lasts (``macros``; ``env`` under ``auto`` uses 4, the env's frame skip)."""
    max_frames: int = 3600
    """Longest solution accepted, in frames (60 s of game time)."""
    max_iterations: int = 800
    """Search iterations before giving up."""
    time_limit_s: float = 60.0
    """Wall-clock budget per level."""
    frame_cost: float = 0.15
    """Score added per frame used (px of geodesic distance), favouring shorter solutions."""
    precheck: bool = False
    """Reject at once a level whose exit switch or door the spawn cannot reach even with every door and
    one-way platform open (:func:`npp_rl.levels.geodesic.unreachable_goal`): it cannot be won."""
    stall_iterations: int = 0
    """Give up after this many iterations in a row in which no kept node came ``progress_px`` closer to
    winning (planned distance left) than any before; 0 = never (only ``max_iterations`` ends a search)."""
    progress_px: float = 3.0
    """Least gain in planned distance left that counts as progress (the state grid's position step)."""


@dataclass
class SolveResult:
    solved: bool
    inputs: bytes = b""
    win_frame: int = 0
    iterations: int = 0
    nodes: int = 0
    frames_simulated: int = 0
    seconds: float = 0.0
    reason: str = ""
    plan: list = field(default_factory=list)
    action_set: str = ""  # of the search that gave this result ("env" or "macros")
    best_remaining: float = float("inf")  # least planned distance left (px) a kept node reached
    progress_iteration: int = 0  # last iteration that cut best_remaining by progress_px or more
    longest_stall: int = 0  # most iterations in a row without such progress

    def to_replay(self, map_bytes: bytes, source: str = "") -> Replay:
        if not self.solved:
            raise ValueError("no solution to store")
        return Replay(map_bytes, self.inputs, "won", self.win_frame,
                      source=source or f"npp-rl solver {SOLVER_VERSION}")


# --------------------------------------------------------------------------- simulator access
def world_state(sim, w: int) -> dict[str, np.ndarray]:
    """A copy of world ``w`` of any ``BatchSim`` (e.g. an environment's, over many maps) as a start state
    for :func:`solve` / :func:`verify` on that world's map: one row of every per-world array, with the
    map index set to 0 (the solver's simulator holds that one map) and the entity table cut to its rows."""
    n_ent = int(sim.n_entities[w])
    out = {k: getattr(sim, k)[w : w + 1].copy() for k in per_world_arrays(sim.levels[int(sim.lvl[w])])}
    out["lvl"][:] = 0
    out["entities"] = out["entities"][:, :n_ent].copy()
    return out


def _load_start(sim, w: int, start: dict[str, np.ndarray]) -> None:
    """Put ``start`` (from :func:`world_state`) into world ``w`` of ``sim`` (a BatchSim on the same map)."""
    for k, v in start.items():
        dst = getattr(sim, k, None)
        if not isinstance(dst, np.ndarray):
            raise ValueError(f"start state: the simulator has no per-world array {k!r}")
        if dst.shape[1:] == v.shape[1:]:
            dst[w] = v[0]
        elif k == "entities" and v.shape[1] <= dst.shape[1] and v.shape[2:] == dst.shape[2:]:
            dst[w] = 0.0
            dst[w, : v.shape[1]] = v[0]
        else:
            raise ValueError(f"start state: array {k!r} has shape {v.shape[1:]}, the simulator's {dst.shape[1:]} "
                             "(is the start state from another map?)")


def verify(md: MapData, inputs: bytes, start: dict[str, np.ndarray] | None = None) -> tuple[str, int]:
    """Replay ``inputs`` in a fresh simulator from the spawn (or from ``start``, a :func:`world_state`):
    ("won"|"died"|"timeout", frame); from a start state the frame counts the inputs played from it."""
    from npp_rl.sim.simulator import Simulator

    sim = Simulator(md)
    if start is not None:
        _load_start(sim._b, 0, start)
        n = sim.run(inputs)
        return ("won" if sim.won else "died" if sim.dead else "timeout"), n
    n = sim.run(inputs)
    if sim.won:
        return "won", int(sim.win_frame or n)
    if sim.dead:
        return "died", int(sim.death_frame or n)
    return "timeout", n


# --------------------------------------------------------------------------- planning
@dataclass
class _Goal:
    kind: str  # "switch", "locked", "exit"
    x: float
    y: float
    field: np.ndarray
    door: int = -1  # index into the locked-door list


def _plan(md: MapData) -> tuple[list[_Goal], list[tuple[float, float]]]:
    """Goals in order and, for each locked door, its switch position."""
    ents = md.entities
    exits = [(6.0 * e[1], 6.0 * e[2]) for e in ents if e[0] == 3]
    switches = [(6.0 * e[1], 6.0 * e[2]) for e in ents if e[0] == 4]
    if not exits or not switches:
        raise ValueError(f"{md.source}: level has no exit door and switch")
    locked = []  # (door x, door y, vertical, switch x, switch y)
    for r in range(len(ents) - 1):
        if ents[r, 0] == 6 and ents[r + 1, 0] == 7:
            locked.append((6.0 * ents[r, 1], 6.0 * ents[r, 2], int(ents[r, 3]) % 8 in (0, 4),
                           6.0 * ents[r + 1, 1], 6.0 * ents[r + 1, 2]))
    # one-way platforms block the guide both ways (it is gravity-blind: it would route the ninja down
    # through a platform it can only pass upward; levels never depend on crossing one in the guide)
    one_way = [(6.0 * e[1], 6.0 * e[2], int(e[3]) % 8 in (0, 4)) for e in ents if e[0] == 11]
    solid_base = geo.solid_raster(md.tiles, one_way)
    closed = set(range(len(locked)))
    cache: dict[frozenset, np.ndarray] = {}

    def free_for(closed_set):
        key = frozenset(closed_set)
        if key not in cache:
            doors = [(locked[d][0], locked[d][1], locked[d][2]) for d in closed_set]
            solid = geo.solid_raster(md.tiles, one_way + doors) if doors else solid_base
            cache[key] = geo.free_nodes(solid)
        return cache[key]

    goals: list[_Goal] = []
    pos = md.spawn
    for kind, (gx, gy) in (("switch", switches[0]), ("exit", exits[0])):
        for _ in range(len(locked) + 1):
            free = free_for(closed)
            f = geo.point_field(free, gx, gy)
            if geo.lookup(f, *pos) < geo.INF:
                goals.append(_Goal(kind, gx, gy, f))
                pos = (gx, gy)
                break
            # open the nearest reachable closed locked door first
            best = None
            for d in sorted(closed):
                fd = geo.point_field(free, locked[d][3], locked[d][4])
                dd = geo.lookup(fd, *pos)
                if dd < geo.INF and (best is None or dd < best[0]):
                    best = (dd, d, fd)
            if best is None:
                goals.append(_Goal(kind, gx, gy, f))  # unreachable on the grid: let the search try anyway
                pos = (gx, gy)
                break
            _, d, fd = best
            goals.append(_Goal("locked", locked[d][3], locked[d][4], fd, door=d))
            closed.discard(d)
            pos = (locked[d][3], locked[d][4])
    return goals, [(lk[3], lk[4]) for lk in locked]


# --------------------------------------------------------------------------- search
def solve(md: MapData, config: SolverConfig | None = None, backend_cls=SimBackend,
          start: dict[str, np.ndarray] | None = None) -> SolveResult:
    """Search for inputs that win ``md``; the result is verified by a clean replay.

    ``start`` (a :func:`world_state`, e.g. of a world an agent is playing) searches from that state
    instead of the spawn: the inputs then continue from it, ``win_frame`` counts frames from it, and the
    proof replays them from that state."""
    cfg = config or SolverConfig()
    if cfg.action_set == "auto":
        import dataclasses

        first = solve(md, dataclasses.replace(cfg, action_set="env", macro_frames=4), backend_cls, start)
        if first.solved:
            return first
        return solve(md, dataclasses.replace(cfg, action_set="macros"), backend_cls, start)
    macro_table(1, cfg.action_set)  # an unknown action set fails here, naming it
    t0 = time.perf_counter()
    goals, locked_switches = _plan(md)
    plan = [(g.kind, g.x, g.y) for g in goals]
    why = geo.unreachable_goal(md.tiles, md.spawn, md.entities) if cfg.precheck and start is None else ""
    if why:
        return SolveResult(False, plan=plan, reason=why, action_set=cfg.action_set, seconds=time.perf_counter() - t0)
    rest = np.zeros(len(goals) + 1)
    for s in range(len(goals) - 2, -1, -1):
        leg = geo.lookup(goals[s + 1].field, goals[s].x, goals[s].y)
        rest[s] = rest[s + 1] + (leg if leg < geo.INF else 2000.0)
    macros = macro_table(cfg.macro_frames, cfg.action_set)
    A = len(macros)
    n_worlds = cfg.beam * A
    be = backend_cls(md, n_worlds)
    C = be.C
    sim = be.sim
    # entity rows of the planned locked doors (the door entity sits at its switch for logic)
    door_rows = {}
    et = sim.entities[0, : sim.n_entities[0]]
    for gi, g in enumerate(goals):
        if g.kind == "locked":
            rows = np.nonzero(et[:, C.E_TYPE] == 6)[0]
            if len(rows):
                dist = np.hypot(et[rows, C.E_X] - g.x, et[rows, C.E_Y] - g.y)
                door_rows[gi] = int(rows[np.argmin(dist)])

    def stage_of(worlds_ninja, worlds_ent):
        st = np.zeros(len(worlds_ninja), dtype=np.int64)
        done = np.ones(len(worlds_ninja), dtype=bool)
        for gi, g in enumerate(goals):
            if g.kind == "switch":
                reached = worlds_ninja[:, C.N_SWITCH_FRAME] >= 0
            elif g.kind == "locked":
                r = door_rows.get(gi)
                reached = worlds_ent[:, r, C.E_ACTIVE] == 0 if r is not None else np.zeros(len(st), bool)
            else:
                reached = worlds_ninja[:, C.N_STATE] == 8
            done &= reached
            st += done
        return st

    def score_of(nin, stage, frames):
        sc = np.full(len(nin), geo.INF)
        for s in np.unique(stage):
            m = stage == s
            if s >= len(goals):
                sc[m] = 0.0
                continue
            d = geo.lookup_many(goals[s].field, nin[m, C.N_X], nin[m, C.N_Y])
            d = np.where(d < geo.INF, d, 5000.0)
            sc[m] = d + rest[s]
        return sc + cfg.frame_cost * frames

    if start is not None:
        sim.reset()
        _load_start(sim, 0, start)
        if sim.ninja[0, C.N_STATE] in (6, 7, 8):
            res = SolveResult(False, plan=plan, reason="the start state has already ended (dead or won)")
            res.seconds = time.perf_counter() - t0
            return res
    # snapshot store (bulky arrays shared between slots: npp_rl.levels.state_store)
    cap = cfg.frontier + n_worlds
    store = StateStore(be.snapshot_arrays(), cap)
    slot_score = np.full(cap, np.inf)
    slot_node = np.full(cap, -1, dtype=np.int64)
    parent: list[int] = [-1]
    macro_of: list[int] = [-1]
    used: list[int] = [0]  # frames of the macro actually stepped
    node_frames: list[int] = [0]
    store.save(np.array([0]), np.array([0]))
    root_stage = stage_of(sim.ninja[:1], sim.entities[:1])
    slot_score[0] = score_of(sim.ninja[:1], root_stage, np.zeros(1))[0]
    slot_node[0] = 0
    visited: set = set()
    res = SolveResult(False, plan=plan)
    frames_sim = 0

    def inputs_of(node: int, last_macro: int, last_used: int) -> bytes:
        seq = [bytes(macros[last_macro, :last_used])]
        while node > 0:
            seq.append(bytes(macros[macro_of[node], : used[node]]))
            node = parent[node]
        return b"".join(reversed(seq))

    res.action_set = cfg.action_set
    best_left = float(slot_score[0])  # the root's planned distance left (it has used no frames)
    it = 0
    while True:
        res.longest_stall = max(res.longest_stall, it - res.progress_iteration)
        if it >= cfg.max_iterations:
            res.reason = f"iteration budget ({cfg.max_iterations}) spent"
            break
        if cfg.stall_iterations and it - res.progress_iteration >= cfg.stall_iterations:
            res.reason = (f"no progress for {cfg.stall_iterations} iterations "
                          f"(closest: {best_left:.0f} px of planned path left, at iteration {res.progress_iteration})")
            break
        if time.perf_counter() - t0 > cfg.time_limit_s:
            res.reason = f"time budget ({cfg.time_limit_s:.0f} s) spent"
            break
        occupied = np.nonzero(np.isfinite(slot_score))[0]
        if len(occupied) == 0:
            res.reason = "search space exhausted (every reachable state explored or dead)"
            break
        it += 1
        k = min(cfg.beam, len(occupied))
        pick = occupied[np.argpartition(slot_score[occupied], k - 1)[:k]] if len(occupied) > k else occupied
        src = np.repeat(pick, A)
        pad = n_worlds - len(src)
        if pad:
            src = np.concatenate([src, np.full(pad, pick[0])])
        store.load(src)
        p_nodes = slot_node[src]
        slot_score[pick] = np.inf
        slot_node[pick] = -1
        act = np.tile(np.arange(A), cfg.beam)[: n_worlds]
        inp = macros[act]
        stepped = be.step_sequences(inp)
        store.after_step(n_worlds)
        frames_sim += int(stepped.sum())
        nin = sim.ninja
        n_real = len(pick) * A
        won = np.nonzero(nin[:n_real, C.N_STATE] == 8)[0]
        if len(won):
            w = int(won[0])
            cand = inputs_of(int(p_nodes[w]), int(act[w]), int(stepped[w]))
            outcome, frame = verify(md, cand, start)
            if outcome == "won":
                res.solved, res.inputs, res.win_frame = True, cand[:frame], frame
                break
            res.reason = f"search win did not replay ({outcome} at frame {frame})"
        alive = ~np.isin(nin[:n_real, C.N_STATE], (6, 7, 8))
        pf = np.array([node_frames[p] for p in p_nodes[:n_real]])
        frames = pf + stepped[:n_real]
        alive &= frames <= cfg.max_frames
        stage = stage_of(nin[:n_real], sim.entities[:n_real])
        sc = score_of(nin[:n_real], stage, frames)
        q = np.stack([
            stage,
            np.round(nin[:n_real, C.N_X] / 3.0), np.round(nin[:n_real, C.N_Y] / 3.0),
            np.round(nin[:n_real, C.N_VX] / 0.5), np.round(nin[:n_real, C.N_VY] / 0.5),
            nin[:n_real, C.N_STATE], nin[:n_real, C.N_JUMP],
        ], axis=1).astype(np.int64)
        new_w = []
        for w in np.nonzero(alive)[0]:
            key = q[w].tobytes()
            if key in visited:
                continue
            visited.add(key)
            new_w.append(w)
        if not new_w:
            continue
        new_w = np.array(new_w)
        free_slots = np.nonzero(~np.isfinite(slot_score))[0]
        if len(new_w) > len(free_slots):  # keep the best children only
            new_w = new_w[np.argsort(sc[new_w], kind="stable")[: len(free_slots)]]
        slots = free_slots[: len(new_w)]
        store.save(new_w, slots)
        for w, s in zip(new_w.tolist(), slots.tolist(), strict=True):
            parent.append(int(p_nodes[w]))
            macro_of.append(int(act[w]))
            used.append(int(stepped[w]))
            node_frames.append(int(frames[w]))
            slot_node[s] = len(parent) - 1
        slot_score[slots] = sc[new_w]
        left = float(np.min(sc[new_w] - cfg.frame_cost * frames[new_w]))
        if left <= best_left - cfg.progress_px:
            best_left, res.progress_iteration = left, it
        # trim the frontier
        occ = np.nonzero(np.isfinite(slot_score))[0]
        if len(occ) > cfg.frontier:
            worst = occ[np.argsort(slot_score[occ])[cfg.frontier :]]
            slot_score[worst] = np.inf
            slot_node[worst] = -1
    res.iterations = it
    res.longest_stall = max(res.longest_stall, it - res.progress_iteration)
    res.best_remaining = best_left
    res.nodes = len(parent)
    res.frames_simulated = frames_sim
    res.seconds = time.perf_counter() - t0
    if res.solved:
        res.reason = ""
    return res
