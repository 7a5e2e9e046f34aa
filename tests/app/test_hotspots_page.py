"""The Hotspot map page through AppTest: the map's layers, the legend and tooltips, a profile chosen
from the list or by a click on the map (the chart's selection state set as the browser sends it),
repeat locations, the change measure, hot spots with an island, points, and real data without
population. tests/browser/test_hotspot_click.py clicks the map in Chromium."""

from __future__ import annotations

import json
import re
import math

import numpy as np

import pandas as pd
import pytest

from csp_dash.analysis import hotspots as H
from csp_dash.charts import maps

PAGE = "pages/hotspots.py"
SECTIONS = ["LSOA profile", "Tested hot and cold spots", "How concentrated crime is"]


def open_page(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_section(at, section: str):
    """Open a tab below the map, as a click on its label does (the tabs rerun the page)."""
    at.session_state["hot_section"] = section
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def deck_spec(at) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def legend_text(at) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_the_map_shows_every_lsoa_with_a_stated_legend_offline(app_for, demo_store):
    at = open_page(app_for, demo_store)
    assert at.title[0].value == "Hotspot map"
    # Below the map, one section at a time: only the open tab is run and sent, so the map draws first.
    assert [t.label for t in at.tabs] == SECTIONS
    assert at.session_state["hot_section"] == "LSOA profile"
    assert at.selectbox(key="hot_lsoa").value is None
    assert not at.get("plotly_chart") and not at.dataframe and not at.expander
    # Every month is chosen, so there is no earlier period to compare with.
    assert at.selectbox(key="hot_measure").options == ["Records", "Rate per 1,000 residents", "IMD decile",
                                                   "Hot and cold spots (Gi*)"]
    assert any("The change on the previous period is withheld: the store holds no month of the previous period "
               "(Apr 2009 to Mar 2015)." in c.value for c in at.caption)
    spec = deck_spec(at)
    assert [layer["id"] for layer in spec["layers"]] == ["lsoas", "lsoa_edges", "outline"]
    assert [layer["@@type"] for layer in spec["layers"]] == ["GeoJsonLayer", "LineLayer", "LineLayer"]
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec  # no basemap: works offline
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 157
    counts = demo_store.read("crimes", columns=["lsoa_code"])["lsoa_code"].value_counts()
    busiest = counts.index[0]
    props = next(f["properties"] for f in features if f["properties"]["code"] == busiest)
    assert props["line1"] == f"{counts.iloc[0]:,} records"
    assert props["line2"] == "Rank 1 of 157 LSOAs by records (1 = most)"
    assert props["line3"] == f"{counts.iloc[0] / counts.sum():.1%} of the {counts.sum():,} records mapped"
    assert props["title"].endswith(f"({busiest})")
    assert "{title}" in json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["html"]
    legend = legend_text(at)
    assert "Records" in legend and "Quantiles; each class includes its upper value." in legend
    assert legend.count("background:") == 5  # five stated classes
    # The top class starts just above the 80th percentile of the LSOAs' counts.
    q80 = np.quantile(counts.to_numpy(), 0.8)
    assert f"{math.floor(q80) + 1:,} to {counts.max():,}" in legend
    assert f"{counts.min():,} to {math.floor(np.quantile(counts.to_numpy(), 0.2)):,}" in legend


def test_choosing_an_lsoa_from_the_list_opens_its_profile(app_for, demo_store):
    at = open_page(app_for, demo_store)
    crimes = demo_store.read("crimes", columns=["lsoa_code", "month"])
    code = crimes["lsoa_code"].value_counts().index[5]
    at.selectbox(key="hot_lsoa").set_value(code).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Records"] == f"{(crimes['lsoa_code'] == code).sum():,}"
    population = demo_store.read("population", filters=[("lsoa_code", "==", code)]).sort_values("year")
    assert metrics["Residents"] == f"{population['population'].iloc[-1]:,}"
    dep = demo_store.read("deprivation", filters=[("lsoa_code", "==", code)]).iloc[0]
    assert metrics["IMD decile"] == str(dep["imd_decile"])
    captions = [c.value for c in at.caption]
    assert "Rank 6 of 157 LSOAs (1 = most)" in captions
    assert f"Rank {dep['imd_rank']:,} of 32,844; 1 = most deprived" in captions
    assert "**Last 24 months, with control limits**" in [m.value for m in at.markdown]
    # Repeat locations only: the snap points with 2 or more records, busiest first, at most 10.
    points = demo_store.read("crimes", columns=["longitude", "latitude", "location"],
                             filters=[("lsoa_code", "==", code)]).groupby(["longitude", "latitude", "location"]).size()
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["location", "records", "most often"])
    assert shown["records"].tolist() == points[points >= 2].sort_values(ascending=False).head(10).tolist()
    assert "**Repeat locations in this LSOA**" in [m.value for m in at.markdown]
    assert "Snap points with 2 or more records in Apr 2015 to Mar 2021, busiest first (at most 10)." in captions
    assert len(at.get("plotly_chart")) == 2  # crime mix, control chart
    # The chosen LSOA is edged on the map.
    assert [layer["id"] for layer in deck_spec(at)["layers"]][-1] == "selected"


