"""The bundled sample manifest: seeded, realistic legitimate trade mixed with illicit patterns.

Every company, person, phone number and address here is invented for the project, except
the watchlisted names, which are the published names of indicted or sanctioned firms written
the way manifests misspell them. Regenerate ``data/sample_manifest.csv`` with::

    python -m fentrace.shipments.sample
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from fentrace.atomic import atomic_open

if TYPE_CHECKING:
    from fentrace.shipments.engine import ScreeningResult
    from fentrace.shipments.schema import Manifest

COLUMNS: tuple[str, ...] = (
    "shipment_id", "date", "shipper_name", "shipper_country", "shipper_address", "consignee_name",
    "consignee_country", "consignee_address", "consignee_phone", "consignee_email", "notify_party",
    "forwarder_name", "description", "hs_code", "cas", "smiles", "quantity_kg",
    "declared_value_usd", "transit_countries", "transport_mode", "payment_method", "incoterm",
)  # fmt: skip
SEED = 20240623
Row = dict[str, str]

_LEGIT_CHEM_SHIPPERS = [
    (
        "Zhejiang Qinghe Pharmaceutical Materials Co., Ltd.",
        "CN",
        "88 Binhai Road, Taizhou, Zhejiang",
    ),
    ("Shandong Lurun Fine Chemical Co., Ltd.", "CN", "16 Huagong Street, Zibo, Shandong"),
    ("Vapi Organics Pvt. Ltd.", "IN", "Plot 214, GIDC Phase II, Vapi, Gujarat"),
    ("Rheinaue Chemie GmbH", "DE", "Industriestrasse 40, 67063 Ludwigshafen"),
    ("Hyderabad Synthetics Ltd.", "IN", "Survey 77, IDA Bollaram, Telangana"),
]
_LEGIT_PHARMA_BUYERS = [
    (
        "Neckartal Arzneimittel GmbH",
        "DE",
        "Am Wehr 3, 69117 Heidelberg",
        "+49 6221 555 0140",
        "einkauf@neckartal-arznei.example",
    ),
    (
        "Great Lakes Analgesics Inc.",
        "US",
        "1200 Research Pkwy, Ann Arbor, MI",
        "+1 734 555 0188",
        "purchasing@glanalgesics.example",
    ),
    (
        "Thames Valley Medicines Ltd.",
        "GB",
        "Unit 4, Milton Park, Abingdon",
        "+44 1235 555 017",
        "buying@tvmedicines.example",
    ),
    (
        "Laboratorios Farmacéuticos del Bajío S.A. de C.V.",
        "MX",
        "Blvd. Industrial 1450, León, Gto.",
        "+52 477 555 0102",
        "compras@lfbajio.example",
    ),
    (
        "Ontario Generic Pharma Corp.",
        "CA",
        "75 Innovation Dr, Mississauga, ON",
        "+1 905 555 0133",
        "procurement@ogpharma.example",
    ),
]
_BULK_BUYERS = [
    (
        "Gulf Coast Polymers LLC",
        "US",
        "5500 Channel Rd, Pasadena, TX",
        "+1 281 555 0110",
        "ops@gcpolymers.example",
    ),
    (
        "Química Industrial de Monterrey S.A. de C.V.",
        "MX",
        "Av. Ruiz Cortines 3300, Monterrey, NL",
        "+52 81 555 0190",
        "compras@qimty.example",
    ),
    (
        "Sao Paulo Rubber Chemicals Ltda.",
        "BR",
        "Rua das Indústrias 810, Cubatão, SP",
        "+55 13 555 0155",
        "compras@sprc.example",
    ),
]
_GOODS_SHIPPERS = [
    ("Ningbo Evergreen Garments Co., Ltd.", "CN", "9 Fuming Road, Ningbo"),
    ("Foshan Longwood Furniture Co., Ltd.", "CN", "Lecong Furniture City, Foshan"),
    ("Jalisco Agave Export S.A. de C.V.", "MX", "Carretera a Tequila km 8, Jalisco"),
    ("Guangzhou Autoparts Trading Co., Ltd.", "CN", "Baiyun District, Guangzhou"),
]
_GOODS_BUYERS = [
    (
        "Taqueria Los Compadres",
        "US",
        "310 W Main St, San Antonio, TX",
        "+1 210 555 0121",
        "orders@loscompadres.example",
    ),
    (
        "Muebles Finos del Norte S.A. de C.V.",
        "MX",
        "Calle 5 de Mayo 120, Hermosillo, Son.",
        "+52 662 555 0177",
        "ventas@mueblesfinos.example",
    ),
    (
        "Coastal Apparel Distributors Inc.",
        "US",
        "88 Harbor Blvd, Long Beach, CA",
        "+1 562 555 0164",
        "imports@coastalapparel.example",
    ),
    (
        "Toronto Auto Parts Wholesale Ltd.",
        "CA",
        "2450 Dundas St W, Toronto, ON",
        "+1 416 555 0193",
        "buy@torontoautoparts.example",
    ),
]
_GOODS = [
    ("Men's cotton knitted T-shirts", "6109.10", 800, 2600),
    ("Wooden dining chairs, assembled", "9401.61", 1500, 6000),
    ("Tequila 100% agave, 750 ml bottles", "2208.90", 4000, 12000),
    ("Brake pads for passenger cars", "8708.30", 600, 3000),
    ("Dried chili peppers (ancho)", "0904.22", 1000, 5000),
]
# Watchlisted names as manifests spell them (published names of indicted/sanctioned firms).
_WATCHLISTED_SHIPPERS = [
    ("HUBEI AMARVEL BIO-TECH CO LTD", "CN", "Wuhan, Hubei"),
    ("Hubei Amarvel Biotech Co Ltd", "CN", "Wuhan East Lake High-tech Zone"),
    ("WUHAN SHUOKANG BIOLOGICAL TECHNOLOGY CO., LTD", "CN", "Wuhan, Hubei"),
    ("Hanhong Pharmaceutical Tech Co Ltd", "CN", "Wuhan, Hubei"),
    ("Hubei Aoks Bio Tech Co., Ltd.", "CN", "Wuhan, Hubei"),
]
_BROKER_SHIPPERS = [
    ("Shijiazhuang Xinlong Trading Co., Ltd.", "CN", "Room 1203, Zhongshan Road, Shijiazhuang"),
    ("Yiwu Bright Star Import & Export Co.", "CN", "Futian Market District 4, Yiwu"),
    ("Guangzhou Tianhe Pharmtech Co., Ltd.", "CN", "Tianhe District, Guangzhou"),
]
# Front consignees in Mexico and Canada; the first four share one phone number.
_FRONTS = [
    (
        "Taqueria El Guero",
        "MX",
        "Av. Obregón 455, Culiacán, Sin.",
        "+52 667 555 0142",
        "elguero.tacos@mail.example",
    ),
    (
        "Muebles Rusticos Jalisco",
        "MX",
        "Calle Hidalgo 88, Tlaquepaque, Jal.",
        "+52 (667) 555-0142",
        "mueblesrj@mail.example",
    ),
    (
        "Autopartes del Pacifico",
        "MX",
        "Carretera Internacional km 12, Mazatlán, Sin.",
        "52 667 555 0142",
        "autopacifico@mail.example",
    ),
    (
        "Tequilera Los Altos de Sinaloa",
        "MX",
        "Av. Obregón 455, Culiacán, Sin.",
        "+526675550142",
        "losaltos@mail.example",
    ),
    (
        "Ropa y Moda Culiacan",
        "MX",
        "Blvd. Zapata 1200, Culiacán, Sin.",
        "+52 667 555 0199",
        "ropamoda@mail.example",
    ),
    (
        "Northern Lights Holdings Ltd.",
        "CA",
        "Unit 9, 4400 No. 3 Rd, Richmond, BC",
        "+1 604 555 0185",
        "nlh@mail.example",
    ),
]
_FORWARDERS = ["Pacific Bridge Logistics", "Trans-Oceanic Express", "Dragon Air Courier Services"]

# (description, hs_code, cas, smiles) of illicit shipments, chemicals hidden under vague words.
_ILLICIT_GOODS = [
    ("Pharmaceutical intermediate", "2915.90", "39742-60-4", ""),  # NPP under acids
    ("Pharmaceutical intermediate, white powder", "2942.00", "23056-29-3", ""),  # 4-AP
    ("API intermediate", "3824.99", "79099-07-3", ""),  # 1-boc-4-piperidone
    ("Research chemical sample", "2942.00", "", "CC(C)(C)OC(=O)N1CCC(Nc2ccccc2)CC1"),  # 1-boc-4-AP
    ("Organic compound for lab use", "2924.29", "", ""),  # nothing named at all
    ("N-Phenethyl-4-piperidone 99%", "6109.10", "", ""),  # NPP under T-shirts
    ("4-AP (4-anilinopiperidine) 99%", "2933.39", "", ""),
    ("1-boc-4-AP 98% min", "2933.39", "", ""),
    ("Chemical reagent CAS 21409-26-7", "2921.49", "", ""),  # ANPP by CAS in the text
]


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def _row(**values: object) -> Row:
    return {
        column: "" if values.get(column) is None else str(values.get(column, ""))
        for column in COLUMNS
    }


def generate(seed: int = SEED) -> list[Row]:
    """The sample manifest rows (deterministic for a seed)."""
    rng = random.Random(seed)
    rows: list[Row] = []
    start, end = date(2022, 6, 1), date(2025, 6, 30)

    def add(**values: object) -> None:
        rows.append(_row(**values))

    # legitimate chemical trade: 4-piperidone, boc-piperidone, lidocaine, pethidine, aniline
    legit_chemicals = [
        ("4-Piperidone monohydrate hydrochloride 98%", "2933.39", "40064-34-4", 50, 400, "air"),
        (
            "tert-Butyl 4-oxopiperidine-1-carboxylate (N-Boc-4-piperidone) 98%",
            "2933.39",
            "79099-07-3",
            5,
            100,
            "air",
        ),
        ("Lidocaine hydrochloride USP", "2924.29", "", 100, 1500, "sea"),
        ("Lidocaine base EP", "2924.29", "137-58-6", 50, 800, "air"),
        (
            "Pethidine hydrochloride injection 50 mg/ml (finished medicine)",
            "3004.49",
            "",
            20,
            200,
            "air",
        ),
        ("Loperamide hydrochloride capsules 2 mg", "3004.90", "", 100, 900, "air"),
        ("Haloperidol API", "2933.39", "52-86-8", 10, 120, "air"),
    ]
    for _ in range(110):
        description, hs, cas, low, high, mode = rng.choice(legit_chemicals)
        shipper = rng.choice(_LEGIT_CHEM_SHIPPERS)
        buyer = rng.choice(_LEGIT_PHARMA_BUYERS)
        quantity = rng.randint(low, high)
        add(
            date=_day(rng, start, end), shipper_name=shipper[0], shipper_country=shipper[1],
            shipper_address=shipper[2], consignee_name=buyer[0], consignee_country=buyer[1],
            consignee_address=buyer[2], consignee_phone=buyer[3], consignee_email=buyer[4],
            forwarder_name=rng.choice(_FORWARDERS[:2]), description=description, hs_code=hs, cas=cas,
            quantity_kg=quantity, declared_value_usd=quantity * rng.randint(40, 400),
            transport_mode=mode, payment_method=rng.choice(["Letter of credit", "Bank transfer (T/T)"]),
            incoterm=rng.choice(["CIF", "FOB", "DAP"]),
        )  # fmt: skip
    for _ in range(60):
        shipper = rng.choice(_LEGIT_CHEM_SHIPPERS)
        buyer = rng.choice(_BULK_BUYERS)
        quantity = rng.randint(16, 22) * 1000
        add(
            date=_day(rng, start, end), shipper_name=shipper[0], shipper_country=shipper[1],
            shipper_address=shipper[2], consignee_name=buyer[0], consignee_country=buyer[1],
            consignee_address=buyer[2], consignee_phone=buyer[3], consignee_email=buyer[4],
            forwarder_name=_FORWARDERS[0], description="Aniline oil 99.9% min, in ISO tank",
            hs_code="2921.41", cas="62-53-3", quantity_kg=quantity, declared_value_usd=quantity * 2,
            transport_mode="sea", payment_method="Letter of credit", incoterm="CFR",
        )  # fmt: skip
    # ordinary goods, including food to a taqueria (a trade unrelated to chemicals, no chemical)
    for _ in range(90):
        description, hs, low, high = rng.choice(_GOODS)
        shipper = rng.choice(_GOODS_SHIPPERS)
        buyer = rng.choice(_GOODS_BUYERS)
        quantity = rng.randint(low, high)
        add(
            date=_day(rng, start, end), shipper_name=shipper[0], shipper_country=shipper[1],
            shipper_address=shipper[2], consignee_name=buyer[0], consignee_country=buyer[1],
            consignee_address=buyer[2], consignee_phone=buyer[3], consignee_email=buyer[4],
            forwarder_name=rng.choice(_FORWARDERS[:2]), description=description, hs_code=hs,
            quantity_kg=quantity, declared_value_usd=quantity * rng.randint(3, 20),
            transport_mode=rng.choice(["sea", "road"]), payment_method="Bank transfer (T/T)",
            incoterm="FOB",
        )  # fmt: skip
    # illicit: watchlisted and broker shippers, vague descriptions, courier, crypto, fronts
    routes = [((), "MX"), (("US",), "MX"), (("GT",), "MX"), ((), "MX"), ((), "CA")]
    for _ in range(70):
        shipper = rng.choice(_WATCHLISTED_SHIPPERS + _BROKER_SHIPPERS)
        transit, destination = rng.choice(routes)
        fronts = [f for f in _FRONTS if f[1] == destination] or _FRONTS[:1]
        front = rng.choice(fronts)
        description, hs, cas, smiles = rng.choice(_ILLICIT_GOODS)
        quantity = rng.randint(1, 5)
        add(
            date=_day(rng, date(2023, 1, 1), end), shipper_name=shipper[0], shipper_country=shipper[1],
            shipper_address=shipper[2], consignee_name=front[0], consignee_country=front[1],
            consignee_address=front[2], consignee_phone=front[3], consignee_email=front[4],
            notify_party=rng.choice(["", "", "Same as consignee", "Lic. J. Ramirez (agente aduanal)"]),
            forwarder_name=_FORWARDERS[2], description=description, hs_code=hs, cas=cas,
            smiles=smiles, quantity_kg=quantity, declared_value_usd=rng.randint(80, 600),
            transit_countries="|".join(transit), transport_mode=rng.choice(["courier", "courier", "post"]),
            payment_method=rng.choice(["USDT (TRC20)", "Bitcoin", "Third-party payment via Hong Kong", "Western Union"]),
            incoterm="DDP",
        )  # fmt: skip
    # structuring: one broker, one front, many 2 kg parcels inside a month
    burst = date(2024, 9, 2)
    for k in range(6):
        add(
            date=burst + timedelta(days=4 * k), shipper_name=_BROKER_SHIPPERS[0][0],
            shipper_country="CN", shipper_address=_BROKER_SHIPPERS[0][2],
            consignee_name=_FRONTS[4][0], consignee_country="MX", consignee_address=_FRONTS[4][2],
            consignee_phone=_FRONTS[4][3], consignee_email=_FRONTS[4][4],
            forwarder_name=_FORWARDERS[2], description="Organic compound, CAS 79099-07-3",
            hs_code="2933.39", quantity_kg=2, declared_value_usd=150, transport_mode="courier",
            payment_method="Bank transfer (T/T)", incoterm="DDP",
        )  # fmt: skip
    rows.sort(key=lambda r: r["date"])
    for number, row in enumerate(rows, start=1):
        row["shipment_id"] = f"SHP-{row['date'][:4]}-{number:05d}"
    # rows a real manifest export carries by mistake; each must be rejected with a reason
    bad = [
        dict(rows[10], shipment_id="SHP-BAD-00001", date="2024-02-30"),
        dict(rows[20], shipment_id="SHP-BAD-00002", consignee_country="Mexicoo"),
        dict(rows[30], shipment_id="SHP-BAD-00003", quantity_kg="five"),
        dict(rows[40], shipment_id="SHP-BAD-00004", consignee_name=""),
        dict(rows[50], shipment_id="SHP-BAD-00005", transport_mode="camel"),
        dict(rows[60]),  # a duplicate shipment id
    ]
    for offset, row in enumerate(bad):
        rows.insert(100 + 37 * offset, row)
    return rows


def write(path: Path, seed: int = SEED) -> int:
    """Write the sample manifest CSV; return its number of rows."""
    rows = generate(seed)
    with atomic_open(path, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def sample_manifest_path() -> Path:
    """The bundled sample manifest."""
    return Path(str(resources.files("fentrace.shipments").joinpath("data/sample_manifest.csv")))


@dataclass(frozen=True, slots=True)
class SampleRun:
    """The bundled sample screened: the manifest, the result and the files written."""

    manifest: Manifest
    result: ScreeningResult
    alerts_path: Path | None
    report_path: Path | None


def run_sample(out_dir: Path | None = None, *, min_level: str = "low") -> SampleRun:
    """Screen the bundled sample manifest with the real engines (the demo's shipment step).

    With ``out_dir``, writes ``alerts.csv`` (alerts at ``min_level`` or above) and
    ``report.html`` there.
    """
    from fentrace.shipments.engine import screen_manifest
    from fentrace.shipments.ingest import read_manifest
    from fentrace.shipments.output import write_alerts
    from fentrace.shipments.report import write_report

    manifest = read_manifest(sample_manifest_path())
    result = screen_manifest(manifest)
    alerts_path = report_path = None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        alerts_path = out_dir / "alerts.csv"
        report_path = out_dir / "report.html"
        write_alerts(result, alerts_path, min_level=min_level)
        write_report(result, manifest, report_path)
    return SampleRun(manifest, result, alerts_path, report_path)


if __name__ == "__main__":  # pragma: no cover - the regeneration command
    target = Path(__file__).with_name("data") / "sample_manifest.csv"
    print(f"{write(target)} rows written to {target}")
