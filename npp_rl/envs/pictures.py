"""Pictures of the observations, for docs and for looking at them (``docs/img/``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import spec

EDGE_COLOURS = {"walk": "#2ca02c", "jump": "#1f77b4", "fall": "#ff7f0e", "on": "#7f7f7f", "near": "#e377c2",
                "opens": "#d62728"}
NODE_COLOURS = {"ninja": "#000000", "platform": "#17becf", "exit_switch": "#bcbd22", "exit_door": "#2ca02c",
                "mine": "#d62728", "gold": "#ffbf00", "door_switch": "#9467bd", "door": "#8c564b",
                "hazard": "#e377c2"}


def save_image(arr: np.ndarray, path, scale: int = 4) -> None:
    """Save a (H, W, 1) uint8 observation as a PNG, enlarged ``scale`` times (nearest)."""
    from PIL import Image

    img = Image.fromarray(np.asarray(arr)[..., 0])
    img.resize((img.width * scale, img.height * scale), Image.NEAREST).save(path)


def save_graph(obs: dict, solid: np.ndarray, path, title: str = "") -> None:
    """Draw the graph arrays of one observation over the level's solid mask."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    feats, ntype, nmask = obs["graph_node_feats"], obs["graph_node_type"], obs["graph_node_mask"]
    eidx, etype, emask = obs["graph_edge_index"], obs["graph_edge_type"], obs["graph_edge_mask"]
    x = (feats[:, 0] + 1) / 2 * 1056
    y = (feats[:, 1] + 1) / 2 * 600
    fig, ax = plt.subplots(figsize=(13.2, 7.5), dpi=80)
    ax.imshow(solid, cmap="Greys", vmin=0, vmax=2.2, extent=(0, 1056, 600, 0))
    for k in np.flatnonzero(emask > 0):
        s, d = int(eidx[0, k]), int(eidx[1, k])
        name = spec.EDGE_TYPES[int(etype[k])]
        ax.annotate("", xy=(x[d], y[d]), xytext=(x[s], y[s]),
                    arrowprops=dict(arrowstyle="->", color=EDGE_COLOURS[name], lw=0.8, alpha=0.7,
                                    shrinkA=2, shrinkB=2, connectionstyle="arc3,rad=0.12"))
    for t, name in enumerate(spec.NODE_TYPES):
        m = (nmask > 0) & (ntype == t)
        if m.any():
            size = 14 if name != "platform" else 40
            ax.scatter(x[m], y[m], s=size, c=NODE_COLOURS[name], label=f"{name} ({int(m.sum())})",
                       zorder=3, edgecolors="k", linewidths=0.4)
    for name, c in EDGE_COLOURS.items():
        n = int(((etype == spec.EDGE_TYPE_ID[name]) & (emask > 0)).sum())
        ax.plot([], [], color=c, label=f"{name} edges ({n})")
    ax.set_xlim(0, 1056)
    ax.set_ylim(600, 0)
    ax.set_title(title or "level graph")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def save_observation_pictures(level, out_dir, actions=(), prefix: str | None = None) -> list[Path]:
    """Play ``actions`` on ``level`` and save the player frame, global view and graph it sees as
    ``<prefix>_player_frame.png``, ``<prefix>_global_view.png`` and ``<prefix>_graph.png``."""
    from .env import NppEnv

    env = NppEnv([level])
    obs, info = env.reset(options={"level": 0})
    for a in actions:
        obs, _, term, trunc, _ = env.step(int(a))
        if term or trunc:
            break
    name = prefix or info["level"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}_player_frame.png", out / f"{name}_global_view.png", out / f"{name}_graph.png"]
    save_image(obs["player_frame"], paths[0], scale=4)
    save_image(obs["global_view"], paths[1], scale=4)
    st = env.levels.static(0)
    save_graph(obs, st.solid, paths[2], title=f"{name}: level graph")
    return paths


def save_category_pictures(out_dir, seed: int = 1, categories=None, fraction: float = 0.5) -> list[Path]:
    """For one generated level per category: solve it, replay the first ``fraction`` of the solution
    in the env (frame skip 1) and save the three observation pictures there (``<category>_*.png``)."""
    from npp_rl.levels import CATEGORIES, generate, solve

    from .engine import ACTION_BYTES
    from .env import NppEnv

    byte_to_action = {int(b): a for a, b in enumerate(ACTION_BYTES)} | {6: 1, 7: 4}
    out = Path(out_dir)
    paths = []
    for cat in categories or CATEGORIES:
        lvl = generate(cat, seed)
        res = solve(lvl.map)
        inputs = res.inputs[: int(len(res.inputs) * fraction)] if res.solved else b""
        env = NppEnv([lvl], frame_skip=1)
        obs, _ = env.reset(options={"level": 0})
        for b in inputs:
            obs, _, term, trunc, _ = env.step(byte_to_action[b & 7])
            if term or trunc:
                break
        p = [out / f"{cat}_player_frame.png", out / f"{cat}_global_view.png", out / f"{cat}_graph.png"]
        out.mkdir(parents=True, exist_ok=True)
        save_image(obs["player_frame"], p[0], scale=4)
        save_image(obs["global_view"], p[1], scale=4)
        save_graph(obs, env.levels.static(0).solid, p[2], title=f"{cat} (seed {seed}): level graph, "
                   f"{int(obs['graph_node_mask'].sum())} nodes, {int(obs['graph_edge_mask'].sum())} edges")
        paths += p
    return paths
