"""`fentrace parties` commands."""

from __future__ import annotations

import click


@click.group(name="parties")
def parties() -> None:
    """parties commands."""
