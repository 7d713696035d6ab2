"""Feature functions: each one fires on its positive cases and stays silent on its negatives."""

from __future__ import annotations

import pytest

from fentrace.parties.features import (
    FEATURES,
    WEIGHTS,
    Context,
    describe,
    merge_split_words,
    typing_slip,
    word_similarity,
)
from fentrace.parties.normalise import normalise_name


def ctx(
    *,
    entity_type: str = "company",
    places: tuple[str, ...] = (),
    industry: tuple[str, ...] = (),
    query_country: str | None = None,
    countries: tuple[str, ...] = (),
    acronym: bool = False,
    query_ids: frozenset[str] = frozenset(),
    entity_ids: frozenset[str] = frozenset(),
) -> Context:
    return Context(
        idf={},
        default_idf=1.0,
        query_country=query_country,
        entity_countries=countries,
        entity_type=entity_type,
        entity_places=frozenset(places),
        entity_industry=frozenset(industry),
        query_identifiers=query_ids,
        entity_identifiers=entity_ids,
        alias_is_acronym=acronym,
    )


def value(feature: str, query: str, listed: str, context: Context | None = None) -> float:
    return FEATURES[feature](normalise_name(query), normalise_name(listed), context or ctx())


def test_every_feature_has_a_weight_and_a_sentence() -> None:
    assert set(FEATURES) == set(WEIGHTS)
    for name in FEATURES:
        sentence = describe(name)
        assert sentence
        assert not sentence.endswith(".")
        assert len(sentence.split()) >= 5


@pytest.mark.parametrize(
    ("query", "listed", "low", "high"),
    [
        ("HUBEI AMARVEL BIO-TECH CO LTD", "Hubei Amarvel Biotech Co., Ltd.", 1.0, 1.0),
        ("Amarvel Hubei", "Hubei Amarvel Biotech", 0.99, 1.0),  # order-free: sorted join
        ("Hubei Amarvell", "Hubei Amarvel", 0.8, 0.95),  # one typo
        ("Wuhan Shuo Kang", "Wuhan Shuokang", 1.0, 1.0),  # syllables joined
        ("Hubei Green Valley Textiles", "Hubei Amarvel Biotech", 0.0, 0.1),
        ("Wuhan Biotech Trading", "Wuhan Shuokang Biotech", 0.0, 0.0),  # no own words
        ("GSX Trade", "GSK Trade", 0.0, 0.0),  # short words must be exact
    ],
)
def test_distinctive(query: str, listed: str, low: float, high: float) -> None:
    assert low <= value("distinctive", query, listed) <= high


@pytest.mark.parametrize(
    ("query", "listed", "low", "high"),
    [
        ("Wang Qingzhou", "Qingzhou Wang", 1.0, 1.0),
        ("WANG QING ZHOU", "Qingzhou Wang", 1.0, 1.0),
        ("姚华涛", "Yao Huatao", 1.0, 1.0),
        ("Wang Hongwei", "Wang Hongfei", 0.0, 0.75),
        ("Wang", "Wang Hongfei", 0.0, 0.5),
        ("Chen Yi", "Yiyi Chen", 0.0, 0.6),
    ],
)
def test_person_name(query: str, listed: str, low: float, high: float) -> None:
    assert low <= value("person_name", query, listed, ctx(entity_type="person")) <= high


def test_person_name_is_silent_for_companies() -> None:
    assert value("person_name", "Wang Qingzhou", "Qingzhou Wang") == 0.0


