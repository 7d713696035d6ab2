"""Name normalisation: case tables of spellings that must group together and parts that must separate."""

from __future__ import annotations

import pytest

from fentrace.parties.normalise import MAX_NAME_LENGTH, detect_script, normalise_name

SAME_KEY = [
    # spellings of one company that must share a grouping key
    ("HUBEI AMARVEL BIO-TECH CO LTD", "Hubei Amarvel Biotech Co., Ltd."),
    ("Hubei Amarvel Biological Technology Co Limited", "HUBEI AMARVEL BIOTECH"),
    (
        "Shuokang Biological Technology (Wuhan) Co Ltd",
        "Wuhan Shuokang Biological Technology Co., Ltd.",
    ),
    ("武漢碩康生物科技有限公司", "Wuhan Shuokang Biotech Co Ltd"),
    ("武汉硕康生物科技有限公司", "武漢碩康生物科技有限公司"),
    ("HEBEI SHENGHAO IMP & EXP CO", "Hebei Shenghao Import and Export Co."),
    ("Hebei Shenghao I/E Co Ltd", "HEBEI SHENGHAO IMPORT & EXPORT COMPANY LIMITED"),
    ("GUANGZHOU HAIGE COMM GRP", "Guangzhou Haige Communications Group"),
    ("CNOOC ENERGY TECH & SRVCES LTD", "CNOOC Energy Technology and Services Limited"),
    ("ANHUI MOKER NEW MAT TECH CO", "Anhui Moker New Material Technology Co."),
    ("Suzhou Xiaoli Pharmatech", "SUZHOU XIAOLI PHARMACEUTICAL TECHNOLOGY CO LTD"),
    ("Distribuidora Norte S.A. de C.V.", "DISTRIBUIDORA NORTE SA DE CV"),
    ("Comercial Norte S. de R.L. de C.V.", "Comercializadora Norte"),
    ("Société Générale Chimie", "SOCIETE GENERALE CHEMIE"),
    ("ANHUI RUIHAN SCI & TECH", "Anhui Ruihan Science and Technology"),
    # a trade word run onto the name before it
    ("Wuhan Yuanchengchemical Company Limited", "Wuhan Yuancheng Chemical Co., Ltd."),
    ("HEBEI BAIKEBIOTECH CO LTD", "Hebei Baike Bio-Tech Co Ltd"),
    ("Jinan Hongdafinechemical Co", "Jinan Hongda Fine Chemical Co., Ltd."),
    # Indian private companies
    ("Shree Ganesh Organics Pvt. Ltd.", "Shree Ganesh Organics Private Limited"),
    ("SHREE GANESH ORGANICS PVT LTD", "Shree Ganesh Organics Private Ltd"),
]

DIFFERENT_KEY = [
    ("Hubei Amarvel Biotech", "Hubei Green Valley Textiles"),
    ("Wuhan Shuokang Biotech", "Wuhan Biotech Trading"),
    ("Cartel de Sinaloa", "Sinaloa Fresh Produce"),
    ("Hebei Xiuna Trading", "Henan Xiuna Trading"),
    # a split needs a name part of at least four letters in front of the trade word
    ("Abcchemical Co", "Abc Chemical Co"),
    ("Wuhan Yuanchengchemical", "Wuhan Yuancheng Pharmaceutical"),
]


@pytest.mark.parametrize(("a", "b"), SAME_KEY)
def test_spellings_of_one_company_share_a_key(a: str, b: str) -> None:
    assert normalise_name(a).key == normalise_name(b).key


@pytest.mark.parametrize(("a", "b"), DIFFERENT_KEY)
def test_different_companies_keep_different_keys(a: str, b: str) -> None:
    assert normalise_name(a).key != normalise_name(b).key


