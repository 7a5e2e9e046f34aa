"""Screenshots of the pages most affected by a gap in the data, on the store of real data
(``real_full_store``: 17 police.uk months with a 26-month gap, IoD2019 and two population
years), served by `streamlit run app.py` and drawn by headless Chromium.

The screenshots (``artifacts/screenshots/real-*.png``) are for a person to look at: zeros in the
gap, changes claimed against months not held, text cut off. The test itself checks only that
each page draws without an exception and without the demo label.
"""

from __future__ import annotations

import re

import pytest

from csp_dash.ui.layout import DEMO_BANNER
from tests.browser.harness import SCREENSHOTS, VIEWPORTS, full_height_screenshot, navigation, running_server, \
    wait_for_app

pytestmark = pytest.mark.browser

PAGES = ["Overview", "Trends", "Hotspot map", "Deprivation"]
# A second look at the map: a range whose previous period is held (Sep to Dec 2021), so the
# change measure is offered, and one whose previous period is not (May 2020 to Apr 2021).
RANGES = [("2022-01", "2022-04"), ("2021-05", "2022-04")]


@pytest.fixture(scope="module")
def real_server(real_full_store):
    with running_server(real_full_store.path) as url:
        yield url


@pytest.fixture(scope="module")
def real_pages(browser, real_server) -> dict[str, str]:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(real_server)
    wait_for_app(page)
    found = dict(navigation(page))
    page.close()
    return found


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def check(page, title: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, f"{title}: an exception is shown"
    assert page.locator("h1").first.inner_text().strip() == title
    body = page.inner_text("body")
    assert DEMO_BANNER not in body and "synthetic" not in body.lower(), f"{title}: the demo label is shown"


@pytest.mark.parametrize("title", PAGES)
def test_real_store_page_screenshots(browser, real_pages, title):
    assert title in real_pages, sorted(real_pages)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(real_pages[title])
        wait_for_app(page)
        check(page, title)
        page.screenshot(path=SCREENSHOTS / f"real-{slug(title)}-{width}x{height}.png")
        full_height_screenshot(page, SCREENSHOTS / f"real-{slug(title)}-{width}x{height}-full.png")
        page.close()


@pytest.mark.parametrize("start,end", RANGES)
def test_real_store_hotspot_map_over_a_chosen_range(browser, real_pages, start, end):
    url = f"{real_pages['Hotspot map'].split('?')[0]}?from={start}&to={end}"
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(url)
    wait_for_app(page)
    check(page, "Hotspot map")
    full_height_screenshot(page, SCREENSHOTS / f"real-hotspot-map-{start}-to-{end}-1920x1080-full.png")
    page.close()
