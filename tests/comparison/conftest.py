"""Make the shared helpers importable: tests/evaluation/npp_eval_helpers.py and npp_runsets.py beside this."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _d in (os.path.join(os.path.dirname(_HERE), "evaluation"), _HERE):
    if _d not in sys.path:
        sys.path.insert(0, _d)
