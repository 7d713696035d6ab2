"""Word lists of the name normaliser: legal forms, trade words, organisation words, places.

Every phrase is keyed by its letters with the spaces removed ("co ltd" -> ``coltd``,
"shengwu keji" -> ``shengwukeji``), so the same table recognises a phrase however a
manifest splits it ("BIO-TECH", "BIO TECH", "BIOTECH") and whether it came from Latin
letters or from Chinese characters turned into pinyin syllables (生物科技 -> sheng wu ke ji).
"""

from __future__ import annotations

from typing import Final, Literal

Category = Literal["legal", "industry", "org", "place", "stop"]

#: Legal-form phrases -> canonical legal form. The forms are grouped into families by
#: :data:`LEGAL_FAMILY`; a manifest routinely writes "Co." for "Co., Ltd." so the family,
#: not the exact form, is what the legal-form feature compares.
LEGAL_FORMS: Final[dict[str, str]] = {
    # English / Hong Kong / Chinese in English
    "co": "co",
    "cos": "co",
    "company": "co",
    "coltd": "co_ltd",
    "colimited": "co_ltd",
    "companylimited": "co_ltd",
    "coltdco": "co_ltd",
    "limitedcompany": "co_ltd",
    "ltd": "ltd",
    "ltdco": "co_ltd",
    "limited": "ltd",
    "lim": "ltd",
    "ltda": "ltd",
    "corp": "corp",
    "corporation": "corp",
    "cor": "corp",
    "inc": "inc",
    "incorporated": "inc",
    "llc": "llc",
    "lc": "llc",
    "plc": "plc",
    "lp": "lp",
    "llp": "lp",
    "pteltd": "pte_ltd",
    "pte": "pte_ltd",
    "ptyltd": "pty_ltd",
    "pty": "pty_ltd",
    # Indian private companies (Companies Act 2013): "Pvt. Ltd." is "Private Limited"
    "pvtltd": "pvt_ltd",
    "pvt": "pvt_ltd",
    "privatelimited": "pvt_ltd",
    "privateltd": "pvt_ltd",
    "jsc": "jsc",
    "jointstockcompany": "jsc",
    "jointstockco": "jsc",
    "jointstock": "jsc",
    # Chinese pinyin (also reached from 有限公司, 股份有限公司, 有限责任公司, 公司)
    "gongsi": "co",
    "youxiangongsi": "co_ltd",
    "youxianzerengongsi": "co_ltd",
    "gufenyouxiangongsi": "jsc",
    "gufengongsi": "jsc",
    "gufen": "jsc",
    "youxian": "ltd",
    # Spanish / Latin American
    "sa": "sa",
    "sadecv": "sa_de_cv",
    "sacv": "sa_de_cv",
    "sapidecv": "sa_de_cv",
    "sabdecv": "sa_de_cv",
    "sderldecv": "s_de_rl_de_cv",
    "srldecv": "s_de_rl_de_cv",
    "sderl": "s_de_rl_de_cv",
    "sdrl": "s_de_rl_de_cv",
    "sc": "sc",
    "sas": "sas",
    "srl": "srl",
    "sociedadanonima": "sa",
    # Continental European
    "gmbh": "gmbh",
    "ag": "ag",
    "bv": "bv",
    "nv": "nv",
    "sarl": "srl",
    "spa": "spa",
    "kg": "kg",
    "gmbhcokg": "kg",
    # written out in full, and the Russian / Ukrainian / Turkish / Gulf forms of the SDN list
    "limitedliabilitycompany": "llc",
    "limitedliabilityco": "llc",
    "limitedliabilitypartnership": "lp",
    "ooo": "llc",
    "tov": "llc",
    "obshchestvosogranichennoyotvetstvennostyu": "llc",
    "obshchestvosogranichennoiotvetstvennostyu": "llc",
    "obshchestvosogranichennojotvetstvennostju": "llc",
    "obshestvosogranichennoyotvetstvennostyu": "llc",
    "ao": "jsc",
    "oao": "jsc",
    "zao": "jsc",
    "pao": "jsc",
    "pjsc": "jsc",
    "ojsc": "jsc",
    "cjsc": "jsc",
    "aktsionernoeobshchestvo": "jsc",
    "aktsionernoyeobshchestvo": "jsc",
    "publichnoeaktsionernoeobshchestvo": "jsc",
    "zakrytoeaktsionernoeobshchestvo": "jsc",
    "otkrytoeaktsionernoeobshchestvo": "jsc",
    "publicjointstockcompany": "jsc",
    "closedjointstockcompany": "jsc",
    "openjointstockcompany": "jsc",
    "anonimsirketi": "jsc",
    "limitedsirketi": "ltd",
    "ltdsti": "ltd",
    "fze": "llc",
    "fzco": "llc",
    "fzc": "llc",
    "fzllc": "llc",
    "sociedadanonimadecapitalvariable": "sa_de_cv",
    "sociedadderesponsabilidadlimitadadecapitalvariable": "s_de_rl_de_cv",
    "sociedadderesponsabilidadlimitada": "srl",
    "sapi": "sa_de_cv",
    "gesellschaftmitbeschrankterhaftung": "gmbh",
    "gesellschaftmitbeschraenkterhaftung": "gmbh",
    "soleproprietorship": "co",
}

