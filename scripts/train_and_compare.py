#!/usr/bin/env python
"""The seed design's master script: a thin wrapper around ``npp-rl train-and-compare``.

    python scripts/train_and_compare.py --experiment-name NAME --architectures A B \\
        --train-dataset DIR --test-dataset DIR [...]

Every flag is documented by ``python scripts/train_and_compare.py --help`` and docs/train_and_compare.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from npp_rl.cli.train_and_compare import train_and_compare_cmd  # noqa: E402

if __name__ == "__main__":
    train_and_compare_cmd(prog_name="train_and_compare.py")
