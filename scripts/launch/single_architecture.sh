#!/usr/bin/env bash
# One architecture, from scratch, one GPU (or the CPU when none: a warning says so).
#   TRAIN=../nclone/datasets/train TEST=../nclone/datasets/test scripts/launch/single_architecture.sh [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-python}" scripts/train_and_compare.py \
    --experiment-name "${NAME:-single_${ARCH:-vision_free}}" \
    --architectures "${ARCH:-vision_free}" \
    --no-pretraining \
    --train-dataset "${TRAIN:?set TRAIN to the training levels folder}" \
    --test-dataset "${TEST:?set TEST to the test levels folder}" \
    --total-timesteps "${STEPS:-5000000}" --num-envs "${ENVS:-64}" --num-gpus "${GPUS:-1}" \
    --output-dir "${OUT:-experiments/}" "$@"
