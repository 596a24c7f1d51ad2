"""Print the markdown rows of docs/results/agents/table.md from a row folder (rows.txt + its MLflow store).

usage: python fill_table.py ROW_DIR [--why]
ROW_DIR holds rows.txt (one line per row, written by row.sh) and mlflow.db; --why adds, per category, the
test death and timeout rates beside success (what the failures are).
"""

import re
import sys
from pathlib import Path

import mlflow

T = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/s3")
WHY = "--why" in sys.argv
c = mlflow.MlflowClient(f"sqlite:///{T}/mlflow.db")
CATS = ["simple", "medium", "complex", "mine_heavy", "exploration"]


def metrics(log):
    m = re.findall(r"run_id=([0-9a-f]{32})", (T / log).read_text()) if (T / log).exists() else []
    return c.get_run(m[-1]).data.metrics if m else {}


def cell(m, key="success_rate"):
    return " / ".join(f"{m.get(f'eval/{k}/{key}', float('nan')):.2f}" for k in CATS)


head = "| row | arch | budget | steps | seed | load | test: " + " / ".join(CATS) + " | test overall | train levels: " \
    + " / ".join(CATS) + " | train overall |"
print(head + (" test deaths | test timeouts |" if WHY else ""))
print("|---" * (10 + 2 * WHY) + "|")
for line in (T / "rows.txt").read_text().splitlines():
    if not line.strip():
        continue
    f = dict(kv.split("=", 1) for kv in re.findall(r"(\w+=(?:'[^']*'|\S+))", line))
    name = line.split()[0]
    te, tr = metrics(f"{name}.test.log"), metrics(f"{name}.trainlv.log")
    steps = c.get_run(f["run"]).data.metrics.get("perf/global_steps", float("nan")) if f.get("run") else float("nan")
    row = (f"| {name} | {f['arch']} | {f.get('budget', '?')} | {steps / 1e6:.1f}M | {f['seed']} | {f['load'].strip(chr(39))} "
           f"| {cell(te)} | {te.get('eval/overall/success_rate', float('nan')):.2f} | {cell(tr)} "
           f"| {tr.get('eval/overall/success_rate', float('nan')):.2f} |")
    if WHY:
        row += f" {cell(te, 'death_rate')} | {cell(te, 'timeout_rate')} |"
    print(row)
