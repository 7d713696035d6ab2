"""`fentrace demo`: the main job on bundled data, end to end.

It screens a bundled list of chemicals (listed precursors, a novel analogue no list names, a
designer precursor, a look-alike medicine), prints the cross-border gap matrix, screens party
names, simulates a year of trade (the baseline scenario, legitimate and illicit shipments with
ground truth), screens the simulated manifest with its HTML report, measures that screening
against the ground truth, ranks the parties by risk spread over the shipment network, and ranks
the brokers of the trade that screening rates high.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.rule import Rule

from fentrace.cli._common import stdout_console
from fentrace.cli.chem import screen_command as chem_screen_command
from fentrace.cli.kb import gaps_command
from fentrace.cli.network import hubs_command, risk_command
from fentrace.cli.parties import screen_command as parties_screen_command
from fentrace.cli.shipments import screen as shipments_screen_command
from fentrace.cli.simulate import evaluate as evaluate_command
from fentrace.simulation import run_scenario, write_outputs

#: Chemicals the demo screens, each chosen to show one kind of verdict.
DEMO_CHEMICALS: tuple[str, ...] = (
    "39742-60-4",  # NPP by CAS: listed everywhere, 2 steps from fentanyl
    "4-anilinopiperidine",  # 4-AP by name
    "N-Boc-4-piperidone",  # 1-boc-4-piperidone: the newest listed precursor
    "CCC(=O)N(c1cccc(Cl)c1)C1CCN(CCc2ccccc2)CC1",  # 3-chlorofentanyl: named by no list
    "O=C(C1CCCCC1)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",  # cyclohexyl fentanyl: another acyl group
    "O=C1CCN(Cc2ccccc2)CC1",  # 1-benzyl-4-piperidone: a designer precursor
    "CCOC(=O)C1(c2ccccc2)CCN(C)CC1",  # pethidine: a medicine that only looks related
)

#: Party names: a watchlisted supplier under a trade spelling, and look-alikes that must pass.
DEMO_PARTIES: tuple[str, ...] = (
    "HUBEI AMARVEL BIO-TECH CO LTD",
    "Wuhan Shuokang Biological Tech (Wuhan) Co",
    "Hubei Green Valley Textiles Co Ltd",
    "Sinaloa Fresh Produce SA de CV",
)

#: One simulated year shows every typology and keeps the demo under a minute.
DEMO_START, DEMO_END, DEMO_SEED, DEMO_VOLUME = "2024-01", "2024-12", 0, 0.02


def _heading(text: str) -> None:
    stdout_console.print(Rule(f"[bold]{text}"))


@click.command(name="demo")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-out"),
    show_default=True,
    help="Where the simulation, the alerts and the HTML report are written.",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: Path) -> None:
    """Run the main job on bundled data: chemicals, gaps, parties, simulated shipments, network."""
    out_dir.mkdir(parents=True, exist_ok=True)

    _heading("1. Chemical screening: listed, class-controlled, designer precursor, look-alike")
    ctx.invoke(chem_screen_command, queries=DEMO_CHEMICALS, as_of=None, as_json=False)

    _heading("2. Cross-border gaps: precursors controlled in one place and free in another")
    ctx.invoke(gaps_command, as_of_text=None, family="precursor", as_json=False)

    _heading("3. Party screening against the bundled watchlist")
    ctx.invoke(parties_screen_command, names=DEMO_PARTIES)

    _heading("4. Simulated trade: one year of the baseline scenario, with ground truth")
    simulation_dir = out_dir / "simulation"
    result = run_scenario("baseline", DEMO_START, DEMO_END, DEMO_SEED, volume=DEMO_VOLUME)
    write_outputs(result, simulation_dir)
    manifest = simulation_dir / "shipments.parquet"
    illicit = int(result.shipments["is_illicit"].sum())
    stdout_console.print(
        f"{result.shipments.height} shipments ({illicit} illicit) from "
        f"{result.registry.height} companies written to {simulation_dir}"
    )

    _heading("5. Shipment screening of the simulated manifest")
    alerts = out_dir / "alerts.csv"
    report = out_dir / "report.html"
    ctx.invoke(
        shipments_screen_command, manifest=str(manifest), output=str(alerts), report=str(report)
    )

    _heading("6. Screening measured against the simulation's ground truth")
    ctx.invoke(evaluate_command, manifest=str(manifest))

    _heading("7. Network: risk spread from watchlisted parties along trade and shared contacts")
    ctx.invoke(risk_command, manifests=(str(manifest),), top=10)

    _heading("8. Network: the brokers between the shipments screening rates high")
    ctx.invoke(hubs_command, manifests=(str(manifest),), top=10, flagged="high")

    stdout_console.print(f"\nalerts: {alerts}\nreport: {report.resolve()}")
