"""`fentrace rescreen` commands: what changes in stored results under a new knowledge base or list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click
import polars as pl

from fentrace.cli._common import emit_json, parse_date, print_table
from fentrace.exc import InputError, UsageError
from fentrace.tables import read_parquet_bytes


def read_stored(path: Path) -> list[dict[str, Any]]:
    """The rows of a stored results file (.csv, .jsonl/.json or .parquet) as dictionaries."""
    suffix = path.suffix.lower().lstrip(".")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        if suffix in ("jsonl", "json", "ndjson"):
            rows: list[dict[str, Any]] = []
            with path.open(encoding="utf-8") as handle:
                for line_number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise InputError(
                            f"{path}, line {line_number}: not JSON: {error.msg}"
                        ) from None
                    if not isinstance(value, dict):
                        raise InputError(f"{path}, line {line_number}: expected a JSON object")
                    rows.append(value)
            return rows
        if suffix == "csv":
            return pl.read_csv(path, infer_schema=False).to_dicts()
        if suffix == "parquet":
            # pyarrow-validated: a corrupt file is a located error, not a Polars panic
            return read_parquet_bytes(path.read_bytes(), str(path)).to_dicts()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise InputError(f"{path}: cannot read as {suffix}: {str(error).splitlines()[0]}") from None
    raise UsageError(f"cannot tell the format of {path}: use .csv, .jsonl or .parquet")


_LIST_OPTION = click.option(
    "--list",
    "lists",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The new list: OFAC sdn.csv (alt.csv/add.csv beside it), sdn.xml, FollowTheMoney "
    ".json/.jsonl, or a bundled-format CSV. Repeatable.",
)
_NO_BUNDLED_OPTION = click.option(
    "--no-bundled", is_flag=True, help="Screen against the --list files only."
)


def _screener(lists: Sequence[Path], no_bundled: bool) -> Any:
    from fentrace.parties import PartyScreener, load_watchlist

    if no_bundled and not lists:
        raise UsageError("--no-bundled needs at least one --list FILE")
    watchlist = load_watchlist(lists, bundled=not no_bundled)
    for problem in watchlist.problems:
        click.echo(f"warning: {problem}", err=True)
    return PartyScreener(watchlist)


@click.group(name="rescreen")
def rescreen() -> None:
    """Re-screen stored results under a new knowledge base or watchlist; report what rose."""


@rescreen.command(name="chemicals")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--kb",
    "kb_spec",
    default="current",
    show_default=True,
    help="Knowledge base: a data directory, a shipped release version, or 'current'.",
)
@click.option("--as-of", "as_of_text", metavar="DATE", help="Status date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def chemicals_command(results: Path, kb_spec: str, as_of_text: str | None, as_json: bool) -> None:
    """Chemicals in RESULTS (written by `chem screen-file`) newly listed under the knowledge base."""
    from fentrace.monitoring import rescreen_chemicals
    from fentrace.reference import load_knowledge_base
    from fentrace.reference.kb import resolve_knowledge_base

    as_of = parse_date(as_of_text) or date.today()
    kb = load_knowledge_base(resolve_knowledge_base(kb_spec))
    stored = read_stored(results)
    changes = rescreen_chemicals(stored, kb, as_of)
    version = kb.release.version if kb.release else str(kb.data_dir)
    if as_json:
        emit_json(
            {
                "knowledge_base": version,
                "as_of": as_of.isoformat(),
                "records": len(stored),
                "changed": len(changes),
                "changes": [c.to_dict() for c in changes],
            }
        )
        return
    print_table(
        ["record", "query", "substance", "verdict", "newly listed in"],
        [
            [
                c.record,
                c.query,
                c.name,
                f"{c.old_verdict} → {c.new_verdict}" if c.verdict_rose else c.new_verdict,
                "; ".join(
                    f"{j.jurisdiction} {j.new_status} since {j.since or 'date unknown'}"
                    f"{'' if j.verified else ' (unverified)'}: {j.basis or ''}"
                    for j in c.jurisdictions
                ),
            ]
            for c in changes
        ],
        title=f"{len(changes)} of {len(stored)} chemicals changed under {version} on {as_of}",
    )


@rescreen.command(name="parties")
@click.argument("results", type=click.Path(path_type=Path))
@_LIST_OPTION
@_NO_BUNDLED_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def parties_command(
    results: Path, lists: tuple[Path, ...], no_bundled: bool, as_json: bool
) -> None:
    """Parties in RESULTS (written by `parties screen-file`) newly matching a list entry."""
    from fentrace.monitoring import rescreen_parties

    screener = _screener(lists, no_bundled)
    stored = read_stored(results)
    changes = rescreen_parties(stored, screener)
    if as_json:
        emit_json(
            {
                "records": len(stored),
                "changed": len(changes),
                "changes": [c.to_dict() for c in changes],
            }
        )
        return
    print_table(
        ["record", "name", "verdict", "now matches", "list", "action", "since"],
        [
            [
                c.record,
                c.name,
                f"{c.old_verdict} → {c.new_verdict}",
                f"{c.matched_name} ({c.entity_id}, {c.score:.2f})",
                ", ".join(c.lists),
                c.action or "",
                c.since or "",
            ]
            for c in changes
        ],
        title=f"{len(changes)} of {len(stored)} parties changed",
    )


@rescreen.command(name="shipments")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option(
    "--alerts",
    "alerts_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The stored alerts of MANIFEST (written by `shipments screen -o`).",
)
@click.option(
    "--as-of",
    "as_of_text",
    metavar="DATE",
    help="Judge control status on this date (default: each shipment's own date).",
)
@_LIST_OPTION
@_NO_BUNDLED_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def shipments_command(
    manifest: Path,
    alerts_path: Path,
    as_of_text: str | None,
    lists: tuple[Path, ...],
    no_bundled: bool,
    as_json: bool,
) -> None:
    """Shipments of MANIFEST whose level rose over the stored alerts, with the new reasons."""
    from fentrace.monitoring import party_lookup, rescreen_shipments
    from fentrace.shipments import read_manifest
    from fentrace.shipments.engine import Lookups
    from fentrace.shipments.lookups import default_chemical_screener, default_lexicon

    as_of = parse_date(as_of_text)
    stored = read_stored(alerts_path)
    lookups = None
    if lists:
        lookups = Lookups(
            default_chemical_screener(),
            party_lookup(_screener(lists, no_bundled)),
            default_lexicon(),
        )
    elif no_bundled:
        raise UsageError("--no-bundled needs at least one --list FILE")
    changes, result = rescreen_shipments(
        read_manifest(manifest), stored, as_of=as_of, lookups=lookups
    )
    if as_json:
        emit_json(
            {
                "screened": result.counts["screened"],
                "stored_alerts": len(stored),
                "rose": len(changes),
                "changes": [c.to_dict() for c in changes],
            }
        )
        return
    print_table(
        ["shipment", "level", "score", "new reasons"],
        [
            [
                c.shipment_id,
                f"{c.old_level} → {c.new_level}",
                f"{'' if c.old_score is None else f'{c.old_score:.1f}'} → {c.new_score:.1f}",
                "; ".join(f"{r.get('code')}: {r.get('detail')}" for r in c.new_reasons),
            ]
            for c in changes
        ],
        title=f"{len(changes)} of {result.counts['screened']} shipments rose",
    )


def _scores(old: float | None, new: float) -> str:
    return f"{'' if old is None else f'{old:.1f}'} → {new:.1f}"


@rescreen.command(name="job")
@click.argument("job_id")
@click.option(
    "--as-of",
    "as_of_text",
    metavar="DATE",
    help="Judge control status on this date (default: the job's own as_of).",
)
@click.option(
    "--config", type=click.Path(dir_okay=False, exists=True), help="The service's TOML settings."
)
@click.option("--data-dir", help="The service's data directory (SQLite).")
@click.option("--database-url", help="The service's database URL.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document for machines.")
def job_command(
    job_id: str,
    as_of_text: str | None,
    config: str | None,
    data_dir: str | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Re-screen a job the service stores, here and now, under this installation's knowledge
    base and the service's watchlists (what POST /v1/shipments/jobs/JOB_ID/rescreen queues)."""
    import getpass

    from fentrace.service import Principal, Service, Settings

    as_of = parse_date(as_of_text)
    settings = Settings.load(
        config, data_dir=Path(data_dir) if data_dir else None, database_url=database_url
    )
    service = Service(settings)
    service.start(workers=False)
    try:
        user = getpass.getuser()
        queued = service.submit_rescreen(Principal("cli", user, user, "admin"), job_id, as_of=as_of)
        service.runner.run_rescreen(queued["id"])
        done = service.get_rescreen(job_id, queued["id"], limit=1000)
        changes = list(done["changes"])
        while len(changes) < (done["rose"] or 0):
            page = service.get_rescreen(job_id, queued["id"], offset=len(changes), limit=1000)
            changes += page["changes"]
    finally:
        service.stop()
    done = {**done, "changes": changes}
    done.pop("offset")
    done.pop("limit")
    if done["state"] != "succeeded":
        raise InputError(f"re-screen {done['id']} of job {job_id} failed: {done['error']}")
    if as_json:
        emit_json(done)
        return
    before, after = done["screened_under"], done["rescreened_under"]
    print_table(
        ["shipment", "level", "score", "new reasons", "alert"],
        [
            [
                c["shipment_id"],
                f"{c['old_level']} → {c['new_level']}",
                _scores(c["old_score"], c["new_score"]),
                "; ".join(f"{r.get('code')}: {r.get('detail')}" for r in c["new_reasons"]),
                "" if c["alert_id"] is None else str(c["alert_id"]),
            ]
            for c in changes
        ],
        title=f"{done['rose']} of {done['screened']} shipments rose (job {job_id} screened under "
        f"{before['kb_version'] or 'an unrecorded release'}, re-screened under "
        f"{after['kb_version']})",
    )
