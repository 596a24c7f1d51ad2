#!/usr/bin/env bash
# Training with the experiment folder synced to S3 (boto3; the caller's AWS credentials, see docs/s3.md).
# S3-compatible store: export MLFLOW_S3_ENDPOINT_URL=http://host:port (or: eval "$(npp-rl stack env)").
#   TRAIN=... TEST=... BUCKET=npp-rl-experiments scripts/launch/with_s3.sh [extra flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
exec "${PYTHON:-python}" scripts/train_and_compare.py \
    --experiment-name "${NAME:-production_run}" \
    --architectures ${ARCHS:-full_hgt vision_free} \
    --train-dataset "${TRAIN:?set TRAIN}" --test-dataset "${TEST:?set TEST}" \
    --total-timesteps "${STEPS:-10000000}" --num-envs "${ENVS:-256}" --num-gpus "${GPUS:-4}" --mixed-precision \
    --s3-bucket "${BUCKET:?set BUCKET}" --s3-prefix "${PREFIX:-experiments/}" --s3-sync-freq "${SYNC:-500000}" \
    --output-dir "${OUT:-experiments/}" "$@"