#: Legal forms that mean the same kind of company in different words.
LEGAL_FAMILY: Final[dict[str, str]] = {
    "co": "company",
    "co_ltd": "company",
    "ltd": "company",
    "corp": "company",
    "inc": "company",
    "llc": "company",
    "plc": "company",
    "pte_ltd": "company",
    "pty_ltd": "company",
    "pvt_ltd": "company",
    "jsc": "company",
    "lp": "partnership",
    "kg": "partnership",
    "sa": "sociedad",
    "sa_de_cv": "sociedad",
    "s_de_rl_de_cv": "sociedad",
    "sc": "sociedad",
    "sas": "sociedad",
    "srl": "sociedad",
    "spa": "sociedad",
    "gmbh": "european",
    "ag": "european",
    "bv": "european",
    "nv": "european",
}

#: Trade words and their abbreviations -> canonical tokens. These say what a company
#: does, not which company it is, so they never form the distinctive part of a name.
INDUSTRY: Final[dict[str, tuple[str, ...]]] = {}


def _industry(canonical: tuple[str, ...], *spellings: str) -> None:
    for spelling in spellings:
        INDUSTRY[spelling] = canonical


_industry(
    ("biotech",),
    "biotech",
    "biotec",
    "biotek",
    "biotechnology",
    "biotechnologies",
    "biotechnological",
    "biotechnic",
    "biologicaltechnology",
    "biologicaltech",
    "biologictechnology",
    "biologytechnology",
    "biologicalscienceandtechnology",
    "biologicalsciencetechnology",
    "bioscienceandtechnology",
    "biosciencetechnology",
    "bioscitech",
    "biotechnik",
    "shengwukeji",
    "shengwujishu",
    "shengwukejifazhan",
    "bio",
    "biological",
    "biologic",
    "biology",
    "biosciences",
    "bioscience",
    "shengwu",
    "biotechno",
)
_industry(
    ("pharma",),
    "pharma",
    "pharm",
    "pharmaceutical",
    "pharmaceuticals",
    "pharmaceutic",
    "pharmacy",
    "pharmaco",
    "pharmacia",
    "medicine",
    "medicines",
    "medical",
    "med",
    "medicament",
    "yiyao",
    "zhiyao",
    "yaoye",
    "farma",
    "farmaceutica",
    "farmaceuticos",
    "farmaceuticas",
)
_industry(("fine", "chem"), "finechemical", "finechemicals", "finechem", "jingxihuagong")
_industry(("pharma", "tech"), "pharmatech", "pharmtech", "pharmatec", "medtech", "yiyaokeji")
_industry(
    ("chem",),
    "chem",
    "chemical",
    "chemicals",
    "chemistry",
    "chemie",
    "chimie",
    "chimica",
    "chemic",
    "chemicalindustry",
    "huagong",
    "huaxue",
    "huaxuepin",
    "quimica",
    "quimicas",
    "quimico",
    "quimicos",
)
_industry(("chem", "tech"), "chemtech", "chemtec", "huagongkeji")
_industry(
    ("tech",),
    "tech",
    "tec",
    "techn",
    "techno",
    "technol",
    "technology",
    "technologies",
    "technical",
    "technique",
    "keji",
    "jishu",
    "tecnologia",
    "tecnologias",
)
_industry(
    ("sci", "tech"),
    "sciandtech",
    "scitech",
    "scienceandtechnology",
    "scienceandtech",
    "sciencetechnology",
    "sciencetech",
    "sciandtechnology",
    "sandt",
)
_industry(("sci",), "sci", "science", "sciences", "scientific", "kexue")
_industry(("comm",), "comm", "comms", "communication", "communications", "telecom")
_industry(("group",), "grp", "group", "groups", "jituan", "grupo")
_industry(("intl",), "intl", "international", "internacional", "guoji", "inter", "intern")
_industry(("mfg",), "mfg", "mfr", "manufacturing", "manufacture", "manufacturer", "zhizao")
_industry(
    ("ind",),
    "ind",
    "indus",
    "indust",
    "industry",
    "industries",
    "industrial",
    "shiye",
    "gongye",
    "industria",
    "industrias",
    "industriales",
)
_industry(
    ("impexp",),
    "impexp",
    "impandexp",
    "importandexport",
    "importexport",
    "iande",
    "ie",
    "imex",
    "jinchukou",
    "importacionyexportacion",
    "importadorayexportadora",
)
_industry(("import",), "import", "imports", "importer", "importers", "importadora", "importaciones")
_industry(("export",), "export", "exports", "exporter", "exporters", "exportadora", "exportaciones")
_industry(
    ("trade",),
    "trade",
    "trading",
    "tradings",
    "trd",
    "maoyi",
    "shangmao",
    "jingmao",
    "comercial",
    "comercializadora",
    "comercio",
    "commerce",
    "commercial",
)
_industry(("newmat",), "newmat", "newmaterial", "newmaterials", "xincailiao")
_industry(("material",), "mat", "mats", "material", "materials", "cailiao")
_industry(("dev",), "dev", "develop", "development", "developments", "kaifa", "fazhan")
_industry(("wireless",), "wireless")
_industry(
    ("service",),
    "svc",
    "svcs",
    "srvc",
    "srvcs",
    "srvces",
    "service",
    "services",
    "servicios",
    "fuwu",
)
_industry(("energy",), "energy", "nengyuan", "energia")
_industry(("logistics",), "logistics", "logistic", "logistica", "wuliu", "freight", "forwarding")
_industry(("shipping",), "shipping", "transport", "transportes", "transportation", "yunshu")
_industry(("holding",), "holding", "holdings", "hldg", "hldgs", "konggu")
_industry(("enterprise",), "enterprise", "enterprises", "ent", "empresas", "qiye")
_industry(("equipment",), "equipment", "equip", "shebei", "equipos")
_industry(("electronic",), "electronic", "electronics", "elec", "dianzi")
_industry(("engineering",), "engineering", "eng", "engg", "gongcheng", "ingenieria")
_industry(("investment",), "investment", "investments", "inv", "touzi", "inversiones")
_industry(
    ("textile",), "textile", "textiles", "fangzhi", "textil", "garment", "garments", "fuzhuang"
)
_industry(("food",), "food", "foods", "shipin", "alimentos")
_industry(("produce",), "produce", "freshproduce", "agricultural", "agri", "agro", "nongye")
_industry(
    ("lab",),
    "lab",
    "labs",
    "laboratory",
    "laboratories",
    "laboratorio",
    "laboratorios",
    "shiyanshi",
)
_industry(("product",), "product", "products", "prod", "prods", "productos", "chanpin")
_industry(("distribution",), "distribution", "distributor", "distribuidora", "distributors")
_industry(("health",), "health", "healthcare", "jiankang", "salud")
_industry(("supply",), "supply", "supplies", "suministros", "gongying")
_industry(("machinery",), "machinery", "machine", "jixie", "maquinaria")
_industry(("plastic",), "plastic", "plastics", "suliao")
_industry(("steel",), "steel", "gangtie", "acero")
_industry(("cosmetic",), "cosmetic", "cosmetics", "huazhuangpin")

