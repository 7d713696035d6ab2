"""Fuzz targets: one function per parser, taking raw bytes.

The contract every target checks: the parser ends in a result or a located
:class:`fentrace.exc.FentraceError` (a non-empty message); any other exception is a crash.
The hypothesis property tests (``tests/security/test_fuzz_properties.py``) and the atheris
driver (``fuzz/run.py``, ``make fuzz``) call the same targets, and every file in
``fuzz/regressions/<target>/`` (inputs that once crashed) is replayed by the tests.

Targets that need a file write the bytes to a scratch folder made once per process.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fentrace.exc import FentraceError

AS_OF = date(2024, 1, 1)
#: Records screened per input by the reader targets (readers are fuzzed for every record).
SCREENED_PER_INPUT = 3

_SCRATCH: Path | None = None


def _scratch() -> Path:
    global _SCRATCH
    if _SCRATCH is None:
        _SCRATCH = Path(tempfile.mkdtemp(prefix="fentrace-fuzz-"))
    return _SCRATCH


def _file(name: str, data: bytes) -> Path:
    path = _scratch() / name
    path.write_bytes(data)
    return path


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="surrogateescape").encode("utf-8", "replace").decode()


def located(error: FentraceError) -> None:
    """Fail unless the error says what went wrong."""
    if not str(error).strip():
        raise AssertionError(f"{type(error).__name__} without a message")


# --- chemistry --------------------------------------------------------------------------------


def identifiers(data: bytes) -> None:
    """Any text as a query: SMILES, InChI, InChIKey, CAS number, name or molfile."""
    from fentrace.chemistry.identifiers import resolve

    resolution = resolve(_text(data), use_opsin=False)
    if not resolution.resolved and not resolution.error:
        raise AssertionError("an unresolved query without its reason")


def screen_query(data: bytes) -> None:
    """Full screening of any text (resolution, standardisation, rules, routes, neighbours)."""
    from fentrace.chemistry.screen import screen

    result = screen(_text(data), AS_OF, use_opsin=False)
    if not result.resolved and not result.error:
        raise AssertionError("an unscreened query without its reason")


def _read_and_screen(records: object) -> None:
    from fentrace.chemistry.batch import Record, screen_record

    for count, record in enumerate(records):  # type: ignore[call-overload]
        assert isinstance(record, Record)
        if record.error is None and not record.text:
            raise AssertionError("a record with neither text nor error")
        if count < SCREENED_PER_INPUT:
            screen_record(record, AS_OF)


def smi_file(data: bytes) -> None:
    """A .smi file, read and its first records screened."""
    from fentrace.chemistry.batch import read_records

    _read_and_screen(read_records(_file("in.smi", data)))


def sdf_file(data: bytes) -> None:
    """An SD file, read and its first records screened (the molfile parser included)."""
    from fentrace.chemistry.batch import read_records

    _read_and_screen(read_records(_file("in.sdf", data)))


def chem_csv_file(data: bytes) -> None:
    """A chemistry CSV with a query column found by name or by content."""
    from fentrace.chemistry.batch import read_records

    _read_and_screen(read_records(_file("in.csv", data)))


# --- shipments --------------------------------------------------------------------------------


def _manifest(name: str, data: bytes) -> None:
    from fentrace.shipments import read_manifest_bytes

    manifest = read_manifest_bytes(data, name)
    rows = set(manifest.frame.get_column("row").to_list())
    if any(r.row in rows for r in manifest.rejected if r.field == "(row)"):
        raise AssertionError("a row both kept and rejected")


def manifest_csv(data: bytes) -> None:
    """A manifest CSV in any encoding."""
    _manifest("m.csv", data)


def manifest_jsonl(data: bytes) -> None:
    """A manifest in JSON lines (or a JSON array)."""
    _manifest("m.jsonl", data)


def manifest_xlsx(data: bytes) -> None:
    """A manifest workbook (bytes mutated from a valid one by the fuzzer)."""
    _manifest("m.xlsx", data)


def manifest_parquet(data: bytes) -> None:
    """A manifest Parquet file (bytes mutated from a valid one by the fuzzer)."""
    _manifest("m.parquet", data)


def rules_file(data: bytes) -> None:
    """A shipments rules YAML merged over the bundled rules."""
    from fentrace.shipments import load_rules

    load_rules(_file("rules.yaml", data))


# --- parties ----------------------------------------------------------------------------------


def _watchlist(name: str, data: bytes) -> None:
    from fentrace.parties import load_watchlist

    load_watchlist([_file(name, data)], bundled=False)


def sdn_csv(data: bytes) -> None:
    """An OFAC sdn.csv (its first field is a number, so the format is detected)."""
    _watchlist("sdn.csv", b"1," + data)


def sdn_xml(data: bytes) -> None:
    """An OFAC sdn.xml (entity declarations must be refused)."""
    _watchlist("sdn.xml", data)


def ftm_jsonl(data: bytes) -> None:
    """FollowTheMoney entities, one JSON object per line."""
    _watchlist("entities.ftm.jsonl", data)


def user_table(data: bytes) -> None:
    """A user's table for parties screen-file, sniffed as CSV/xlsx/Parquet by its bytes."""
    from fentrace.tables import read_user_table

    table = read_user_table(_file("names.csv", data))
    if table.frame.height and table.frame.get_column("row").null_count():
        raise AssertionError("a record without its row")


