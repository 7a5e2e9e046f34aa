"""The board pack in a browser: one click on the Overview's button downloads a PDF made at that
moment, with its charts drawn, the demo label on every page and the data vintage on the cover."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from csp_dash.report.board_pack import DEMO_LABEL
from tests.browser.harness import wait_for_app

pytestmark = pytest.mark.browser


def test_one_click_downloads_the_board_pack(browser, server, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page.goto(f"{server}/overview")
    wait_for_app(page)
    button = page.locator(".st-key-ov_pack").get_by_role("button", name="Board pack (PDF)")
    with page.expect_download(timeout=180_000) as info:  # the charts take seconds to draw
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("board-pack-") and download.suggested_filename.endswith(".pdf")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")

    doc = pdfium.PdfDocument(data)
    texts = [p.get_textpage().get_text_range() for p in doc]
    images = [sum(1 for _ in p.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE])) for p in doc]
    doc.close()
    titles = [t.splitlines()[1].strip() for t in texts]
    assert titles[:3] == ["Board pack", "Overview", "Priorities"]
    assert titles[-1] == "Notes on method"
    assert all(DEMO_LABEL in t for t in texts)
    assert "crime records to Mar 2021; partner indicators to Mar 2021; survey wave 2019; store updated" in \
        texts[0].replace("\r\n", " ")
    chart_pages = [i for i, t in enumerate(titles) if t.endswith("records a month, Central Bedfordshire")]
    assert len(chart_pages) == 4
    assert all(images[i] == 1 for i in chart_pages), "a key chart was not drawn"
    page.close()
