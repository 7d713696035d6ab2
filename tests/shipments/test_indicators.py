"""Case tables for every indicator: positives and negatives side by side."""

from __future__ import annotations

import pytest

from fentrace.shipments import indicators as ind
from fentrace.shipments.lookups import ChemFinding, PartyFinding
from fentrace.shipments.rules import INDICATOR_CODES, load_rules
from fentrace.shipments.text import ChemicalMentions, TermMatcher

NPP = ChemFinding(
    query="39742-60-4",
    resolved=True,
    verdict="controlled",
    name="NPP",
    substance="NPP",
    family="precursor",
    statuses={"US": "controlled", "MX": "not_controlled"},
    hs_codes=("2933.37",),
    hs_verified=True,
)
PIP = ChemFinding(
    query="4-piperidone",
    resolved=True,
    verdict="controlled",
    name="4-Piperidone",
    statuses={"US": "controlled"},
    hs_codes=("2933.39 (unverified)",),
    hs_verified=False,
)
CLASS = ChemFinding(
    query="x",
    resolved=True,
    verdict="class_controlled",
    name="para-fluoro thing",
    statuses={"US": "class_controlled"},
)
DESIGNER = ChemFinding(query="y", resolved=True, verdict="designer_precursor", name="boc thing")
WATCH = ChemFinding(query="z", resolved=True, verdict="watch", name="look-alike")
CLEAR = ChemFinding(
    query="62-53-3",
    resolved=True,
    verdict="clear",
    name="Aniline",
    hs_codes=("2921.41",),
    hs_verified=True,
)
NONE = ChemicalMentions((), ())


def test_every_code_has_an_explanation() -> None:
    assert set(ind.EXPLANATIONS) == set(INDICATOR_CODES)
    assert all(text.endswith(".") for text in ind.EXPLANATIONS.values())


@pytest.mark.parametrize(
    ("finding", "code"),
    [
        (NPP, "CHEM_CONTROLLED"),
        (CLASS, "CHEM_CLASS"),
        (DESIGNER, "CHEM_DESIGNER"),
        (WATCH, "CHEM_WATCH"),
        (CLEAR, None),
    ],
)
def test_chemical_indicators(finding: ChemFinding, code: str | None) -> None:
    fired = {c: f(finding) for c, f in ind.CHEM_INDICATORS.items()}
    assert [c for c, d in fired.items() if d] == ([code] if code else [])
    if code == "CHEM_CONTROLLED":
        assert fired[code] == "NPP (from '39742-60-4'): controlled in US"


def test_worst_finding() -> None:
    unresolved = ChemFinding(query="?", resolved=False)
    assert ind.worst_finding([CLEAR, WATCH, NPP]) is NPP
    assert ind.worst_finding([unresolved]) is None
    assert ind.worst_finding([]) is None


@pytest.mark.parametrize(
    ("hs_code", "finding", "description", "fires"),
    [
        ("2915.90", NPP, "pharmaceutical intermediate", "does not fit NPP (subheading of 2933.37)"),
        ("2933.39", NPP, "NPP", "does not fit"),  # NPP has its own subheading
        ("2933.37", NPP, "NPP", None),
        ("2933", NPP, "NPP", None),  # only the heading declared: compared at the heading
        ("2915", NPP, "NPP", "heading of 2933.37"),
        ("29333700", NPP, "NPP", None),  # a national tariff line under the subheading
        ("2933.99", PIP, "4-piperidone", None),  # unverified code: compared at heading level
        ("2915.90", PIP, "4-piperidone", "heading of 2933.39"),
        ("6109.10", NPP, "NPP", "chapter 61 (textiles and clothing)"),
        ("2106.90", None, "chemical reagent", "chapter 21 (food"),
        ("6109.10", None, "cotton T-shirts", None),
        ("2915.90", None, "1-benzyl-4-piperidone", "nitrogen heterocycle"),
        ("2933.39", None, "1-benzyl-4-piperidone", None),
        ("2921.41", CLEAR, "aniline", None),
        (None, NPP, "NPP", None),
    ],
)
def test_hs_mismatch(
    hs_code: str | None, finding: ChemFinding | None, description: str, fires: str | None
) -> None:
    detail = ind.hs_mismatch(hs_code, finding, description)
    if fires is None:
        assert detail is None
    else:
        assert detail is not None
        assert fires in detail


VAGUE = TermMatcher(load_rules().vague_terms)


@pytest.mark.parametrize(
    ("description", "mentions", "fires"),
    [
        ("Pharmaceutical intermediate", NONE, True),
        ("chemical reagent, white powder", NONE, True),
        ("API intermediate", NONE, True),
        ("Research chemical sample", NONE, True),
        ("Pharmaceutical intermediate NPP", ChemicalMentions(("npp",), ()), False),
        ("Aniline oil 99.9%", NONE, False),
        ("Men's cotton T-shirts", NONE, False),
    ],
)
def test_vague_description(description: str, mentions: ChemicalMentions, fires: bool) -> None:
    assert (ind.vague_description(description, mentions, VAGUE) is not None) is fires


