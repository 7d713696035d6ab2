"""`fentrace chem` commands."""

from __future__ import annotations

import click


@click.group(name="chem")
def chem() -> None:
    """chem commands."""
