"""`fentrace chem explain`: every match of one query with its rule, source and atoms, drawn as SVG."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from fentrace.cli._common import emit_json, parse_date, print_table
from fentrace.cli.chem_options import monocycle_option
from fentrace.exc import InputError


@click.command(name="explain")
@click.argument("query")
@click.option("--as-of", "as_of", metavar="DATE", help="Screen as of this date (default today).")
@click.option(
    "--svg",
    "svg",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the structure (matched atoms highlighted) and its route to this SVG file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the screening result as JSON.")
@monocycle_option
def explain(
    query: str, as_of: str | None, svg: Path | None, as_json: bool, monocycle_reading: str
) -> None:
    """Explain the screening of QUERY: every rule that fired, its legal source and the atoms."""
    from fentrace.chemistry.draw import explain_svg  # RDKit loads only for chem commands
    from fentrace.chemistry.screen import screen

    when = parse_date(as_of) or date.today()
    result = screen(query, when, monocycle_reading=monocycle_reading)
    if not result.resolved:
        raise InputError(f"{query}: {result.error or 'could not be resolved'}")
    if svg is not None:
        explain_svg(result, svg)
    if as_json:
        payload: dict[str, Any] = result.to_dict()
        payload["svg"] = None if svg is None else str(svg)
        emit_json(payload)
        return
    label = result.name or result.smiles
    click.echo(f"{query}: {result.verdict} as of {when.isoformat()} — {label} ({result.smiles})")
    rows = [
        [
            match.kind,
            match.rule or match.name,
            match.jurisdiction or "",
            ",".join(match.conditions),
            ",".join(str(a) for a in match.atoms),
            "" if match.similarity is None else f"{match.similarity:.2f}",
            "yes" if match.verified else "no",
            match.explanation,
            match.citation or "",
        ]
        for match in result.matches
    ]
    columns = [
        "kind",
        "rule",
        "where",
        "conditions",
        "atoms",
        "sim",
        "verified",
        "why",
        "legal source",
    ]
    print_table(columns, rows, title="matches")
    if result.route:
        print_table(
            ["step", "reaction", "reagent", "product", "source"],
            [
                [str(n), s.reaction, s.reagent, s.product_name or s.product, s.source]
                for n, s in enumerate(result.route, start=1)
            ],
            title=f"route: {result.steps_to_fentanyl} step(s) to a fentanyl-class opioid",
        )
    if result.tier:
        click.echo(f"tier: {result.tier.replace('_', ' ')}: {result.tier_reason}")
    if result.precursor_route and result.precursor_route != result.route:
        click.echo(
            "precursor route: "
            + " ; ".join(
                f"{s.reaction} -> {s.product_name or s.product}" for s in result.precursor_route
            )
        )
    for reading in result.contested:
        click.echo(f"contested reading: {reading.text()}")
        click.echo(f"  {reading.note}")
    for note in result.notes:
        click.echo(note)
    if svg is not None:
        click.echo(f"wrote {svg}")
