"""Map building blocks: simplified GeoJSON, stated class breaks, colours, layers, the deck, legends."""

from __future__ import annotations

import itertools
import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from csp_dash.analysis import hotspots as H
from csp_dash.analysis.coverage import paired_months, previous_months
from csp_dash.analysis.dispersion import NOT_ESTIMABLE
from csp_dash.charts import hotspots as C
from csp_dash.charts import maps


def bng_squares() -> gpd.GeoDataFrame:
    """Two 1 km squares near Ampthill drawn in British National Grid, the first with a vertex every
    metre along its bottom edge (all collinear, so simplification must drop them)."""
    x0, y0 = 503_000.0, 237_000.0
    bottom = [(x0 + i, y0) for i in range(0, 1000)]
    first = shapely.Polygon(bottom + [(x0 + 1000, y0), (x0 + 1000, y0 + 1000), (x0, y0 + 1000)])
    second = shapely.box(x0 + 1000, y0, x0 + 2000, y0 + 1000)
    return gpd.GeoDataFrame({"code": ["E01000001", "E01000002"], "name": ["Test 001A", "Test 001B"]},
                            geometry=[first, second], crs="EPSG:27700").to_crs("EPSG:4326")


def coords(geometry: dict) -> list[list[float]]:
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else [
        r for p in geometry["coordinates"] for r in p]
    return [list(c) for ring in rings for c in ring]


# --- GeoJSON -------------------------------------------------------------------------------------


def test_simplified_geojson_simplifies_in_metres_rounds_and_keeps_json_valid():
    lsoas = bng_squares()
    props = pd.DataFrame({"value": [3.5, np.nan], "label": ["a", None]}, index=["E01000002", "E01000001"])
    geo = maps.simplified_geojson(lsoas, props, tolerance_m=25.0)
    assert geo["type"] == "FeatureCollection"
    first, second = geo["features"]
    assert first["properties"] == {"code": "E01000001", "name": "Test 001A", "value": None, "label": None}
    assert second["properties"] == {"code": "E01000002", "name": "Test 001B", "value": 3.5, "label": "a"}
    assert len(coords(first["geometry"])) == 5  # 1,003 vertices down to the square's corners
    for x, y in coords(first["geometry"]) + coords(second["geometry"]):
        assert round(x, 5) == x and round(y, 5) == y
    json.dumps(geo, allow_nan=False)  # NaN would make invalid JSON
    kept = maps.simplified_geojson(lsoas, tolerance_m=0)
    assert len(coords(kept["features"][0]["geometry"])) == 1004
    assert set(kept["features"][0]["properties"]) == {"code", "name"}


def test_district_geojson_is_far_under_3_mb(store, config):
    area = store.read("lsoas", filters=[("area", "==", True)])
    geo = maps.simplified_geojson(area, pd.DataFrame({"fill": [[1, 2, 3]] * len(area)}, index=area["code"]))
    size = len(json.dumps(geo, separators=(",", ":")))
    assert len(geo["features"]) == 157
    assert size < 3_000_000
    assert size < len(json.dumps(shapely.geometry.mapping(shapely.GeometryCollection(list(area.geometry)))))


def test_with_properties_dresses_a_copy_and_leaves_the_base_alone():
    base = maps.simplified_geojson(bng_squares())
    dressed = maps.with_properties(base, pd.DataFrame({"fill": [[1, 2, 3]]}, index=["E01000002"]))
    assert dressed["features"][1]["properties"]["fill"] == [1, 2, 3]
    assert dressed["features"][0]["properties"]["fill"] is None
    assert "fill" not in base["features"][1]["properties"]
    assert dressed["features"][0]["geometry"] is base["features"][0]["geometry"]


def test_district_outline_is_the_union_of_its_lsoas():
    outline = maps.district_outline(bng_squares())
    assert outline.geom_type == "Polygon"
    metres = gpd.GeoSeries([outline], crs=4326).to_crs(27700).iloc[0]
    assert metres.area == pytest.approx(2_000_000, rel=1e-3)


# --- classes -------------------------------------------------------------------------------------


