"""Options shared by the `fentrace chem` commands."""

from __future__ import annotations

from typing import Any

import click

#: The readings of "monocycle" (US modifications A-E, China condition 2); the first decides by
#: default. Kept here so that --help does not import RDKit (chemistry.classes has the same).
MONOCYCLE_READINGS = ("literal", "broad")


def monocycle_option(function: Any) -> Any:
    """The --monocycle-reading option shared by the chem commands."""
    return click.option(
        "--monocycle-reading",
        "monocycle_reading",
        type=click.Choice(MONOCYCLE_READINGS),
        default="literal",
        show_default=True,
        help=(
            "Which reading of 'monocycle' in the class texts decides: literal (a ring with "
            "another ring fused onto it is outside) or broad (the fused ring is a substituent). "
            "Results show both readings whenever they differ."
        ),
    )(function)
