"""`fentrace demo`: the main job on bundled data."""

from __future__ import annotations

import click


@click.command(name="demo")
def demo() -> None:
    """Run the demo."""
