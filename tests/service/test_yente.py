"""A client written for yente's match API gets well-formed results from fentrace.

The bodies are yente's documented examples (tests/service/data/); the checks are yente 5.5's
response models, field by field, with the types its clients read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
FIELDS = json.loads((DATA / "yente_match_response_fields.json").read_text())


def _yente_client_post(api: Any, path: str, body: dict[str, Any], **params: Any) -> Any:
    """What a yente client sends: JSON body, query parameters, an `ApiKey` Authorization header."""
    return api.client.post(
        path,
        json=body,
        params=params,
        headers={"Authorization": f"ApiKey {api.tokens['analyst']}"},
    )


def _check_entity_matches(matches: dict[str, Any], query: dict[str, Any], limit: int) -> None:
    assert set(FIELDS["EntityMatches"]) <= set(matches)
    assert matches["status"] == 200
    assert set(matches["total"]) == set(FIELDS["TotalSpec"])
    assert isinstance(matches["total"]["value"], int)
    assert matches["total"]["relation"] == "eq"
    assert set(matches["query"]) == set(FIELDS["EntityExample"])
    assert matches["query"]["schema"] == query["schema"]
    assert len(matches["results"]) <= limit
    scores = [r["score"] for r in matches["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in matches["results"]:
        assert set(FIELDS["ScoredEntityResponse"]) <= set(result)
        assert isinstance(result["id"], str)
        assert isinstance(result["caption"], str)
        assert isinstance(result["schema"], str)
        assert all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
            for k, v in result["properties"].items()
        )
        assert result["properties"]["name"]
        assert all(isinstance(d, str) for d in result["datasets"])
        assert isinstance(result["referents"], list)
        assert isinstance(result["target"], bool)
        for stamp in ("first_seen", "last_seen", "last_change"):
            assert result[stamp] is None or isinstance(result[stamp], str)
        assert 0.0 <= result["score"] <= 1.0
        assert isinstance(result["match"], bool)
        for feature in result["explanations"].values():
            assert set(FIELDS["FeatureResult"]) <= set(feature)
            assert isinstance(feature["score"], float)
        # fentrace's own evidence rides along
        assert result["fentrace"]["explanation"]
        assert result["fentrace"]["listings"][0]["source"]


def test_the_documented_yente_request(api: Any) -> None:
    body = json.loads((DATA / "yente_match_request.json").read_text())
    answer = _yente_client_post(
        api, "/match/default", body, limit=5, threshold=0.7, algorithm="best"
    )
    assert answer.status_code == 200, answer.text
    payload = answer.json()
    assert set(payload) >= set(FIELDS["EntityMatchResponse"])
    assert payload["limit"] == 5
    assert set(payload["responses"]) == set(body["queries"])
    assert answer.headers["x-batch-size"] == "3"
    for key, query in body["queries"].items():
        _check_entity_matches(payload["responses"][key], query, 5)
    hubei = payload["responses"]["hubei"]["results"]
    assert hubei[0]["caption"] == "Hubei Amarvel Biotech Co., Ltd."
    assert hubei[0]["match"] is True
    assert hubei[0]["schema"] == "Company"
    assert payload["responses"]["entity1"]["results"] == []


def test_the_v1_route_answers_the_same(api: Any) -> None:
    body = json.loads((DATA / "yente_match_request.json").read_text())
    yente = _yente_client_post(api, "/match/default", body).json()
    ours = _yente_client_post(api, "/v1/parties/match", body).json()
    assert ours == yente


def test_optional_yente_fields_are_accepted(api: Any) -> None:
    body = json.loads((DATA / "yente_match_request_extras.json").read_text())
    answer = _yente_client_post(api, "/match/default", body)
    assert answer.status_code == 200, answer.text
    matches = answer.json()["responses"]["q1"]
    _check_entity_matches(matches, body["queries"]["q1"], 5)
    assert matches["query"]["id"] == "my-entity-id"
    assert matches["results"][0]["id"] == "ft-hubei-amarvel-biotech-co-ltd"


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"limit": 1}, lambda r: len(r) <= 1),
        ({"threshold": 1.01}, lambda r: all(not x["match"] for x in r)),
        ({"exclude_schema": "Company"}, lambda r: all(x["schema"] != "Company" for x in r)),
        (
            {"include_dataset": "us-doj-indictments"},
            lambda r: all("us-doj-indictments" in x["datasets"] for x in r),
        ),
        (
            {"exclude_entity_ids": "ft-hubei-amarvel-biotech-co-ltd"},
            lambda r: all(x["id"] != "ft-hubei-amarvel-biotech-co-ltd" for x in r),
        ),
    ],
)
def test_yente_query_parameters(api: Any, params: dict[str, Any], check: Any) -> None:
    body = {
        "queries": {"q": {"schema": "Company", "properties": {"name": ["Hubei Amarvel Biotech"]}}}
    }
    answer = _yente_client_post(api, "/match/default", body, **params)
    assert answer.status_code == 200, answer.text
    assert check(answer.json()["responses"]["q"]["results"])


def test_a_dataset_is_one_watchlist(api: Any) -> None:
    body = {
        "queries": {"q": {"schema": "Company", "properties": {"name": ["Hubei Amarvel Biotech"]}}}
    }
    on_list = _yente_client_post(api, "/match/us-doj-indictments", body)
    assert on_list.status_code == 200
    assert on_list.json()["responses"]["q"]["results"]
