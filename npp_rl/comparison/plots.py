"""The comparison's figures (matplotlib, PNG): training curves, per-category success, pretraining impact,
success vs latency, and the aggregate statistics (mean and IQM with their intervals, performance profiles;
drawn with ``rliable.plot_utils``). Every function takes the :class:`~npp_rl.comparison.matrix.Matrix` (and the runs)
and writes one PNG; colours follow the architecture, line style / marker the condition, in every plot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from npp_rl.comparison.collect import RunSet
from npp_rl.comparison.matrix import Matrix

COND_STYLE = {"scratch": "-", "pretrained": "--", "bc_only": ":"}
COND_MARKER = {"scratch": "o", "pretrained": "^", "bc_only": "D"}
COND_HATCH = {"pretrained": "//", "bc_only": ".."}
DPI = 130


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.facecolor": "white", "axes.grid": True, "grid.alpha": 0.3, "font.size": 9,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def arch_colours(archs) -> dict[str, tuple]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return {a: cmap(i % 10) for i, a in enumerate(sorted(set(archs)))}


def _label(arch: str, cond: str) -> str:
    return f"{arch} ({cond})"


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10, color="0.4", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def plot_training_curves(runs: RunSet, matrix: Matrix, path: Path) -> Path:
    """Held-back success during training vs env steps: mean over seeds and the min..max band."""
    plt = _plt()
    colours = arch_colours(matrix.table["architecture"])
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    groups: dict[tuple[str, str], list] = {}
    metric = None
    for m in runs.models:
        if m.curve:
            groups.setdefault((m.architecture, m.condition), []).append(np.asarray(m.curve, float))
            metric = metric or m.curve_metric
    for (arch, cond), curves in sorted(groups.items()):
        end = min(c[-1, 0] for c in curves)
        grid = np.unique(np.concatenate([c[:, 0] for c in curves]))
        grid = grid[grid <= end]
        if grid.size == 0:
            continue
        ys = np.stack([np.interp(grid, c[:, 0], c[:, 1]) for c in curves])
        col = colours.get(arch, "k")
        ax.plot(grid, ys.mean(0), COND_STYLE.get(cond, ":"), color=col, lw=1.8,
                label=f"{_label(arch, cond)}, {len(curves)} seed{'s' * (len(curves) > 1)}")
        if len(curves) > 1:
            ax.fill_between(grid, ys.min(0), ys.max(0), color=col, alpha=0.15, lw=0)
    if not groups:
        _empty(ax, "no training run has an evaluation history")
    else:
        if metric and "success" in metric:
            ax.axhline(0.5, color="0.5", lw=0.8, ls=":")
            ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(metric or "")
        ax.legend(fontsize=7.5, loc="best", frameon=False)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v / 1e3:g}k" if v < 1e6 else f"{v / 1e6:g}M"))
    ax.set_title("Training curves (held-back levels): mean over seeds, band = min..max; dotted = 50%", fontsize=9.5)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def plot_category_success(matrix: Matrix, path: Path) -> Path:
    """Test success per category (and overall) for every row; error bars = spread over seeds (std)."""
    plt = _plt()
    colours = arch_colours(matrix.table["architecture"])
    t = matrix.table.dropna(subset=["success"])
    cats = list(matrix.categories) + ["overall"]
    per = matrix.per_model
    fig, ax = plt.subplots(figsize=(max(7.0, 1.1 * len(cats) + 0.35 * len(t) * len(cats) / 2), 4.6))
    n = max(1, len(t))
    width = 0.8 / n
    x = np.arange(len(cats))
    for i, r in enumerate(t.itertuples(index=False)):
        arch, cond = r.architecture, r.condition
        g = per[(per["architecture"] == arch) & (per["condition"] == cond)]
        vals, errs = [], []
        for c in cats:
            col = "success" if c == "overall" else f"success/{c}"
            vals.append(g[col].mean())
            errs.append(g[col].std(ddof=0) if len(g) > 1 else 0.0)
        ax.bar(x - 0.4 + width * (i + 0.5), vals, width, yerr=errs, capsize=2, color=colours[arch],
               hatch=COND_HATCH.get(cond), edgecolor="white", lw=0.5, label=_label(arch, cond),
               error_kw={"elinewidth": 0.8, "ecolor": "0.3"})
    ax.set_xticks(x, cats)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("test success rate")
    ax.set_title("Test success per level category (mean over seeds, whiskers = std; // pretrained, .. BC only)",
                 fontsize=9.5)
    ax.legend(fontsize=7.5, ncol=min(4, max(1, len(t))), frameon=False, loc="upper center",
              bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def plot_pretraining_impact(matrix: Matrix, path: Path) -> Path:
    """Pretrained minus scratch success per category, for each architecture that has both."""
    plt = _plt()
    t = matrix.table.set_index(["architecture", "condition"])
    archs = sorted({a for a, c in t.index if (a, "scratch") in t.index and (a, "pretrained") in t.index})
    cats = list(matrix.categories) + ["overall"]
    colours = arch_colours(matrix.table["architecture"])
    fig, ax = plt.subplots(figsize=(max(6.5, 1.2 * len(cats) + 0.4 * len(archs)), 4.0))
    if not archs:
        _empty(ax, "no architecture has both a scratch and a pretrained model yet\n"
                   "(train with --init-from / --test-pretraining)")
    else:
        width = 0.8 / len(archs)
        x = np.arange(len(cats))
        for i, a in enumerate(archs):
            d = [t.loc[(a, "pretrained"), "success" if c == "overall" else f"success/{c}"]
                 - t.loc[(a, "scratch"), "success" if c == "overall" else f"success/{c}"] for c in cats]
            bars = ax.bar(x - 0.4 + width * (i + 0.5), d, width, color=colours[a], label=a)
            for b, v in zip(bars, d, strict=True):
                if not math.isnan(v):
                    ax.annotate(f"{v:+.2f}", (b.get_x() + b.get_width() / 2, v), ha="center",
                                va="bottom" if v >= 0 else "top", fontsize=6.5, xytext=(0, 2 if v >= 0 else -2),
                                textcoords="offset points")
        ax.axhline(0, color="0.2", lw=0.8)
        ax.set_xticks(x, cats)
        diffs = [t.loc[(a, "pretrained"), "success" if c == "overall" else f"success/{c}"]
                 - t.loc[(a, "scratch"), "success" if c == "overall" else f"success/{c}"] for a in archs for c in cats]
        lim = max(0.1, float(np.nanmax(np.abs(diffs))) if not np.all(np.isnan(diffs)) else 0.1)
        ax.set_ylim(-min(1.0, lim * 1.3), min(1.0, lim * 1.3))
        ax.set_ylabel("success: pretrained − scratch")
        ax.legend(fontsize=7.5, frameon=False)
    ax.set_title("Pretraining impact (behavioural cloning, then PPO) on test success", fontsize=9.5)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def plot_success_vs_latency(matrix: Matrix, path: Path, target_ms: float = 5.0) -> Path:
    """Overall success (95% interval) against batch-1 CPU inference latency (log scale)."""
    plt = _plt()
    t = matrix.table
    colours = arch_colours(t["architecture"])
    fig, ax = plt.subplots(figsize=(6.8, 4.2))
    ok = t.dropna(subset=["latency_ms", "success"])
    if ok.empty:
        _empty(ax, "no latency figures (evaluate runs log perf/latency_ms_b1_p50)")
    else:
        for r in ok.itertuples(index=False):
            lo = r.success - r.success_ci_low if not math.isnan(r.success_ci_low) else 0
            hi = r.success_ci_high - r.success if not math.isnan(r.success_ci_high) else 0
            ax.errorbar(r.latency_ms, r.success, yerr=[[max(lo, 0)], [max(hi, 0)]], fmt=COND_MARKER.get(r.condition, "s"),
                        color=colours[r.architecture], ms=7, capsize=3, lw=1, label=_label(r.architecture, r.condition))
            right = r.condition != "scratch"
            ax.annotate(f"#{int(r.rank) if not math.isnan(r.rank) else '-'}", (r.latency_ms, r.success),
                        xytext=(7 if right else -7, 0), textcoords="offset points", fontsize=7.5, color="0.2",
                        ha="left" if right else "right", va="center")
        ax.set_xscale("log")
        ax.axvline(target_ms, color="tab:red", lw=0.8, ls=":")
        ax.text(target_ms, 1.02, f" {target_ms:g} ms target", color="tab:red", fontsize=7, va="bottom")
        lo_x = min(ok["latency_ms"].min() / 2, target_ms / 3)
        ax.set_xlim(lo_x, max(ok["latency_ms"].max() * 3, target_ms * 2))
        ax.set_ylim(-0.03, 1.08)
        ax.set_xlabel("inference latency, batch 1, CPU p50 (ms, log scale)")
        ax.set_ylabel("test success rate (95% interval over seeds)")
        h, lab = ax.get_legend_handles_labels()
        seen = dict(zip(lab, h, strict=True))
        ax.legend(seen.values(), seen.keys(), fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Success vs inference latency (up and left is better; #rank)", fontsize=9.5)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _ranked_rows(matrix: Matrix) -> list[tuple[str, str]]:
    t = matrix.table
    return [(r.architecture, r.condition) for r in t.itertuples(index=False)
            if (r.architecture, r.condition) in matrix.scores]


def plot_aggregate_intervals(matrix: Matrix, path: Path) -> Path:
    """Mean and IQM of test success per row with 95 % stratified-bootstrap intervals over seeds."""
    plt = _plt()
    from rliable import plot_utils

    rows = _ranked_rows(matrix)
    t = matrix.table.set_index(["architecture", "condition"])
    labels = [f"#{int(t.loc[k, 'rank'])} {_label(*k)} ({int(t.loc[k, 'seeds'])} seed"
              f"{'s' if t.loc[k, 'seeds'] != 1 else ''})" for k in rows]
    colours = arch_colours(matrix.table["architecture"])
    point = {lab: np.array([t.loc[k, "success"], t.loc[k, "iqm"]]) for lab, k in zip(labels, rows, strict=True)}
    ci = {lab: np.array([[t.loc[k, "success_ci_low"], t.loc[k, "iqm_low"]],
                         [t.loc[k, "success_ci_high"], t.loc[k, "iqm_high"]]]) for lab, k in zip(labels, rows, strict=True)}
    fig, axes = plot_utils.plot_interval_estimates(
        point, ci, metric_names=["Mean success", "IQM success"], algorithms=labels[::-1],
        colors={lab: colours[k[0]] for lab, k in zip(labels, rows, strict=True)},
        xlabel="", subfigure_width=4.2, row_height=0.5, max_ticks=5)
    fig.set_size_inches(9.5, max(2.4, 0.55 * len(rows) + 1.4))
    for ax in np.atleast_1d(axes):
        ax.set_xlim(-0.03, 1.03)
        ax.title.set_fontsize(10)
        ax.tick_params(labelsize=8)
    res = "levels" if matrix.levels != ["overall"] else "overall success (no per-level results)"
    fig.suptitle(f"Test success: point and 95% stratified-bootstrap interval over seeds "
                 f"({len(matrix.levels)} {res}; {matrix.reps} resamples)", fontsize=9.5)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_performance_profiles(matrix: Matrix, path: Path) -> Path:
    """Score distributions (rliable's performance profiles) with 95 % bands over seeds: left, the fraction of
    seed x level entries whose test success exceeds tau; right, the same for success x efficiency (SPL) on
    the level, which separates agents that solve the same levels at different speeds."""
    plt = _plt()
    from rliable import plot_utils

    from npp_rl.comparison import stats

    rows = _ranked_rows(matrix)
    colours = arch_colours(matrix.table["architecture"])
    fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.2), sharey=True)
    for ax, (scores, what) in zip(axes, ((matrix.scores, "success"), (matrix.spl_scores, "SPL")), strict=True):
        profiles, cis = {}, {}
        for k in rows:
            if k in scores:
                profiles[_label(*k)], cis[_label(*k)] = stats.performance_profile(scores[k],
                                                                                 reps=min(matrix.reps, 1000))
        plot_utils.plot_performance_profiles(
            profiles, stats.TAU, cis, ax=ax, colors={_label(*k): colours[k[0]] for k in rows},
            linestyles={_label(*k): COND_STYLE.get(k[1], "-.") for k in rows},
            xlabel=rf"test {what} on a level ($\tau$)",
            ylabel=r"fraction of seed $\times$ level with score $> \tau$" if what == "success" else "",
            labelsize=9, ticklabelsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{what} > tau", fontsize=9.5)
    axes[1].legend(fontsize=7.5, frameon=False, loc="upper right")
    fig.suptitle("Performance profiles (higher is better; band = 95% interval over seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def make_plots(runs: RunSet, matrix: Matrix, out: Path) -> dict[str, Path]:
    """All six figures into ``out``; returns ``{name: path}``."""
    out.mkdir(parents=True, exist_ok=True)
    return {
        "aggregate_intervals": plot_aggregate_intervals(matrix, out / "aggregate_intervals.png"),
        "performance_profiles": plot_performance_profiles(matrix, out / "performance_profiles.png"),
        "training_curves": plot_training_curves(runs, matrix, out / "training_curves.png"),
        "category_success": plot_category_success(matrix, out / "category_success.png"),
        "pretraining_impact": plot_pretraining_impact(matrix, out / "pretraining_impact.png"),
        "success_vs_latency": plot_success_vs_latency(matrix, out / "success_vs_latency.png"),
    }
