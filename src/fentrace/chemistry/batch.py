"""Batch screening of files: .smi, .csv and .sdf in; CSV, JSON lines or Parquet out.

Every input record gives exactly one output row, in input order, screened or rejected with its
record number and reason -- never dropped. Work is spread over processes with ``imap`` on
chunks of records, which keeps the order. Each worker loads the knowledge-base index and the
rules once.

Batch mode saves work that single queries do not need: SMILES records are parsed directly (no
name lookup first), nearest neighbours are looked for only when no rule fired, and the InChIKey
is computed only for rows whose verdict is not ``clear``.
"""

from __future__ import annotations

import csv
import gc
import itertools
import json
import multiprocessing
import os
import re
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, TextIO, TypeVar

from fentrace.atomic import atomic_open, atomic_path, refuse_output_over_input
from fentrace.chemistry.identifiers import _smiles_problem, resolve
from fentrace.chemistry.kbindex import kb_index, knowledge_base
from fentrace.chemistry.results import ROW_FIELDS, ScreenResult
from fentrace.chemistry.screen import (
    DEFAULT_MONOCYCLE_READING,
    MONOCYCLE_READINGS,
    ClearParent,
    StructureBounds,
    clear_result,
    rules,
    screen_resolution,
    screen_smiles_batch,
    structure_bounds,
    unresolved,
)
from fentrace.chemistry.standardise import mol_from_plain_smiles
from fentrace.csvsafe import safe_row
from fentrace.exc import InputError, UsageError
from fentrace.limits import BOUNDS, int_bound, over_limit
from fentrace.textio import LineProblem, control_characters, looks_binary, utf8_lines

RecordKind = Literal["smiles", "query", "molblock"]
_Row = TypeVar("_Row")  # what a batch yields per record
_Chunk = TypeVar("_Chunk")  # what a worker sends back per chunk
INPUT_SUFFIXES = (".smi", ".smiles", ".csv", ".sdf", ".sd")

#: Column names taken to hold the query in a CSV file, in order of preference.
QUERY_COLUMNS = (
    "smiles",
    "canonical_smiles",
    "structure",
    "query",
    "cas",
    "cas_number",
    "casrn",
    "inchi",
    "inchikey",
    "name",
)
ID_COLUMNS = ("id", "identifier", "name", "compound_id", "record_id")

#: Flat columns of CSV and Parquet output, in order: the record, then the result's fields.
ROW_COLUMNS: tuple[str, ...] = ("record", "id", *ROW_FIELDS)


_RECORD, _ID, _RESOLVED, _ERROR, _SMILES, _VERDICT, _TIER = (
    ROW_COLUMNS.index(name)
    for name in ("record", "id", "resolved", "error", "smiles", "verdict", "tier")
)

#: How many rejected records a summary keeps by number (all of them are in the output).
MAX_REPORTED_REJECTIONS = 1000


class Record(NamedTuple):
    """One input record: its number (line or SDF record), id and query text, or why not.

    A named tuple, not a dataclass: records and rows cross process boundaries by pickle, and
    tuples pickle several times faster.
    """

    number: int
    id: str | None
    text: str
    kind: RecordKind
    error: str | None = None


@dataclass
class BatchSummary:
    """Counts of one batch: records read, screened, rejected, and how many per verdict."""

    read: int = 0
    screened: int = 0
    rejected: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    #: Rows per tier (precursor_route, letter_of_law) of rule- and route-based verdicts.
    tiers: Counter[str] = field(default_factory=Counter)
    #: The first rejections (record number, id, reason), for the report on stderr.
    rejections: list[tuple[int, str | None, str]] = field(default_factory=list)

    def add(self, screened: Screened) -> None:
        row = screened.row
        self.read += 1
        if row[_RESOLVED]:
            self.screened += 1
            self.verdicts[str(row[_VERDICT])] += 1
            if row[_TIER] is not None:
                self.tiers[str(row[_TIER])] += 1
        else:
            self.rejected += 1
            if len(self.rejections) < MAX_REPORTED_REJECTIONS:
                self.rejections.append((int(row[_RECORD]), row[_ID], str(row[_ERROR])))

    def add_line(self, record: Record, status: LineStatus) -> None:
        """:meth:`add` for a row written as text (:func:`screen_lines`)."""
        self.read += 1
        if isinstance(status, str):
            self.rejected += 1
            if len(self.rejections) < MAX_REPORTED_REJECTIONS:
                self.rejections.append((record.number, record.id, status))
            return
        verdict, tier = status
        self.screened += 1
        self.verdicts[verdict] += 1
        if tier is not None:
            self.tiers[tier] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "screened": self.screened,
            "rejected": self.rejected,
            "verdicts": dict(sorted(self.verdicts.items())),
            "tiers": dict(sorted(self.tiers.items())),
        }


