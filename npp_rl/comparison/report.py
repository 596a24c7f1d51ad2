"""``report.md`` and ``report.html``: the decision matrix, why the champion won, the figures, the gaps."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import pandas as pd

from npp_rl.comparison import stats
from npp_rl.comparison.collect import RunSet
from npp_rl.comparison.matrix import CRITERIA, Matrix


def _f(v, fmt="{:.2f}", none="–"):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return none
    return fmt.format(v)


def _steps(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "not reached"
    return f"{v / 1e3:,.0f}k" if v >= 1e4 else f"{v:,.0f}"


def _seeds(r: dict) -> str:
    n, trained = int(r["seeds"]), int(r.get("trained", r["seeds"]))
    return str(n) if trained == n else f"{n} of {trained} (unevaluated: {trained - n})"


def _ci(lo, hi) -> str:
    return f"[{_f(lo)}, {_f(hi)}]"


def display_table(matrix: Matrix) -> pd.DataFrame:
    """The matrix formatted for people (strings), best first."""
    rows = []
    for r in matrix.table.to_dict("records"):
        d = {
            "rank": _f(r["rank"], "{:.0f}"), "architecture": r["architecture"], "condition": r["condition"],
            "seeds": _seeds(r), "score": _f(r["score"], "{:.3f}"),
            "success": _f(r["success"]) + (f" ± {r['success_std']:.2f}" if r["seeds"] > 1 else ""),
            "95% CI seeds": _ci(r["success_ci_low"], r["success_ci_high"]) if r["seeds"] > 1 else
            ("1 seed" if r["seeds"] == 1 else "–"),
            "IQM [95% CI]": f"{_f(r['iqm'])} {_ci(r['iqm_low'], r['iqm_high'])}" if r["seeds"] > 1 else _f(r["iqm"]),
            "95% CI seeds×levels": _ci(r["success_lv_low"], r["success_lv_high"]),
        }
        for c in matrix.categories:
            d[c] = _f(r.get(f"success/{c}"))
        d.update({
            "efficiency": _f(r["efficiency"]), "SPL": _f(r.get("spl")), "safety": _f(r["safety"]),
            "moving": _f(r.get("moving_rate")), "deaths/success": _f(r.get("deaths_per_success")),
            "success AUC": _f(r["success_auc"]),
            "steps to 50%": ("–" if math.isnan(r["reached_50"]) else _steps(r["steps_to_50"])
                             + f" ({r['reached_50']:.0%} reached)"),
            "train steps/s": _f(r["train_fps"], "{:,.0f}"), "latency ms": _f(r["latency_ms"]),
            "params": _f(r["parameters"], "{:,.0f}"),
        })
        rows.append(d)
    return pd.DataFrame(rows)


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in r) + " |")
    return "\n".join(lines)


def _row_name(key) -> str:
    return f"{key[0]} ({key[1]})"


def certainty_text(matrix: Matrix) -> str:
    """How sure the ranking at the top is: probability of improvement and whether the intervals overlap."""
    t = matrix.table
    ranked = t[t["rank"].notna()]
    if len(ranked) < 2:
        return ""
    w = ranked.iloc[0]
    lines = []
    for imp in matrix.improvement:
        y = ranked[(ranked["architecture"] == imp["y"][0]) & (ranked["condition"] == imp["y"][1])].iloc[0]
        overlap = stats.intervals_overlap((w["success_ci_low"], w["success_ci_high"]),
                                          (y["success_ci_low"], y["success_ci_high"]))
        one_seed = min(int(w["seeds"]), int(y["seeds"])) < 2
        if one_seed:
            # an interval over one seed is a point: two points "not overlapping" says nothing about seeds
            word = ("better on these levels for this seed, but one seed cannot show an improvement"
                    if imp["low"] > 0.5 else
                    "not distinguishable with one seed (and the interval of P(improvement) contains 0.5)"
                    if imp["high"] >= 0.5 else
                    "ranked first on the score although the other row tends to do better on a level")
            lines.append(f"P({_row_name(imp['x'])} > {_row_name(imp['y'])}) = {imp['p']:.2f} "
                         f"[95% CI {imp['low']:.2f}, {imp['high']:.2f}] over levels; no interval over seeds "
                         f"(one evaluated seed in at least one of the two rows): {word}.")
            continue
        if imp["low"] > 0.5 and not overlap:
            word = "a clear improvement"
        elif imp["low"] > 0.5:
            word = "likely better, but the success intervals overlap"
        elif imp["high"] < 0.5:
            word = "ranked first on the score although the other row tends to do better on a level"
        else:
            word = "not distinguishable at 95% (the interval of P(improvement) contains 0.5)"
        lines.append(f"P({_row_name(imp['x'])} > {_row_name(imp['y'])}) = {imp['p']:.2f} "
                     f"[95% CI {imp['low']:.2f}, {imp['high']:.2f}]; success intervals over seeds "
                     f"{'overlap' if overlap else 'do not overlap'} "
                     f"([{w['success_ci_low']:.2f}, {w['success_ci_high']:.2f}] vs "
                     f"[{y['success_ci_low']:.2f}, {y['success_ci_high']:.2f}]): {word}.")
    few = ranked[ranked["seeds"] < 2]
    if len(few):
        lines.append(f"{len(few)} ranked row{'s have' if len(few) > 1 else ' has'} one evaluated seed: an interval "
                     "over seeds is then a single point and the probability of improvement compares levels only; "
                     "read the order as a signal, not a finding (the seeds×levels column shows the spread "
                     "over levels).")
    if matrix.levels == ["overall"]:
        lines.append("Some evaluations have no per-level results (evaluated before they were recorded): "
                     "the statistics use each seed's overall success as one value.")
    return "**How sure:** " + " ".join(lines)


def why_text(matrix: Matrix, champion: dict | None) -> str:
    """A short explanation of the winner: its score, what it won on, what it cost, the runner-up and how sure."""
    t = matrix.table
    ranked = t[t["rank"].notna()]
    if ranked.empty:
        return "No row could be ranked (no evaluate run with test success)."
    w = ranked.iloc[0]
    n = int(w["seeds"])
    parts = [f"**{w['architecture']} ({w['condition']})** ranks first with score {w['score']:.3f} "
             f"over {n} evaluated seed{'s' if n != 1 else ''}"
             + (f" (of {int(w['trained'])} trained)" if int(w["trained"]) > n else "")
             + f": test success {w['success']:.2f}"
             + (f" (95% CI over seeds {w['success_ci_low']:.2f}–{w['success_ci_high']:.2f}, IQM {w['iqm']:.2f})"
                if n > 1 else " (one seed: no interval over seeds)")]
    extras = []
    if not math.isnan(w["efficiency"]):
        extras.append(f"efficiency {w['efficiency']:.2f}")
    if not math.isnan(w["safety"]):
        extras.append(f"safety {w['safety']:.2f}")
    if not math.isnan(w["latency_ms"]):
        extras.append(f"{w['latency_ms']:.2f} ms per decision")
    if not math.isnan(w["parameters"]):
        extras.append(f"{w['parameters']:,.0f} parameters")
    if extras:
        parts[0] += ", " + ", ".join(extras)
    parts[0] += "."
    contrib = sorted(((k, matrix.weights[k] * w.get(f"norm/{k}", 0.0)) for k in matrix.weights), key=lambda x: -x[1])
    parts.append("Largest contributions to its score: " + ", ".join(f"{k} {v:.3f}" for k, v in contrib[:3]) + ".")
    moved = ranked[ranked["rank"] != ranked["score_rank"]]
    if len(moved):
        parts.append("Success first: " + ", ".join(
            f"{r['architecture']} ({r['condition']}) is #{int(r['rank'])} although its score alone would place it "
            f"#{int(r['score_rank'])}" for _, r in moved.iterrows())
            + " (a row whose success interval lies wholly below another's is never ranked above it).")
    if len(ranked) > 1:
        r2 = ranked.iloc[1]
        gaps = []
        for k in matrix.weights:
            d = matrix.weights[k] * (w.get(f"norm/{k}", 0.0) - r2.get(f"norm/{k}", 0.0))
            if abs(d) > 1e-4:
                gaps.append((k, d))
        gaps.sort(key=lambda x: -abs(x[1]))
        parts.append(f"Runner-up: {r2['architecture']} ({r2['condition']}), score {r2['score']:.3f} "
                     f"(gap {w['score'] - r2['score']:+.3f}; by criterion: "
                     + (", ".join(f"{k} {d:+.3f}" for k, d in gaps[:4]) or "none") + ").")
        sure = certainty_text(matrix)
        if sure:
            parts.append(sure)
    unev = t[t["unevaluated"] > 0] if "unevaluated" in t else t.iloc[0:0]
    if len(unev):
        parts.append("Rows with unevaluated training runs (their seed count is the evaluated count): " + ", ".join(
            f"{r['architecture']} ({r['condition']}) {int(r['seeds'])} of {int(r['trained'])}"
            for _, r in unev.iterrows()) + ".")
    if champion:
        if champion.get("version") and not champion.get("moved", True):
            parts.append(f"Champion not moved (disabled for this compare); the choice would be "
                         f"`{champion['name']}` version {champion['version']} (training run "
                         f"`{champion['train_run_id']}`, seed {champion['seed']}).")
        elif champion.get("version"):
            parts.append(f"Champion: `models:/{champion['name']}@champion` → version {champion['version']} "
                         f"(training run `{champion['train_run_id']}`, seed {champion['seed']}, the row's best "
                         f"seed on test success{'' if champion.get('row_rank') == 1 else '; the rank-1 row had no registered version'}).")
        else:
            parts.append(f"Champion not moved: {champion.get('reason')}")
    return "\n\n".join(parts)


def weights_text(matrix: Matrix) -> str:
    lines = [f"- **{k}** ({CRITERIA[k][0]}, {'rate, used as is' if CRITERIA[k][1] == 'rate' else ('more is better' if CRITERIA[k][1] == 'higher' else 'less is better') + ', 1/(1+log10(times worse than best))'}): {w:.3f}"
             for k, w in matrix.weights.items()]
    if matrix.dropped_criteria:
        lines.append(f"- dropped (no row has a value): {', '.join(matrix.dropped_criteria)}; weights renormalised")
    return "\n".join(lines)


def problems_table(runs: RunSet) -> pd.DataFrame:
    return pd.DataFrame(runs.problems, columns=["run_id", "architecture", "condition", "problem"])


LEGEND = ("Success is the mean over evaluated seeds × test levels (a deterministic policy's repeats of a level "
          "count once; ± = std over seeds). 95% CI seeds: stratified bootstrap over seeds (the rank uses it: a row "
          "whose interval lies wholly below another's is never ranked above it); seeds×levels: resampling levels "
          "too. IQM = interquartile mean. Efficiency only over successes; safety = 1 − deaths among attempts that "
          "move; success AUC = area under the held-back success curve over the common budget; steps to 50% count "
          "a seed that never got there as the full budget. See docs/evaluation.md for every definition.")


def _exam(matrix: Matrix) -> tuple[str, str]:
    ev = matrix.per_model[matrix.per_model["evaluated"]] if "evaluated" in matrix.per_model else matrix.per_model
    if ev.empty:
        return "–", "–"
    return str(ev["test_set"].iloc[0]), str(ev["policy_mode"].iloc[0])


def write_reports(out: Path, runs: RunSet, matrix: Matrix, plots: dict[str, Path], champion: dict | None,
                  experiment_name: str) -> tuple[Path, Path]:
    """Write ``report.md`` (PNG links beside it) and a self-contained ``report.html``."""
    disp = display_table(matrix)
    why = why_text(matrix, champion)
    probs = problems_table(runs)
    per = matrix.per_model[["architecture", "condition", "seed", "train_run_id", "eval_run_id", "success",
                            "efficiency", "safety", "moving_rate", "success_auc", "steps_to_50", "train_fps",
                            "latency_ms"]].copy()
    titles = {"aggregate_intervals": "Aggregate success (mean, IQM; intervals over seeds)",
              "performance_profiles": "Performance profiles",
              "training_curves": "Training curves", "category_success": "Success per category",
              "pretraining_impact": "Pretraining impact", "success_vs_latency": "Success vs latency"}
    md = [f"# npp-rl comparison: `{experiment_name}`", "",
          f"{len(runs.models)} models, {len(matrix.table)} architecture × condition rows, "
          f"categories: {', '.join(matrix.categories) or '–'}; test set `{_exam(matrix)[0]}`, "
          f"{_exam(matrix)[1]} policy.", "", "## Verdict", "", why, "",
          "## Decision matrix", "", _md_table(disp), "",
          LEGEND, "",
          "## Score weights", "", weights_text(matrix), ""]
    md += ["## Figures", ""]
    for k, p in plots.items():
        md += [f"### {titles.get(k, k)}", "", f"![{titles.get(k, k)}]({p.name})", ""]
    md += ["## Incomplete runs", ""]
    md += [_md_table(probs) if not probs.empty else "None: every run had what the matrix needs.", ""]
    md += ["## Models (one row per seed)", "", _md_table(per.round(4).astype(str)), ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md))

    def img(p: Path) -> str:
        return "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode()

    def para(text: str) -> str:
        import re

        t = html.escape(text)
        t = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", t)
        t = re.sub(r"`(.+?)`", r"<code>\1</code>", t)
        return "".join(f"<p>{x}</p>" for x in t.split("\n\n"))

    css = """body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:28px auto;max-width:1250px;
