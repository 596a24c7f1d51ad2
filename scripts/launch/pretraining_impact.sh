#!/usr/bin/env bash
# With and without BC pretraining for one architecture (REPLAYS defaults to the training levels' replays).
#   TRAIN=... TEST=... [REPLAYS=datasets/human_replays] scripts/launch/pretraining_impact.sh [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-python}" scripts/train_and_compare.py \
    --experiment-name "${NAME:-pretraining_impact}" \
    --architectures "${ARCH:-full_hgt}" \
    --test-pretraining --replay-data-dir "${REPLAYS:-${TRAIN:?set TRAIN}}" --bc-epochs "${BC_EPOCHS:-10}" \
    --train-dataset "${TRAIN}" --test-dataset "${TEST:?set TEST}" \
    --total-timesteps "${STEPS:-10000000}" --num-envs "${ENVS:-64}" \
    --output-dir "${OUT:-experiments/}" "$@"