PARTS = [
    # (name, distinctive, places, industry, legal form)
    ("HUBEI AMARVEL BIO-TECH CO LTD", ("amarvel",), ("hubei",), ("biotech",), "co_ltd"),
    ("湖北奧克斯生物科技有限公司", ("aokesi",), ("hubei",), ("biotech",), "co_ltd"),
    ("Hefei G.S.K. Trade Co.", ("gsk",), ("hefei",), ("trade",), "co"),
    ("Sinaloa Fresh Produce SA de CV", ("sinaloa",), ("sinaloa",), ("produce",), "sa_de_cv"),
    ("Cartel de Jalisco Nueva Generacion", ("nueva", "generacion"), ("jalisco",), (), None),
    ("Valerian Labs Inc.", ("valerian",), (), ("lab",), "inc"),
    ("Anhui Rencheng Technology Youxian Gongsi", ("rencheng",), ("anhui",), ("tech",), "co_ltd"),
    ("Xiamen Wonderful Gufen Youxian Gongsi", ("wonderful",), ("xiamen",), (), "jsc"),
    ("Co-Op Alliance", ("co", "op", "alliance"), (), (), None),
    ("HUBEI AOKS BIOTECH CO LTD ATTN: SALES DEPT", ("aoks",), ("hubei",), ("biotech",), "co_ltd"),
]


@pytest.mark.parametrize(("name", "distinctive", "places", "industry", "legal"), PARTS)
def test_parts_of_a_name(
    name: str,
    distinctive: tuple[str, ...],
    places: tuple[str, ...],
    industry: tuple[str, ...],
    legal: str | None,
) -> None:
    n = normalise_name(name)
    assert (n.distinctive, n.places, n.industry, n.legal_form) == (
        distinctive,
        places,
        industry,
        legal,
    )


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("MS-13", ("ms13",)),
        ("C.J.N.G.", ("cjng",)),
        ("姚華濤", ("yao", "huatao")),
        ("吴雅琴", ("wu", "yaqin")),
        ("Fnu Lnu", ()),
        ("WANG, Qingzhou", ("wang", "qingzhou")),
        # a misspelt and a cut trade word are still trade words
        ("ANHUI RENCHENG TECHNOLGY CO LTD", ("anhui", "rencheng", "tech")),
        ("WUHAN SHUOKANG BIOLOGICAL TECHNOLO", ("wuhan", "shuokang", "biotech", "tech")),
        # in a Chinese name "de" between name words is a syllable; in a Spanish name a stop word
        ("JIANGSU BANG DE YA NEW MAT", ("jiangsu", "bang", "de", "ya", "newmat")),
        ("Cartel de Jalisco", ("cartel", "jalisco")),
        ("Transportes del Golfo SA de CV", ("shipping", "golfo")),
        # a lone Chinese syllable that spells a Latin stop word stays a name syllable
        ("德胜", ("de", "sheng")),
    ],
)
def test_tokens(name: str, tokens: tuple[str, ...]) -> None:
    assert normalise_name(name).tokens == tokens


@pytest.mark.parametrize(
    ("name", "script"),
    [
        ("Hubei Amarvel", "latin"),
        ("湖北奥克斯", "han"),
        ("Wuhan 硕康 Biotech", "mixed"),
        ("Общество Химия", "other"),
        ("   ", "empty"),
        ("12345", "latin"),
    ],
)
def test_script(name: str, script: str) -> None:
    assert detect_script(name) == script


def test_original_is_kept() -> None:
    assert normalise_name("武漢碩康生物科技有限公司").original == "武漢碩康生物科技有限公司"


def test_a_very_long_name_is_cut_and_says_so() -> None:
    long_name = "Hubei Amarvel Biotech " + "x" * 5000
    n = normalise_name(long_name)
    assert n.truncated
    assert len("".join(n.tokens)) <= MAX_NAME_LENGTH
    assert "amarvel" in n.distinctive


@pytest.mark.parametrize("name", ["", "   ", "...", "()&&", "Co., Ltd."])
def test_names_without_words_do_not_crash(name: str) -> None:
    n = normalise_name(name)
    assert n.original == name
    if name.strip(" .()&"):
        assert not n.is_empty  # a name of legal-form words only is kept as words
    else:
        assert n.is_empty


def test_other_scripts_are_transliterated() -> None:
    assert normalise_name("Общество Химия").tokens == ("obshchestvo", "khimiya")
