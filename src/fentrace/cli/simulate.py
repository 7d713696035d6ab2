"""`fentrace simulate` and `fentrace evaluate`."""

from __future__ import annotations

import click


@click.command(name="simulate")
def simulate() -> None:
    """Run the supply-chain simulator."""


@click.command(name="evaluate")
def evaluate() -> None:
    """Evaluate shipment screening on a labelled manifest."""
