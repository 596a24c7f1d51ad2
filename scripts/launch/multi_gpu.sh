#!/usr/bin/env bash
# N GPUs on one node: each training run becomes N torchrun ranks (NCCL; gradients all-reduced per minibatch).
# Debugging: NCCL_DEBUG=INFO, or BACKEND=gloo; GPUS=0 runs the same experiment on the CPU.
#   TRAIN=... TEST=... GPUS=4 scripts/launch/multi_gpu.sh [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-python}" scripts/train_and_compare.py \
    --experiment-name "${NAME:-multi_gpu}" \
    --architectures ${ARCHS:-vision_free} --no-pretraining \
    --train-dataset "${TRAIN:?set TRAIN}" --test-dataset "${TEST:?set TEST}" \
    --total-timesteps "${STEPS:-10000000}" --num-envs "${ENVS:-64}" \
    --num-gpus "${GPUS:-4}" --distributed-backend "${BACKEND:-nccl}" --mixed-precision --hardware-profile auto \
    --output-dir "${OUT:-experiments/}" "$@"