def selection(code: str, index: int = 0) -> dict:
    """The chart's state after a click on the LSOA ``code``, as the browser sends it: the picked
    GeoJSON feature under the layer's id (see tests/charts/test_maps.py)."""
    feature = {"type": "Feature", "geometry": None, "properties": {"code": code, "name": "", "title": ""}}
    return {"selection": {"indices": {"lsoas": [index]}, "objects": {"lsoas": [feature]}}}


def profile_heading(at) -> str | None:
    """The profile's "### name · town · code" heading, or None when no LSOA is profiled."""
    return next((m.value for m in at.main.markdown if m.value.startswith("### ") and " · " in m.value), None)


def test_a_click_on_the_map_opens_that_lsoas_profile(app_for, demo_store):
    at = open_page(app_for, demo_store)
    assert profile_heading(at) is None
    lsoas = demo_store.read("lsoas", columns=["code", "name", "area"]).query("area")
    code = lsoas["code"].iloc[17]
    at.session_state["hot_map"] = selection(code, 17)
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="hot_lsoa").value == code
    assert profile_heading(at).startswith(f"### {lsoas['name'].iloc[17]} · ")
    assert profile_heading(at).endswith(f" · {code}")
    layers = deck_spec(at)["layers"]
    feature = next(f for f in layers[0]["data"]["features"] if f["properties"]["code"] == code)
    assert layers[-1]["id"] == "selected"
    assert layers[-1]["data"] == maps.ring_segments([feature["geometry"]])  # its edge, every side once
    # The list can still change it while the map's selection stays: a click counts once.
    other = lsoas["code"].iloc[3]
    at.selectbox(key="hot_lsoa").set_value(other).run()
    assert profile_heading(at).endswith(f" · {other}")
    # Another tab keeps the chosen LSOA edged on the map, and the profile comes back with it.
    open_section(at, "How concentrated crime is")
    assert profile_heading(at) is None and deck_spec(at)["layers"][-1]["id"] == "selected"
    open_section(at, "LSOA profile")
    assert profile_heading(at).endswith(f" · {other}")
    # A click on another LSOA opens that one, and brings its profile's tab to the front.
    open_section(at, "Tested hot and cold spots")
    at.session_state["hot_map"] = selection(lsoas["code"].iloc[40], 40)
    at.run()
    assert at.session_state["hot_section"] == "LSOA profile"
    assert profile_heading(at).endswith(f" · {lsoas['code'].iloc[40]}")


def test_a_click_outside_the_chosen_town_changes_nothing(app_for, demo_store):
    at = open_page(app_for, demo_store, scope="town", town="dunstable")
    outside = next(c for c in demo_store.read("lsoas", columns=["code", "area"]).query("area")["code"]
                   if c not in at.selectbox(key="hot_lsoa").options)
    at.session_state["hot_map"] = selection(outside)
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="hot_lsoa").value is None and profile_heading(at) is None


