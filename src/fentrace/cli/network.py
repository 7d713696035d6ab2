"""`fentrace network` commands."""

from __future__ import annotations

import click


@click.group(name="network")
def network() -> None:
    """network commands."""