#: Words that name criminal organisations as such: a name built on them is an organisation,
#: and a company name without them is not that organisation.
ORG_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "cartel": ("cartel",),
    "carteles": ("cartel",),
    "cartels": ("cartel",),
    "organization": ("organization",),
    "organisation": ("organization",),
    "organizacion": ("organization",),
    "org": ("organization",),
    "tco": ("organization",),
    "transnationalcriminalorganization": ("organization",),
    "transnationalcriminalorganisation": ("organization",),
    "criminalorganization": ("organization",),
    "gang": ("gang",),
    "mara": ("gang",),
    "pandilla": ("gang",),
    "federation": ("federation",),
    "federacion": ("federation",),
    "tren": ("gang",),
}

#: Stop words that are also pinyin syllables (德, 拉, 额, 阿): kept as name words in Chinese names.
PINYIN_STOP_WORDS: Final[frozenset[str]] = frozenset({"de", "la", "e", "a"})

#: Words that carry no identity in any name.
STOP_WORDS: Final[frozenset[str]] = frozenset(
    {
        "de",
        "del",
        "la",
        "las",
        "los",
        "el",
        "the",
        "and",
        "of",
        "y",
        "e",
        "und",
        "et",
        "des",
        "a",
        "aka",
        "fka",
        "fnu",
        "lnu",
        # where a manifest adds who or which office inside the company, not which company
        "attn",
        "attention",
        "branch",
        "dept",
        "department",
        "office",
        "division",
        "sales",
        "purchasing",
        "representative",
    }
)

