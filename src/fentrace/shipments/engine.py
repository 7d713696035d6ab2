"""Screen a manifest: distinct values through the lookups once, the rest vectorised in Polars.

Stages (each timed in ``ScreeningResult.timings``):

1. *goods*: every distinct (description, cas, smiles, hs_code) is read once for chemical
   mentions (knowledge-base names, abbreviations, CAS numbers with a valid check digit),
   vague terms and chemical words;
2. *chemicals*: every distinct chemical query is screened once at the latest date of the
   batch. Control status is then taken **as of each shipment's own date** ("was it
   controlled when shipped"): the dates on which a query's status changed (the ``since``
   dates the engine reports) cut time into epochs, each epoch a batch of rows actually uses
   is screened once more at its first day, and every row gets the finding of its epoch.
   ``as_of`` given: one screening of every query on that date for all rows;
3. *parties*: every distinct (name, country) of shipper, consignee, forwarder and notify
   party is screened once;
4. *rules*: the per-value indicators run once per distinct value; SMALL_QTY_COURIER,
   SHARED_CONTACT and STRUCTURING are vectorised over the rows;
5. *score*: ``score = 100 * (1 - prod(1 - w_i))`` over the reasons that fired (so weights
   combine like independent probabilities and never pass 100), rounded to one decimal;
   the level is the highest threshold of rules.yaml the score reaches.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl

from fentrace.shipments import indicators as ind
from fentrace.shipments.lookups import (
    VERDICT_RANK,
    ChemFinding,
    ChemicalScreener,
    Lexicon,
    NameResolver,
    PartyFinding,
    PartyLookup,
    default_chemical_screener,
    default_lexicon,
    default_name_resolver,
    default_party_lookup,
)
from fentrace.shipments.rules import INDICATOR_CODES, LEVELS, Rules, load_rules
from fentrace.shipments.schema import Manifest, Rejection
from fentrace.shipments.text import (
    CHEMICAL_MATCHER,
    ChemicalMentions,
    MentionFinder,
    TermMatcher,
)

SCREEN_STAGES: tuple[str, ...] = ("goods", "chemicals", "parties", "rules", "score")
Progress = Callable[[str], None]

#: Columns of the input kept next to the score in the alerts, in this order.
CONTEXT_COLUMNS: tuple[str, ...] = (
    "date",
    "shipper_name",
    "shipper_country",
    "consignee_name",
    "consignee_country",
    "transit_countries",
    "description",
    "hs_code",
    "quantity_kg",
    "transport_mode",
)
REASON_DTYPE = pl.List(pl.Struct({"code": pl.String, "weight": pl.Float64, "detail": pl.String}))
_PARTY_ROLES: tuple[tuple[str, str, str | None], ...] = (
    ("shipper", "shipper_name", "shipper_country"),
    ("consignee", "consignee_name", "consignee_country"),
    ("forwarder", "forwarder_name", None),
    ("notify party", "notify_party", None),
)


@dataclass(slots=True)
class ScreeningResult:
    """Scored shipments (every screened row, level ``none`` included) and the batch counts."""

    alerts: pl.DataFrame
    counts: dict[str, int]
    rejected: list[Rejection]
    rules: Rules
    as_of: date | None
    timings: dict[str, float] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)

    def at_least(self, level: str) -> pl.DataFrame:
        """The alerts at ``level`` or above, highest score first."""
        keep = LEVELS[: LEVELS.index(level) + 1]
        return self.alerts.filter(pl.col("level").is_in(list(keep))).sort(
            ["score", "row"], descending=[True, False]
        )


@dataclass(frozen=True, slots=True)
class Lookups:
    """The engines an engine run uses; the defaults are the real chemistry and party screeners."""

    chemicals: ChemicalScreener
    parties: PartyLookup
    lexicon: Lexicon
    #: systematic names -> SMILES (OPSIN); None reads descriptions by known names only
    names: NameResolver | None = None


def default_lookups() -> Lookups:
    """The real chemistry engine, party screener and knowledge-base lexicon."""
    return Lookups(
        default_chemical_screener(),
        default_party_lookup(),
        default_lexicon(),
        default_name_resolver(),
    )


# --------------------------------------------------------------------------- stage helpers


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def mention_finder(lexicon: Lexicon, rules: Rules) -> MentionFinder:
    """What reads the chemicals a description names: the lexicon and the rules' trade names."""
    lowered = {k.lower(): v for k, v in lexicon.items()}
    return MentionFinder(
        lexicon, {n.term: lowered.get(n.means.lower(), n.means) for n in rules.chemical_names}
    )