def test_an_lsoa_with_no_repeat_location_says_so(app_for, demo_store):
    crimes = demo_store.read("crimes", columns=["month", "lsoa_code", "longitude", "latitude"])
    month = crimes[crimes["month"] == pd.Timestamp("2020-01-01")].dropna(subset=["lsoa_code"])
    per_point = month.groupby(["lsoa_code", "longitude", "latitude"]).size().groupby("lsoa_code").max()
    code = per_point[per_point == 1].index[0]
    at = open_page(app_for, demo_store, **{"from": "2020-01", "to": "2020-01"})
    at.selectbox(key="hot_lsoa").set_value(code).run()
    assert "No location in this LSOA has 2 or more records in Jan 2020 to Jan 2020." in [c.value for c in at.caption]
    assert not [d for d in at.dataframe if list(d.value.columns) == ["location", "records", "most often"]]


def test_an_island_is_left_out_of_gi_star_and_named(app_for, demo_store):
    area = demo_store.read("lsoas", filters=[("area", "==", True)]).set_index("code")
    w = H.queen_weights(area)
    # 24 neighbouring LSOAs, grown outwards from the first, and one touching none of them.
    chosen = [area.index[0]]
    while len(chosen) < 24:
        ring = dict.fromkeys(n for c in chosen for n in w.neighbors[c] if n not in chosen)
        chosen += list(ring)[: 24 - len(chosen)]
    island = next(c for c in area.index if c not in chosen and not set(w.neighbors[c]) & set(chosen))
    at = open_section(open_page(app_for, demo_store, scope="lsoas", lsoa=",".join(chosen + [island])),
                      "Tested hot and cold spots")
    assert "1 LSOA with no neighbouring LSOA was left out of Gi* as island: named in the method below." in [
        c.value for c in at.caption]
    assert [i.value for i in at.info] == []  # the test ran
    sentence = next(m.value for m in at.markdown if m.value.startswith("**") and " among " in m.value)
    assert " among 24 LSOAs, " in sentence
    method = next(e for e in at.expander if e.label == "How hot spots are tested").markdown[0].value
    assert method.endswith(f"is left out of the test: {area.loc[island, 'name']} ({island}).")
    at.selectbox(key="hot_measure").set_value("Hot and cold spots (Gi*)").run()
    props = next(f["properties"] for f in deck_spec(at)["layers"][0]["data"]["features"]
                 if f["properties"]["code"] == island)
    assert props["line1"] == H.NO_NEIGHBOUR and props["line2"] == "Not tested, so no rank"
    assert "No value, or no neighbour" in legend_text(at)


def test_change_on_the_previous_period_and_hot_spots(app_for, demo_store):
    at = open_page(app_for, demo_store)
    at.sidebar.select_slider(key="f_months").set_value((pd.Timestamp("2019-04-01"),
                                                        pd.Timestamp("2020-03-01"))).run()
    assert "Change on the previous period" in at.selectbox(key="hot_measure").options
    at.selectbox(key="hot_measure").set_value("Change on the previous period").run()
    assert not at.exception and not at.error
    legend = legend_text(at)
    assert "Change in records" in legend and "Against Apr 2018 to Mar 2019" in legend
    features = deck_spec(at)["layers"][0]["data"]["features"]
    assert all(" in Apr 2018 to Mar 2019" in f["properties"]["line1"] for f in features)
    assert all(f["properties"]["line2"].endswith("LSOAs by change (1 = biggest rise)")
               or f["properties"]["line2"] == "No records in either period, so no rank"
               for f in features if f["properties"]["title"] != "Outside the chosen area")
    at.selectbox(key="hot_measure").set_value("Hot and cold spots (Gi*)").run()
    assert not at.exception and not at.error
    open_section(at, "Tested hot and cold spots")
    assert "Hot spot, 99%" in legend_text(at) and "Cold spot, 99%" in legend_text(at)
    sentence = next(m.value for m in at.markdown if "spot" in m.value and "among" in m.value)
    found = re.match(r"\*\*(\d+) hot\*\* and \*\*(\d+) cold\*\* spots? among 157 LSOAs, on each LSOA's rate "
                     r"per 1,000 residents, at 90% confidence or more\.", sentence)
    assert found, sentence
    spots = int(found.group(1)) + int(found.group(2))
    tables = [d.value for d in at.dataframe if "Gi* z" in d.value.columns]
    # The table, and the same table in its "Show data" expander.
    assert len(tables) == (2 if spots else 0) and all(len(t) == spots for t in tables)
    features = deck_spec(at)["layers"][0]["data"]["features"]
    assert sum(f["properties"]["line1"].startswith(("Hot spot", "Cold spot")) for f in features) == spots
    hottest = max((f["properties"] for f in features), key=lambda p: float(p["line1"].split("z = ")[1].split(",")[0])
                  if "z = " in p["line1"] else -99)
    assert hottest["line2"] == "Rank 1 of 157 LSOAs by Gi* z (1 = hottest)"
    method = next(e for e in at.expander if e.label == "How hot spots are tested").markdown[0].value
    assert "9,999 random permutations" in method
    assert "It uses 9,999 permutations, not the customary 999, because with 999 the smallest two-sided " in method
    assert method.endswith("No LSOA here lacks a neighbour, so none is left out as an island.")
    assert not any("as island" in c.value for c in at.caption)


