"""Greedy success of pretrained policies (and an untrained one) on a level split, per category; a figure.

    python -m npp_rl.pretraining.measure --levels DATA --split test --architecture mlp_baseline \\
        --policy bc=OUT/<run>/bc_policy.zip --policy dagger=OUT/<run>/policy.zip --untrained \\
        --out docs/img/pretraining_methods.png --json docs/img/pretraining_methods.json

Each policy plays one greedy episode per level (:func:`npp_rl.pretraining.dagger.play`, the environment's
own frame budget). ``--untrained`` adds the PPO initialisation of the architecture (seed 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def split_levels(levels: str | Path, split: str) -> list:
    """Entries of ``split`` (train | eval | test) of every level dataset at/under ``levels``."""
    from npp_rl.envs.levelset import split_entries

    from .heldout import level_datasets

    out = []
    for ds in level_datasets(levels):
        try:
            out += split_entries(ds, split)
        except ValueError:
            continue
    if not out:
        raise ValueError(f"{levels}: no level in split {split!r}")
    return out


def greedy_success(policy_zip: str | None, architecture: str, entries, num_envs: int = 16) -> dict[str, float]:
    from npp_rl.models.registry import get_architecture

    from .bc import make_model
    from .dagger import play, success_by_category
    from .transfer import load_pretrained_into

    model = make_model(architecture, seed=0)
    if policy_zip:
        load_pretrained_into(model, str(policy_zip))
    eps = play(model.policy, entries, get_architecture(architecture).modalities, num_envs=num_envs)
    return success_by_category(eps)


def plot(results: dict[str, dict[str, float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    cats = [c for c in next(iter(results.values())) if c != "overall"] + ["overall"]
    x = np.arange(len(cats))
    w = 0.8 / len(results)
    fig, ax = plt.subplots(figsize=(1.4 * len(cats) + 2, 3.6))
    for k, (name, r) in enumerate(results.items()):
        vals = [r.get(c, 0.0) for c in cats]
        bars = ax.bar(x + (k - (len(results) - 1) / 2) * w, vals, w, label=name)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=7)
    ax.set_xticks(x, cats)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("greedy success")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--levels", required=True)
    ap.add_argument("--split", default="test", choices=["train", "eval", "test"])
    ap.add_argument("--architecture", default="mlp_baseline")
    ap.add_argument("--policy", action="append", default=[], help="NAME=PATH of an SB3 policy zip")
    ap.add_argument("--untrained", action="store_true")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    entries = split_levels(a.levels, a.split)
    runs = [tuple(p.split("=", 1)) for p in a.policy]
    if any(len(r) != 2 or not Path(r[1]).is_file() for r in runs):
        ap.error("--policy takes NAME=PATH of an existing policy zip")
    if a.untrained:
        runs.append(("untrained", None))
    results = {}
    for name, path in runs:
        results[name] = greedy_success(path, a.architecture, entries)
        print(f"{name}: {json.dumps({k: round(v, 3) for k, v in results[name].items()})}", file=sys.stderr)
    n = {c: sum(e.category == c for e in entries) for c in sorted({e.category for e in entries})}
    if a.json:
        a.json.write_text(json.dumps({"levels": str(a.levels), "split": a.split, "architecture": a.architecture,
                                      "levels_per_category": n, "greedy_success": results}, indent=1))
    if a.out:
        per = str(min(n.values())) if min(n.values()) == max(n.values()) else f"{min(n.values())}-{max(n.values())}"
        plot(results, a.out, f"{a.architecture}: greedy success on {len(entries)} {a.split} levels ({per} per category)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