def goods_queries(
    frame: pl.DataFrame, finder: MentionFinder, rules: Rules, names: NameResolver | None
) -> list[str]:
    """The distinct chemical queries the lines of goods in ``frame`` give (what is screened)."""
    _goods_frame, pairs = _goods(frame, finder, rules, names)
    return pairs.get_column("query").unique(maintain_order=True).to_list()


def _goods(
    frame: pl.DataFrame, finder: MentionFinder, rules: Rules, names: NameResolver | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distinct goods with their vague-description detail, and the (goods_id, query, words) rows.

    ``words`` are the words of the description a query was read from (a name in any of the
    lexicon's languages, a CAS number, a systematic name that OPSIN parsed).
    """
    keys = ["description", "cas", "smiles", "hs_code"]
    goods = frame.select(keys).unique(maintain_order=True).with_row_index("goods_id")
    vague = TermMatcher(rules.vague_terms)
    goods_ids: list[int] = []
    queries: list[str] = []
    words: list[str | None] = []
    vague_details: list[str | None] = []
    chemical_words: list[bool] = []
    read: list[tuple[int, ChemicalMentions, dict[str, str | None]]] = []
    for goods_id, description, cas, smiles, _hs in goods.iter_rows():
        mentions = finder.find(description)
        wanted: dict[str, str | None] = {q: None for q in (cas, smiles) if q}
        for query, source in finder.quoted_queries(mentions).items():
            wanted.setdefault(query, source)
        read.append((goods_id, mentions, wanted))
    systematic = list(dict.fromkeys(n for _, m, _ in read for n in m.systematic))
    parsed: dict[str, str] = {}
    if systematic and names is not None:
        parsed = {n: s for n, s in zip(systematic, names(systematic), strict=True) if s}
    descriptions = goods.get_column("description").to_list()
    for goods_id, mentions, wanted in read:
        for name in mentions.systematic:
            if name in parsed:
                wanted.setdefault(parsed[name], name)
        for query, written in wanted.items():
            goods_ids.append(goods_id)
            queries.append(query)
            words.append(written)
        by_structure = any(n in parsed for n in mentions.systematic)
        description = descriptions[goods_id]
        vague_details.append(
            None if by_structure else ind.vague_description(description, mentions, vague)
        )
        chemical_words.append(
            bool(mentions) or by_structure or bool(CHEMICAL_MATCHER.find(description))
        )
    goods = goods.with_columns(
        pl.Series("_d_VAGUE_DESCRIPTION", vague_details, dtype=pl.String),
        pl.Series("_chemical_words", chemical_words, dtype=pl.Boolean),
    )
    pairs = pl.DataFrame(
        {"goods_id": goods_ids, "query": queries, "words": words},
        schema={"goods_id": pl.UInt32, "query": pl.String, "words": pl.String},
    )
    return goods, pairs


def _breakpoints(finding: ChemFinding, latest: date) -> list[date]:
    """The dates on or before ``latest`` on which a query's control status changed."""
    dates: set[date] = set()
    for jurisdiction, status in finding.statuses.items():
        if status in ("controlled", "class_controlled") and jurisdiction in finding.since:
            try:
                since = date.fromisoformat(finding.since[jurisdiction][:10])
            except ValueError:
                continue
            if since <= latest:
                dates.add(since)
    return sorted(dates)


def screening_dates(finding: ChemFinding, latest: date) -> list[date]:
    """The dates besides ``latest`` on which the engine may screen a query (its control epochs).

    Rows dated before the first change are judged the day before it; rows in a middle epoch
    on the epoch's first day; rows in the last epoch by the screening at ``latest``. A
    distributed run screens each query on exactly these dates, once.
    """
    cuts = _breakpoints(finding, latest)
    if not cuts:
        return []
    return [cuts[0] - timedelta(days=1), *cuts[:-1]]


def latest_date(frame: pl.DataFrame, as_of: date | None) -> date | None:
    """The date every query is first screened on: ``as_of``, else the batch's latest shipment."""
    if as_of is not None:
        return as_of
    latest = frame.get_column("date").max() if frame.height else None
    assert latest is None or isinstance(latest, date)
    return latest


def _row_findings(
    frame: pl.DataFrame,
    pairs: pl.DataFrame,
    screener: ChemicalScreener,
    as_of: date | None,
    latest: date | None,
) -> tuple[pl.DataFrame, list[ChemFinding]]:
    """(row, finding_id) of the most severe resolved finding of every row that has one.

    ``latest`` is the last shipment date of the whole manifest (or ``as_of``): a part of a
    manifest screened on its own must use the whole manifest's date to get the same findings.
    """
    findings: list[ChemFinding] = []
    distinct = pairs.get_column("query").unique(maintain_order=True).to_list()
    empty = pl.DataFrame(schema={"row": pl.Int64, "finding_id": pl.Int64})
    if not distinct or frame.height == 0 or latest is None:
        return empty, findings
    base = screener(distinct, latest)
    findings.extend(base)
    base_id = {query: i for i, query in enumerate(distinct)}
    row_queries = frame.select("row", "goods_id", "date").join(pairs, on="goods_id", how="inner")
    if as_of is not None:
        row_queries = row_queries.with_columns(
            pl.col("query").replace_strict(base_id, return_dtype=pl.Int64).alias("finding_id")
        )
    else:
        cuts = {q: _breakpoints(findings[base_id[q]], latest) for q in distinct}
        epoch_rows = [(q, d) for q, dates in cuts.items() for d in dates]
        epochs = pl.DataFrame(
            {"query": [q for q, _ in epoch_rows], "epoch": [d for _, d in epoch_rows]},
            schema={"query": pl.String, "epoch": pl.Date},
        ).sort("epoch")
        used = (
            row_queries.select("query", "date")
            .unique()
            .sort("date")
            .join_asof(
                epochs,
                left_on="date",
                right_on="epoch",
                by="query",
                strategy="backward",
                check_sortedness=False,
            )
        )
        # the first epoch (before any control) is screened on the day before the first cut
        first_cut = {q: dates[0] for q, dates in cuts.items() if dates}
        used = used.with_columns(
            pl.when(pl.col("epoch").is_null() & pl.col("query").is_in(list(first_cut)))
            .then(
                pl.col("query").replace_strict(first_cut, default=None, return_dtype=pl.Date)
                - timedelta(days=1)
            )
            .otherwise(pl.col("epoch"))
            .alias("screen_on")
        )
        last_cut = {q: dates[-1] for q, dates in cuts.items() if dates}
        finding_of: dict[tuple[str, date], int] = {}
        to_screen: dict[date, list[str]] = {}
        for query, screen_on in used.select("query", "screen_on").unique().iter_rows():
            if screen_on is None or last_cut.get(query) == screen_on:
                continue  # no cut, or the last epoch: the base screening holds
            to_screen.setdefault(screen_on, []).append(query)
        for screen_on, queries in sorted(to_screen.items()):
            for query, finding in zip(queries, screener(queries, screen_on), strict=True):
                finding_of[(query, screen_on)] = len(findings)
                findings.append(finding)
        screened = pl.DataFrame(
            {
                "query": [q for q, _ in finding_of],
                "screen_on": [d for _, d in finding_of],
                "_epoch_id": list(finding_of.values()),
            },
            schema={"query": pl.String, "screen_on": pl.Date, "_epoch_id": pl.Int64},
        )
        epoch_ids = (
            used.join(screened, on=["query", "screen_on"], how="left")
            .with_columns(
                pl.coalesce(
                    "_epoch_id",
                    pl.col("query").replace_strict(base_id, return_dtype=pl.Int64),
                ).alias("finding_id")
            )
            .select("query", "date", "finding_id")
        )
        row_queries = row_queries.join(epoch_ids, on=["query", "date"], how="left")
    ranks = [VERDICT_RANK.get(f.verdict, 9) if f.resolved else 99 for f in findings]
    best = (
        row_queries.with_columns(
            pl.col("finding_id")
            .replace_strict(dict(enumerate(ranks)), return_dtype=pl.Int64)
            .alias("_rank")
        )
        .filter(pl.col("_rank") < 99)
        .sort("_rank")
        .group_by("row")
        .agg(pl.col("finding_id").first())
    )
    return best, findings


def _goods_reasons(
    keyed: pl.DataFrame,
    goods: pl.DataFrame,
    findings: list[ChemFinding],
    as_of: date | None,
    quoted: Mapping[tuple[int, str], str] | None = None,
) -> pl.DataFrame:
    """Per distinct (goods, finding): the CHEM_* reason, HS_MISMATCH and the goods' kind."""
    distinct = (
        keyed.select("goods_id", "finding_id")
        .unique()
        .join(goods.select("goods_id", "description", "hs_code", "_chemical_words"), on="goods_id")
    )
    codes: list[str | None] = []
    details: list[str | None] = []
    hs: list[str | None] = []
    chemical: list[bool] = []
    precursor: list[bool] = []
    names: list[str | None] = []
    for goods_id, finding_id, description, hs_code, words in distinct.iter_rows():
        finding = findings[finding_id] if finding_id is not None else None
        code = detail = None
        if finding is not None:
            for candidate, function in ind.CHEM_INDICATORS.items():
                detail = function(finding)
                if detail is not None:
                    code = candidate
                    source = (quoted or {}).get((goods_id, finding.query))
                    if source is not None:
                        detail += f', read from "{source}"'
                    detail += " on the shipment date" if as_of is None else f" as of {as_of}"
                    break
        codes.append(code)
        details.append(detail)
        hs.append(ind.hs_mismatch(hs_code, finding, description))
        chemical.append(finding is not None or bool(words))
        precursor.append(
            code is not None
            or (finding is not None and finding.family in ("precursor", "fentanyl"))
        )
        names.append(finding.name if finding is not None else None)
    return distinct.select("goods_id", "finding_id").with_columns(
        pl.Series("_chem_code", codes, dtype=pl.String),
        pl.Series("_chem_detail", details, dtype=pl.String),
        pl.Series("_d_HS_MISMATCH", hs, dtype=pl.String),
        pl.Series("_is_chemical", chemical, dtype=pl.Boolean),
        pl.Series("_is_precursor", precursor, dtype=pl.Boolean),
        pl.Series("_chem_name", names, dtype=pl.String),
    )


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _party_reasons(frame: pl.DataFrame, lookup: PartyLookup) -> tuple[pl.DataFrame, int]:
    """PARTY_WATCHLIST and PARTY_POSSIBLE details per row, screening each (name, country) once."""
    wanted: dict[tuple[str, str | None], None] = {}
    for _role, name_col, country_col in _PARTY_ROLES:
        cols = [name_col] + ([country_col] if country_col else [])
        for values in frame.select(cols).unique().iter_rows():
            if values[0]:
                wanted[(values[0], values[1] if country_col else None)] = None
    keys = list(wanted)
    results = lookup([k[0] for k in keys], [k[1] for k in keys]) if keys else []
    found: dict[tuple[str, str | None], PartyFinding] = dict(zip(keys, results, strict=True))
    out = frame.select("row")
    match_cols: list[str] = []
    possible_cols: list[str] = []
    for role, name_col, country_col in _PARTY_ROLES:
        cols = [name_col] + ([country_col] if country_col else [])
        distinct = frame.select(cols).unique().drop_nulls(name_col)
        matches: list[str | None] = []
        possibles: list[str | None] = []
        listed_since: list[date | None] = []
        for values in distinct.iter_rows():
            finding = found[(values[0], values[1] if country_col else None)]
            matches.append(ind.party_watchlist(role, values[0], finding))
            possibles.append(ind.party_possible(role, values[0], finding))
            listed_since.append(_iso_date(finding.since))
        tag = role.replace(" ", "_")
        distinct = distinct.with_columns(
            pl.Series(f"_m_{tag}", matches, dtype=pl.String),
            pl.Series(f"_p_{tag}", possibles, dtype=pl.String),
            pl.Series("_since", listed_since, dtype=pl.Date),
        )
        joined = frame.select("date", *cols).join(
            distinct, on=cols, how="left", nulls_equal=False, maintain_order="left"
        )
        # an entity listed after the shipment date is still the entity, but the analyst should
        # see that the listing came later
        later = pl.col("_since") > pl.col("date")
        note = pl.lit(" — listed after this shipment")
        out = out.with_columns(
            joined.select(
                pl.when(later).then(pl.col(f"_m_{tag}") + note).otherwise(pl.col(f"_m_{tag}")),
                pl.when(later).then(pl.col(f"_p_{tag}") + note).otherwise(pl.col(f"_p_{tag}")),
            )
        )
        match_cols.append(f"_m_{tag}")
        possible_cols.append(f"_p_{tag}")
    out = out.select(
        "row",
        pl.concat_str(match_cols, separator="; ", ignore_nulls=True)
        .replace("", None)
        .alias("_d_PARTY_WATCHLIST"),
        pl.concat_str(possible_cols, separator="; ", ignore_nulls=True)
        .replace("", None)
        .alias("_d_PARTY_POSSIBLE"),
    )
    return out, len(keys)


def _route_reasons(frame: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    keys = frame.select(
        "shipper_country",
        pl.col("transit_countries").list.join("|").alias("_transit"),
        "consignee_country",
    )
    distinct = keys.unique()
    weights: list[float | None] = []
    details: list[str | None] = []
    for origin, transit, destination in distinct.iter_rows():
        hit = ind.route_risk(
            origin, tuple(t for t in transit.split("|") if t), destination, rules.routes
        )
        weights.append(hit[0] if hit else None)
        details.append(hit[1] if hit else None)
    distinct = distinct.with_columns(
        pl.Series("_w_ROUTE_RISK", weights, dtype=pl.Float64),
        pl.Series("_d_ROUTE_RISK", details, dtype=pl.String),
    )
    return keys.join(distinct, on=list(keys.columns), how="left", maintain_order="left").select(
        "_w_ROUTE_RISK", "_d_ROUTE_RISK"
    )


def _mapped(
    frame: pl.DataFrame, column: str, function: Callable[[str], str | None], out: str
) -> pl.Series:
    distinct = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {value: function(value) for value in distinct}
    mapping = {k: v for k, v in mapping.items() if v is not None}
    return (
        frame.get_column(column)
        .replace_strict(mapping, default=None, return_dtype=pl.String)
        .alias(out)
    )


def contact_key(column_name: str, field_name: str | None = None) -> pl.Expr:
    """A contact normalised for comparison: phone digits, lower-case email, simplified address."""
    column = pl.col(column_name)
    field_name = field_name or column_name
    if field_name == "consignee_phone":
        digits = column.str.replace_all(r"\D", "")
        return pl.when(digits.str.len_chars() >= 6).then(digits)
    if field_name == "consignee_email":
        return column.str.strip_chars().str.to_lowercase()
    return column.str.to_lowercase().str.replace_all(r"[^0-9a-z\p{L}]+", " ").str.strip_chars()


def shared_contact_details(
    frame: pl.DataFrame, field_name: str, rules: Rules
) -> dict[str, str | None]:
    """Contact value -> SHARED_CONTACT detail, for the values several distinct consignees share.

    Works on the distinct (contact, consignee) pairs, so the regular expressions run once per
    distinct value, not once per row. ``frame`` needs ``field_name`` and ``consignee_name``;
    a part of a manifest gives the whole manifest's answer when it holds every row whose
    contact has the same :func:`contact_key`.
    """
    consignee_key = (
        pl.col("consignee_name").str.to_lowercase().str.replace_all(r"[^0-9a-z\p{L}]+", "")
    )
    pairs = (
        frame.select(pl.col(field_name).alias("_value"), "consignee_name")
        .drop_nulls("_value")
        .unique()
        .with_columns(
            contact_key("_value", field_name).alias("_key"),
            consignee_key.alias("_consignee"),
        )
        .drop_nulls("_key")
    )
    groups = (
        pairs.group_by("_key")
        .agg(
            pl.col("_consignee").n_unique().alias("_n"),
            pl.col("consignee_name").unique().sort().alias("_names"),
            pl.col("_value").sort().first(),
        )
        .filter(pl.col("_n") >= rules.shared_min_consignees)
    )
    detail_of_key = {
        key: ind.shared_contact(field_name, value, names)
        for key, _n, names, value in groups.iter_rows()
    }
    return {
        value: detail_of_key[key]
        for value, key in pairs.select("_value", "_key").unique().iter_rows()
        if key in detail_of_key
    }


def combine_details(parts: list[pl.Series], name: str) -> pl.Series:
    """Several optional details per row joined with '; ' (null when none fired)."""
    if not parts:
        return pl.Series(name, [], dtype=pl.String)
    return (
        pl.DataFrame([p.alias(f"_{i}") for i, p in enumerate(parts)])
        .select(
            pl.concat_str([f"_{i}" for i in range(len(parts))], separator="; ", ignore_nulls=True)
            .replace("", None)
            .alias(name)
        )
        .to_series()
    )


def _shared_contact(frame: pl.DataFrame, rules: Rules) -> pl.Series:
    """SHARED_CONTACT details: contacts that several distinct consignee names share."""
    parts = [
        frame.get_column(field_name).replace_strict(
            shared_contact_details(frame, field_name, rules), default=None, return_dtype=pl.String
        )
        for field_name in rules.shared_fields
    ]
    if not parts:
        return pl.Series("_d_SHARED_CONTACT", [None] * frame.height, dtype=pl.String)
    return combine_details(parts, "_d_SHARED_CONTACT")


def structuring_counts(
    pair: np.ndarray[Any, np.dtype[np.int64]],
    day: np.ndarray[Any, np.dtype[np.int64]],
    window_days: int,
    min_count: int,
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """For rows sorted by (pair, day): the size of the largest qualifying run each row is in, else 0.

    The window ending at row j holds the pair's rows of the ``window_days`` days up to row j's
    day (``start[j]..j``); it qualifies with at least ``min_count`` rows. Row i lies in the
    windows j >= i with ``start[j] <= i``, i.e. j in ``i..last[i]``, so its run size is a range
    maximum of window sizes, answered for all rows at once with a sparse table (vectorised,
    O(n log n)).
    """
    n = len(pair)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = pair.astype(np.int64) * 10_000_000 + day.astype(np.int64)
    start = np.searchsorted(key, key - (window_days - 1), side="left").astype(np.int64)
    size = np.arange(n, dtype=np.int64) - start + 1
    last = np.searchsorted(start, np.arange(n), side="right").astype(np.int64) - 1
    length = last - np.arange(n) + 1
    # sparse table: table[k][i] = max(size[i : i + 2**k])
    tables = [size]
    while (1 << len(tables)) <= n:
        previous = tables[-1]
        half = 1 << (len(tables) - 1)
        shifted = np.concatenate([previous[half:], np.zeros(half, dtype=np.int64)])
        tables.append(np.maximum(previous, shifted))
    level = np.floor(np.log2(length)).astype(np.int64)
    stacked = np.stack(tables)
    index = np.arange(n)
    right = last - (1 << level) + 1
    best = np.maximum(stacked[level, index], stacked[level, right])
    return np.where(best >= min_count, best, 0)


def structuring_details(frame: pl.DataFrame, rules: Rules) -> pl.Series:
    """STRUCTURING details per row of ``frame`` (null where the rule does not fire).

    A part of a manifest gives the whole manifest's answer for its rows when it holds every
    row of each (shipper, consignee) pair, compared in lower case.
    """
    small = frame.select(
        "row",
        pl.col("shipper_name").str.to_lowercase().alias("_s"),
        pl.col("consignee_name").str.to_lowercase().alias("_c"),
        (pl.col("date") - pl.date(1970, 1, 1)).dt.total_days().alias("_day"),
        (pl.col("quantity_kg") <= rules.structuring_max_kg).fill_null(False).alias("_small"),
    ).filter(pl.col("_small"))
    small = small.with_columns(
        pl.struct("_s", "_c").rank("dense").cast(pl.Int64).alias("_pair")
    ).sort("_pair", "_day")
    counts = structuring_counts(
        small.get_column("_pair").to_numpy(),
        small.get_column("_day").cast(pl.Int64).to_numpy(),
        rules.structuring_window_days,
        rules.structuring_min_shipments,
    )
    small = small.select("row").with_columns(pl.Series("_count", counts, dtype=pl.Int64))
    small = small.filter(pl.col("_count") > 0)
    distinct = small.get_column("_count").unique().to_list()
    text = {
        n: ind.structuring(n, rules.structuring_window_days, rules.structuring_max_kg)
        for n in distinct
    }
    small = small.with_columns(
        pl.col("_count").replace_strict(text, return_dtype=pl.String).alias("_d_STRUCTURING")
    )
    return (
        frame.select("row")
        .join(small.select("row", "_d_STRUCTURING"), on="row", how="left", maintain_order="left")
        .get_column("_d_STRUCTURING")
    )


# --------------------------------------------------------------------------- the engine


def cross_row_details(frame: pl.DataFrame, rules: Rules) -> list[pl.Series]:
    """The indicators counted across rows (SHARED_CONTACT, STRUCTURING), one detail per row."""
    return [_shared_contact(frame, rules), structuring_details(frame, rules)]


@dataclass(slots=True)
class RowScreening:
    """Scored rows of one frame and how many distinct values went through the lookups."""

    alerts: pl.DataFrame
    distinct: dict[str, int]


def score_rows(
    frame: pl.DataFrame,
    rules: Rules,
    as_of: date | None,
    lookups: Lookups,
    *,
    passthrough: tuple[str, ...] = (),
    latest: date | None = None,
    cross_row: list[pl.Series] | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> RowScreening:
    """Score the valid manifest rows of ``frame`` (the columns of ``Manifest.frame``).

    By default ``frame`` is the whole manifest. A distributed engine scores a part of it
    with the whole manifest's answers handed in: ``latest`` (the last shipment date, see
    :func:`latest_date`) and ``cross_row`` (the details of :func:`cross_row_details`, aligned
    with ``frame``'s rows); everything else is a function of each row and the lookups.
    """
    if latest is None:
        latest = latest_date(frame, as_of)
    timings = timings if timings is not None else {}
    clock = time.perf_counter()
    current: list[str] = []

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        if current:
            timings[current[-1]] = now - clock
        current.append(name)
        clock = now
        if progress is not None:
            progress(name)

    stage("goods")
    finder = mention_finder(lookups.lexicon, rules)
    goods, pairs = _goods(frame, finder, rules, lookups.names)
    quoted = {
        (goods_id, query): words
        for goods_id, query, words in pairs.iter_rows()
        if words is not None
    }
    keyed = frame.select("row", "date", "description", "cas", "smiles", "hs_code").join(
        goods.select("goods_id", "description", "cas", "smiles", "hs_code"),
        on=["description", "cas", "smiles", "hs_code"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    stage("chemicals")
    best, findings = _row_findings(keyed, pairs, lookups.chemicals, as_of, latest)
    keyed = keyed.join(best, on="row", how="left", maintain_order="left")
    goods_reasons = _goods_reasons(keyed, goods, findings, as_of, quoted)
    keyed = keyed.join(
        goods_reasons,
        on=["goods_id", "finding_id"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    ).join(
        goods.select("goods_id", "_d_VAGUE_DESCRIPTION"),
        on="goods_id",
        how="left",
        maintain_order="left",
    )
    stage("parties")
    parties, distinct_parties = _party_reasons(frame, lookups.parties)
    stage("rules")
    virtual = TermMatcher(rules.virtual_currency_terms)
    third = TermMatcher(rules.third_party_terms)
    trades = TermMatcher(rules.unrelated_trades)
    chemical_trades = TermMatcher(rules.chemical_trades)
    small_modes = list(rules.small_modes)
    work = pl.concat(
        [
            frame,
            keyed.select(
                "_chem_code",
                "_chem_detail",
                "_d_HS_MISMATCH",
                "_is_chemical",
                "_is_precursor",
                "_chem_name",
                "_d_VAGUE_DESCRIPTION",
            ),
            parties.drop("row"),
            _route_reasons(frame, rules),
        ],
        how="horizontal",
    )
    work = work.with_columns(
        _mapped(
            frame,
            "payment_method",
            lambda p: ind.payment_risk(p, virtual, third),
            "_d_PAYMENT_RISK",
        ),
        pl.when(pl.col("_is_chemical"))
        .then(
            _mapped(
                frame,
                "consignee_name",
                lambda c: ind.consignee_unrelated_trade(c, trades, chemical_trades),
                "_trade",
            )
        )
        .alias("_d_CONSIGNEE_UNRELATED_TRADE"),
        pl.when(
            pl.col("_is_precursor")
            & pl.col("transport_mode").is_in(small_modes)
            & (pl.col("quantity_kg") <= rules.small_max_kg)
        )
        .then(
            pl.format(
                "{} kg of {} by {} (at most {} kg)",
                pl.col("quantity_kg").round(3),
                pl.col("_chem_name").fill_null("a chemical"),
                pl.col("transport_mode"),
                pl.lit(f"{rules.small_max_kg:g}"),
            )
        )
        .alias("_d_SMALL_QTY_COURIER"),
        *(cross_row if cross_row is not None else cross_row_details(frame, rules)),
    )
    stage("score")
    # reasons in long form (one row per fired reason), gathered back into one list per row:
    # far faster than building a list of 14 optional structs on every row
    work = work.with_row_index("_idx")
    parts: list[pl.DataFrame] = []
    factors: list[pl.Expr] = []
    for code in INDICATOR_CODES:
        if code.startswith("CHEM_"):
            fired = pl.col("_chem_code") == code
            detail = pl.col("_chem_detail")
            weight = pl.lit(rules.weights[code], dtype=pl.Float64)
        elif code == "ROUTE_RISK":
            fired = pl.col("_w_ROUTE_RISK").is_not_null() & pl.col("_is_chemical")
            detail = pl.col("_d_ROUTE_RISK")
            weight = pl.col("_w_ROUTE_RISK")
        else:
            fired = pl.col(f"_d_{code}").is_not_null()
            detail = pl.col(f"_d_{code}")
            weight = pl.lit(rules.weights[code], dtype=pl.Float64)
        fired = fired.fill_null(False)
        parts.append(
            work.filter(fired).select(
                "_idx",
                pl.lit(code, dtype=pl.String).alias("code"),
                weight.cast(pl.Float64).alias("weight"),
                detail.cast(pl.String).alias("detail"),
            )
        )
        factors.append(pl.when(fired).then(1.0 - weight).otherwise(1.0))
    product = factors[0]
    for factor in factors[1:]:
        product = product * factor
    reasons = (
        pl.concat(parts)
        .group_by("_idx")
        .agg(pl.struct("code", "weight", "detail").alias("reasons"))
    )
    thresholds = rules.levels
    score = pl.col("score")
    alerts = (
        work.select("_idx", (100.0 * (1.0 - product)).round(1).alias("score"))
        .join(reasons, on="_idx", how="left", maintain_order="left")
        .select(
            work.get_column("shipment_id"),
            work.get_column("row"),
            "score",
            pl.when(score >= thresholds["high"])
            .then(pl.lit("high"))
            .when(score >= thresholds["medium"])
            .then(pl.lit("medium"))
            .when(score >= thresholds["low"])
            .then(pl.lit("low"))
            .otherwise(pl.lit("none"))
            .alias("level"),
            pl.col("reasons").fill_null(pl.lit([], dtype=REASON_DTYPE)).cast(REASON_DTYPE),
        )
    )
    alerts = pl.concat([alerts, work.select(*CONTEXT_COLUMNS, *passthrough)], how="horizontal")
    timings["score"] = time.perf_counter() - clock
    return RowScreening(
        alerts=alerts,
        distinct={
            "goods": goods.height,
            "chemical_queries": pairs.get_column("query").n_unique(),
            "chemical_screenings": len(findings),
            "parties": distinct_parties,
        },
    )


def screen_manifest(
    manifest: Manifest,
    rules: Rules | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
    *,
    lookups: Lookups | None = None,
) -> ScreeningResult:
    """Score every valid row of ``manifest`` with the reasons that fired.

    ``as_of`` screens control status on one date for all rows; by default each shipment is
    judged on its own date. ``progress`` is called with each stage name as it starts.
    """
    rules = rules or load_rules()
    lookups = lookups or default_lookups()
    timings: dict[str, float] = {}
    scored = score_rows(
        manifest.frame,
        rules,
        as_of,
        lookups,
        passthrough=manifest.passthrough,
        progress=progress,
        timings=timings,
    )
    alerts = scored.alerts
    level_counts = dict(alerts.get_column("level").value_counts().iter_rows())
    counts = {
        "read": manifest.read_count,
        "screened": alerts.height,
        "rejected": manifest.rejected_rows,
        **{level: int(level_counts.get(level, 0)) for level in LEVELS},
    }
    return ScreeningResult(
        alerts=alerts,
        counts=counts,
        rejected=list(manifest.rejected),
        rules=rules,
        as_of=as_of,
        timings=timings,
        distinct=scored.distinct,
    )


def explain_codes() -> dict[str, str]:
    """Every indicator code with the one-sentence explanation shown to analysts."""
    return {code: ind.EXPLANATIONS[code] for code in INDICATOR_CODES}


__all__ = [
    "SCREEN_STAGES",
    "Lookups",
    "RowScreening",
    "ScreeningResult",
    "combine_details",
    "contact_key",
    "cross_row_details",
    "explain_codes",
    "goods_queries",
    "latest_date",
    "mention_finder",
    "score_rows",
    "screen_manifest",
    "screening_dates",
    "shared_contact_details",
    "structuring_counts",
    "structuring_details",
]
