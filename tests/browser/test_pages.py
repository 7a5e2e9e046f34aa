"""Every page in the navigation, loaded from a running server in headless Chromium."""

from __future__ import annotations

import re

import pytest

from tests.browser.harness import (
    SCREENSHOTS,
    VIEWPORTS,
    full_height_screenshot,
    navigation,
    running_server,
    wait_for_app,
)

pytestmark = pytest.mark.browser


def test_every_page_renders_without_error(browser, server):
    first = browser.new_page(viewport={"width": 1920, "height": 1080})
    first.goto(server)
    wait_for_app(first)
    pages = navigation(first)
    first.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for title, href in pages:
        for width, height in VIEWPORTS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(href)
            wait_for_app(page)
            assert page.locator('[data-testid="stException"]').count() == 0, f"{title}: an exception is shown"
            assert page.locator("h1").first.inner_text().strip() == title
            assert "Demo data: synthetic, for illustration" in page.inner_text("body")
            name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}x{height}.png")
            full_height_screenshot(page, SCREENSHOTS / f"{name}-{width}x{height}-full.png")
            page.close()


def test_a_deep_link_on_a_fresh_server_goes_through_the_app_shell(browser, browser_store):
    """On a new server the first request may be a bookmarked page: Streamlit's legacy pages/
    mode must not run that page without app.py's sidebar and banner."""
    with running_server(browser_store) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/data?scope=town&town=dunstable")
        wait_for_app(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "Filters" in sidebar.inner_text()
        assert sidebar.get_by_role("combobox", name="Town").input_value() == "Dunstable (21 LSOAs)"
        assert "Demo data: synthetic, for illustration" in page.inner_text("body")
        assert "town=dunstable" in page.url
        page.close()


def test_the_first_run_on_an_empty_store_builds_the_demo_showing_progress(browser, tmp_path):
    store = tmp_path / "cleaned"
    with running_server(store) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        page.get_by_text("First run: building the synthetic demo data").wait_for(timeout=30_000)
        wait_for_app(page, timeout_ms=180_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator("h1").first.inner_text().strip() == navigation(page)[0][0]
        assert "Demo data: synthetic, for illustration" in page.inner_text("body")
        page.close()
    assert (store / "manifest.json").exists() and (tmp_path / "demo-raw").is_dir()
