"""Presentation mode in AppTest: each page draws its slide (its headline chart, table or map)
and stops there, and a slide shows the same chart as its page."""

from __future__ import annotations

import json

import pytest

# page, title, the subheaders on its slide, plotly charts, maps, and what only the page shows
SLIDES = [
    ("pages/assessment.py", "Strategic assessment", [], 1, 0, "Harm weights"),
    ("pages/priorities.py", "Priorities", [], 0, 0, "Downloads"),
    ("pages/survey.py", "Community survey", ["Headline results, wave 2019"], 1, 0, "Breakdowns"),
    ("pages/trends.py", "Trends", ["Monthly series"], 1, 0, "Control chart"),
    ("pages/seasonal.py", "Seasonal patterns", ["All recorded crime (excluding ASB): year by month"], 1, 0,
     "Summary"),
    ("pages/hotspots.py", "Hotspot map", [], 0, 1, "LSOA profile"),
    ("pages/deprivation.py", "Deprivation", [], 0, 1, "The seven domains"),
    ("pages/data.py", "Data", ["Coverage by month and category"], 1, 0, "Sources"),
]


def _page(app_for, store_path, path, **query):
    at = app_for(store_path, **query).run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def _below_the_fold(at) -> list[str]:
    """Widgets and blocks a slide never has: expanders, downloads, tables and editors, headers."""
    return [kind for kind in ("expander", "download_button", "dataframe", "header") if len(at.get(kind))]


@pytest.mark.parametrize("path,title,subheaders,charts,maps,page_only", SLIDES)
def test_each_page_stops_after_its_slide(app_for, demo_store, path, title, subheaders, charts, maps, page_only):
    at = _page(app_for, demo_store.path, path, present="1")
    assert at.title[0].value == title
    assert at.session_state["presenting"] is True
    assert [s.value for s in at.subheader] == subheaders
    assert len(at.get("plotly_chart")) == charts
    assert len(at.get("deck_gl_json_chart")) == maps
    assert _below_the_fold(at) == []
    # The same page outside presentation mode goes on past the slide.
    page = _page(app_for, demo_store.path, path)
    assert page_only in [h.value for h in page.header] + [s.value for s in page.subheader] + [
        t.label for t in page.tabs]


def test_the_priorities_slide_is_the_status_of_each_priority(app_for, demo_store):
    at = _page(app_for, demo_store.path, "pages/priorities.py", present="1")
    text = [m.value for m in at.markdown]
    assert any(t.startswith("| Priority | ✕ Red | ! Amber |") for t in text)
    assert any(t.startswith("**As of 31 March 2021**") for t in text)


def test_a_slide_leaves_the_controls_out_but_keeps_their_defaults(app_for, demo_store):
    survey = _page(app_for, demo_store.path, "pages/survey.py", present="1")
    assert survey.selectbox(key="s_wave").value == "2019"  # drawn in the hidden block: the latest wave
    hotspots = _page(app_for, demo_store.path, "pages/hotspots.py", present="1")
    assert hotspots.selectbox(key="hot_measure").value == "Records"
    assert hotspots.toggle(key="hot_fill").value is True
    assert "LSOA colours" not in " ".join(c.value for c in hotspots.caption)
    trends = _page(app_for, demo_store.path, "pages/trends.py", present="1")
    assert len(trends.get("button_group")) == 0 and len(trends.main.radio) == 0  # no series pills, no counts/rate
    page = _page(app_for, demo_store.path, "pages/trends.py")
    assert len(page.get("button_group")) == 1 and page.main.radio(key="t_measure").value == "Counts"


@pytest.mark.parametrize("path", ["pages/assessment.py", "pages/seasonal.py", "pages/trends.py"])
def test_a_slide_draws_the_chart_its_page_draws(app_for, demo_store, path):
    slide = json.loads(_page(app_for, demo_store.path, path, present="1").get("plotly_chart")[0].proto.spec)
    page = json.loads(_page(app_for, demo_store.path, path).get("plotly_chart")[0].proto.spec)
    assert slide["data"] == page["data"]
    assert slide["layout"] == page["layout"]


def test_the_data_slide_gives_the_coverage_chart_the_room_above_its_cells(app_for, demo_store):
    slide = json.loads(_page(app_for, demo_store.path, "pages/data.py", present="1").get("plotly_chart")[0].proto.spec)
    page = json.loads(_page(app_for, demo_store.path, "pages/data.py").get("plotly_chart")[0].proto.spec)
    assert slide["data"] == page["data"]
    assert slide["layout"]["margin"]["t"] == 12 and "t" not in page["layout"].get("margin", {})


@pytest.mark.parametrize("path", ["pages/hotspots.py", "pages/deprivation.py"])
def test_a_slide_map_is_fitted_to_the_smaller_slide(app_for, demo_store, path):
    def view(at):
        return json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]

    slide = view(_page(app_for, demo_store.path, path, present="1"))
    page = view(_page(app_for, demo_store.path, path))
    assert (slide["longitude"], slide["latitude"]) == pytest.approx((page["longitude"], page["latitude"]))
    assert slide["zoom"] < page["zoom"]  # the whole area shows in the slide's shorter map
