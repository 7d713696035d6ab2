"""The alert queue's filter: the service's :class:`AlertFilter` plus country and route.

Country and route live in the stored shipment record (shipper, consignee and transit
countries), so they are matched in SQL on its JSON fields; the pages stay paged in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, cast, or_

from fentrace.service import AlertFilter
from fentrace.service.models import Alert

_Query = TypeVar("_Query", bound="Select[Any]")
_CODE = re.compile(r"[A-Za-z]{2}")


def parse_route(text: str) -> tuple[str, ...]:
    """Country codes of a route typed as ``CN>MX>US``, ``CN-US`` or ``cn mx us``, in order."""
    return tuple(code.upper() for code in _CODE.findall(text))


@dataclass(frozen=True, slots=True)
class QueueFilter(AlertFilter):
    """An :class:`AlertFilter` that also selects by a country anywhere on the route, and a route.

    ``route`` is origin, then any transit countries, then destination: the first code must be
    the shipper's country, the last the consignee's, and each between a transit country.
    """

    country: str | None = None
    route: tuple[str, ...] = ()

    def apply(self, query: _Query) -> _Query:
        query = AlertFilter.apply(self, query)
        origin = Alert.record["shipper_country"].as_string()
        destination = Alert.record["consignee_country"].as_string()
        transit = cast(Alert.record["transit_countries"], String)
        conditions: list[ColumnElement[bool]] = []
        if self.country:
            code = self.country.upper()
            conditions.append(
                or_(origin == code, destination == code, transit.contains(code, autoescape=True))
            )
        if self.route:
            conditions.append(origin == self.route[0])
            if len(self.route) > 1:
                conditions.append(destination == self.route[-1])
            for code in self.route[1:-1]:
                conditions.append(transit.contains(code, autoescape=True))
        return query.where(*conditions) if conditions else query