def test_quantile_classes_and_breaks():
    values = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    classes, breaks = maps.classify(values, k=5, method="quantile")
    assert breaks == pytest.approx([1, 2.8, 4.6, 6.4, 8.2, 10])
    assert classes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_classes_include_their_upper_break_and_nan_stays_nan():
    values = pd.Series([0, 0, 0, 0, 0, 0, 1, 2, 3, 10, np.nan])
    classes, breaks = maps.classify(values, k=5)
    # Six zeros: the repeated quantile breaks collapse, so "0" is a class of its own.
    assert breaks == [0, 0, 1, 2, 3, 10]
    assert classes.iloc[:10].tolist() == [0, 0, 0, 0, 0, 0, 1, 2, 3, 4]
    assert math.isnan(classes.iloc[10])
    assert maps.classify(pd.Series([np.nan, np.nan]))[1] == []
    assert maps.classify(pd.Series([4.0, 4.0]))[1] == [4.0, 4.0]


def _brute_force_jenks(values: list[float], k: int) -> float:
    """The least within-class sum of squares over every way to cut sorted values into k classes."""
    x = sorted(values)
    best = math.inf
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        parts = np.split(np.array(x), cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


def test_natural_breaks_find_the_gaps_and_are_optimal():
    values = pd.Series([1, 2, 3, 10, 11, 12, 50, 51], dtype=float)
    classes, breaks = maps.classify(values, k=3, method="natural")
    assert breaks == [1, 3, 12, 51]
    assert classes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    rng = np.random.default_rng(11)
    sample = list(np.round(rng.gamma(2.0, 10.0, 12), 2))
    _, breaks = maps.classify(pd.Series(sample), k=4, method="natural")
    cls = np.searchsorted(breaks[1:-1], sample, side="left")
    ssd = sum(((np.array(sample)[cls == c] - np.array(sample)[cls == c].mean()) ** 2).sum() for c in range(4))
    assert ssd == pytest.approx(_brute_force_jenks(sample, 4))


def test_natural_breaks_on_many_values_stay_within_the_data():
    values = pd.Series(np.random.default_rng(5).lognormal(2, 1, 20_000))
    classes, breaks = maps.classify(values, k=5, method="natural")
    assert breaks[0] == values.min() and breaks[-1] == values.max()
    assert breaks == sorted(breaks) and len(breaks) == 6
    assert classes.min() == 0 and classes.max() == 4


def test_classify_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="method must be 'quantile' or 'natural', not 'equal'"):
        maps.classify(pd.Series([1.0, 2.0]), method="equal")


def test_fill_colours_and_legend():
    classes = pd.Series([0, 2, np.nan])
    fills = maps.fill_colours(classes, maps.SEQUENTIAL_RGB)
    assert fills.tolist() == [maps.SEQUENTIAL_RGB[0], maps.SEQUENTIAL_RGB[2], maps.MISSING_RGBA]
    legend = maps.legend([0, 0, 5, 12], maps.sequential(3), integer=True)
    assert legend["label"].tolist() == ["0", "1 to 5", "6 to 12"]
    # Quantile breaks of counts fall between whole numbers: labels never overlap.
    fractional = maps.legend([192, 309.2, 845.6, 5808], maps.sequential(3), integer=True)
    assert fractional["label"].tolist() == ["192 to 309", "310 to 845", "846 to 5,808"]
    assert legend.columns.tolist() == ["colour", "from", "to", "label"]
    assert legend["colour"].iloc[0] == maps.hex_colour(maps.sequential(3)[0])
    rates = maps.legend([1.25, 2.5, 7.75], maps.sequential(2), "{:.1f}")
    assert rates["label"].tolist() == ["1.2 to 2.5", "2.5 to 7.8"]
    html = maps.legend_html(legend, "Records", "Quantiles", "No value")
    assert html.count("background:") == 4 and "6 to 12" in html and "No value" in html


def test_sequential_palettes_run_light_to_dark():
    def lightness(rgb):
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]

    for k in (3, 5, 7, 10):
        palette = maps.sequential(k)
        assert len(palette) == k
        assert all(lightness(a) > lightness(b) for a, b in zip(palette, palette[1:]))
    assert maps.sequential(5) == maps.SEQUENTIAL_RGB


# --- layers and deck -----------------------------------------------------------------------------


def _spec(deck) -> dict:
    return json.loads(deck.to_json())


