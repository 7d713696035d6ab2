"""Explanations as pictures: the screened structure with its matched atoms, and its route.

``explain_svg`` writes one SVG: the standardised parent first, the atoms that a class or
derivative rule (or a listing) matched highlighted, then each product of the shortest route to
a fentanyl-class opioid as a row of structures labelled with the reaction that makes it. The
SVG also carries a ``<desc>`` element listing every match (rule, conditions, atom indices) and
every step, so the picture can be searched and read by a screen reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast
from xml.sax.saxutils import escape

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

from fentrace.atomic import write_text_atomic
from fentrace.chemistry.classes import modified_atoms
from fentrace.chemistry.patterns import prepared
from fentrace.exc import InputError

if TYPE_CHECKING:
    from fentrace.chemistry.results import ScreenResult

PANEL = (320, 280)
LEGEND_CHARS = 40


def _short(text: str) -> str:
    return text if len(text) <= LEGEND_CHARS else text[: LEGEND_CHARS - 1] + "…"


def _mol(smiles: str) -> Chem.Mol | None:
    """Parse SMILES; None when RDKit cannot (its stubs claim it never fails)."""
    return cast("Chem.Mol | None", Chem.MolFromSmiles(smiles))


def highlighted_atoms(result: ScreenResult) -> tuple[int, ...]:
    """The atoms the rules matched (class and derivative rules first, else any match)."""
    ruled = {a for m in result.matches if m.kind == "class" for a in m.atoms}
    if ruled:
        return tuple(sorted(ruled))
    return tuple(sorted({a for m in result.matches for a in m.atoms}))


def description(result: ScreenResult) -> str:
    """The text of the SVG's ``<desc>``: every match with its atoms, and every route step."""
    lines = [f"{result.query}: {result.verdict or 'not screened'} ({result.smiles or '-'})"]
    for match in result.matches:
        conditions = f" conditions {','.join(match.conditions)}" if match.conditions else ""
        atoms = f" atoms {','.join(str(a) for a in match.atoms)}" if match.atoms else ""
        lines.append(f"match {match.kind} {match.rule or match.name}{conditions}{atoms}")
    for number, step in enumerate(result.route, start=1):
        lines.append(
            f"route step {number}: {step.reaction} ({step.reagent}) -> "
            f"{step.product_name or step.product}"
        )
    return "\n".join(lines)


#: Colours: atoms a rule matched, and among them those that differ from fentanyl.
MATCHED = (0.68, 0.85, 0.98)
MODIFIED = (0.98, 0.55, 0.55)


def explain_svg(result: ScreenResult, path: Path) -> None:
    """Write the structure with matched atoms highlighted and the route as a row (SVG).

    Matched atoms are blue; those where a fentanyl-class structure differs from fentanyl (the
    modifications the class conditions name) are red.
    """
    if not result.resolved or not result.smiles:
        raise InputError(f"{result.query}: nothing to draw ({result.error or 'not resolved'})")
    parent = result.mol if result.mol is not None else _mol(result.smiles)
    if parent is None:
        raise InputError(f"{result.query}: cannot draw {result.smiles!r}")
    parent = prepared(Chem.Mol(parent))
    matched = highlighted_atoms(result)
    changed = set(modified_atoms(parent)) if matched else set()
    mols = [parent]
    legends = [_short(f"{result.name}: {result.verdict}" if result.name else str(result.verdict))]
    highlights: list[list[int]] = [sorted(set(matched) | changed)]
    colours: list[dict[int, tuple[float, float, float]]] = [
        {a: (MODIFIED if a in changed else MATCHED) for a in highlights[0]}
    ]
    for number, step in enumerate(result.route, start=1):
        product = _mol(step.product)
        if product is None:
            continue
        mols.append(product)
        legends.append(_short(f"{number}. {step.reaction} -> {step.product_name or ''}"))
        highlights.append([])
        colours.append({})
    width, height = PANEL
    drawer = rdMolDraw2D.MolDraw2DSVG(width * len(mols), height, width, height)
    drawer.DrawMolecules(
        mols,
        legends=legends,
        highlightAtoms=highlights,
        highlightAtomColors=colours,
        highlightBonds=[[] for _ in mols],
    )
    drawer.FinishDrawing()
    text = drawer.GetDrawingText()
    # RDKit declares Latin-1 but names and legends may hold any character: the file is UTF-8
    text = text.replace("encoding='iso-8859-1'", "encoding='utf-8'", 1)
    desc = f"<desc>{escape(description(result))}</desc>"
    text = text.replace("</svg>", desc + "\n</svg>", 1)
    try:
        write_text_atomic(path, text)
    except OSError as error:
        raise InputError(f"{path}: cannot write the SVG: {error.strerror or error}") from error