# --- readers ----------------------------------------------------------------------------------


def read_smi(lines: Iterable[str | LineProblem]) -> Iterator[Record]:
    """SMILES files: ``SMILES [whitespace id]`` per line; an empty line is an empty record.

    A line that is not UTF-8, is too long or holds control characters is a rejected record.
    """
    for number, line in enumerate(lines, start=1):
        if isinstance(line, LineProblem):
            yield Record(number, None, "", "smiles", error=line.reason)
            continue
        parts = line.strip().split(maxsplit=1)
        if not parts:
            yield Record(number, None, "", "smiles", error="empty record")
            continue
        record_id = parts[1] if len(parts) > 1 else None
        problem = control_characters(line.strip())
        if problem is not None:
            yield Record(number, None, "", "smiles", error=f"the line {problem}")
            continue
        yield Record(number, record_id, parts[0], "smiles")


def _pick_column(
    header: Sequence[str], sample: Sequence[dict[str, str]], column: str | None
) -> str:
    if column is not None:
        if column not in header:
            raise UsageError(f"column {column!r} not in the file (columns: {', '.join(header)})")
        return column
    lowered = {name.strip().lower(): name for name in header}
    for wanted in QUERY_COLUMNS:
        if wanted in lowered:
            return lowered[wanted]
    for name in header:  # else the first column whose values resolve
        values = [row.get(name) or "" for row in sample if (row.get(name) or "").strip()]
        if values and all(resolve(v, use_opsin=False).resolved for v in values[:5]):
            return name
    raise InputError(
        "no column holds SMILES, CAS numbers or names: name one with --column "
        f"(columns: {', '.join(header)})"
    )


def _csv_lines(lines: Iterable[str | LineProblem]) -> Iterator[str]:
    """The text lines of a CSV; a line that cannot be read stops the file with its number."""
    for line in lines:
        if isinstance(line, LineProblem):
            # a CSV record may span lines: the file cannot be split around an unreadable line
            raise InputError(f"line {line.number}: {line.reason}")
        yield line


class _CsvRow(NamedTuple):
    line: int
    values: list[str] | None
    error: str | None


