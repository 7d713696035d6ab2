"""The manifest schema of DESIGN.md: column names, header spellings, enums and the batch types.

A :class:`Manifest` holds the valid rows as a Polars frame with canonical column names and
types, plus one :class:`Rejection` per (row, field) problem. ``read_count`` is every data
row the file held, so ``read_count == screened + rejected rows`` always.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

REQUIRED_COLUMNS: tuple[str, ...] = (
    "shipment_id",
    "date",
    "shipper_name",
    "shipper_country",
    "consignee_name",
    "consignee_country",
    "description",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "hs_code",
    "cas",
    "smiles",
    "quantity_kg",
    "declared_value_usd",
    "transit_countries",
    "transport_mode",
    "payment_method",
    "forwarder_name",
    "shipper_address",
    "consignee_address",
    "consignee_phone",
    "consignee_email",
    "notify_party",
)
KNOWN_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
NUMERIC_COLUMNS: tuple[str, ...] = ("quantity_kg", "declared_value_usd")
TRANSPORT_MODES: tuple[str, ...] = ("sea", "air", "road", "rail", "courier", "post")

#: Transport-mode spellings seen on manifests, mapped to the enum (keys are lower case).
TRANSPORT_MODE_SPELLINGS: dict[str, str] = {
    "ocean": "sea",
    "vessel": "sea",
    "maritime": "sea",
    "air freight": "air",
    "air cargo": "air",
    "truck": "road",
    "lorry": "road",
    "train": "rail",
    "express": "courier",
    "express courier": "courier",
    "parcel": "courier",
    "postal": "post",
    "mail": "post",
}

# Header spellings, keyed by the normalised header (see normalise_header), valued by the
# canonical column. Canonical names map to themselves implicitly.
_HEADER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "shipment_id": (
        "id",
        "shipment",
        "shipment_no",
        "shipment_number",
        "bill_of_lading",
        "bol",
        "bl_number",
        "awb",
        "awb_number",
        "reference",
        "record_id",
    ),
    "date": (
        "shipment_date",
        "date_of_shipment",
        "ship_date",
        "arrival_date",
        "departure_date",
        "date_shipped",
    ),
    "shipper_name": (
        "shipper",
        "exporter",
        "exporter_name",
        "supplier",
        "seller",
        "consignor",
        "consignor_name",
    ),
    "shipper_country": (
        "origin_country",
        "country_of_origin",
        "origin",
        "shipper_country_code",
        "exporter_country",
        "export_country",
    ),
    "consignee_name": ("consignee", "importer", "importer_name", "buyer", "receiver"),
    "consignee_country": (
        "destination_country",
        "destination",
        "country_of_destination",
        "importer_country",
        "import_country",
        "consignee_country_code",
    ),
    "description": (
        "product_description",
        "goods_description",
        "description_of_goods",
        "commodity",
        "commodity_description",
        "product",
        "goods",
        "cargo_description",
        "item_description",
    ),
    "hs_code": (
        "hs",
        "hts",
        "hts_code",
        "hs_tariff_code",
        "tariff_code",
        "commodity_code",
        "harmonized_code",
        "harmonised_code",
    ),
    "cas": ("cas_number", "cas_no", "cas_rn", "casrn"),
    "smiles": ("structure", "canonical_smiles"),
    "quantity_kg": (
        "weight_kg",
        "weight",
        "gross_weight_kg",
        "net_weight_kg",
        "quantity",
        "qty_kg",
        "gross_weight",
        "net_weight",
    ),
    "declared_value_usd": (
        "value_usd",
        "declared_value",
        "value",
        "customs_value_usd",
        "invoice_value_usd",
    ),
    "transit_countries": ("transit", "transit_country", "via", "transshipment_countries"),
    "transport_mode": ("mode", "mode_of_transport", "transport", "shipping_mode"),
    "payment_method": ("payment", "payment_terms", "method_of_payment"),
    "forwarder_name": ("forwarder", "freight_forwarder", "carrier", "broker"),
    "shipper_address": ("exporter_address", "consignor_address"),
    "consignee_address": ("importer_address", "delivery_address"),
    "consignee_phone": ("phone", "consignee_tel", "telephone", "consignee_telephone", "tel"),
    "consignee_email": ("email", "consignee_e_mail", "e_mail"),
    "notify_party": ("notify", "notify_party_name", "notify_name"),
}
HEADER_SPELLINGS: dict[str, str] = {
    **{alias: canonical for canonical, aliases in _HEADER_SPELLINGS.items() for alias in aliases},
    **{canonical: canonical for canonical in KNOWN_COLUMNS},
}


def normalise_header(header: str) -> str:
    """Lower-case a header and reduce units and punctuation to single underscores.

    ``"Weight (kg)"`` -> ``weight_kg``, ``"Date of Shipment"`` -> ``date_of_shipment``,
    ``"\\ufeffShipper Name"`` -> ``shipper_name``.
    """
    text = header.replace("\ufeff", "").strip().lower()
    text = re.sub(r"[^0-9a-z]+", "_", text)
    return text.strip("_")


def canonical_column(header: str) -> str | None:
    """The canonical column a header spells, or None for a column the schema does not know."""
    return HEADER_SPELLINGS.get(normalise_header(header))


@dataclass(frozen=True, slots=True)
class Rejection:
    """One problem with one input row: the row number (the header is row 1), field and reason."""

    row: int
    field: str
    reason: str
    value: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "reason": self.reason, "value": self.value}

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value is not None else ""
        return f"row {self.row}, field {self.field!r}: {self.reason}{shown}"


@dataclass(slots=True)
class Manifest:
    """Valid manifest rows (canonical columns plus passthrough columns) and the rejected ones.

    ``frame`` has a ``row`` column (the input row number) besides the schema columns;
    ``date`` is a Date, ``quantity_kg``/``declared_value_usd`` are Float64,
    ``transit_countries`` is a list of country codes, and every other column is a string.
    """

    frame: pl.DataFrame
    rejected: list[Rejection] = field(default_factory=list)
    read_count: int = 0
    source: str = ""
    encoding: str | None = None
    passthrough: tuple[str, ...] = ()
    header_map: dict[str, str] = field(default_factory=dict)

    @property
    def rejected_rows(self) -> int:
        """How many distinct input rows were rejected (a row may have several problems)."""
        return len({r.row for r in self.rejected})

    @property
    def path(self) -> Path:
        return Path(self.source)
