"""The root ``npp-rl`` click group; command modules attach to it."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="npp-rl")
def main() -> None:
    """npp-rl: train, evaluate and compare deep-RL agents on N++, tracked in MLflow."""