#: Place names (pinyin for Chinese places, spaces removed) -> canonical place token.
#: Chinese provinces and major trading cities, Mexican states and ports, Canadian
#: provinces and cities, and a few other trade hubs seen on precursor shipments.
PLACES: Final[dict[str, str]] = {}


def _places(*names: str) -> None:
    for name in names:
        PLACES[name] = name


_places(
    # Chinese provinces, municipalities, special regions
    "anhui",
    "beijing",
    "chongqing",
    "fujian",
    "gansu",
    "guangdong",
    "guangxi",
    "guizhou",
    "hainan",
    "hebei",
    "heilongjiang",
    "henan",
    "hubei",
    "hunan",
    "jiangsu",
    "jiangxi",
    "jilin",
    "liaoning",
    "neimenggu",
    "ningxia",
    "qinghai",
    "shaanxi",
    "shandong",
    "shanghai",
    "shanxi",
    "sichuan",
    "tianjin",
    "xinjiang",
    "xizang",
    "yunnan",
    "zhejiang",
    "hongkong",
    "macau",
    "taiwan",
    # Chinese cities
    "wuhan",
    "hefei",
    "suzhou",
    "guangzhou",
    "shenzhen",
    "xiamen",
    "hangzhou",
    "nanjing",
    "chengdu",
    "xian",
    "zhengzhou",
    "jinan",
    "qingdao",
    "shijiazhuang",
    "changsha",
    "dalian",
    "shenyang",
    "ningbo",
    "wuxi",
    "changzhou",
    "dongguan",
    "foshan",
    "fuzhou",
    "kunming",
    "nanchang",
    "taiyuan",
    "harbin",
    "changchun",
    "lanzhou",
    "yantai",
    "weifang",
    "zibo",
    "xingtai",
    "cangzhou",
    "baoding",
    "tangshan",
    "handan",
    "langfang",
    "xiangyang",
    "yichang",
    "jingzhou",
    "huanggang",
    "xiaogan",
    "anqing",
    "wuhu",
    "bengbu",
    "taizhou",
    "yangzhou",
    "nantong",
    "xuzhou",
    "lianyungang",
    "yancheng",
    "jiaxing",
    "shaoxing",
    "wenzhou",
    "jinhua",
    "quanzhou",
    "zhangzhou",
    "zhuhai",
    "huizhou",
    "zhongshan",
    "jiangmen",
    "shantou",
    "luoyang",
    "xinxiang",
    "nanning",
    "guiyang",
    "haikou",
    "urumqi",
    "hohhot",
    "yinchuan",
    "xining",
    "lhasa",
    "zhangjiagang",
    "kunshan",
    "changshu",
    "jiangyin",
    "yiwu",
    "hengshui",
    "jingmen",
    "ezhou",
    "shiyan",
    "suqian",
    "huaian",
)

