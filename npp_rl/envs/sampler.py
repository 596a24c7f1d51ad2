"""Which level a reset plays: uniform, sequential, or a curriculum that follows learning progress.

``progress`` is prioritized level replay (Jiang et al. 2021, "Prioritized Level Replay") with a score
the environment can compute by itself: the level's *learnability* ``p (1 - p)``, where ``p`` is the
level's recent success rate. Levels always solved (p ~ 1) or never (p ~ 0) teach little; those in
between get replayed. As in PLR the replay distribution mixes a rank-based score distribution
(``h(rank)^(1/temperature)``) with a staleness term (levels not played for a while come back) and a
uniform part ``epsilon``, so every level keeps a chance. ``p`` per level is an exponential moving
average of episode successes, shrunk towards its category's rate while a level has few episodes
(``prior`` pseudo-episodes), so an unseen level starts at its category's rate and a category that
nobody solves yet is not starved: its levels' learnability ``p (1 - p)`` grows as soon as one
success shows.

Each vector env owns one sampler (under torchrun each rank has its own, seeded by the rank's seed;
ranks do not share statistics). ``state_dict()`` / ``load_state_dict()`` give and take plain JSON-able
dicts (lists and numbers), so checkpoints can save the curriculum with the model.
"""

from __future__ import annotations

import numpy as np

SAMPLINGS = ("random", "sequential", "progress")


def _average_rank(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x`` (smallest first), tied values sharing the mean of their ranks."""
    vals, inv, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (start + (counts + 1) / 2.0)[inv]


class LevelSampler:
    """Level choice for ``n_levels`` levels with optional category labels (used by ``progress``)."""

    def __init__(self, mode: str, n_levels: int, categories=None, *, temperature: float = 0.3,
                 staleness: float = 0.1, epsilon: float = 0.1, ema: float = 0.3, prior: float = 2.0):
        if mode not in SAMPLINGS:
            raise ValueError(f"level_sampling: expected one of {', '.join(SAMPLINGS)}, got {mode!r}")
        if n_levels < 1:
            raise ValueError("LevelSampler: at least one level is needed")
        self.mode = mode
        self.n = int(n_levels)
        cats = [c if c is not None else "" for c in (categories or [None] * self.n)]
        if len(cats) != self.n:
            raise ValueError(f"LevelSampler: {len(cats)} category labels for {self.n} levels")
        self.cat_names = sorted(set(cats))
        self.cat_of = np.array([self.cat_names.index(c) for c in cats], np.int64)
        self.temperature, self.staleness, self.epsilon = float(temperature), float(staleness), float(epsilon)
        self.ema, self.prior = float(ema), float(prior)
        self.success = np.zeros(self.n)  # EMA of success per level
        self.episodes = np.zeros(self.n, np.int64)
        self.last_played = np.zeros(self.n, np.int64)
        self.clock = 0
        self.seq = 0

    # ---------------------------------------------------------------- choice
    def category_success(self) -> np.ndarray:
        """Mean success EMA per category over the levels played at least once (0 where none)."""
        out = np.zeros(len(self.cat_names))
        for c in range(len(self.cat_names)):
            m = (self.cat_of == c) & (self.episodes > 0)
            out[c] = self.success[m].mean() if m.any() else 0.0
        return out

    def success_estimate(self) -> np.ndarray:
        """Per level: the success EMA shrunk towards its category's rate by ``prior`` pseudo-episodes."""
        cat = self.category_success()[self.cat_of]
        n = np.minimum(self.episodes, 1.0 / self.ema).astype(np.float64)  # an EMA holds ~1/ema episodes
        return (n * self.success + self.prior * cat) / (n + self.prior)

    def probabilities(self) -> np.ndarray:
        """The distribution the next draw uses."""
        if self.mode != "progress":
            return np.full(self.n, 1.0 / self.n)
        p = self.success_estimate()
        score = p * (1.0 - p) + 1e-3
        rank = _average_rank(-np.round(score, 9))  # ties share a rank: equal levels, equal odds
        h = (1.0 / rank) ** (1.0 / self.temperature)
        p_score = h / h.sum()
        stale = (self.clock - self.last_played).astype(np.float64)
        p_stale = stale / stale.sum() if stale.sum() > 0 else np.full(self.n, 1.0 / self.n)
        mixed = (1.0 - self.staleness) * p_score + self.staleness * p_stale
        return (1.0 - self.epsilon) * mixed + self.epsilon / self.n

    def sample(self, rng: np.random.Generator) -> int:
        if self.mode == "sequential":
            i = self.seq % self.n
            self.seq += 1
            return i
        if self.mode == "random":
            return int(rng.integers(self.n))
        return int(rng.choice(self.n, p=self.probabilities()))

    # ---------------------------------------------------------------- feedback
    def update(self, level: int, success: bool) -> None:
        """Record one finished episode (terminated or truncated) on ``level``."""
        self.clock += 1
        i = int(level)
        first = self.episodes[i] == 0
        self.success[i] = float(success) if first else (1 - self.ema) * self.success[i] + self.ema * float(success)
        self.episodes[i] += 1
        self.last_played[i] = self.clock

    # ---------------------------------------------------------------- state
    def state_dict(self) -> dict:
        """Plain JSON-able state (mode, settings and per-level statistics)."""
        return {"mode": self.mode, "n_levels": self.n, "categories": [self.cat_names[c] for c in self.cat_of],
                "settings": {"temperature": self.temperature, "staleness": self.staleness, "epsilon": self.epsilon,
                             "ema": self.ema, "prior": self.prior},
                "success": self.success.tolist(), "episodes": self.episodes.tolist(),
                "last_played": self.last_played.tolist(), "clock": int(self.clock), "seq": int(self.seq)}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s output; the level count must match."""
        if int(state.get("n_levels", -1)) != self.n:
            raise ValueError(f"LevelSampler.load_state_dict: state is for {state.get('n_levels')} levels, "
                             f"this sampler has {self.n}")
        if state.get("mode") not in SAMPLINGS:
            raise ValueError(f"LevelSampler.load_state_dict: unknown mode {state.get('mode')!r}")
        self.mode = state["mode"]
        for k, v in (state.get("settings") or {}).items():
            setattr(self, k, float(v))
        self.success = np.asarray(state["success"], np.float64)
        self.episodes = np.asarray(state["episodes"], np.int64)
        self.last_played = np.asarray(state["last_played"], np.int64)
        self.clock, self.seq = int(state["clock"]), int(state["seq"])

    def summary(self) -> dict:
        """Per category: the share of the next draws and the success estimate (for logging)."""
        pr = self.probabilities()
        est = self.success_estimate()
        out = {}
        for c, name in enumerate(self.cat_names):
            m = self.cat_of == c
            key = name or "all"
            out[f"curriculum/{key}/share"] = float(pr[m].sum())
            out[f"curriculum/{key}/success"] = float(est[m].mean())
        return out
