"""`fentrace chem explain`: every match of one query with its rule, source and atoms, drawn as SVG."""

from __future__ import annotations

import click


@click.command(name="explain")
def explain() -> None:
    """Explain the screening of one chemical."""
