"""Print the markdown rows of docs/results/agents/table.md from /tmp/ag/table (rows.txt + the MLflow store)."""
import re
from pathlib import Path

import mlflow

import sys

T = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ag/table")
mlflow.set_tracking_uri("sqlite:////tmp/ag/table/mlflow.db")
c = mlflow.MlflowClient()
CATS = ["simple", "medium", "complex", "mine_heavy", "exploration"]


def metrics(log):
    m = re.findall(r"run_id=([0-9a-f]+)", (T / log).read_text()) if (T / log).exists() else []
    return c.get_run(m[-1]).data.metrics if m else {}


print("| row | arch | steps | seed | train wall | load | test: " + " / ".join(CATS) + " | test overall | train levels: "
      + " / ".join(CATS) + " | train overall |")
print("|---" * 10 + "|")
for line in (T / "rows.txt").read_text().splitlines():
    if not line or line.startswith("pretrain"):
        continue
    f = dict(kv.split("=", 1) for kv in re.findall(r"(\w+=(?:'[^']*'|\S+))", line))
    name = line.split()[0]
    te, tr = metrics(f"{name}.test.log"), metrics(f"{name}.trainlv.log")

    def cell(m):
        return " / ".join(f"{m.get(f'eval/{k}/success_rate', float('nan')):.2f}" for k in CATS)

    print(f"| {name} | {f['arch']} | {int(f['steps']):,} | {f['seed']} | {int(f['train_s']) // 60} min | {f['load'].strip(chr(39))} "
          f"| {cell(te)} | {te.get('eval/overall/success_rate', float('nan')):.2f} | {cell(tr)} "
          f"| {tr.get('eval/overall/success_rate', float('nan')):.2f} |")
