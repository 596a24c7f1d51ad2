"""``python -m npp_rl.cli``."""

import sys

from npp_rl.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name="npp-rl"))
