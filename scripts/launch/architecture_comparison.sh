#!/usr/bin/env bash
# Several architectures from scratch, compared (decision matrix, report, champion alias).
#   TRAIN=... TEST=... ARCHS="full_hgt vision_free gat" scripts/launch/architecture_comparison.sh [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck disable=SC2086  # ARCHS is a space-separated list on purpose
exec "${PYTHON:-python}" scripts/train_and_compare.py \
    --experiment-name "${NAME:-arch_comparison}" \
    --architectures ${ARCHS:-full_hgt vision_free gat} \
    --no-pretraining \
    --train-dataset "${TRAIN:?set TRAIN}" --test-dataset "${TEST:?set TEST}" \
    --total-timesteps "${STEPS:-10000000}" --num-envs "${ENVS:-64}" --num-gpus "${GPUS:-1}" \
    --output-dir "${OUT:-experiments/}" "$@"
