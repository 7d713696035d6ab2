"""`fentrace shipments` commands."""

from __future__ import annotations

import click


@click.group(name="shipments")
def shipments() -> None:
    """shipments commands."""