def test_points_for_a_small_selection_and_squares_for_a_large_one(app_for, demo_store):
    at = open_page(app_for, demo_store)
    at.toggle(key="hot_points").set_value(True).run()
    assert [layer["@@type"] for layer in deck_spec(at)["layers"]][-1] == "PolygonLayer"
    assert "Records per 500 m square" in legend_text(at)
    # One LSOA and one month: a few dozen records, drawn at their snap points.
    code = demo_store.read("crimes", columns=["lsoa_code"])["lsoa_code"].iloc[0]
    at = open_page(app_for, demo_store, scope="lsoas", lsoa=code, **{"from": "2020-01", "to": "2020-01"})
    at.toggle(key="hot_points").set_value(True).run()
    layers = deck_spec(at)["layers"]
    assert layers[-1]["@@type"] == "ScatterplotLayer"
    direct = demo_store.read("crimes", columns=["lsoa_code"], filters=[
        ("lsoa_code", "==", code), ("month", "==", pd.Timestamp("2020-01-01"))])
    assert sum(r["records"] for r in layers[-1]["data"]) == len(direct)


def test_real_data_without_population_maps_counts_and_says_why(app_for, real_store):
    at = open_section(open_page(app_for, real_store), "Tested hot and cold spots")
    assert "Rate per 1,000 residents" not in at.selectbox(key="hot_measure").options
    assert any("No population is loaded for these LSOAs" in c.value for c in at.caption)
    assert any("count of records (no population is loaded)" in m.value for m in at.markdown)
    open_section(at, "How concentrated crime is")
    crimes = real_store.read("crimes", columns=["lsoa_code"])
    conc = H.concentration(crimes["lsoa_code"].value_counts().reindex(
        real_store.read("lsoas", columns=["code", "area"]).query("area")["code"], fill_value=0))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Records in the busiest 10% of LSOAs"] == f"{conc['share_of_records'].iloc[1]:.0%}"


@pytest.mark.parametrize("measure", ["Records", "Rate per 1,000 residents", "IMD decile"])
def test_each_measure_draws_without_error(app_for, demo_store, measure):
    at = open_page(app_for, demo_store)
    at.selectbox(key="hot_measure").set_value(measure).run()
    if measure == "IMD decile":
        assert at.radio(key="hot_method").disabled  # deciles are their own classes
        assert "1: most deprived 10%" in legend_text(at)
        dep = demo_store.read("deprivation", columns=["lsoa_code", "imd_rank"]).set_index("lsoa_code")["imd_rank"]
        area = demo_store.read("lsoas", columns=["code", "area"]).query("area")["code"]
        most = dep.reindex(area).idxmin()
        props = next(f["properties"] for f in deck_spec(at)["layers"][0]["data"]["features"]
                     if f["properties"]["code"] == most)
        assert props["line2"] == "Rank 1 of 157 LSOAs by deprivation (1 = most deprived)"
        assert props["line3"] == f"Rank {dep[most]:,} of England's 32,844 LSOAs (1 = most deprived)"
    else:
        at.radio(key="hot_method").set_value("Natural breaks").run()
        assert "Natural breaks (Fisher-Jenks)" in legend_text(at)
    assert not at.exception and not at.error
    assert len(deck_spec(at)["layers"][0]["data"]["features"]) == 157