MATCH = PartyFinding(
    "HUBEI AMARVEL BIO-TECH CO LTD",
    "match",
    "e1",
    "Hubei Amarvel Biotech Co., Ltd.",
    0.97,
    "indictment",
    "2023-06-23",
)
POSSIBLE = PartyFinding("Amarvel Trading", "possible", "e1", "Hubei Amarvel Biotech Co., Ltd.", 0.8)
NOBODY = PartyFinding("Neckartal GmbH", "none")


@pytest.mark.parametrize(
    ("finding", "watch", "possible"),
    [(MATCH, True, False), (POSSIBLE, False, True), (NOBODY, False, False)],
)
def test_party_indicators(finding: PartyFinding, watch: bool, possible: bool) -> None:
    assert (ind.party_watchlist("shipper", finding.query, finding) is not None) is watch
    assert (ind.party_possible("shipper", finding.query, finding) is not None) is possible


def test_party_detail_names_the_entity_action_and_date() -> None:
    detail = ind.party_watchlist("shipper", MATCH.query, MATCH)
    assert detail == (
        "shipper 'HUBEI AMARVEL BIO-TECH CO LTD' matches Hubei Amarvel Biotech Co., Ltd. "
        "(indictment, since 2023-06-23, score 0.97)"
    )


ROUTES = load_rules().routes


@pytest.mark.parametrize(
    ("origin", "transit", "destination", "weight"),
    [
        ("CN", (), "MX", 0.12),
        ("CN", ("US",), "MX", 0.30),
        ("CN", ("GT",), "MX", 0.30),
        ("CN", ("NL",), "MX", 0.25),
        ("CN", (), "CA", 0.10),
        ("DE", (), "MX", None),
        ("CN", (), "US", None),
        ("MX", (), "CN", None),
    ],
)
def test_route_risk(
    origin: str, transit: tuple[str, ...], destination: str, weight: float | None
) -> None:
    hit = ind.route_risk(origin, transit, destination, ROUTES)
    assert (hit[0] if hit else None) == weight


@pytest.mark.parametrize(
    ("quantity", "mode", "fires"),
    [
        (2.0, "courier", True),
        (25.0, "post", True),
        (26.0, "courier", False),
        (2.0, "sea", False),
        (None, "courier", False),
    ],
)
def test_small_quantity_courier(quantity: float | None, mode: str, fires: bool) -> None:
    assert (
        ind.small_quantity_courier(quantity, mode, 25, ("courier", "post")) is not None
    ) is fires


RULES = load_rules()
VIRTUAL = TermMatcher(RULES.virtual_currency_terms)
THIRD = TermMatcher(RULES.third_party_terms)


@pytest.mark.parametrize(
    ("payment", "kind"),
    [
        ("USDT (TRC20)", "virtual currency"),
        ("Bitcoin", "virtual currency"),
        ("Third-party payment via Hong Kong", "third party"),
        ("Western Union", "third party"),
        ("Letter of credit", None),
        ("Bank transfer (T/T)", None),
        ("Ethanol invoice", None),
        (None, None),
    ],
)
def test_payment_risk(payment: str | None, kind: str | None) -> None:
    detail = ind.payment_risk(payment, VIRTUAL, THIRD)
    if kind is None:
        assert detail is None
    else:
        assert detail is not None
        assert kind in detail


TRADES = TermMatcher(RULES.unrelated_trades)


@pytest.mark.parametrize(
    ("consignee", "fires"),
    [
        ("Taqueria El Guero", True),
        ("Muebles Rusticos Jalisco", True),
        ("Autopartes del Pacifico", True),
        ("Tequilera Los Altos", True),
        ("Ropa y Moda Culiacan", True),
        ("Laboratorios Farmacéuticos del Bajío", False),
        ("Química Industrial de Monterrey", False),
        ("Great Lakes Analgesics Inc.", False),
    ],
)
def test_consignee_unrelated_trade(consignee: str, fires: bool) -> None:
    assert (ind.consignee_unrelated_trade(consignee, TRADES) is not None) is fires


@pytest.mark.parametrize(("names", "fires"), [(["A", "B"], True), (["A"], False)])
def test_shared_contact(names: list[str], fires: bool) -> None:
    assert (ind.shared_contact("consignee_phone", "+52 1", names) is not None) is fires


@pytest.mark.parametrize(("count", "fires"), [(4, True), (1, False)])
def test_structuring(count: int, fires: bool) -> None:
    assert (ind.structuring(count, 30, 25) is not None) is fires


@pytest.mark.parametrize(
    ("consignee", "fires"),
    [
        ("Abarrotes La Esperanza", True),
        ("Ferretería El Tornillo", True),
        ("义乌五金有限公司", True),
        ("Química Agrícola del Norte SA de CV", False),
        ("湖北化工五金有限公司", False),
        ("Distribuidora Norte SA de CV", False),
    ],
)
def test_unrelated_trade_with_chemical_firm_exceptions(consignee: str, fires: bool) -> None:
    rules = load_rules()
    detail = ind.consignee_unrelated_trade(
        consignee, TermMatcher(rules.unrelated_trades), TermMatcher(rules.chemical_trades)
    )
    assert (detail is not None) is fires
