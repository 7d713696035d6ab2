"""Party matching, compatible with yente's ``POST /match/{dataset}`` request and response.

A client written for yente (OpenSanctions' API) sends ``{"queries": {"q1": {"schema": "Company",
"properties": {"name": [...], "country": [...]}}}}`` and reads ``responses.q1.results[*]``
with yente's fields (``id``, ``caption``, ``schema``, ``properties``, ``datasets``, ``score``,
``match``, ``explanations`` ...). fentrace's own evidence -- feature values, weighted
contributions, the explanation sentences and the listing's source -- rides along in
``features`` and ``fentrace`` on each result.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fentrace.exc import UsageError
from fentrace.parties import MATCH_THRESHOLD, Entity, PartyMatch, PartyScreener
from fentrace.service.audit import canonical_json, sha256_hex
from fentrace.service.core import Service
from fentrace.service.deps import get_service, require_role
from fentrace.service.errors import LimitError, NotFoundError
from fentrace.service.responses import JSONBody
from fentrace.service.security import Principal

router = APIRouter(tags=["parties"])

#: yente's schema for each watchlist entity type (FollowTheMoney schemata).
SCHEMA_OF_TYPE = {
    "company": "Company",
    "person": "Person",
    "cartel": "Organization",
    "vessel": "Vessel",
    "other": "LegalEntity",
}
NAME_PROPERTIES = ("name", "alias", "previousName", "weakAlias", "firstName", "lastName")
COUNTRY_PROPERTIES = ("country", "jurisdiction", "nationality", "citizenship", "mainCountry")
ID_PROPERTIES = (
    "registrationNumber",
    "taxNumber",
    "idNumber",
    "passportNumber",
    "leiCode",
    "innCode",
    "ogrnCode",
    "swiftBic",
    "imoNumber",
)
ALL_DATASETS = ("default", "all")
#: yente's default number of results per query and its cap.
DEFAULT_LIMIT = 5
MAX_LIMIT = 500

Text = Annotated[str, StringConstraints(max_length=1000)]


class EntityExample(BaseModel):
    """yente's EntityExample: a FollowTheMoney-style entity to match."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = Field(None, max_length=200, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", max_length=100, examples=["Company"])
    properties: dict[Text, Text | list[Any]] = Field(
        ..., examples=[{"name": ["Hubei Amarvel Biotech Co., Ltd."], "country": ["cn"]}]
    )


class EntityMatchQuery(BaseModel):
    """yente's EntityMatchQuery (``weights`` and ``config`` are accepted and not used)."""

    model_config = ConfigDict(extra="forbid")

    weights: dict[Text, float] = Field(default_factory=dict)
    config: dict[Text, str | int | float | bool | None] = Field(default_factory=dict)
    queries: dict[Annotated[str, StringConstraints(max_length=200)], EntityExample]


class TotalSpec(BaseModel):
    value: int
    relation: str = "eq"


class ScoredEntityResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(..., alias="schema")
    properties: dict[str, list[str]]
    datasets: list[str] = []
    referents: list[str] = []
    target: bool = False
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None
    score: float
    explanations: dict[str, dict[str, Any]]
    features: dict[str, float]
    match: bool
    fentrace: dict[str, Any]


class EntityMatches(BaseModel):
    status: int = 200
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: EntityExample
    fentrace: dict[str, Any] = {}


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    limit: int


@cache
def _entities_by_id(screener: PartyScreener) -> dict[str, Entity]:
    return {e.entity_id: e for e in screener.entities}


