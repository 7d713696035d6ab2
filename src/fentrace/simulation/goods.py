"""The goods a shipment can carry: precursors and analogs from the knowledge base, and the
unrelated background chemicals that make up most legitimate trade."""

from __future__ import annotations

from dataclasses import dataclass

from fentrace.reference import load_knowledge_base

#: Precursor substances by route, in the order of the flow columns.
ROUTES: tuple[str, ...] = ("siegfried", "gupta", "piperidone", "designer")
PRECURSORS: tuple[tuple[str, str, float], ...] = (
    ("NPP", "siegfried", 0.6),
    ("ANPP", "siegfried", 0.4),
    ("4AP", "gupta", 0.5),
    ("BOC4AP", "gupta", 0.5),
    ("PIP", "piperidone", 0.5),
    ("BOCPIP", "piperidone", 0.5),
    ("BOCF4AP", "designer", 0.6),
    ("F4AP", "designer", 0.4),
)
#: Fentanyl analogs sold by mail before China's 2019 class control.
ANALOGS: tuple[str, ...] = ("FURF", "ACRF", "CPRF", "VALF")
#: Piperidine intermediates with a real legitimate pharmaceutical trade (the hard negatives).
LEGIT_SAME_CHEMICALS: tuple[str, ...] = ("PIP", "BOCPIP", "BOC4AP", "PROPCL")
#: Unrelated common chemicals: (name, CAS, HS heading, USD per kg). CAS numbers of these
#: commodity chemicals are standard; their check digits are validated by the tests. The HS
#: headings are the usual six-digit ones; prices are orders of magnitude only.
BACKGROUND: tuple[tuple[str, str, str, float], ...] = (
    ("Ethanol", "64-17-5", "2207.10", 1.0),
    ("Acetone", "67-64-1", "2914.11", 1.2),
    ("Toluene", "108-88-3", "2902.30", 1.1),
    ("Sodium hydroxide", "1310-73-2", "2815.11", 0.6),
    ("Citric acid", "77-92-9", "2918.14", 1.5),
    ("Ascorbic acid", "50-81-7", "2936.27", 6.0),
    ("Caffeine", "58-08-2", "2939.30", 20.0),
    ("Paracetamol", "103-90-2", "2924.29", 5.0),
    ("Ibuprofen", "15687-27-1", "2916.39", 15.0),
    ("Glycerol", "56-81-5", "2905.45", 0.9),
)
#: Vague descriptions used to mislabel a precursor, with the wrong HS code declared.
VAGUE: tuple[tuple[str, str], ...] = (
    ("Organic chemical intermediate", "2934.99"),
    ("Pharmaceutical intermediate", "2934.99"),
    ("Industrial chemical sample", "2915.90"),
    ("Food additive", "2918.14"),
    ("Plastic raw material", "2902.30"),
    ("Chemical reagent for research", "2921.41"),
)
#: USD per kg of a legitimately traded precursor; illicit buyers pay far more (undeclared).
PRECURSOR_PRICE_USD_KG = 60.0


@dataclass(frozen=True, slots=True)
class Good:
    """One row of the goods table used by index in the shipment arrays."""

    key: str
    name: str
    cas: str
    smiles: str
    hs_code: str
    price_usd_kg: float


def goods_table() -> list[Good]:
    """Precursors, analogs, legitimate same-chemical goods and background goods, in that order.

    CAS numbers come from the knowledge base and are written only when verified there.
    """
    kb = load_knowledge_base()
    table: list[Good] = []
    for sid in [p[0] for p in PRECURSORS] + list(ANALOGS) + ["PROPCL"]:
        sub = kb.substance_by_id(sid)
        if sub is None:
            continue
        table.append(
            Good(
                key=sid,
                name=sub.name,
                cas=sub.cas if (sub.cas and sub.cas_verified) else "",
                smiles=sub.smiles,
                hs_code=sub.hs_codes[0] if sub.hs_codes else "",
                price_usd_kg=PRECURSOR_PRICE_USD_KG,
            )
        )
    for name, cas, hs, price in BACKGROUND:
        table.append(Good(key=name, name=name, cas=cas, smiles="", hs_code=hs, price_usd_kg=price))
    return table