def test_deck_has_no_basemap_offline_and_a_keyless_one_on_request():
    geo = maps.simplified_geojson(bng_squares())
    layers = [maps.lsoa_layer(geo), maps.outline_layer(maps.district_outline(bng_squares()))]
    bounds = tuple(bng_squares().total_bounds)
    offline = _spec(maps.deck(layers, bounds, maps.tooltip("{name}")))
    # No provider and pydeck's unset-style sentinel: Streamlit then draws no basemap and fetches
    # nothing (a null mapStyle would make it fetch a Carto style for its theme).
    assert offline.get("mapProvider") is None and offline["mapStyle"] == "__MAP_STYLE__"
    assert [layer["id"] for layer in offline["layers"]] == ["lsoas", "outline"]
    lsoas, outline = offline["layers"]
    assert lsoas["@@type"] == "GeoJsonLayer" and lsoas["pickable"] is True and lsoas["autoHighlight"] is True
    assert lsoas["getFillColor"] == "@@=properties.fill"
    # Fill only: edges are LineLayers, whose shaders a software-WebGL browser compiles far faster
    # than the PathLayer a GeoJsonLayer strokes with (see the note above lsoa_layer).
    assert lsoas["stroked"] is False and outline["@@type"] == "LineLayer" and outline["pickable"] is False
    assert outline["getSourcePosition"] == "@@=s" and outline["getTargetPosition"] == "@@=t"
    # The district is the two squares' union: its outline has the four sides of the 2 x 1 km box.
    assert len(outline["data"]) == 4 and outline["getWidth"] == 2.5
    # Plain strings become JavaScript expressions in pydeck; units must stay literal strings,
    # or deck.gl draws lines metres wide and the map turns to one block of outline colour.
    assert outline["widthUnits"] == "pixels"
    # Sent without pydeck's indentation (most of the bytes of GeoJSON), and the same JSON each time.
    text = maps.deck(layers, bounds).to_json()
    assert "\n" not in text and ", " not in text and json.loads(text) == offline
    online = _spec(maps.deck(layers, bounds, basemap=True))
    assert online["mapProvider"] == "carto"
    assert online["mapStyle"] == "https://basemaps.cartocdn.com/gl/positron-gl-style/style.json"