def _values(properties: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for key in names:
        value = properties.get(key)
        items = value if isinstance(value, list) else [value]
        found.extend(str(v).strip() for v in items if isinstance(v, str | int) and str(v).strip())
    return list(dict.fromkeys(found))


def _entity_properties(entity: Entity) -> dict[str, list[str]]:
    properties: dict[str, list[str]] = {"name": [entity.name]}
    aliases = [a.name for a in entity.aliases]
    if aliases:
        properties["alias"] = aliases
    if entity.countries:
        properties["country"] = [c.lower() for c in entity.countries]
    if entity.identifiers:
        properties["registrationNumber"] = list(entity.identifiers)
    if entity.notes:
        properties["notes"] = [entity.notes]
    properties["topics"] = sorted({_topic(li.action) for li in entity.listings})
    return properties


def _topic(action: str) -> str:
    """The FollowTheMoney topic closest to a listing's action."""
    text = action.lower()
    if "sanction" in text:
        return "sanction"
    if "terror" in text:
        return "crime.terror"
    if "indict" in text or "charge" in text:
        return "crime"
    return "crime.traffick"


def _result(
    match: PartyMatch, entity: Entity | None, query_name: str, threshold: float
) -> dict[str, Any]:
    schema = SCHEMA_OF_TYPE.get(match.entity_type, "LegalEntity")
    properties = _entity_properties(entity) if entity is not None else {"name": [match.name]}
    return {
        "id": match.entity_id,
        "caption": match.name,
        "schema": schema,
        "properties": properties,
        "datasets": list(match.lists),
        "referents": [],
        "target": True,
        "first_seen": None,
        "last_seen": None,
        "last_change": match.since.isoformat() if match.since else None,
        "score": round(match.score, 4),
        "explanations": {
            feature: {
                "detail": f"fentrace feature {feature} (weighted contribution "
                f"{match.contributions.get(feature, 0.0):+.4f})",
                "score": round(value, 4),
                "query": query_name,
                "candidate": match.matched_alias,
            }
            for feature, value in match.features.items()
        },
        "features": {k: round(v, 4) for k, v in match.features.items()},
        "match": match.score >= threshold,
        "fentrace": match.to_dict(),
    }


def _datasets(screener: PartyScreener, dataset: str) -> set[str] | None:
    """The lists a dataset name selects (None = every list), or NotFoundError."""
    if dataset in ALL_DATASETS:
        return None
    known = {list_id for e in screener.entities for list_id in e.lists}
    if dataset not in known:
        raise NotFoundError(
            f"no dataset {dataset!r}: use default, all or one of {', '.join(sorted(known))}",
            field="dataset",
        )
    return {dataset}


def match_entities(
    body: EntityMatchQuery,
    *,
    dataset: str,
    limit: int,
    threshold: float,
    cutoff: float,
    exclude_schema: list[str],
    exclude_dataset: list[str],
    include_dataset: list[str],
    exclude_entity_ids: list[str],
    principal: Principal,
    service: Service,
) -> dict[str, Any]:
    if not body.queries:
        raise UsageError("no queries provided", field="queries")
    if len(body.queries) > service.settings.max_batch:
        raise LimitError(
            f"{len(body.queries)} queries is more than the limit of "
            f"{service.settings.max_batch} per request",
            field="queries",
            limit="max_batch",
            max_items=service.settings.max_batch,
        )
    screener = service.screener
    if screener is None:
        raise UsageError("the watchlists are not loaded yet")
    allowed = _datasets(screener, dataset)
    entities = _entities_by_id(screener)
    floor = min(cutoff, threshold)
    # one screening per distinct (name, country, identifiers), then regrouped per query
    plan: list[tuple[str, list[tuple[str, str | None, tuple[str, ...]]]]] = []
    for key, example in body.queries.items():
        names = _values(example.properties, NAME_PROPERTIES)
        countries = _values(example.properties, COUNTRY_PROPERTIES)
        ids = tuple(_values(example.properties, ID_PROPERTIES))
        country = countries[0] if countries else None
        plan.append((key, [(name, country, ids) for name in names]))
    flat = [item for _key, items in plan for item in items]
    digest = sha256_hex(canonical_json(body.model_dump(mode="json", by_alias=True)))
    results = service.screen_parties(principal, flat, digest)
    responses: dict[str, Any] = {}
    position = 0
    for (key, items), example in zip(plan, body.queries.values(), strict=True):
        mine = results[position : position + len(items)]
        position += len(items)
        best: dict[str, tuple[PartyMatch, str]] = {}
        for (name, _country, _ids), result in zip(items, mine, strict=True):
            for match in result.matches:
                current = best.get(match.entity_id)
                if current is None or match.score > current[0].score:
                    best[match.entity_id] = (match, name)
        kept = []
        for match, name in sorted(best.values(), key=lambda m: (-m[0].score, m[0].entity_id)):
            if match.score < floor or match.entity_id in exclude_entity_ids:
                continue
            schema = SCHEMA_OF_TYPE.get(match.entity_type, "LegalEntity")
            lists = set(match.lists)
            if schema in exclude_schema or (allowed is not None and not lists & allowed):
                continue
            if include_dataset and not lists & set(include_dataset):
                continue
            if exclude_dataset and lists <= set(exclude_dataset):
                continue
            kept.append(_result(match, entities.get(match.entity_id), name, threshold))
        verdicts = [r.verdict for r in mine]
        responses[key] = {
            "status": 200,
            "results": kept[:limit],
            "total": {"value": len(kept), "relation": "eq"},
            "query": example.model_dump(by_alias=True),
            "fentrace": {
                "names_screened": [i[0] for i in items],
                "country": items[0][1] if items else None,
                "verdict": "match"
                if "match" in verdicts
                else ("possible" if "possible" in verdicts else "none"),
                "warnings": [w for r in mine for w in r.warnings]
                + ([] if items else ["the query has no name property: nothing was screened"]),
            },
        }
    return {"responses": responses, "limit": limit}


class MatchParams(BaseModel):
    """yente's query parameters of ``/match/{dataset}``."""

    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Results per query")
    threshold: float = Field(
        default=MATCH_THRESHOLD, description="Score at which a result is a match"
    )
    cutoff: float = Field(
        default=0.0, description="Lowest score returned at all (yente's deprecated cutoff)"
    )
    algorithm: str = Field(
        default="fentrace",
        max_length=100,
        description="Accepted for yente clients; fentrace has one matcher",
    )
    include_dataset: list[str] = Field(default=[], description="Only results on these lists")
    exclude_schema: list[str] = Field(default=[], description="Leave out these schemata")
    exclude_dataset: list[str] = Field(
        default=[], description="Leave out results only on these lists"
    )
    topics: list[str] = Field(default=[], description="Accepted for yente clients (not used)")
    changed_since: str | None = Field(
        default=None, max_length=40, description="Accepted (not used)"
    )
    exclude_entity_ids: list[str] = Field(
        default=[], max_length=50, description="Leave out these ids"
    )


_LIST_PARAMS = frozenset(
    name for name, field in MatchParams.model_fields.items() if field.annotation == list[str]
)
_UNUSED_PARAMS = {"algorithm", "topics", "changed_since"}
_DEFAULT_PARAMS = MatchParams().model_dump(exclude=_UNUSED_PARAMS)


def _param_docs() -> list[dict[str, Any]]:
    """The OpenAPI entries of the query parameters (declared once, parsed by :func:`_params`)."""
    schema = MatchParams.model_json_schema()
    docs = []
    for name, field in schema["properties"].items():
        description = field.pop("description", None)
        field.pop("title", None)
        docs.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": field,
            }
        )
    return docs