def party_name(data: bytes) -> None:
    """Any text as a party name to screen against the bundled watchlist."""
    from fentrace.parties import PartyScreener, load_watchlist

    global _SCREENER
    if _SCREENER is None:
        _SCREENER = PartyScreener(load_watchlist())
    result = _SCREENER.screen(_text(data))
    if result.verdict not in ("match", "possible", "none"):
        raise AssertionError(f"verdict {result.verdict!r}")


_SCREENER: object = None


# --- simulation -------------------------------------------------------------------------------


def scenario_yaml(data: bytes) -> None:
    """A scenario YAML file."""
    from fentrace.simulation.scenario import load_scenario

    load_scenario(_file("scenario.yaml", data))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "identifiers": identifiers,
    "screen_query": screen_query,
    "smi_file": smi_file,
    "sdf_file": sdf_file,
    "chem_csv_file": chem_csv_file,
    "manifest_csv": manifest_csv,
    "manifest_jsonl": manifest_jsonl,
    "manifest_xlsx": manifest_xlsx,
    "manifest_parquet": manifest_parquet,
    "rules_file": rules_file,
    "sdn_csv": sdn_csv,
    "sdn_xml": sdn_xml,
    "ftm_jsonl": ftm_jsonl,
    "user_table": user_table,
    "party_name": party_name,
    "scenario_yaml": scenario_yaml,
}


def run_target(name: str, data: bytes) -> None:
    """Run one target on ``data``: a located FentraceError is a pass, anything else raises."""
    try:
        TARGETS[name](data)
    except FentraceError as error:
        located(error)


def seeds() -> dict[str, list[bytes]]:
    """Valid inputs per target, for the fuzzer to mutate from (built, not stored)."""
    import openpyxl
    import polars as pl

    header = (
        "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,"
        "description,quantity_kg\n"
    )
    csv_text = header + "S1,2024-01-10,Hubei Amarvel Bio-Tech,CN,Norte SA,MX,NPP,100\n"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in csv_text.splitlines():
        sheet.append(line.split(","))
    xlsx = io.BytesIO()
    book.save(xlsx)
    parquet = io.BytesIO()
    pl.read_csv(io.StringIO(csv_text), infer_schema=False).write_parquet(parquet)
    molblock = (
        "ethanol\n  fuzz\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\n  2  3  1  0\nM  END\n"
    )
    return {
        "identifiers": [
            b"CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",
            b"39742-60-4",
            b"4-anilinopiperidine",
            b"InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3",
            b"LFQSCWFLJHTTHZ-UHFFFAOYSA-N",
            molblock.encode(),
        ],
        "screen_query": [b"O=C1CCN(Cc2ccccc2)CC1", b"NPP", b"CCOc1ccccc1"],
        "smi_file": [b"CCO ethanol\nO=C1CCN(CCc2ccccc2)CC1 npp\n"],
        "sdf_file": [(molblock + "> <id>\nx1\n\n$$$$\n").encode()],
        "chem_csv_file": [b"id,smiles\na,CCO\nb,O=C1CCN(CCc2ccccc2)CC1\n", b"name\nNPP\n"],
        "manifest_csv": [csv_text.encode(), csv_text.encode("utf-16"), csv_text.encode("gbk")],
        "manifest_jsonl": [
            b'{"shipment_id": "S1", "date": "2024-01-10", "shipper_name": "A", '
            b'"shipper_country": "CN", "consignee_name": "B", "consignee_country": "MX", '
            b'"description": "NPP", "quantity_kg": 100}\n'
        ],
        "manifest_xlsx": [xlsx.getvalue()],
        "manifest_parquet": [parquet.getvalue()],
        "rules_file": [b"weights:\n  chemical_listed: 40\n", b"{}\n"],
        "sdn_csv": [b'"JINTAI TRADING","-0-","SDNTK",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-,"-0-"\n'],
        "sdn_xml": [
            b"<sdnList><publshInformation><Publish_Date>01/02/2024</Publish_Date>"
            b"</publshInformation><sdnEntry><uid>1</uid><lastName>JINTAI TRADING</lastName>"
            b"<sdnType>Entity</sdnType></sdnEntry></sdnList>"
        ],
        "ftm_jsonl": [
            b'{"id": "x", "schema": "Company", "properties": {"name": ["Jintai Trading"]}}\n'
        ],
        "user_table": [b"name,cc\nHubei Amarvel,CN\n", xlsx.getvalue(), parquet.getvalue()],
        "party_name": [b"HUBEI AMARVEL BIO-TECH CO LTD", "湖北阿玛维尔".encode()],
        "scenario_yaml": [
            b"name: fuzz\ncontrols: kb\ncn_cooperation:\n  - from: 2015-01\n    value: 0.5\n"
        ],
    }
