"""The board pack PDF on the demo store: the expected pages with their titles, the demo label on
every page, suppressed counts kept suppressed, charts drawn by kaleido, and a readable pack
when Chromium is absent. Each page is rendered to PNG (pypdfium2) and saved for a look."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest

from csp_dash.analysis import overview as OV
from csp_dash.analysis.coverage import all_months, held_months
from csp_dash.analysis.disclosure import disclosure_note
from csp_dash.analysis.filters import Filters
from csp_dash.charts.overview import key_charts
from csp_dash.figures import overview as FO
from csp_dash.report import render
from csp_dash.report.board_pack import DEMO_LABEL, REAL_LABEL, BoardPack, build_pdf

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "artifacts" / "board-pack"
CHART_TITLES = [f"{name}: records a month, Central Bedfordshire" for name in
                ("Total recorded crime", "Anti-social behaviour", "Serious acquisitive crime",
                 "Violence and sexual offences")]


def make_pack(store, config, demo: bool = True) -> BoardPack:
    """The pack's contents, built as the Overview page builds them, at the default filters."""
    crimes = store.read("crimes", columns=["month", "category", "lsoa_code"])
    span = pd.DatetimeIndex(all_months(crimes["month"]))
    f = Filters(area_name=config.area.name, start=span[0], end=span[-1])
    threshold, label = config.disclosure.threshold, config.suppressed_label
    indicators, actions = store.read("indicators"), store.read("actions")
    tiles = FO.tiles(crimes, held_months(crimes["month"]), f, indicators, store.read("survey_responses"),
                     store.read("survey_answers"), config.area.name, config.survey.min_group_n, threshold, label)
    p = OV.priorities(indicators, actions, crimes, config.priorities, f, threshold, label)
    return BoardPack(
        partnership=config.area.partnership, strategy=config.strategy.title, area_name=config.area.name,
        filters_text=OV.filters_in_words(f), generated=pd.Timestamp("2026-11-25 10:30"),
        vintage=OV.data_vintage(span, store.manifest()["updated"]), demo=demo, tiles=tiles,
        sentences=OV.sentences(tiles, p), priorities=p, charts=key_charts(tiles, f.scope_label),
        disclosure_note=disclosure_note(threshold, label))


def pages_of(pdf: bytes, name: str) -> list[tuple[str, np.ndarray]]:
    """(text, RGB pixels) of every page, each page also saved as PNG under artifacts/board-pack/."""
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    (PAGES_DIR / f"{name}.pdf").write_bytes(pdf)
    doc = pdfium.PdfDocument(pdf)
    out = []
    for i, page in enumerate(doc):
        image = page.render(scale=1.4).to_pil().convert("RGB")
        image.save(PAGES_DIR / f"{name}-page-{i + 1:02d}.png")
        text = page.get_textpage().get_text_range()
        out.append((text, np.asarray(image)))
    doc.close()
    return out


def title_of(text: str) -> str:
    """A page's title: the line after the running header."""
    return text.splitlines()[1].strip()


def image_count(pdf: bytes, index: int) -> int:
    doc = pdfium.PdfDocument(pdf)
    n = sum(1 for _ in doc[index].get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE]))
    doc.close()
    return n


@pytest.fixture(scope="module")
def pack(demo_store, config) -> BoardPack:
    return make_pack(demo_store, config)


@pytest.fixture(scope="module")
def drawn(pack) -> bytes:
    if render.chromium_path() is None:
        message = "no Chromium for kaleido (apt-get install -y chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return build_pdf(pack)


def test_the_pdf_has_the_expected_pages(drawn, pack):
    pages = pages_of(drawn, "demo")
    titles = [title_of(text) for text, _ in pages]
    # Cover, overview, the priorities over as many pages as they take (five on the demo; a page
    # that continues a priority names it), one page per key chart, the notes.
    assert len(pages) == 12
    assert titles[:3] == ["Board pack", "Overview", "Priorities"]
    assert titles[3:7] == ["Priorities: Priority One: Ending Exploitation",
                           "Priorities: Priority Two: Domestic and Sexual Abuse",
                           "Priorities: Knowledge Gap: Substance Misuse",
                           "Priorities: What You Told Us: Engagement"]
    assert titles[7:] == [*CHART_TITLES, "Notes on method"]
    for i, (text, pixels) in enumerate(pages):
        assert DEMO_LABEL in text, f"page {i + 1} lacks the demo label"
        assert f"Page {i + 1} of {len(pages)}" in text
        assert (pixels < 128).any(axis=2).mean() > 0.005, f"page {i + 1} looks blank"
    cover = pages[0][0]
    for words in ("Safer Central", "CSP Strategy 2019-2021",
                  "Area: the whole of Central Bedfordshire. Months: Apr 2015 to Mar 2021.",
                  "25 November 2026, 10:30", "crime records to Mar 2021; store updated "):
        assert words in cover
    overview = pages[1][0]
    tiles = {t.key: t for t in pack.tiles}
    for key in ("total", "asb", "sac", "violence", "domestic_abuse"):
        assert tiles[key].value in overview
    assert "[c]" in overview and "change withheld: small numbers" in overview
    assert "What changed, and what is unusual" in overview


