"""Presentation mode in headless Chromium: every slide fits the screen at both projector
resolutions with no sidebar and the slide bar clear of the content, and the arrow keys, Next,
Previous and Exit step through the pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import SCREENSHOTS, VIEWPORTS, navigation, wait_for_app

pytestmark = pytest.mark.browser

BAR = ".st-key-present_bar"

# Every visible element of the slide (the bar and the key listener aside) whose box meets the
# slide bar's; and the slide's chart or map block, if it has one.
LAYOUT_JS = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const bar = box(document.querySelector('.st-key-present_bar'));
  const shown = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]')]
    .filter(e => !e.closest('.st-key-present_bar, .st-key-present_keys'))
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const meets = b => b.left < bar.right && b.right > bar.left && b.top < bar.bottom && b.bottom > bar.top;
  const last = shown.map(box).reduce((a, b) => (b.bottom > a.bottom ? b : a));
  const fill = document.querySelector('.st-key-slide_fill');
  return {
    bar: bar, last: last,
    overlapping: shown.filter(e => meets(box(e)))
      .map(e => e.getAttribute('data-testid') + ': ' + (e.innerText || '').slice(0, 60)),
    fill: fill ? box(fill) : null,
  };
}"""


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


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@pytest.fixture(scope="module")
def titles(browser, server) -> list[str]:
    """The navigation's page titles in order, read from the sidebar of the app as a page."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(server)
    wait_for_app(page)
    found = [title for title, _ in navigation(page)]
    page.close()
    return found


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_every_slide_fits_the_screen_with_the_slide_bar_clear_of_it(browser, server, titles, width, height):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert len(titles) == 9
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/?present=1")
    wait_for_app(page)
    for number, title in enumerate(titles, start=1):
        if number > 1:
            page.locator(".st-key-present_next button").click()
            _wait_for_slide(page, number)
        where = f"slide {number} ({title}) at {width}x{height}"
        page.screenshot(path=SCREENSHOTS / f"presentation-{number}-{_slug(title)}-{width}x{height}.png")
        assert page.locator("h1").first.inner_text().strip() == title, where
        assert _slide(page) == (number, len(titles)), where
        assert page.locator('[data-testid="stException"]').count() == 0, where
        assert page.locator('[data-testid="stSidebar"]').is_hidden(), where
        assert "present=1" in page.url, where
        scroll, client = _fits(page)
        assert scroll <= client, f"{where} needs scrolling: {scroll} > {client}"
        layout = page.evaluate(LAYOUT_JS)
        assert layout["overlapping"] == [], f"{where}: the slide bar covers {layout['overlapping']}"
        assert layout["last"]["bottom"] <= layout["bar"]["top"], f"{where}: {layout['last']} runs under the bar"
        if layout["fill"] is not None:  # the slide's chart or map gets a real share of the screen
            assert layout["fill"]["bottom"] - layout["fill"]["top"] >= 0.4 * height, f"{where}: {layout['fill']}"
    assert page.locator(".st-key-present_next button").is_disabled()
    page.close()


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
    assert scroll <= client, f"the Overview needs scrolling in presentation mode: {scroll} > {client}"
    # Large type: the root size is above the browser's 16 px at both resolutions.
    assert page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
    first, slides = _slide(page)
    assert (first, slides) >= (1, 5)
    assert page.locator(".st-key-present_prev button").is_disabled()

    page.mouse.click(5, height // 2)  # focus the page (a blank margin), not a widget
    page.keyboard.press("ArrowRight")
    _wait_for_slide(page, 2)
    second = page.locator("h1").first.inner_text().strip()
    assert second != "Overview"
    assert "present=1" in page.url
    assert page.locator('[data-testid="stSidebar"]').is_hidden()

    page.locator(".st-key-present_next button").click()
    _wait_for_slide(page, 3)
    third = page.locator("h1").first.inner_text().strip()
    assert third not in ("Overview", second)
    assert page.locator('[data-testid="stSidebar"]').is_hidden()

    page.mouse.click(5, height // 2)
    page.keyboard.press("ArrowLeft")
    _wait_for_slide(page, 2)
    assert page.locator("h1").first.inner_text().strip() == second

    page.locator(".st-key-present_exit button").click()
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
