"""The HTML report: self-contained, escaped, with every section."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from fentrace.shipments import Lookups, read_manifest, render_report, screen_manifest, write_report


class _Tags(HTMLParser):
    """Collects every tag and its attributes of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


HEADER = "shipment_id,date,shipper_name,shipper_country,consignee_name,consignee_country,description,quantity_kg,transport_mode,payment_method"


def test_report_is_self_contained_and_escaped(tmp_path: Path, fake_lookups: Lookups) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER
        + "\nX1,2024-03-01,<script>alert(1)</script>,CN,Taqueria <b>El Sol</b>,MX,NPP pharmaceutical intermediate,2,courier,USDT\n"
        + 'X2,2024-04-01,"<img src=http://evil.example/x.png>",CN,Bar,MX,NPP,2,courier,USDT\n'
        + "X3,2024-13-01,A,CN,B,MX,<iframe>,2,courier,USDT\n",
        encoding="utf-8",
    )
    manifest = read_manifest(path)
    result = screen_manifest(manifest, lookups=fake_lookups)
    out = tmp_path / "report.html"
    write_report(result, manifest, out)
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "<img" not in text
    assert "<iframe>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    parser = _Tags()
    parser.feed(text)
    tags = {tag for tag, _attrs in parser.tags}
    assert not tags & {"script", "img", "iframe", "link", "object", "embed"}
    for _tag, attrs in parser.tags:
        assert "src" not in attrs
        assert "href" not in attrs
    assert "@import" not in text
    assert "url(" not in text
    for section in ("Counts", "Charts", "Top alerts", "Rejected rows", "Indicator codes"):
        assert f"<h2>{section}</h2>" in text
    assert text.count("<svg") == 4
    for chart in re.findall(r"<svg.*?</svg>", text, re.DOTALL):
        ElementTree.fromstring(chart)  # each chart is well-formed XML
    assert "row 4" not in text  # rows are shown in the table, not as prose
    assert "<td>4</td><td>date</td>" in text
    assert "read = screened + rejected: 3 = 2 + 1" in text


def test_report_of_an_empty_manifest(tmp_path: Path, fake_lookups: Lookups) -> None:
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "\n", encoding="utf-8")
    manifest = read_manifest(path)
    text = render_report(screen_manifest(manifest, lookups=fake_lookups), manifest)
    assert "No shipment reached level low." in text
    assert "No row was rejected." in text