def test_ring_segments_draw_each_edge_once():
    left = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    # The right square shares the edge x = 1, walked the other way; its ring has a repeated vertex.
    right = {"type": "Polygon", "coordinates": [[[1, 0], [1, 1], [2, 1], [2, 1], [2, 0], [1, 0]]]}
    apart = {"type": "MultiPolygon", "coordinates": [[[[5, 5], [6, 5], [5, 6], [5, 5]]]]}
    rows = maps.ring_segments([left, None, right, apart])
    edges = {tuple(sorted((tuple(r["s"]), tuple(r["t"])))) for r in rows}
    assert len(rows) == len(edges) == 4 + 3 + 3  # the shared edge once, the repeated vertex no edge
    assert ((1, 0), (1, 1)) in edges and ((2, 1), (2, 1)) not in edges
    assert rows[0] == {"s": [0, 0], "t": [1, 0]}
    layer = _spec(maps.deck([maps.lsoa_edges_layer({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": {}} for g in (left, right)]})], (0, 0, 2, 1)))["layers"][0]
    assert layer["id"] == "lsoa_edges" and len(layer["data"]) == 7 and layer["getWidth"] == 1


def test_view_fits_the_bounds():
    # 2 km wide at 52 N, in a 900 x 560 view with 6% padding each side: the box must fit inside.
    bounds = (-0.46, 52.0, -0.43, 52.01)
    view = maps.fit_view(bounds, 900, 560)
    world = 512 * 2 ** view.zoom  # px across the whole world at this zoom
    width_px = (bounds[2] - bounds[0]) / 360 * world
    height_px = (math.log(math.tan(math.pi / 4 + math.radians(52.01) / 2))
                 - math.log(math.tan(math.pi / 4 + math.radians(52.0) / 2))) / (2 * math.pi) * world
    assert width_px <= 900 * 0.88 + 1 and height_px <= 560 * 0.88 + 1
    assert max(width_px / (900 * 0.88), height_px / (560 * 0.88)) > 0.98  # and fills it
    assert view.longitude == pytest.approx(-0.445)


def test_point_grid_and_heat_layers():
    cells = H.grid_cells(np.array([503_010.0, 503_020.0, 503_600.0]), np.array([237_010.0, 237_020.0, 237_010.0]),
                         500.0)
    rows, breaks = maps.grid_rows(cells, 500.0)
    assert sorted(r["records"] for r in rows) == [1, 2]
    assert breaks == [1, 1, 2]
    square = gpd.GeoSeries([shapely.Polygon(rows[0]["polygon"])], crs=4326).to_crs(27700).iloc[0]
    assert square.area == pytest.approx(250_000, rel=1e-3)
    assert {r["title"] for r in rows} == {"500 m square"}
    spec = _spec(maps.deck([maps.grid_layer(rows), maps.heat_layer(rows), maps.point_layer(rows)],
                           (-0.5, 52.0, -0.4, 52.1)))
    assert [layer["@@type"] for layer in spec["layers"]] == ["PolygonLayer", "HeatmapLayer", "ScatterplotLayer"]
    assert spec["layers"][2]["radiusUnits"] == "pixels"
    # deck.gl's JSON expressions refuse function calls: the radius is a plain field.
    assert spec["layers"][2]["getRadius"] == "@@=radius"
    assert "Math." not in json.dumps(spec)
    assert [maps.point_radius(n) for n in (1, 4, 100, 10_000)] == [5.0, 7.0, 22.0, 22.0]


def test_every_layer_row_has_the_tooltip_fields():
    # Streamlit leaves "{field}" in the tooltip when a picked object lacks the field.
    locs = pd.DataFrame({"longitude": [-0.5], "latitude": [52.0], "records": [3], "location": ["On or near X"],
                         "top_category": ["Drugs"]})
    fields = set(re.findall(r"{(\w+)}", C.TOOLTIP["html"]))
    assert fields == {"title", "line1", "line2", "line3"}
    for row in C.point_rows(locs):
        assert fields | {"radius"} <= set(row)
        assert row["line1"] == "3 records at this point"
    rows, _ = maps.grid_rows(H.grid_cells(np.array([503_010.0]), np.array([237_010.0]), 500.0), 500.0)
    assert fields <= set(rows[0])
    assert fields <= set(C.OUTSIDE)


# --- tooltips --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_table() -> pd.DataFrame:
    """Five LSOAs with records now and a year before, two with a population, four with an IMD rank."""
    scope = pd.DataFrame({"code": ["E1", "E2", "E3", "E4", "E5"], "name": ["Ash", "Beech", "Cedar", "Dale", "Elm"],
                          "town": ["T"] * 5})
    now = pd.DataFrame({"lsoa_code": ["E1"] * 6 + ["E2"] * 2 + ["E3"] * 3 + ["E5"] * 4})
    before = pd.DataFrame({"lsoa_code": ["E1"] * 3 + ["E2"] * 4 + ["E3"] * 3})
    population = pd.DataFrame({"lsoa_code": ["E1", "E2"], "year": [2020, 2020], "population": [1500, 1000]})
    dep = pd.DataFrame({"lsoa_code": ["E1", "E2", "E3", "E4"], "imd_rank": [30_000, 1_200, 9_000, 1_500],
                        "imd_decile": [10, 1, 3, 1]})
    months = pd.date_range("2020-01-01", "2020-12-01", freq="MS")
    codes = list(scope["code"])
    change = H.period_change(H.lsoa_counts(now, codes), H.lsoa_counts(before, codes))
    return H.lsoa_table(now, scope, months, population, dep, change)


def lines(measure: C.MapMeasure, code: str) -> list[str]:
    return measure.props.loc[code, ["title", "line1", "line2", "line3"]].tolist()


def test_every_measures_tooltip_gives_the_name_the_value_and_its_rank_in_the_area(small_table):
    t = small_table
    count = C.measure_colours(t, C.COUNT)
    assert lines(count, "E1") == ["Ash (E1)", "6 records", "Rank 1 of 5 LSOAs by records (1 = most)",
                                  "40.0% of the 15 records mapped"]
    assert lines(count, "E4")[1:3] == ["0 records", "Rank 5 of 5 LSOAs by records (1 = most)"]

    rate = C.measure_colours(t, C.RATE)
    assert lines(rate, "E1") == ["Ash (E1)", "4.0 per 1,000 residents a year", "Rank 1 of 2 LSOAs by rate "
                                 "(1 = highest)", "6 records"]
    assert lines(rate, "E3")[1:] == ["No population figure", "No rate, so no rank", "3 records"]

    months = pd.date_range("2020-01-01", "2020-12-01", freq="MS")
    paired = paired_months(months, previous_months(months), months.union(previous_months(months)))
    period = H.PeriodChange(paired, NOT_ESTIMABLE, True, months[-1])
    change = C.measure_colours(t, C.CHANGE, previous=period)
    assert lines(change, "E5")[:3] == ["Elm (E5)", "4 records against 0 in Jan 2019 to Dec 2019",
                                       "Rank 1 of 4 LSOAs by change (1 = biggest rise)"]
    assert lines(change, "E1")[2] == "Rank 2 of 4 LSOAs by change (1 = biggest rise)"
    assert lines(change, "E2")[2] == "Rank 4 of 4 LSOAs by change (1 = biggest rise)"
    assert lines(change, "E4")[2] == "No records in either period, so no rank"
    assert lines(change, "E1")[3].startswith("up 100%")

    imd = C.measure_colours(t, C.IMD)
    assert lines(imd, "E2") == ["Beech (E2)", "IMD decile 1", "Rank 1 of 4 LSOAs by deprivation "
                                "(1 = most deprived)", "Rank 1,200 of England's 32,844 LSOAs (1 = most deprived)"]
    assert lines(imd, "E1")[2] == "Rank 4 of 4 LSOAs by deprivation (1 = most deprived)"
    assert lines(imd, "E5")[1:] == ["No IMD figure", "", ""]

    gi = pd.DataFrame({"gi_z": [2.8, -1.0, 0.5, np.nan, 3.1], "p_value": [0.004, 0.3, 0.6, np.nan, np.nan],
                       "hot_cold": ["Hot spot, 95%", "Not significant", "Not significant", "No value",
                                    H.NO_NEIGHBOUR]}, index=t.index)
    hot = C.measure_colours(t, C.GI, gi=gi)
    assert lines(hot, "E1") == ["Ash (E1)", "Hot spot, 95%: Gi* z = 2.80, p = 0.004",
                                "Rank 1 of 3 LSOAs by Gi* z (1 = hottest)", "6 records"]
    assert lines(hot, "E2")[2] == "Rank 3 of 3 LSOAs by Gi* z (1 = hottest)"
    # An island's z is not a test (its neighbourhood is itself): no rank, and the legend says why it is grey.
    assert lines(hot, "E5")[1:3] == [H.NO_NEIGHBOUR, "Not tested, so no rank"]
    assert hot.missing_label == "No value, or no neighbour"
    assert C.measure_colours(t, C.GI, gi=gi.drop(index="E5")).missing_label == "No value"


# --- a click on the map ----------------------------------------------------------------------------


def clicked(layer: str, index: int, obj: dict):
    """The chart's state after a click, through Streamlit's own deserialiser of what the browser sends."""
    from streamlit.elements.deck_gl_json_chart import PydeckSelectionSerde

    sent = {"selection": {"indices": {layer: [index]}, "objects": {layer: [obj]}}}
    return PydeckSelectionSerde().deserialize(json.dumps(sent))


def test_a_click_on_an_lsoa_picks_its_code_and_nothing_else_does():
    from streamlit.elements.deck_gl_json_chart import PydeckSelectionSerde

    # A GeoJsonLayer's picked object is the whole feature, its fields under "properties".
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[-0.5, 52.0], [-0.4, 52.0],
                                                                                 [-0.4, 52.1], [-0.5, 52.0]]]},
               "properties": {"code": "E01017555", "name": "Central Bedfordshire 021A", "title": "x",
                              "fill": [1, 2, 3]}}
    valid = pd.Index(["E01017555", "E01017556"], name="code")
    state = clicked("lsoas", 41, feature)
    assert state["selection"]["indices"] == {"lsoas": [41]}  # the shape Streamlit 1.67 keeps
    assert maps.picked_code(state, "lsoas", valid) == "E01017555"
    assert maps.picked_code(state, "lsoas") == "E01017555"
    # An LSOA outside the chosen area (drawn pale around it) carries a code but is not a choice.
    assert maps.picked_code(state, "lsoas", {"E01017556"}) is None
    # A click on a crime point or a grid square selects in another layer.
    point = {"longitude": -0.5, "latitude": 52.0, "records": 3, "title": "On or near X"}
    assert maps.picked_code(clicked("points", 0, point), "lsoas", valid) is None
    # Nothing clicked yet, a click on empty map or a second click on the same LSOA: an empty selection.
    assert maps.picked_code(PydeckSelectionSerde().deserialize(None), "lsoas", valid) is None
    assert maps.picked_code(PydeckSelectionSerde().deserialize(json.dumps(
        {"selection": {"indices": {}, "objects": {}}})), "lsoas", valid) is None
    # No state at all (the first run) or a shape it does not know.
    for odd in (None, {}, {"selection": None}, {"selection": {"objects": {"lsoas": [None]}}},
                {"selection": {"objects": {"lsoas": [{"properties": {"code": 7}}]}}}):
        assert maps.picked_code(odd, "lsoas", valid) is None