async def _params(request: Request) -> dict[str, Any]:
    """yente's query parameters, parsed in one step.

    Declaring ten ``Query`` parameters made FastAPI spend more time on them than the screening
    takes; one model validated only when a parameter is given costs next to nothing.
    """
    query = request.query_params
    if not query:
        return dict(_DEFAULT_PARAMS)
    raw: dict[str, Any] = {}
    for name in MatchParams.model_fields:
        if name in _LIST_PARAMS:
            values = query.getlist(name)
            if values:
                raw[name] = values
        elif name in query:
            raw[name] = query[name]
    try:
        parsed = MatchParams.model_validate(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in error.errors()]
        ) from None
    return parsed.model_dump(exclude=_UNUSED_PARAMS)


@router.post(
    "/v1/parties/match",
    summary="Match parties (yente-compatible request and response)",
    responses={200: {"model": EntityMatchResponse}},
    response_class=JSONBody,
    openapi_extra={"parameters": _param_docs()},
)
async def match_v1(
    body: EntityMatchQuery,
    params: dict[str, Any] = Depends(_params),
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONBody:
    answer = match_entities(body, dataset="default", principal=principal, service=service, **params)
    return JSONBody(answer, headers={"x-batch-size": str(len(answer["responses"]))})


@router.post(
    "/match/{dataset}",
    summary="yente's match endpoint: dataset 'default' (or 'all') or one watchlist id",
    responses={200: {"model": EntityMatchResponse}},
    response_class=JSONBody,
    openapi_extra={"parameters": _param_docs()},
)
async def match_yente(
    body: EntityMatchQuery,
    dataset: str = Path(..., max_length=100),
    params: dict[str, Any] = Depends(_params),
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> JSONBody:
    answer = match_entities(body, dataset=dataset, principal=principal, service=service, **params)
    return JSONBody(answer, headers={"x-batch-size": str(len(answer["responses"]))})


class ScreenNamesRequest(BaseModel):
    """Names to screen the way ``fentrace parties screen --json`` does."""

    model_config = ConfigDict(extra="forbid")

    names: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = Field(
        min_length=1, examples=[["HUBEI AMARVEL BIO-TECH CO LTD"]]
    )
    country: str | None = Field(
        None, max_length=100, description="ISO alpha-2 country of every name"
    )
    identifiers: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )


@router.post("/v1/parties/screen", summary="Screen names (the `parties screen --json` objects)")
def screen_names(
    body: ScreenNamesRequest,
    principal: Principal = Depends(require_role("analyst")),
    service: Service = Depends(get_service),
) -> dict[str, Any]:
    if len(body.names) > service.settings.max_batch:
        raise LimitError(
            f"{len(body.names)} names is more than the limit of {service.settings.max_batch} per request",
            field="names",
            limit="max_batch",
            max_items=service.settings.max_batch,
        )
    digest = sha256_hex(canonical_json(body.model_dump(mode="json")))
    results = service.screen_parties(
        principal,
        [(name, body.country, tuple(body.identifiers)) for name in body.names],
        digest,
        action="parties.screen",
    )
    return {"results": [r.to_dict() for r in results]}