def _csv_rows(lines: Iterable[str | LineProblem]) -> Iterator[_CsvRow]:
    """Parsed CSV rows with the line each starts on; a malformed row is an error, not a crash.

    The reader is strict, so a quote left open to the end of the file is a located error
    instead of a field that silently swallows every later row.
    """
    limit = int_bound("field_chars")
    csv.field_size_limit(limit)
    reader = csv.reader(_csv_lines(lines), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            text = str(error)
            if "unexpected end of data" in text:
                raise InputError(
                    f"line {start}: a quoted field is not closed before the end of the file "
                    "(unterminated quote); every later row would be swallowed"
                ) from None
            if "field larger than field limit" in text:
                text = (
                    f"a cell longer than the limit of {limit:,} characters "
                    f"({BOUNDS['field_chars'].env}); the row was skipped"
                )
            yield _CsvRow(start, None, f"not valid CSV (line {start}): {text}")
            continue
        if values:
            yield _CsvRow(start, values, None)


def read_csv(
    handle: Iterable[str | LineProblem], column: str | None = None, id_column: str | None = None
) -> Iterator[Record]:
    """CSV files: the query column by flag, else by name, else the first that resolves.

    Record numbers are data rows (1 = the row after the header); blank lines are skipped.
    """
    rows = _csv_rows(handle)
    first = next(rows, None)
    if first is None or first.values is None or not any(v.strip() for v in first.values):
        raise InputError(
            "the CSV file is empty (no header row)"
            if first is None or first.values is not None
            else f"the header row cannot be read: {first.error}"
        )
    header = first.values
    sample: list[_CsvRow] = []
    for row in rows:
        sample.append(row)
        if len(sample) >= 20:
            break
    sample_dicts = [dict(zip(header, r.values, strict=False)) for r in sample if r.values]
    query_column = _pick_column(header, sample_dicts, column)
    if id_column is not None and id_column not in header:
        raise UsageError(f"id column {id_column!r} not in the file (columns: {', '.join(header)})")
    if id_column is None:
        lowered = {name.strip().lower(): name for name in header}
        id_column = next(
            (lowered[c] for c in ID_COLUMNS if c in lowered and lowered[c] != query_column), None
        )
    is_smiles = query_column.strip().lower() in ("smiles", "canonical_smiles")
    query_index = header.index(query_column)
    id_index = header.index(id_column) if id_column else None

    for number, row in enumerate(itertools.chain(sample, rows), start=1):
        if row.values is None:
            yield Record(number, None, "", "query", error=row.error)
            continue
        values = row.values
        text = values[query_index].strip() if query_index < len(values) else ""
        record_id = (
            (values[id_index] or None) if id_index is not None and id_index < len(values) else None
        )
        problem = control_characters(text)
        if len(values) > len(header):
            yield Record(number, record_id, text, "query", error="more fields than the header")
        elif not text:
            yield Record(number, record_id, "", "query", error=f"empty {query_column!r}")
        elif problem is not None:
            yield Record(number, record_id, "", "query", error=f"{query_column!r} {problem}")
        else:
            yield Record(number, record_id, text, "smiles" if is_smiles else "query")


_SDF_END = re.compile(r"^\$\$\$\$\s*$")
_SDF_PROPERTY = re.compile(r"^>\s*<([^>]+)>")


def read_sdf(lines: Iterable[str | LineProblem], id_column: str | None = None) -> Iterator[Record]:
    """SD files, record by record; the id is the property ``id_column`` or the title line.

    A record with an unreadable line, or longer than the ``query_chars`` bound, is rejected
    (the rest of the file is read on).
    """
    block: list[str] = []
    size = 0
    problem: str | None = None
    number = 0
    limit = int_bound("query_chars")

    def finish(block: list[str], problem: str | None) -> Record:
        text = "".join(block)
        if problem is not None:
            return Record(
                number, (block[0].strip() or None) if block else None, "", "molblock", error=problem
            )
        if not text.strip():
            return Record(number, None, "", "molblock", error="empty record")
        record_id = block[0].strip() or None
        if id_column is not None:
            record_id = None
            for i, line in enumerate(block):
                match = _SDF_PROPERTY.match(line)
                if match and match.group(1) == id_column and i + 1 < len(block):
                    record_id = block[i + 1].strip() or None
        if "M  END" not in text:
            return Record(number, record_id, text, "molblock", error="no 'M  END' line")
        return Record(number, record_id, text, "molblock")

    for line in lines:
        if isinstance(line, LineProblem):
            problem = problem or f"line {line.number}: {line.reason}"
            continue
        if _SDF_END.match(line):
            number += 1
            yield finish(block, problem)
            block, size, problem = [], 0, None
            continue
        size += len(line)
        if size > limit:
            if problem is None:
                problem = (
                    f"record longer than the limit of {limit:,} characters "
                    f"({BOUNDS['query_chars'].env}); skipped"
                )
            block = block[:1]
            continue
        block.append(line)
    if any(line.strip() for line in block) or problem is not None:  # a last record without $$$$
        number += 1
        yield finish(block, problem)


def read_records(
    path: Path, column: str | None = None, id_column: str | None = None
) -> Iterator[Record]:
    """The records of a .smi, .csv or .sdf file, in order. A wrong file type is an InputError.

    The file must be UTF-8 (a byte-order mark is allowed): a line that is not is rejected with
    its number, never read with replacement characters; binary content is refused whole.
    """
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise UsageError(
            f"{path}: cannot read {suffix or 'a file without extension'}: "
            "give a .smi, .csv or .sdf file"
        )
    if path.is_dir():
        raise UsageError(f"{path}: a folder, not a file")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    with path.open("rb") as handle:
        if looks_binary(handle.read(8192)):
            raise InputError(f"{path}: binary content, not a {suffix} text file")
        handle.seek(0)
        lines = utf8_lines(handle)
        try:
            if suffix in (".smi", ".smiles"):
                yield from read_smi(lines)
            elif suffix == ".csv":
                yield from read_csv(lines, column, id_column)
            else:
                yield from read_sdf(lines, id_column)
        except InputError as error:  # the same kind (usage or input), located in the file
            raise type(error)(f"{path}: {error}") from None


# --- screening records --------------------------------------------------------------------------


class RecordBounds(NamedTuple):
    """The resource bounds screening a record enforces, read once per batch
    (:func:`record_bounds`): a record costs no environment look-ups."""

    smiles_chars: int
    query_chars: int
    structure: StructureBounds


def record_bounds() -> RecordBounds:
    """The bounds of ``FENTRACE_MAX_SMILES_CHARS``, ``..._QUERY_CHARS``, ``..._HEAVY_ATOMS`` and
    ``..._RINGS`` now."""
    return RecordBounds(int_bound("smiles_chars"), int_bound("query_chars"), structure_bounds())


def screen_record(
    record: Record,
    as_of: date,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
    bounds: RecordBounds | None = None,
) -> ScreenResult:
    """Screen one record the batch way (see the module docstring); never raises on its data.

    ``bounds`` are the resource bounds to enforce (None: read them now).
    """
    found = _screen_record(record, as_of, monocycle_reading, bounds)
    return found if isinstance(found, ScreenResult) else _result(record, found, as_of)


def _result(record: Record, clear: ClearParent, as_of: date) -> ScreenResult:
    return clear_result(record.text, record.kind, clear, as_of)


def _screen_record(
    record: Record,
    as_of: date,
    monocycle_reading: str,
    bounds: RecordBounds | None,
) -> ScreenResult | ClearParent:
    """:func:`screen_record`, with a certainly-clear SMILES record's parent returned as its
    :class:`ClearParent` (its row is written without a result record)."""
    if record.error is not None:
        return unresolved(record.text, record.kind, record.error, as_of)
    if bounds is None:
        bounds = record_bounds()
    # the length is checked before parsing: RDKit would spend seconds and gigabytes first
    if record.kind == "smiles":
        too_long = over_limit("smiles_chars", len(record.text), bounds.smiles_chars)
    else:
        too_long = over_limit("query_chars", len(record.text), bounds.query_chars)
    if too_long is not None:
        return unresolved(record.text[:100] + "...", record.kind, too_long, as_of)
    if record.kind == "smiles":
        mol = mol_from_plain_smiles(record.text)
        if mol is None:
            reason = f"SMILES could not be read: {_smiles_problem(record.text)}"
            return unresolved(record.text, "smiles", reason, as_of)
        return screen_smiles_batch(mol, record.text, as_of, monocycle_reading, bounds.structure)
    options: dict[str, Any] = {
        "with_inchikey": False,
        "neighbours_always": False,
        "monocycle_reading": monocycle_reading,
        "bounds": bounds.structure,
    }
    return screen_resolution(resolve(record.text, use_opsin=False), as_of, **options)


def _row(record: Record, result: ScreenResult) -> tuple[Any, ...]:
    return (record.number, record.id, *result.row_values())


def _full(record: Record, result: ScreenResult) -> str:
    return _with_record(record, json.dumps(result.to_dict(), ensure_ascii=False, default=str))


def _with_record(record: Record, body: str) -> str:
    """The JSON line of a result body (an object) with ``record`` and ``id`` first."""
    head = json.dumps({"record": record.number, "id": record.id}, ensure_ascii=False)
    return f"{head[:-1]}, {body[1:]}" if body != "{}" else head


class Screened(NamedTuple):
    """One output row: the flat columns (ROW_COLUMNS order), and the JSON line when asked."""

    row: tuple[Any, ...]
    json: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(ROW_COLUMNS, self.row, strict=True))


