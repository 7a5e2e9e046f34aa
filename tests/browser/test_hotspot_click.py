"""A click on the Hotspot map in Chromium: the LSOA under the pointer gets the profile, and its
tooltip gives the name, the value and the rank."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.ops import polylabel

from csp_dash.charts import maps
from tests.browser.harness import SCREENSHOTS, wait_for_app

pytestmark = pytest.mark.browser

MAP_HEIGHT = 540  # pages/hotspots.py draws the deck this high, and fits its view to that height


def _world(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-Mercator pixels at ``zoom`` (deck.gl's world is 512 px wide at zoom 0)."""
    size = 512 * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * size, (1 - y / math.pi) / 2 * size


def _inside_point(lsoa) -> tuple[float, float]:
    """The point of the LSOA farthest from its edges (in metres), in WGS84: a click there cannot
    land on a neighbour whatever the simplification."""
    import geopandas as gpd

    bng = gpd.GeoSeries([lsoa.geometry], crs=4326).to_crs(maps.BNG).iloc[0]
    part = max(getattr(bng, "geoms", [bng]), key=lambda g: g.area)
    point = gpd.GeoSeries([polylabel(part, tolerance=10)], crs=maps.BNG).to_crs(4326).iloc[0]
    return point.x, point.y


def test_a_click_on_an_lsoa_opens_its_profile(browser, server, demo_store):
    area = demo_store.read("lsoas", filters=[("area", "==", True)]).reset_index(drop=True)
    view = maps.fit_view(tuple(area.total_bounds), height_px=MAP_HEIGHT)
    # The biggest LSOA: a rural one, large on screen at the district's zoom.
    lsoa = area.loc[area.geometry.to_crs(maps.BNG).area.idxmax()]
    lon, lat = _inside_point(lsoa)
    assert shapely.Point(lon, lat).within(lsoa.geometry)
    cx, cy = _world(view.longitude, view.latitude, view.zoom)
    px, py = _world(lon, lat, view.zoom)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/hotspots")
    wait_for_app(page)
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2 + (px - cx), box["y"] + box["height"] / 2 + (py - cy)
    assert box["x"] < x < box["x"] + box["width"] and box["y"] < y < box["y"] + box["height"]
    assert page.locator("h3", has_text=lsoa["code"]).count() == 0

    page.mouse.move(x, y)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    text = tooltip.inner_text()
    assert f"{lsoa['name']} ({lsoa['code']})" in text
    assert " records" in text and "LSOAs by records (1 = most)" in text and "{" not in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "hotspot-map-tooltip-1280x900.png")

    page.mouse.click(x, y)
    heading = page.locator("h3", has_text=f" · {lsoa['code']}")
    heading.wait_for(timeout=30_000)
    wait_for_app(page)
    assert heading.inner_text().strip().startswith(f"{lsoa['name']} · ")
    assert page.locator('[data-testid="stException"]').count() == 0
    heading.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "hotspot-map-after-click-1280x900.png")
    page.close()
