"""The Hotspot map page through AppTest: the map's layers, the legend, a profile chosen from the
list (AppTest cannot click the map), the change measure, points, and real data without population."""

from __future__ import annotations

import json
import re
import math

import numpy as np

import pandas as pd
import pytest

from csp_dash.analysis import hotspots as H

PAGE = "pages/hotspots.py"


def open_page(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page(PAGE).run()
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
    assert [s.value for s in at.subheader] == ["LSOA profile", "Statistically tested hot and cold spots",
                                               "How concentrated is crime?"]
    # Every month is chosen, so there is no earlier period to compare with.
    assert at.selectbox(key="hot_measure").options == ["Records", "Rate per 1,000 residents", "IMD decile",
                                                   "Hot and cold spots (Gi*)"]
    assert any("change on the previous period needs the months before" in c.value for c in at.caption)
    spec = deck_spec(at)
    assert [layer["id"] for layer in spec["layers"]] == ["lsoas", "outline"]
    assert spec["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in spec  # no basemap: works offline
    features = spec["layers"][0]["data"]["features"]
    assert len(features) == 157
    counts = demo_store.read("crimes", columns=["lsoa_code"])["lsoa_code"].value_counts()
    busiest = counts.index[0]
    props = next(f["properties"] for f in features if f["properties"]["code"] == busiest)
    assert props["line1"] == f"{counts.iloc[0]:,} records"
    assert props["line2"] == "Rank 1 of 157 LSOAs by records (1 = highest)"
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
    assert len(at.get("plotly_chart")) == 3  # crime mix, control chart, concentration curve
    # The chosen LSOA is edged on the map.
    assert [layer["id"] for layer in deck_spec(at)["layers"]][-1] == "selected"


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
    at.selectbox(key="hot_measure").set_value("Hot and cold spots (Gi*)").run()
    assert not at.exception and not at.error
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
    expander = [e for e in at.expander if e.label == "How hot spots are tested"]
    assert "9,999 random permutations" in expander[0].markdown[0].value


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
    at = open_page(app_for, real_store)
    assert "Rate per 1,000 residents" not in at.selectbox(key="hot_measure").options
    assert any("No population is loaded for these LSOAs" in c.value for c in at.caption)
    assert any("count of records (no population is loaded)" in m.value for m in at.markdown)
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
    else:
        at.radio(key="hot_method").set_value("Natural breaks").run()
        assert "Natural breaks (Fisher-Jenks)" in legend_text(at)
    assert not at.exception and not at.error
    assert len(deck_spec(at)["layers"][0]["data"]["features"]) == 157