_WORKER_AS_OF: date | None = None
_WORKER_FULL = False
_WORKER_OPSIN = False
_WORKER_READING = DEFAULT_MONOCYCLE_READING
_WORKER_BOUNDS: RecordBounds | None = None


def _worker_init(
    as_of: date,
    full: bool,
    use_opsin: bool = False,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
    bounds: RecordBounds | None = None,
) -> None:
    global _WORKER_AS_OF, _WORKER_FULL, _WORKER_OPSIN, _WORKER_READING, _WORKER_BOUNDS
    _WORKER_AS_OF = as_of
    _WORKER_FULL = full
    _WORKER_OPSIN = use_opsin
    _WORKER_READING = monocycle_reading
    _WORKER_BOUNDS = bounds
    kb_index()
    rules()
    # the knowledge base, rules and caches this worker inherited live as long as it does: kept
    # out of the collector's passes, which would re-walk them (and, by touching them, copy the
    # parent's pages into the worker)
    gc.freeze()


#: Structures screened once before forking, so that every lazily built table (the index, the
#: rules and templates, the reference fingerprints) exists before workers copy the process.
_WARM_UP = (
    "CCC(=O)N(c1ccccc1)C1CCN(CCc2ccccc2)CC1",  # a class and listing
    "O=C1CCN(Cc2ccccc2)CC1",  # a route
    "CCOc1ccccc1",  # neighbours only
)


def _warm(as_of: date) -> None:
    kb_index()
    rules()
    for smiles in _WARM_UP:
        _safe_screen(Record(0, None, smiles, "smiles"), as_of)


def _screen_one(
    record: Record,
    as_of: date,
    full: bool,
    reading: str = DEFAULT_MONOCYCLE_READING,
    bounds: RecordBounds | None = None,
) -> Screened:
    found = _safe_screen(record, as_of, reading, bounds)
    result = found if isinstance(found, ScreenResult) else _result(record, found, as_of)
    # JSON is written in the worker: the parent process only copies text to the output
    return Screened(_row(record, result), _full(record, result) if full else None)