def test_suppressed_counts_stay_suppressed_in_the_priorities(drawn, pack):
    pages = pages_of(drawn, "demo-check")
    text = " ".join(t for t, _ in pages if title_of(t).startswith("Priorities")).replace("\r\n", " ")
    # Domestic homicide reviews (sensitive): 2 in 2020/21, shown as the label only.
    assert "<5 (2020/21)" in text
    dhr = next(v for views in pack.priorities.views.values() for v in views if v.indicator_id == "dhr_commissioned")
    assert dhr.latest == "<5"
    for section in ("Priority One: Ending Exploitation", "Priority Two: Domestic and Sexual Abuse",
                    "Knowledge Gap: Substance Misuse", "What we will do", "⚠ overdue by"):
        assert section in text


def chart_pages(pdf: bytes) -> list[int]:
    doc = pdfium.PdfDocument(pdf)
    found = [i for i, page in enumerate(doc) if title_of(page.get_textpage().get_text_range()) in CHART_TITLES]
    doc.close()
    return found


def test_the_charts_are_drawn_as_images(drawn):
    assert len(chart_pages(drawn)) == 4
    for index in chart_pages(drawn):
        assert image_count(drawn, index) == 1, f"page {index + 1} has no chart image"
    assert image_count(drawn, 1) == 0


def test_without_chromium_the_pack_is_built_with_a_note_in_place_of_each_chart(pack, monkeypatch, tmp_path):
    monkeypatch.delenv("CSP_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser anywhere on the PATH
    assert render.chromium_path() is None
    pdf = build_pdf(pack)
    pages = pages_of(pdf, "no-chromium")
    charts = chart_pages(pdf)
    assert [title_of(pages[i][0]) for i in charts] == CHART_TITLES
    # The same pages as a pack whose charts were drawn: a note stands in for each image.
    assert len(pages) == 12
    for index in charts:
        text = pages[index][0].replace("\r\n", " ")
        assert "Chart not drawn: no Chromium browser was found on this computer" in text
        assert "Charts need Chromium: install it with apt-get install chromium (Debian/Ubuntu)" in text
        assert image_count(pdf, index) == 0
        assert DEMO_LABEL in text


def test_a_real_store_pack_carries_no_demo_label(demo_store, config):
    pack = make_pack(demo_store, config, demo=False)
    pdf = build_pdf(pack, render=lambda figures: render.Rendered([None] * len(figures), render.NO_BROWSER))
    for i, (text, _) in enumerate(pages_of(pdf, "not-demo")):
        assert DEMO_LABEL not in text
        assert REAL_LABEL in text, f"page {i + 1} does not say its data is real"


def test_a_chromium_named_but_missing_counts_as_absent(monkeypatch, tmp_path):
    monkeypatch.setenv("CSP_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert render.chromium_path() is None
    assert render.render_png([pack_figure()]).images == [None]


def pack_figure():
    import plotly.graph_objects as go

    return go.Figure(go.Scatter(x=[1, 2], y=[1, 2]))


def test_without_a_unicode_font_the_symbols_become_words(demo_store, config, monkeypatch):
    from csp_dash.report import board_pack

    monkeypatch.setattr(board_pack, "find_font", lambda name: None)
    pack = make_pack(demo_store, config)
    pdf = build_pdf(pack, render=lambda figures: render.Rendered([None] * len(figures), render.NO_BROWSER))
    text = " ".join(t for t, _ in pages_of(pdf, "core-font")).replace("\r\n", " ")
    assert DEMO_LABEL in text
    assert "! overdue by" in text and "x Red" in text and "down 4%" in text
    assert "⚠" not in text and "✕" not in text
