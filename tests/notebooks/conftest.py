"""Make the shared evaluation helpers (tests/evaluation/npp_eval_helpers.py) importable."""

import os
import sys

_EVAL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "evaluation")
if _EVAL not in sys.path:
    sys.path.insert(0, _EVAL)
