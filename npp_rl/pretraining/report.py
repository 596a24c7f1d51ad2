"""Figures of BC pretraining: validation accuracy per category, and the BC policy alone on the test levels.

    python -m npp_rl.pretraining.report --levels DATA/levels --architectures mlp_baseline vision_free \\
        --bc-epochs 30 --out docs/pretraining [--tracking-uri URI] [--experiment-name NAME]

For each architecture: one ``pretrain`` run on the dataset's replays (``test/`` excluded), then the BC
policy and an untrained policy of the same architecture (the PPO initialisation, seed 0) play every test
level (``npp_rl.evaluation.run_episodes``), greedy and sampled. Writes ``bc_val_accuracy.png``,
``bc_test_success.png`` and ``bc_report.json`` to ``--out`` and logs them to each pretrain run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _success_by_category(policy, suite, modalities, deterministic: bool, episodes_per_level: int, seed: int) -> dict:
    from npp_rl.evaluation import run_episodes, summarize

    def fn(obs):
        return policy.predict_obs(obs, deterministic=deterministic)["action"]

    eps = run_episodes(fn, suite, modalities, episodes_per_level=episodes_per_level, seed=seed,
                       record_trajectories=False)
    return {c: float(m["success_rate"]) for c, m in summarize(eps).items()}


def evaluate_bc(run_id: str, architecture: str, levels: str, out_dir: Path, episodes_per_level: int = 3) -> dict:
    """Success rate per test category of the BC policy of ``run_id`` and of an untrained policy."""
    from npp_rl.evaluation import load_suite
    from npp_rl.models.registry import get_architecture
    from npp_rl.tracking.policy_pyfunc import load_local

    from .bc import make_model

    mods = get_architecture(architecture).modalities
    suite = load_suite(levels, split="test")
    bc_zip = Path(out_dir) / run_id / "policy.zip"
    untrained_zip = Path(out_dir) / run_id / "untrained.zip"
    make_model(architecture, seed=0).save(untrained_zip)
    out = {}
    for name, path in (("bc", bc_zip), ("untrained", untrained_zip)):
        pol = load_local(str(path))
        out[name] = {
            "greedy": _success_by_category(pol, suite, mods, True, 1, 0),
            "sampled": _success_by_category(pol, suite, mods, False, episodes_per_level, 0),
        }
    return out


def solve_aligned(levels: str | Path, out: str | Path, frame_skip: int = 4, time_limit_s: float = 30.0) -> dict:
    """Copy the ``train`` levels of a dataset to ``out/train`` with env-action solutions (see
    ``SolverConfig(action_set="env")``) as ``.nppreplay`` beside them; returns counts per category."""
    import shutil

    from npp_rl.levels.solver import SolverConfig, solve
    from npp_rl.sim import load_map
    from npp_rl.sim.replay import write_replay

    levels, out = Path(levels), Path(out)
    counts: dict[str, list] = {}
    cfg = SolverConfig(action_set="env", macro_frames=frame_skip, time_limit_s=time_limit_s)
    for lv in sorted((levels / "train").rglob("*.npplevel")):
        dst = out / lv.relative_to(levels)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(lv, dst)
        r = solve(load_map(lv), cfg)
        if r.solved:
            write_replay(dst.with_suffix(".nppreplay"),
                         r.to_replay(lv.read_bytes(), source=f"npp-rl solver (env actions x{frame_skip})"))
        counts.setdefault(dst.parent.name, []).append(bool(r.solved))
    return {c: {"levels": len(v), "solved": int(sum(v))} for c, v in counts.items()}


def label_replay_success(dataset_path: str | Path) -> dict:
    """Open-loop check of the labels: play each replay's stored actions in ``NppEnv`` on its level and
    count wins, per category. 1.0 means the frame-skip discretisation loses nothing; mixed windows
    (labelled by the majority rule) are what can make it lower."""
    from npp_rl.envs.env import NppEnv

    from . import sources
    from .dataset import open_dataset

    ds = open_dataset(dataset_path)
    m = ds.manifest
    data = ds.load()
    root = Path(m["source_dir"])
    fs = m["options"]["frame_skip"]
    out: dict[str, list] = {}
    for i, r in enumerate(m["replays"]):
        if r["recorded_outcome"] != "won":
            continue
        kind = r["kind"]
        rep, md = sources.read(sources.ReplayFile(root / r["file"], kind, r["category"], r["split"], r["file"]))
        env = NppEnv([md], observation_modalities=("game_state",), frame_skip=fs, adaptive_frame_budget=False,
                     max_episode_frames=max(5000, len(rep.inputs) + 100))
        env.reset(options={"level": 0})
        won = False
        for a in data["action"][data["replay"] == i]:
            _, _, term, trunc, info = env.step(int(a))
            if term or trunc:
                won = bool(info["success"])
                break
        out.setdefault(r["category"], []).append(won)
    res = {c: float(np.mean(v)) for c, v in sorted(out.items())}
    res["overall"] = float(np.mean([w for v in out.values() for w in v])) if out else float("nan")
    return res


def plot_val_accuracy(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    archs = list(results)
    cats = sorted({c for r in results.values() for c in r["val_accuracy"]})
    x = np.arange(len(cats) + 1)
    w = 0.8 / max(len(archs), 1)
    fig, ax = plt.subplots(figsize=(1.4 * len(x) + 2, 3.6))
    for i, a in enumerate(archs):
        r = results[a]
        vals = [r["val_accuracy"].get(c, np.nan) for c in cats] + [r["val_accuracy_overall"]]
        ax.bar(x + (i - (len(archs) - 1) / 2) * w, vals, w, label=a)
        ax.axhline(r["val_chance_accuracy"], ls="--", lw=0.8, color=f"C{i}")
    ax.set_xticks(x, cats + ["overall"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("validation accuracy (held-out levels)")
    ax.set_title("BC: action accuracy per category (dashed: majority-class share)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_test_success(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    archs = list(results)
    ncol = min(2, len(archs))
    nrow = -(-len(archs) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.5 * ncol, 3.6 * nrow), squeeze=False)
    for ax in axes.flat[len(archs):]:
        ax.axis("off")
    for ax, a in zip(axes.flat, archs, strict=False):
        s = results[a]["test_success"]
        cats = [c for c in s["bc"]["greedy"] if c != "overall"] + ["overall"]
        x = np.arange(len(cats))
        series = [("BC greedy", s["bc"]["greedy"]), ("BC sampled", s["bc"]["sampled"]),
                  ("untrained greedy", s["untrained"]["greedy"]), ("untrained sampled", s["untrained"]["sampled"])]
        w = 0.2
        for i, (label, d) in enumerate(series):
            ax.bar(x + (i - 1.5) * w, [d.get(c, np.nan) for c in cats], w, label=label)
        ax.set_xticks(x, cats, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(f"{a}: test-level success, BC alone vs untrained", fontsize=9)
        ax.set_ylabel("success rate")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    import mlflow

    from .config import PretrainConfig
    from .pipeline import pretrain

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--levels", required=True, help="level dataset with solutions (DIR/{train,test}/<category>/)")
    ap.add_argument("--replays", nargs="+", default=None, metavar="NAME=DIR",
                    help="replay sets to learn from (default: solver=--levels); e.g. solver=DATA aligned=DATA2")
    ap.add_argument("--solve-aligned", metavar="DIR",
                    help="first write env-action solutions of the --levels train split to DIR (set 'aligned')")
    ap.add_argument("--architectures", nargs="+", default=["mlp_baseline"])
    ap.add_argument("--bc-epochs", type=int, default=30)
    ap.add_argument("--bc-batch-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--episodes-per-level", type=int, default=3, help="sampled episodes per test level")
    ap.add_argument("--experiment-name", default="npp-rl-bc-report")
    ap.add_argument("--tracking-uri", default=None)
    ap.add_argument("--output-dir", default=".npp-rl/pretrain")
    ap.add_argument("--out", default="docs/pretraining")
    ap.add_argument("--append", action="store_true",
                    help="keep the results already in OUT/bc_report.json and skip combinations done there")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sets = dict(r.split("=", 1) for r in (args.replays or [f"solver={args.levels}"]))
    if args.solve_aligned:
        print(f"aligned solutions: {solve_aligned(args.levels, args.solve_aligned)}", file=sys.stderr)
        sets["aligned"] = args.solve_aligned
    report = out / "bc_report.json"
    results = json.loads(report.read_text()) if args.append and report.is_file() else {}
    for arch, (set_name, replay_dir) in [(a, s) for a in args.architectures for s in sets.items()]:
        key = f"{arch} [{set_name}]"
        if key in results:
            continue
        cfg = PretrainConfig(architecture=arch, replay_data_dir=replay_dir, bc_epochs=args.bc_epochs,
                             bc_batch_size=args.bc_batch_size, seed=args.seed, experiment_name=args.experiment_name,
                             tracking_uri=args.tracking_uri, output_dir=args.output_dir)
        run_id = pretrain(cfg)
        res = json.loads((Path(args.output_dir) / run_id / "bc_result.json").read_text())
        best = res["best"]
        results[key] = {
            "run_id": run_id, "architecture": arch, "replays": replay_dir, "dataset": res["dataset"],
            "best_epoch": res["best_epoch"],
            "epochs_run": len(res["history"]), "stopped_early": res["stopped_early"],
            "val_accuracy_overall": best.get("val_accuracy", float("nan")),
            "val_chance_accuracy": res["val_chance_accuracy"],
            "val_accuracy": {k.split("/", 1)[1]: v for k, v in best.items() if k.startswith("val_accuracy/")},
            "train_accuracy": best.get("train_accuracy"),
            "samples_per_s": float(np.mean([h["samples_per_s"] for h in res["history"]])),
            "dataset_totals": json.loads((Path(res["dataset_path"]) / "manifest.json").read_text())["totals"],
        }
        print(f"{key}: run {run_id} val accuracy {results[key]['val_accuracy_overall']:.3f} "
              f"(chance {res['val_chance_accuracy']:.3f})", file=sys.stderr)
        results[key]["label_replay_success"] = label_replay_success(res["dataset_path"])
        print(f"{key}: labels replayed open-loop win {results[key]['label_replay_success']}", file=sys.stderr)
        results[key]["test_success"] = evaluate_bc(run_id, arch, args.levels, Path(args.output_dir),
                                                    args.episodes_per_level)
        print(f"{key}: test success {json.dumps(results[key]['test_success'])}", file=sys.stderr)
        report.write_text(json.dumps(results, indent=1))  # after every combination: a kill loses one at most
    report.write_text(json.dumps(results, indent=1))
    plot_val_accuracy(results, out / "bc_val_accuracy.png")
    plot_test_success(results, out / "bc_test_success.png")
    for r in results.values():
        if r.get("figures_logged"):
            continue
        r["figures_logged"] = True
        with mlflow.start_run(run_id=r["run_id"]):
            for f in ("bc_val_accuracy.png", "bc_test_success.png", "bc_report.json"):
                mlflow.log_artifact(str(out / f), "report")
            mlflow.log_metrics({f"pretrain/test_success/{who}_{mode}/{c}": v
                                for who, d in r["test_success"].items() for mode, m in d.items() for c, v in m.items()})
    print(json.dumps({k: {"run_id": r["run_id"], "val_accuracy": r["val_accuracy_overall"],
                          "test_success_bc_greedy": r["test_success"]["bc"]["greedy"].get("overall")}
                      for k, r in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
