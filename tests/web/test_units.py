"""Unit tests of the web package's small pure parts: sessions, charts, routes, links."""

from __future__ import annotations

from datetime import date

import pytest

from fentrace.service import Principal
from fentrace.web import charts
from fentrace.web.evidence import graph_script, split_links
from fentrace.web.queue import parse_route
from fentrace.web.sessions import SESSION_SECONDS, SessionSigner, same_token

ANA = Principal("user", "ana", "ana", "analyst")


def test_a_session_round_trips_and_expires() -> None:
    signer = SessionSigner(b"secret")
    cookie, session = signer.issue(ANA, now=1000.0)
    read = signer.read(cookie, now=1000.0 + SESSION_SECONDS - 1)
    assert read == session
    assert signer.read(cookie, now=1000.0 + SESSION_SECONDS + 1) is None


@pytest.mark.parametrize(
    "cookie",
    ["", "nodot", "a.b", "x" * 5000, "e30.AAAA"],
)
def test_malformed_cookies_are_no_session(cookie: str) -> None:
    assert SessionSigner(b"secret").read(cookie) is None


def test_a_cookie_signed_under_another_secret_is_refused() -> None:
    cookie, _ = SessionSigner(b"one").issue(ANA)
    assert SessionSigner(b"two").read(cookie) is None


def test_visitor_tokens_differ_by_visitor_and_compare_exactly() -> None:
    signer = SessionSigner(b"secret")
    assert signer.visitor_token("a") != signer.visitor_token("b")
    assert same_token(signer.visitor_token("a"), signer.visitor_token("a"))
    assert not same_token(signer.visitor_token("a"), None)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("CN>MX>US", ("CN", "MX", "US")),
        ("cn - us", ("CN", "US")),
        ("CN", ("CN",)),
        ("", ()),
        ("1234", ()),
    ],
)
def test_parse_route(text: str, codes: tuple[str, ...]) -> None:
    assert parse_route(text) == codes


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("no link", [("no link", False)]),
        (
            "DOJ - via https://example.org/a ; more",
            [("DOJ - via ", False), ("https://example.org/a", True), (" ; more", False)],
        ),
        ("https://x.example", [("https://x.example", True)]),
    ],
)
def test_split_links(text: str, pieces: list[tuple[str, bool]]) -> None:
    assert split_links(text) == pieces


def test_chart_labels_are_escaped() -> None:
    svg = charts.bar_chart("<b>t</b>", [("<script>", 3)], {})
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    spans = [charts.Span("US", date(2020, 1, 1), None, "<i>List I</i>", "a & b", True)]
    timeline = charts.control_timeline(spans, date(2024, 1, 1))
    assert "<i>" not in timeline
    assert "&lt;i&gt;List I&lt;/i&gt;" in timeline


def test_charts_use_no_style_attribute() -> None:
    months = [date(2024, m, 1) for m in range(1, 7)]
    made = [
        charts.bar_chart("t", [("high", 1)], charts.LEVEL_COLOURS),
        charts.control_timeline([], date(2024, 1, 1)),
        charts.line_chart("t", months, [("a", [1, 2, 3, 4, 5, 6])], "kg"),
    ]
    for svg in made:
        assert "style=" not in svg


def test_graph_script_is_the_network_view() -> None:
    script = graph_script()
    assert script.lstrip().startswith("(function")
    assert "<script" not in script
    assert "</script" not in script


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


#: (text, background) pairs the stylesheet and the charts use.
PAIRS = [
    *(("#ffffff", c) for c in charts.LEVEL_COLOURS.values()),
    *(("#ffffff", c) for c in charts.DISPOSITION_COLOURS.values()),
    ("#ffffff", "#0b3d63"),  # header and buttons
    ("#ffffff", "#0b5cad"),  # timeline bars
    ("#ffffff", "#6b4fa0"),  # unverified timeline bars
    ("#0b57a8", "#ffffff"),  # links
    ("#0b57a8", "#f4f6f8"),  # links on cards
    ("#4a4a4a", "#f4f6f8"),  # muted text on cards
    ("#1b1b1b", "#f6d5d9"),  # gap matrix: controlled
    ("#1b1b1b", "#fff1c2"),  # gap matrix: free
    ("#0b3d63", "#ffffff"),  # sign-out button
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_colours_pass_wcag_aa(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5


def test_contrast_formula_on_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") < 4.5  # the classic grey that fails AA


def test_a_revoked_session_no_longer_reads() -> None:
    signer = SessionSigner(b"secret")
    cookie, session = signer.issue(ANA)
    other, _ = signer.issue(ANA)
    signer.revoke(session)
    assert signer.read(cookie) is None
    assert signer.read(other) is not None
