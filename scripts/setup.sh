#!/usr/bin/env bash
# One-command setup of npp-rl on a fresh machine: a .venv with PyTorch (CPU build 2.13.0 pinned
# for this machine class; the package itself accepts any torch>=2.2) and npp-rl[dev,ray] installed
# editable. Re-running is cheap. Override the interpreter with PYTHON=..., torch with TORCH_SPEC=...
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
t0=$(date +%s)
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip uv
# pip finds the local CPU wheel of torch where the machine provides one (uv does not look there).
.venv/bin/python -m pip install -q --disable-pip-version-check "$TORCH_SPEC"
constraint=$(mktemp)
trap 'rm -f "$constraint"' EXIT
echo "$TORCH_SPEC" > "$constraint"
.venv/bin/uv pip install -q --python .venv/bin/python -c "$constraint" -e ".[dev,ray]"
.venv/bin/python - <<'PY'
import torch, mlflow, stable_baselines3, torch_geometric, numba, ray, optuna
print(f"npp-rl environment ready: torch {torch.__version__}, mlflow {mlflow.__version__}, "
      f"sb3 {stable_baselines3.__version__}, pyg {torch_geometric.__version__}, numba {numba.__version__}, "
      f"ray {ray.__version__}, optuna {optuna.__version__}")
PY
echo "setup took $(( $(date +%s) - t0 ))s; activate with: source .venv/bin/activate"
