"""Make the fake environment (tests/models/fake_env.py) importable as ``fake_env``."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parents[1] / "models")
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
_TRAINING = str(Path(__file__).resolve().parent)
if _TRAINING not in sys.path:
    sys.path.insert(0, _TRAINING)