@pytest.mark.parametrize(
    ("feature", "query", "listed", "context", "expected"),
    [
        ("acronym", "CJNG", "CJNG", ctx(acronym=True), 1.0),
        ("acronym", "CJNG Imports", "CJNG", ctx(acronym=True), 0.0),
        ("acronym", "CJNG", "CJNG", ctx(acronym=False), 0.0),
        (
            "identifier",
            "X",
            "Y",
            ctx(query_ids=frozenset({"A1"}), entity_ids=frozenset({"A1"})),
            1.0,
        ),
        (
            "identifier",
            "X",
            "Y",
            ctx(query_ids=frozenset({"A1"}), entity_ids=frozenset({"B2"})),
            0.0,
        ),
        ("legal_form_agrees", "Amarvel Co", "Amarvel Co., Ltd.", ctx(), 1.0),
        ("legal_form_agrees", "Amarvel Youxian Gongsi", "Amarvel Limited", ctx(), 1.0),
        ("legal_form_agrees", "Amarvel", "Amarvel Co., Ltd.", ctx(), 0.0),
        ("legal_form_differs", "Amarvel SA de CV", "Amarvel Co., Ltd.", ctx(), 1.0),
        ("legal_form_differs", "Amarvel Ltd", "Amarvel Co., Ltd.", ctx(), 0.0),
        ("place_agrees", "Amarvel (Hubei)", "Hubei Amarvel", ctx(places=("hubei",)), 1.0),
        ("place_agrees", "Amarvel", "Hubei Amarvel", ctx(places=("hubei",)), 0.0),
        ("place_differs", "Henan Amarvel", "Hubei Amarvel", ctx(places=("hubei",)), 1.0),
        ("place_differs", "Amarvel", "Hubei Amarvel", ctx(places=("hubei",)), 0.0),
        ("industry_differs", "Lihe Textile", "Lihe Pharma", ctx(industry=("pharma",)), 1.0),
        ("industry_differs", "Lihe Pharm", "Lihe Pharma", ctx(industry=("pharma",)), 0.0),
        ("industry_differs", "Lihe", "Lihe Pharma", ctx(industry=("pharma",)), 0.0),
        ("kind_differs", "Golfo Logistics", "Cartel del Golfo", ctx(entity_type="cartel"), 1.0),
        ("kind_differs", "Golfo Cartel", "Cartel del Golfo", ctx(entity_type="cartel"), 0.0),
        ("kind_differs", "Zhang Wei Trading Co", "Zhang Wei", ctx(entity_type="person"), 1.0),
        ("kind_differs", "Zhang Wei", "Zhang Wei", ctx(entity_type="person"), 0.0),
        ("org_word_missing", "Golfo", "Cartel del Golfo", ctx(entity_type="cartel"), 1.0),
        ("org_word_missing", "Gulf Cartel", "Cartel del Golfo", ctx(entity_type="cartel"), 0.0),
        ("org_word_missing", "Los Zetas", "Los Zetas", ctx(entity_type="cartel"), 0.0),
        ("country_agrees", "X", "X", ctx(query_country="CN", countries=("CN",)), 1.0),
        ("country_agrees", "X", "X", ctx(query_country="MX", countries=("CN",)), 0.0),
        ("country_differs", "X", "X", ctx(query_country="MX", countries=("CN",)), 1.0),
        ("country_differs", "X", "X", ctx(query_country=None, countries=("CN",)), 0.0),
        ("country_differs", "X", "X", ctx(query_country="MX", countries=()), 0.0),
    ],
)
def test_rule_features(
    feature: str, query: str, listed: str, context: Context, expected: float
) -> None:
    assert value(feature, query, listed, context) == expected


def test_name_tokens_weighs_rare_words_more() -> None:
    rare = Context(
        idf={"hubei": 0.1, "amarvel": 5.0, "green": 5.0},
        default_idf=5.0,
        query_country=None,
        entity_countries=(),
        entity_type="company",
        entity_places=frozenset(),
        entity_industry=frozenset(),
        query_identifiers=frozenset(),
        entity_identifiers=frozenset(),
        alias_is_acronym=False,
    )
    shared_rare = FEATURES["name_tokens"](
        normalise_name("Amarvel Green"), normalise_name("Amarvel Hubei"), rare
    )
    shared_common = FEATURES["name_tokens"](
        normalise_name("Hubei Green"), normalise_name("Amarvel Hubei"), rare
    )
    assert shared_rare > 0.45 > shared_common


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("amarvel", "amarvel", 1.0), ("gsk", "gsx", 0.0), ("textiles", "biotech", 0.0)],
)
def test_word_similarity(a: str, b: str, expected: float) -> None:
    assert word_similarity(a, b) == expected


def test_merge_split_words() -> None:
    assert merge_split_words(("wuhan", "shuo", "kang"), ("wuhan", "shuokang")) == (
        "wuhan",
        "shuokang",
    )
    assert merge_split_words(("bang", "de", "ya"), ("bangdeya",)) == ("bangdeya",)
    assert merge_split_words(("a", "b"), ("c",)) == ("a", "b")


@pytest.mark.parametrize(
    ("a", "b", "slip"),
    [
        ("qingzou", "qingzhou", True),  # dropped letter
        ("jiangtong", "jiantong", True),  # added letter
        ("huatoa", "huatao", True),  # swapped neighbours
        ("hongwei", "hongfei", False),  # changed letter: another name
        ("ruiqi", "ruiqing", False),  # two letters
        ("wei", "wi", False),  # too short to tell
        ("same", "same", False),
    ],
)
def test_typing_slip(a: str, b: str, slip: bool) -> None:
    assert typing_slip(a, b) is slip
    assert typing_slip(b, a) is slip
