"""Presentation mode in headless Chromium: the Overview fits the screen at both projector
resolutions with no sidebar, and the arrow keys and the Next button step through the pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import SCREENSHOTS, VIEWPORTS, wait_for_app

pytestmark = pytest.mark.browser

BAR = ".st-key-present_bar"


def _slide(page) -> tuple[int, int]:
    """(this slide's number, the number of slides) from the slide bar's "n of N"."""
    found = re.search(r"(\d+) of (\d+)", page.locator(BAR).inner_text())
    assert found, page.locator(BAR).inner_text()
    return int(found.group(1)), int(found.group(2))


def _wait_for_slide(page, number: int) -> None:
    page.wait_for_function(
        "([bar, n]) => { const b = document.querySelector(bar); return b && b.innerText.includes(n + ' of '); }",
        arg=[BAR, number], timeout=60_000)
    wait_for_app(page)


def _fits(page) -> tuple[int, int]:
    return page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return [m.scrollHeight, m.clientHeight]; }")


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_presentation_mode_fits_the_screen_and_steps_through_the_pages(browser, server, width, height):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/?present=1")
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Overview"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Demo data: synthetic, for illustration" in page.inner_text("body")
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.locator('[data-testid="stHeader"]').is_hidden()
    scroll, client = _fits(page)
    page.screenshot(path=SCREENSHOTS / f"presentation-overview-{width}x{height}.png")
    assert scroll <= client, f"the Overview needs scrolling in presentation mode: {scroll} > {client}"
    # Large type: the root size is above the browser's 16 px at both resolutions.
    assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
    first, slides = _slide(page)
    assert (first, slides) >= (1, 5)
    assert page.locator(f".st-key-present_prev button").is_disabled()

    page.mouse.click(5, height // 2)  # focus the page (a blank margin), not a widget
    page.keyboard.press("ArrowRight")
    _wait_for_slide(page, 2)
    second = page.locator("h1").first.inner_text().strip()
    assert second != "Overview"
    assert "present=1" in page.url
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    page.screenshot(path=SCREENSHOTS / f"presentation-slide-2-{width}x{height}.png")

    page.locator(f".st-key-present_next button").click()
    _wait_for_slide(page, 3)
    third = page.locator("h1").first.inner_text().strip()
    assert third not in ("Overview", second)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()

    page.mouse.click(5, height // 2)
    page.keyboard.press("ArrowLeft")
    _wait_for_slide(page, 2)
    assert page.locator("h1").first.inner_text().strip() == second

    page.locator(f".st-key-present_exit button").click()
    page.wait_for_function("() => !document.querySelector('.st-key-present_bar')", timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stSidebar"]').is_visible()
    assert "present=1" not in page.url
    page.close()


def test_the_toggle_on_the_overview_turns_presentation_mode_on(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(server)
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().strip() == "Overview"
    page.get_by_text("Presentation mode").click()
    page.wait_for_selector(BAR, timeout=60_000)
    wait_for_app(page)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert _slide(page)[0] == 1
    page.wait_for_function("() => location.search.includes('present=1')", timeout=10_000)
    page.close()