def _screen_chunk(chunk: list[Record]) -> list[Screened]:
    assert _WORKER_AS_OF is not None
    return [
        _screen_one(record, _WORKER_AS_OF, _WORKER_FULL, _WORKER_READING, _WORKER_BOUNDS)
        for record in chunk
    ]


def _safe_screen(
    record: Record,
    as_of: date,
    reading: str = DEFAULT_MONOCYCLE_READING,
    bounds: RecordBounds | None = None,
) -> ScreenResult | ClearParent:
    """Screen a record; an RDKit failure on odd input rejects that record, not the batch."""
    try:
        return _screen_record(record, as_of, reading, bounds)
    except (ValueError, RuntimeError) as error:  # RDKit raises these on pathological input
        return unresolved(record.text, record.kind, f"could not be screened: {error}", as_of)


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def worker_count(jobs: int | None) -> int:
    """Worker processes for ``jobs``: every core when None, never more than the cores."""
    cores = os.cpu_count() or 1
    return cores if jobs is None else max(1, min(jobs, cores))


def _plan_workers(
    records: Iterator[Record], jobs: int | None, chunk_size: int
) -> tuple[Iterator[Record], int]:
    """The records (unchanged) and how many worker processes they need: no more than the
    cores, nor than chunks of records (a small file is screened in this process)."""
    workers = worker_count(jobs)
    if workers > 1:
        ahead = list(itertools.islice(records, chunk_size * workers))
        workers = min(workers, -(-len(ahead) // chunk_size))
        records = itertools.chain(ahead, records)
    return records, workers


def screen_records(
    records: Iterable[Record],
    as_of: date,
    *,
    jobs: int | None = None,
    full: bool = True,
    chunk_size: int = 200,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> Iterator[Screened]:
    """Screen records in order: one :class:`Screened` row per record.

    ``jobs`` None uses every core; 1 runs in this process. Workers are capped at the number
    of cores and at one per chunk of records.
    """
    _check_reading(monocycle_reading)
    yield from _in_record_order(
        records,
        as_of,
        full,
        monocycle_reading,
        jobs,
        chunk_size,
        one=lambda record, bounds: _screen_one(record, as_of, full, monocycle_reading, bounds),
        chunk_task=_screen_chunk,
        merge=lambda repeats, plan, screened, bounds: repeats.merge(
            plan, screened, as_of, full, monocycle_reading, bounds
        ),
    )


def _in_record_order(
    records: Iterable[Record],
    as_of: date,
    full: bool,
    monocycle_reading: str,
    jobs: int | None,
    chunk_size: int,
    *,
    one: Callable[[Record, RecordBounds], _Row],
    chunk_task: Callable[[list[Record]], _Chunk],
    merge: Callable[
        [_RepeatCache, list[tuple[Record, bool]], _Chunk, RecordBounds], Iterator[_Row]
    ],
) -> Iterator[_Row]:
    """The batch driver of :func:`screen_records` and :func:`screen_lines`: ``one`` row per
    record in this process, or chunks through ``chunk_task`` on forked workers (each distinct
    text sent once), put back in record order with the repeats copied by ``merge``."""
    bounds = record_bounds()
    records, workers = _plan_workers(iter(records), jobs, chunk_size)
    if workers <= 1:
        knowledge_base()
        with _collector_spared():
            for record in records:
                yield one(record, bounds)
        return
    _warm(as_of)  # forked workers inherit the loaded index, rules and their caches
    context = multiprocessing.get_context("fork")
    initargs = (as_of, full, False, monocycle_reading, bounds)
    repeats = _RepeatCache()
    with (
        _collector_spared(),
        context.Pool(workers, initializer=_worker_init, initargs=initargs) as pool,
    ):
        plans: deque[list[tuple[Record, bool]]] = deque()
        sent = pool.imap(chunk_task, repeats.split(_chunks(records, chunk_size), plans))
        for done in sent:
            yield from merge(repeats, plans.popleft(), done, bounds)


# --- screening records to output text -----------------------------------------------------------

#: What the batch summary needs of one output line: ``(verdict, tier)`` of a screened record,
#: or the reason a record was rejected.
LineStatus = tuple[str, str | None] | str


class _LineSink:
    """A file for ``csv.writer`` that keeps the last line written (one row -> one line)."""

    __slots__ = ("line",)

    def __init__(self) -> None:
        self.line = ""

    def write(self, text: str) -> int:
        self.line = text
        return len(text)


class _CsvLines(threading.local):
    """This thread's CSV writer (the csv module's default dialect, as ``write_csv`` uses) and
    the file that keeps its last line: one per thread, so that callers of ``screen_file`` in
    several threads never read each other's line."""

    def __init__(self) -> None:
        self.sink = _LineSink()
        self.writer = csv.writer(self.sink)


_CSV = _CsvLines()
#: One status object per (verdict, tier): a chunk's statuses pickle as references to a few.
_STATUSES: dict[tuple[str, str | None], tuple[str, str | None]] = {}


def _csv_line(row: Sequence[Any]) -> str:
    """One CSV row (formula-safe cells) as the text ``write_csv`` writes for it."""
    lines = _CSV
    lines.writer.writerow(safe_row(row))
    return lines.sink.line


def _csv_head(record: Record) -> str:
    """The text of a CSV line before its third cell: the record number and the id, each
    quoted on its own (``csv`` quotes cell by cell), and the separator after them."""
    line = _csv_line((record.number, record.id))
    dialect = _CSV.writer.dialect
    return line[: -len(dialect.lineterminator)] + dialect.delimiter


#: The status of a clear row.
_CLEAR = _STATUSES.setdefault(("clear", None), ("clear", None))


def _clear_csv_line(record: Record, clear: ClearParent, as_of: date) -> str:
    """The CSV row of a certainly-clear record: its own cells (record, id, query, input type,
    resolved, error, parent SMILES) written, then the text of the cells it shares with every
    clear row of the date (and of what standardisation removed), written once."""
    head = _csv_line((record.number, record.id, record.text, record.kind, True, None, clear.smiles))
    return head[: -len(_CSV.writer.dialect.lineterminator)] + _clear_csv_tail(as_of, clear.removed)


@lru_cache(maxsize=256)
def _clear_csv_tail(as_of: date, removed: tuple[str, ...]) -> str:
    """The text of a clear row after its ``smiles`` cell, line end included: the cells come
    after ``smiles`` in ``ROW_COLUMNS``, and ``csv`` writes each cell on its own, so the row
    is its first cells' text and this one joined by the separator."""
    template = clear_result("", "smiles", ClearParent("", removed, None), as_of)
    tail = _row(Record(0, None, "", "smiles"), template)[_SMILES + 1 :]
    return _csv_line(("", *tail))  # "" + separator + the cells (never one empty cell alone)


def _status(row: tuple[Any, ...]) -> LineStatus:
    if not row[_RESOLVED]:
        return str(row[_ERROR])
    key = (str(row[_VERDICT]), None if row[_TIER] is None else str(row[_TIER]))
    return _STATUSES.setdefault(key, key)


def _screen_line(
    record: Record, as_of: date, full: bool, reading: str, bounds: RecordBounds | None
) -> tuple[str, LineStatus]:
    """One record's output line (a JSON line or a CSV row, with its line end) and status."""
    found = _safe_screen(record, as_of, reading, bounds)
    if isinstance(found, ScreenResult):
        result = found
    elif not full:
        return _clear_csv_line(record, found, as_of), _CLEAR
    else:
        result = _result(record, found, as_of)
    row = _row(record, result)
    line = _full(record, result) + "\n" if full else _csv_line(row)
    return line, _status(row)


class _ChunkText(NamedTuple):
    """The output lines of a chunk of records, in order, and their statuses."""

    lines: list[str]
    statuses: list[LineStatus]


def _screen_chunk_text(chunk: list[Record]) -> _ChunkText:
    """A worker's chunk as finished output text: strings pickle far faster than rows, and
    the parent process only writes them (and counts statuses)."""
    assert _WORKER_AS_OF is not None
    lines: list[str] = []
    statuses: list[LineStatus] = []
    for record in chunk:
        line, status = _screen_line(
            record, _WORKER_AS_OF, _WORKER_FULL, _WORKER_READING, _WORKER_BOUNDS
        )
        lines.append(line)
        statuses.append(status)
    return _ChunkText(lines, statuses)


def screen_lines(
    records: Iterable[Record],
    as_of: date,
    *,
    jobs: int | None = None,
    full: bool = False,
    chunk_size: int = 200,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> Iterator[tuple[Record, str, LineStatus]]:
    """Screen records in order, as output text: per record, the record, its line (a JSON
    line when ``full``, else a CSV row of :data:`ROW_COLUMNS`, line end included) and status.

    The same text ``write_jsonl`` and ``write_csv`` write for :func:`screen_records` (which
    ``screen_file`` used before), made in the workers.
    """
    _check_reading(monocycle_reading)
    yield from _in_record_order(
        records,
        as_of,
        full,
        monocycle_reading,
        jobs,
        chunk_size,
        one=lambda record, bounds: (
            record,
            *_screen_line(record, as_of, full, monocycle_reading, bounds),
        ),
        chunk_task=_screen_chunk_text,
        merge=lambda repeats, plan, text, bounds: repeats.merge_lines(
            plan, text, as_of, full, monocycle_reading, bounds
        ),
    )


@contextmanager
def _collector_spared() -> Iterator[None]:
    """Objects that exist now (the knowledge base, rules, caches) kept out of the garbage
    collector's passes for the length of a batch, and handed back to it afterwards.

    Screening allocates steadily, so the collector runs often, and each older-generation pass
    would walk every one of those long-lived objects again (measured: 0-7 % of the time per
    structure in one process, within the machine's noise).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _RepeatCache:
    """Rows of records already screened in this batch, by query text (shared by the workers).

    Seizure lists and manifests repeat structures; each worker assesses a repeated parent once,
    but still parses and standardises it. The parent process sends each distinct query text to
    the workers once and copies the row for its repeats (record number and id changed), so a
    repeat costs a dictionary look-up. Only rows of texts seen again are kept; a repeat whose
    row is not at hand (the feeder thread saw it late) is screened in the parent. A record's
    result depends only on its kind and text (the date and options are the batch's); records
    with a read error are never cached. Bounded: past ``limit`` distinct texts, new ones are
    not remembered.
    """

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self.sent: set[tuple[str, str]] = set()
        self.wanted: set[tuple[str, str]] = set()
        self.rows: dict[tuple[str, str], tuple[tuple[Any, ...], str | None]] = {}
        #: For :meth:`merge_lines`: the line after its record number and id, and its status.
        self.tails: dict[tuple[str, str], tuple[str, LineStatus]] = {}

    def split(
        self, chunks: Iterable[list[Record]], plans: deque[list[tuple[Record, bool]]]
    ) -> Iterator[list[Record]]:
        """Each chunk without the records whose text was sent before, planning the whole
        chunk (record, sent) for :meth:`merge`. Runs in the pool's feeder thread."""
        for chunk in chunks:
            plan: list[tuple[Record, bool]] = []
            for record in chunk:
                key = (record.kind, record.text)
                repeat = record.error is None and key in self.sent
                if repeat:
                    self.wanted.add(key)
                elif record.error is None and len(self.sent) < self.limit:
                    self.sent.add(key)
                plan.append((record, not repeat))
            plans.append(plan)
            yield [record for record, send in plan if send]

    def merge(
        self,
        plan: list[tuple[Record, bool]],
        screened: list[Screened],
        as_of: date,
        full: bool,
        reading: str,
        bounds: RecordBounds | None = None,
    ) -> Iterator[Screened]:
        """The rows of the whole chunk, in order: screened ones as they came, repeats copied."""
        done = iter(screened)
        for record, sent in plan:
            key = (record.kind, record.text)
            if sent:
                result = next(done)
                if key in self.wanted:
                    body = None if result.json is None else _body(record, result.json)
                    self.rows[key] = (result.row[2:], body)
                yield result
                continue
            cached = self.rows.get(key)
            if cached is None:
                yield _screen_one(record, as_of, full, reading, bounds)
                continue
            row, body = cached
            line = None if body is None else _with_record(record, body)
            yield Screened((record.number, record.id, *row), line)

    def merge_lines(
        self,
        plan: list[tuple[Record, bool]],
        text: _ChunkText,
        as_of: date,
        full: bool,
        reading: str,
        bounds: RecordBounds | None,
    ) -> Iterator[tuple[Record, str, LineStatus]]:
        """:meth:`merge` for output lines: a repeat's line is the first one's with the
        record number and id changed."""
        if len(text.lines) == len(plan) and not self.wanted:  # nothing to copy or keep
            yield from zip((record for record, _ in plan), text.lines, text.statuses, strict=True)
            return
        done = zip(text.lines, text.statuses, strict=True)
        for record, sent in plan:
            key = (record.kind, record.text)
            if sent:
                line, status = next(done)
                if key in self.wanted:
                    self.tails[key] = (_line_tail(record, line, full), status)
                yield record, line, status
                continue
            cached = self.tails.get(key)
            if cached is None:
                line, status = _screen_line(record, as_of, full, reading, bounds)
                yield record, line, status
                continue
            tail, status = cached
            head = _with_record(record, "{}")[:-1] + ", " if full else _csv_head(record)
            yield record, head + tail, status


def _line_tail(record: Record, line: str, full: bool) -> str:
    """The text of an output line after its record number and id (see ``merge_lines``)."""
    if full:
        return line[len(_with_record(record, "{}")) + 1 :]
    return line[len(_csv_head(record)) :]


def _body(record: Record, line: str) -> str:
    """The result object of a JSON line written by :func:`_with_record`, without ``record``
    and ``id``."""
    head = json.dumps({"record": record.number, "id": record.id}, ensure_ascii=False)
    return "{" + line[len(head) + 1 :]


def _check_reading(reading: str) -> None:
    if reading not in MONOCYCLE_READINGS:
        raise UsageError(
            f"monocycle reading {reading!r}: expected one of {', '.join(MONOCYCLE_READINGS)}"
        )


def parallel_screen_queries(
    queries: Sequence[str],
    as_of: date,
    jobs: int,
    *,
    use_opsin: bool = False,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> list[ScreenResult]:
    """``screen_many`` over processes: full single-query screening, results in order."""
    _check_reading(monocycle_reading)
    _warm(as_of)
    context = multiprocessing.get_context("fork")
    initargs = (as_of, True, use_opsin, monocycle_reading)
    with context.Pool(jobs, initializer=_worker_init, initargs=initargs) as pool:
        return pool.map(_screen_query, queries, chunksize=max(1, len(queries) // (jobs * 4)))


def _screen_query(query: str) -> ScreenResult:
    from fentrace.chemistry.screen import screen

    assert _WORKER_AS_OF is not None
    result = screen(
        query, _WORKER_AS_OF, use_opsin=_WORKER_OPSIN, monocycle_reading=_WORKER_READING
    )
    # RDKit molecules pickle slowly and callers of screen_many rarely draw them
    return replace(result, mol=None)


# --- writers ------------------------------------------------------------------------------------


def write_jsonl(rows: Iterable[Screened], handle: IO[str]) -> None:
    for row in rows:
        handle.write(row.json if row.json is not None else json.dumps(row.as_dict(), default=str))
        handle.write("\n")


def write_csv(rows: Iterable[Screened], handle: IO[str]) -> None:
    """CSV rows, every text cell formula-safe (queries and ids come from the input file)."""
    writer = csv.writer(handle)
    writer.writerow(ROW_COLUMNS)
    for row in rows:
        writer.writerow(safe_row(row.row))


def write_lines(lines: Iterable[str], handle: IO[str]) -> None:
    """Output text made by :func:`screen_lines` (each line ends with its line end)."""
    handle.writelines(lines)


def write_parquet(rows: Iterable[Screened], path: Path) -> None:
    import polars as pl

    schema: dict[str, Any] = dict.fromkeys(ROW_COLUMNS, pl.String)
    schema.update({"record": pl.Int64, "resolved": pl.Boolean, "steps_to_fentanyl": pl.Int64})
    frame = pl.DataFrame([row.row for row in rows], schema=schema, orient="row")
    frame.write_parquet(path)


def screen_file(
    path: Path,
    out: str,
    out_format: str,
    as_of: date,
    *,
    column: str | None = None,
    id_column: str | None = None,
    jobs: int | None = None,
    stdout: TextIO | None = None,
    on_row: Any = None,
    monocycle_reading: str = DEFAULT_MONOCYCLE_READING,
) -> BatchSummary:
    """Screen every record of ``path`` and write one row per record to ``out`` (``-``: stdout).

    ``out_format`` is ``csv``, ``jsonl`` or ``parquet`` (not on stdout).

    ``on_row`` (optional) is called once per row, for progress bars. ``monocycle_reading``
    chooses the reading of the class texts' "monocycle" that decides ("literal", "broad").
    """
    _check_reading(monocycle_reading)
    refuse_output_over_input(out, path)
    summary = BatchSummary()
    records = read_records(path, column, id_column)
    # read the first record now, so a wrong file or a missing column fails before any output
    first = list(itertools.islice(records, 1))
    records = itertools.chain(first, records)
    full = out_format == "jsonl"

    if out_format == "parquet":

        def rows() -> Iterator[Screened]:
            screened_rows = screen_records(
                records, as_of, jobs=jobs, full=False, monocycle_reading=monocycle_reading
            )
            for screened in screened_rows:
                summary.add(screened)
                if on_row is not None:
                    on_row()
                yield screened

        with atomic_path(out) as temp:
            write_parquet(rows(), temp)
        return summary

    def lines() -> Iterator[str]:
        # the workers write the lines (CSV rows or JSON lines); this process only counts and
        # copies them (the same text write_csv and write_jsonl write for screen_records)
        if not full:
            yield _csv_line(ROW_COLUMNS)
        screened_lines = screen_lines(
            records, as_of, jobs=jobs, full=full, monocycle_reading=monocycle_reading
        )
        for record, line, status in screened_lines:
            summary.add_line(record, status)
            if on_row is not None:
                on_row()
            yield line

    if out == "-":
        target = stdout if stdout is not None else sys.stdout
        write_lines(lines(), target)
        target.flush()
    else:
        # the rows go to a temporary file renamed over ``out`` at the end: a killed run
        # leaves the previous output (or none), never half of one
        with atomic_open(out, newline="") as handle:
            write_lines(lines(), handle)
    return summary
