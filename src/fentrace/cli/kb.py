"""`fentrace kb` commands."""

from __future__ import annotations

import click


@click.group(name="kb")
def kb() -> None:
    """kb commands."""