color:#222;padding:0 18px;line-height:1.45}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;
padding-bottom:4px}table{border-collapse:collapse;font-size:12.5px;margin:8px 0}th,td{padding:4px 8px;border-bottom:1px solid #e5e5e5;
text-align:right;white-space:nowrap}th{background:#f4f4f4;position:sticky;top:0}td:nth-child(2),td:nth-child(3),th:nth-child(2),
th:nth-child(3){text-align:left}tr.win td{background:#eaf6ea;font-weight:600}.verdict{background:#f7f9fc;border-left:4px solid #3b82f6;
padding:6px 14px}.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}.figs figure{margin:0}
.figs img{width:100%;border:1px solid #eee}figcaption{font-size:12px;color:#555}.scroll{overflow-x:auto}code{font-size:12px}
ul{font-size:13px}.muted{color:#666;font-size:12.5px}"""
    tbl = disp.to_html(index=False, escape=True, border=0)
    tbl = tbl.replace("<tr>\n      <td>1</td>", '<tr class="win">\n      <td>1</td>', 1)
    weights_html = "<ul>" + "".join(f"<li>{para(x[2:])[3:-4]}</li>" for x in weights_text(matrix).splitlines()) + "</ul>"
    figs = "".join(f'<figure><img src="{img(p)}" alt="{k}"><figcaption>{titles.get(k, k)}</figcaption></figure>'
                   for k, p in plots.items())
    h = [f"<!doctype html><html><head><meta charset='utf-8'><title>npp-rl comparison: {html.escape(experiment_name)}"
         f"</title><style>{css}</style></head><body>",
         f"<h1>npp-rl comparison: <code>{html.escape(experiment_name)}</code></h1>",
         f"<p class='muted'>{len(runs.models)} models, {len(matrix.table)} architecture × condition rows; categories: "
         f"{html.escape(', '.join(matrix.categories) or '–')}.</p>",
         "<h2>Verdict</h2>", f"<div class='verdict'>{para(why)}</div>",
         "<h2>Decision matrix</h2>", f"<div class='scroll'>{tbl}</div>",
         f"<p class='muted'>{html.escape(LEGEND)}</p>",
         "<h2>Score weights</h2>", weights_html, "<h2>Figures</h2>", f"<div class='figs'>{figs}</div>",
         "<h2>Incomplete runs</h2>",
         probs.to_html(index=False, border=0) if not probs.empty else "<p>None: every run had what the matrix needs.</p>",
         "<h2>Models (one row per seed)</h2>", f"<div class='scroll'>{per.round(4).to_html(index=False, border=0)}</div>",
         "</body></html>"]
    html_path = out / "report.html"
    html_path.write_text("\n".join(h))
    return md_path, html_path
