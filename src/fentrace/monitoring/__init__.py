"""Continuous monitoring: re-screen stored results when the knowledge base or a watchlist changes.

Public API::

    rescreen_chemicals(stored_results, kb, as_of)      -> [ChemicalChange]
    rescreen_parties(stored_results, PartyScreener(w))  -> [PartyChange]
    rescreen_shipments(manifest, stored_alerts, ...)    -> ([ShipmentChange], ScreeningResult)
"""

from fentrace.monitoring.rescreen import (
    ChemicalChange,
    JurisdictionChange,
    PartyChange,
    ShipmentChange,
    party_lookup,
    rescreen_chemicals,
    rescreen_parties,
    rescreen_shipments,
    rises,
    stored_statuses,
)

__all__ = [
    "ChemicalChange",
    "JurisdictionChange",
    "PartyChange",
    "ShipmentChange",
    "party_lookup",
    "rescreen_chemicals",
    "rescreen_parties",
    "rescreen_shipments",
    "rises",
    "stored_statuses",
]