#: Chinese places (canonical tokens): a name naming one is read as a Chinese name, where
#: "de", "la", "e" and "a" are pinyin syllables rather than Spanish words.
CHINESE_PLACES: Final[frozenset[str]] = frozenset(PLACES.values())

_places(
    # Mexican states and cities
    "aguascalientes",
    "bajacalifornia",
    "bajacaliforniasur",
    "campeche",
    "chiapas",
    "chihuahua",
    "coahuila",
    "colima",
    "durango",
    "guanajuato",
    "guerrero",
    "hidalgo",
    "jalisco",
    "michoacan",
    "morelos",
    "nayarit",
    "nuevoleon",
    "oaxaca",
    "puebla",
    "queretaro",
    "quintanaroo",
    "sanluispotosi",
    "sinaloa",
    "sonora",
    "tabasco",
    "tamaulipas",
    "tlaxcala",
    "veracruz",
    "yucatan",
    "zacatecas",
    "cdmx",
    "ciudaddemexico",
    "guadalajara",
    "monterrey",
    "tijuana",
    "culiacan",
    "mexicali",
    "manzanillo",
    "lazarocardenas",
    "ciudadjuarez",
    "juarez",
    "hermosillo",
    "ensenada",
    "mazatlan",
    "tepalcatepec",
    "nogales",
    "reynosa",
    "matamoros",
    "nuevolaredo",
    # Canada
    "ontario",
    "quebec",
    "britishcolumbia",
    "alberta",
    "manitoba",
    "toronto",
    "vancouver",
    "montreal",
    "calgary",
    "edmonton",
    "mississauga",
    "surrey",
    "richmond",
    "ottawa",
    # Other hubs
    "mumbai",
    "hyderabad",
    "gujarat",
    "delhi",
    "newdelhi",
    "singapore",
    "dubai",
    "rotterdam",
    "antwerp",
    "hamburg",
    "guatemala",
    "bogota",
    "medellin",
    "caracas",
    "aragua",
)
PLACES["xianggang"] = "hongkong"
PLACES["hk"] = "hongkong"
PLACES["aomen"] = "macau"
PLACES["macao"] = "macau"
PLACES["mexicocity"] = "cdmx"
PLACES["innermongolia"] = "neimenggu"
PLACES["tibet"] = "xizang"
PLACES["canton"] = "guangzhou"
PLACES["peking"] = "beijing"
PLACES["tienjin"] = "tianjin"
PLACES["michoacana"] = "michoacan"

#: Longest phrase, in tokens or syllables, the phrase matcher tries.
MAX_PHRASE_ITEMS: Final[int] = 7


def _phrase_table() -> dict[str, tuple[Category, tuple[str, ...]]]:
    """Every phrase key with its category; earlier tables win (legal form before place, ...)."""
    table: dict[str, tuple[Category, tuple[str, ...]]] = {}
    for key in STOP_WORDS:
        table[key] = ("stop", ())
    for key, org in ORG_WORDS.items():
        table[key] = ("org", org)
    for key, industry in INDUSTRY.items():
        table[key] = ("industry", industry)
    for key, place in PLACES.items():
        table[key] = ("place", (place,))
    for key, form in LEGAL_FORMS.items():
        table[key] = ("legal", (form,))
    return table


PHRASES: Final[dict[str, tuple[Category, tuple[str, ...]]]] = _phrase_table()


def lookup(key: str) -> tuple[Category, tuple[str, ...]] | None:
    """The category and canonical tokens of a phrase key, or None for an ordinary word."""
    return PHRASES.get(key)
