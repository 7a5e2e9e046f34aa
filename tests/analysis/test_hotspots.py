"""Hotspot analysis: Gi* on hand-checkable lattices and against esda, concentration on known
distributions, rates on real denominators, and a profile against direct reads of the store."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from csp_dash.analysis import hotspots as H
from csp_dash.analysis.coverage import held_months, previous_months
from csp_dash.analysis import series as S
from csp_dash.analysis.filters import Filters
from csp_dash.analysis.geography import assign_towns


def lattice(rows: int, cols: int) -> gpd.GeoDataFrame:
    """Unit squares, row by row from the bottom left, coded L0, L1, ... (metres, BNG)."""
    boxes = [shapely.box(c, r, c + 1, r + 1) for r in range(rows) for c in range(cols)]
    return gpd.GeoDataFrame({"code": [f"L{i}" for i in range(rows * cols)]}, geometry=boxes,
                            crs="EPSG:27700").set_index("code")


# --- Gi* ------------------------------------------------------------------------------------------


def test_queen_weights_on_a_lattice_count_corners_as_neighbours():
    w = H.queen_weights(lattice(3, 3))
    assert w.cardinalities["L0"] == 3  # corner: right, above and diagonal
    assert w.cardinalities["L1"] == 5  # edge middle
    assert w.cardinalities["L4"] == 8  # centre


def test_gi_star_z_matches_the_textbook_formula_worked_by_hand(monkeypatch):
    # 3x3 lattice holding 1..9. Gi* z_i = (sum_j w_ij x_j - mean * W_i) / (S sqrt((n W_i - W_i^2) / (n - 1)))
    # with the LSOA itself among its neighbours, S the population SD: mean 5, S^2 = 285/9 - 25 = 20/3.
    # Corner L0: neighbourhood {1, 2, 4, 5}, W = 4: (12 - 20) / sqrt(20/3 * (36 - 16) / 8) = -8 / sqrt(50/3).
    # Edge L1: {1, 2, 3, 4, 5, 6}, W = 6: (21 - 30) / sqrt(20/3 * (54 - 36) / 8) = -9 / sqrt(15).
    monkeypatch.setattr(H, "MIN_GI_LSOAS", 5)
    values = pd.Series(np.arange(1.0, 10.0), index=[f"L{i}" for i in range(9)])
    result = H.getis_ord(values, H.queen_weights(lattice(3, 3)))
    z = result.table["gi_z"]
    assert z["L0"] == pytest.approx(-8 / math.sqrt(50 / 3), abs=1e-12)
    assert z["L1"] == pytest.approx(-9 / math.sqrt(15), abs=1e-12)
    assert z["L8"] == pytest.approx(8 / math.sqrt(50 / 3), abs=1e-12)  # mirror image of L0
    # The centre's neighbourhood is the whole lattice: no test is possible, so no class.
    assert math.isnan(z["L4"]) and math.isnan(result.table.loc["L4", "p_value"])
    assert result.table.loc["L4", "hot_cold"] == H.NOT_SIGNIFICANT


def test_gi_star_agrees_with_esda_run_directly():
    import esda

    grid = lattice(8, 8)
    rng = np.random.default_rng(7)
    values = pd.Series(rng.poisson(20, len(grid)).astype(float), index=grid.index)
    w = H.queen_weights(grid)
    ours = H.getis_ord(values, w, permutations=999, seed=42).table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = esda.G_Local(values.reindex(w.id_order).to_numpy(), w, transform="B", permutations=999,
                              star=True, seed=42, n_jobs=1)
    np.testing.assert_allclose(ours["gi_z"].reindex(w.id_order), theirs.Zs, rtol=1e-12)
    np.testing.assert_allclose(ours["p_sim"].reindex(w.id_order), theirs.p_sim)
    np.testing.assert_allclose(ours["p_value"], np.minimum(1, 2 * ours["p_sim"]))
    # A fixed seed: the same data gives the same p-values every time.
    again = H.getis_ord(values, w, permutations=999, seed=42).table
    pd.testing.assert_series_equal(ours["p_sim"], again["p_sim"])


def test_a_block_of_high_values_is_a_hot_spot_and_its_opposite_a_cold_spot():
    grid = lattice(10, 10)
    values = pd.Series(10.0, index=grid.index)
    rng = np.random.default_rng(3)
    values += rng.normal(0, 1, len(values))
    hot = [f"L{r * 10 + c}" for r in range(1, 4) for c in range(1, 4)]  # 3x3 block near a corner
    cold = [f"L{r * 10 + c}" for r in range(6, 9) for c in range(6, 9)]
    values[hot] = 30.0
    values[cold] = 0.0
    result = H.getis_ord(values, H.queen_weights(grid))
    labels = result.table["hot_cold"]
    assert labels["L22"] == "Hot spot, 99%"  # the block's centre
    assert labels["L77"] == "Cold spot, 99%"
    assert set(labels[labels.str.startswith("Hot")].index) <= set(hot) | {
        f"L{r * 10 + c}" for r in range(0, 5) for c in range(0, 5)}  # only in and around the block
    assert result.thresholds[0.99] < result.thresholds[0.95] < result.thresholds[0.90]
    assert (result.table["sig_99"] <= result.table["sig_95"]).all()  # 99% significant is 95% significant
    assert not result.note


def test_gi_star_leaves_out_areas_without_a_value_and_says_when_too_few_remain():
    grid = lattice(5, 5)
    values = pd.Series(np.arange(25.0), index=grid.index)
    values["L3"] = np.nan
    result = H.getis_ord(values, H.queen_weights(grid))
    assert result.n == 24
    assert result.table.loc["L3", "hot_cold"] == "No value"
    few = H.getis_ord(values.iloc[:10], H.queen_weights(grid))
    assert few.note == f"needs at least {H.MIN_GI_LSOAS} LSOAs with a value; 9 have one"
    assert (few.table["hot_cold"] == H.NOT_SIGNIFICANT).all()
    flat = H.getis_ord(pd.Series(4.0, index=grid.index), H.queen_weights(grid))
    assert flat.note == "every LSOA has the same value"


def test_an_lsoa_without_a_neighbour_is_left_out_of_gi_star_and_named():
    # A 5x5 lattice and one square far away: the far square has no neighbour (an island).
    grid = lattice(5, 5)
    far = gpd.GeoDataFrame({"code": ["FAR"]}, geometry=[shapely.box(100, 100, 101, 101)],
                           crs="EPSG:27700").set_index("code")
    both = pd.concat([grid, far])
    values = pd.Series(np.arange(26.0), index=both.index)
    result = H.getis_ord(values, H.queen_weights(both))
    assert result.islands == ("FAR",)
    assert result.n == 25
    assert result.table.loc["FAR", "hot_cold"] == H.NO_NEIGHBOUR
    assert math.isnan(result.table.loc["FAR", "p_value"])
    # The other 25 get exactly what they get without the island.
    alone = H.getis_ord(values.drop("FAR"), H.queen_weights(grid))
    pd.testing.assert_series_equal(result.table["gi_z"].drop("FAR"), alone.table["gi_z"])
    # An LSOA whose only neighbours have no value is an island too.
    cut = values.copy()
    cut[["L1", "L5", "L6"]] = np.nan  # L0's three neighbours
    assert set(H.getis_ord(cut, H.queen_weights(both)).islands) == {"L0", "FAR"}
    # Too few left once the islands are out: the note says why.
    few = H.getis_ord(values[["FAR"] + [f"L{i}" for i in range(19)]], H.queen_weights(both))
    assert few.islands == ("FAR",)
    assert few.note == f"needs at least {H.MIN_GI_LSOAS} LSOAs with a value and a neighbour; 19 have them"
    assert few.table.loc["FAR", "hot_cold"] == H.NO_NEIGHBOUR


def test_method_text_states_the_permutations_used_and_why_and_names_islands():
    text = H.method_text("rate per 1,000 residents")
    assert "from 9,999 random permutations" in text
    assert ("It uses 9,999 permutations, not the customary 999, because with 999 the smallest two-sided p-value is "
            "0.002, and after the false-discovery-rate correction across the area's LSOAs no LSOA could then reach "
            "99% unless about a fifth of them sat at that floor.") in text
    assert text.endswith("No LSOA here lacks a neighbour, so none is left out as an island.")
    one = H.method_text("rate", ["Far Away 001A (E01000001)"])
    assert one.endswith("1 LSOA with no neighbouring LSOA (an island, whose neighbourhood would be itself alone) "
                        "is left out of the test: Far Away 001A (E01000001).")
    two = H.method_text("rate", ["A (E1)", "B (E2)"])
    assert two.endswith("2 LSOAs with no neighbouring LSOA (an island, whose neighbourhood would be itself alone) "
                        "are left out of the test: A (E1), B (E2).")


def test_benjamini_hochberg_step_up():
    # alpha 0.05, m = 5: cut-offs 0.01, 0.02, 0.03, 0.04, 0.05. The 4th smallest (0.04) passes,
    # so the first four are significant even though 0.03 > 0.02 would fail a step-down reading.
    p = [0.04, 0.01, 0.031, 0.005, 0.5]
    assert H.benjamini_hochberg(p, 0.05).tolist() == [True, True, True, True, False]
    assert H.benjamini_hochberg([0.02, 0.5, np.nan], 0.05).tolist() == [True, False, False]
    assert H.benjamini_hochberg([0.2, 0.3], 0.05).tolist() == [False, False]


# --- concentration -------------------------------------------------------------------------------


def test_concentration_of_a_known_distribution():
    # 20 places, 100 records: 50, 20, 10, then four of 5, then 13 with none.
    counts = pd.Series([5, 0, 50, 0, 5, 10, 0, 20, 5, 0, 5] + [0] * 9)
    table = H.concentration(counts)
    assert table["places"].tolist() == [1, 2, 4]  # 5%, 10%, 20% of 20
    assert table["records"].tolist() == [50, 70, 85]
    assert table["share_of_records"].tolist() == [0.5, 0.7, 0.85]
    assert table["of_places"].tolist() == [20, 20, 20]
    # round(n * share): 157 LSOAs give 8, 16 and 31.
    assert H.concentration(pd.Series(range(157)))["places"].tolist() == [8, 16, 31]


def test_lorenz_curve_is_exact_at_each_place_and_sampled_for_many():
    curve = H.lorenz(pd.Series([1, 3, 0, 6]), points=None)
    assert curve["share_of_places"].tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    assert curve["share_of_records"].tolist() == pytest.approx([0, 0.6, 0.9, 1.0, 1.0])
    many = H.lorenz(pd.Series(np.arange(100_000)), points=201)
    assert len(many) == 201
    assert many["share_of_records"].iloc[0] == 0 and many["share_of_records"].iloc[-1] == pytest.approx(1)
    assert many["share_of_records"].is_monotonic_increasing
    # At 10% of places, the busiest 10,000 of 0..99,999 hold sum(90,000..99,999) / sum(0..99,999).
    at = many.loc[many["share_of_places"] == 0.1, "share_of_records"].iloc[0]
    assert at == pytest.approx(sum(range(90_000, 100_000)) / sum(range(100_000)))


def test_repeat_locations_by_lsoa_keep_only_points_with_two_or_more_records():
    locs = pd.DataFrame({"location": ["P", "Q", "R", "S", "T"], "lsoa_code": ["E1", "E1", "E1", "E2", "E3"],
                         "records": [5, 2, 1, 3, 1]})
    out = H.repeat_locations_by_lsoa(locs, per_lsoa=1)
    assert out[["lsoa_code", "location"]].values.tolist() == [["E1", "P"], ["E2", "S"]]
    out = H.repeat_locations_by_lsoa(locs)
    assert out["location"].tolist() == ["P", "Q", "S"]  # E3's only point has one record: none listed


def test_locations_group_records_by_snap_point_and_label():
    crimes = pd.DataFrame({
        "longitude": [-0.5, -0.5, -0.5, -0.4, -0.5, np.nan],
        "latitude": [52.0, 52.0, 52.0, 52.1, 52.0, np.nan],
        "location": ["On or near Market Square"] * 3 + ["On or near Station Road", "On or near Parking Area",
                                                        "No Location"],
        "category": ["Burglary", "Anti-social behaviour", "Anti-social behaviour", "Drugs", "Drugs", "Drugs"],
        "lsoa_code": ["E1", "E1", "E1", "E2", "E1", "E3"],
    })
    locs = H.locations(crimes)
    assert locs["location"].tolist() == ["On or near Market Square", "On or near Parking Area",
                                         "On or near Station Road"]
    assert locs["records"].tolist() == [3, 1, 1]
    assert locs.loc[0, "top_category"] == "Anti-social behaviour"
    assert locs["records"].sum() == 5  # the record without a point has no location


def test_grid_cells_count_points_in_squares():
    x = np.array([10.0, 20.0, 260.0, 499.0, 501.0])
    y = np.array([10.0, 30.0, 10.0, 499.0, 10.0])
    cells = H.grid_cells(x, y, 250.0).sort_values(["x0", "y0"]).reset_index(drop=True)
    assert cells.to_dict("records") == [
        {"x0": 0.0, "y0": 0.0, "records": 2}, {"x0": 250.0, "y0": 0.0, "records": 1},
        {"x0": 250.0, "y0": 250.0, "records": 1}, {"x0": 500.0, "y0": 0.0, "records": 1}]


# --- rates and change ----------------------------------------------------------------------------


def test_rates_use_the_population_of_each_months_year_and_never_invent_one():
    months = S.month_index(pd.Timestamp("2017-01-01"), pd.Timestamp("2018-12-01"))
    population = pd.DataFrame({"lsoa_code": ["A", "A", "B"], "year": [2017, 2018, 2017],
                               "population": [1000, 2000, 500]})
    counts = pd.Series([30, 12, 7], index=pd.Index(["A", "B", "C"], name="code"), name="count")
    rates = H.lsoa_rates(counts, population, months)
    # A: 12 months at 1,000 then 12 at 2,000 -> 1,500 mean residents; 30 records over 2 years.
    assert rates.loc["A", "residents"] == 1500
    assert rates.loc["A", "rate"] == pytest.approx(30 / 1500 * 1000 / 2)
    # B has only 2017: every month takes it (the nearest year), as series.denominators does.
    assert rates.loc["B", "residents"] == S.denominators(population, ["B"], months).population.mean() == 500
    assert math.isnan(rates.loc["C", "rate"]) and math.isnan(rates.loc["C", "residents"])
    assert H.lsoa_rates(counts, None, months)["rate"].isna().all()


def test_residents_equal_series_denominators_for_each_lsoa(demo_store):
    population = demo_store.read("population")
    # Drop some years of some LSOAs, so that the nearest year differs between LSOAs.
    population = population[~((population["lsoa_code"] < "E01017400") & (population["year"] >= 2019))]
    codes = sorted(population["lsoa_code"].unique())[:40] + ["E99999999"]
    months = S.month_index(pd.Timestamp("2018-07-01"), pd.Timestamp("2021-03-01"))
    rates = H.lsoa_rates(pd.Series(0, index=codes), population, months)
    for code in codes[:-1]:
        assert rates.loc[code, "residents"] == pytest.approx(
            S.denominators(population, [code], months).population.mean(), rel=1e-12), code
    assert math.isnan(rates.loc["E99999999", "residents"])


def test_the_previous_period_is_as_many_months_just_before():
    months = S.month_index(pd.Timestamp("2019-04-01"), pd.Timestamp("2020-03-01"))
    before = previous_months(months)
    assert (before[0], before[-1], len(before)) == (pd.Timestamp("2018-04-01"), pd.Timestamp("2019-03-01"), 12)
    assert list(previous_months(pd.DatetimeIndex([pd.Timestamp("2020-01-01")]))) == [pd.Timestamp("2019-12-01")]


def test_period_change_uses_compare_counts_and_corrects_for_many_lsoas():
    current = pd.Series([60, 10, 5, 0], index=["A", "B", "C", "D"])
    previous = pd.Series([30, 10, 0, 0], index=["A", "B", "C", "D"])
    change = H.period_change(current, previous)
    assert change.loc["A", "change_pct"] == pytest.approx(100.0)
    assert change.loc["A", "significant"] and change.loc["A", "significant_fdr"]
    assert change.loc["A", "words"].startswith("up 100%, unlikely to be chance")
    assert change.loc["B", "words"] == "no change" and not change.loc["B", "significant"]
    assert math.isnan(change.loc["C", "change_pct"])  # from none: no percentage
    assert change.loc["D", "words"] == "no records in either period"
    assert not change.loc["D", "significant_fdr"]


def test_ranks_put_the_highest_first_and_share_ties():
    assert H.ranks(pd.Series([5, 9, 5, np.nan, 1])).tolist() == [2, 1, 2, pd.NA, 4]
    assert H.ranks(pd.Series([5, 9, 5, np.nan, 1]), ascending=True).tolist() == [2, 4, 2, pd.NA, 1]
    assert H.ranks(pd.Series([300, pd.NA, 12], dtype="Int64")).tolist() == [1, pd.NA, 2]


def test_lsoa_table_ranks_change_and_deprivation_within_the_area():
    scope = pd.DataFrame({"code": ["A", "B", "C", "D", "E"], "name": list("abcde"), "town": ["T"] * 5})
    now = pd.DataFrame({"lsoa_code": ["A"] * 6 + ["B"] * 2 + ["C"] * 3 + ["E"] * 4})
    before = pd.DataFrame({"lsoa_code": ["A"] * 3 + ["B"] * 4 + ["C"] * 3})
    dep = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "imd_rank": [30_000, 1_200, 9_000, 1_200],
                        "imd_decile": [10, 1, 3, 1]})
    codes = list(scope["code"])
    change = H.period_change(H.lsoa_counts(now, codes), H.lsoa_counts(before, codes))
    t = H.lsoa_table(now, scope, S.month_index(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-01")), None,
                     dep, change)
    # E is up from none (the biggest rise), A +100%, C 0%, B -50%; D has no records in either period.
    assert t["change_rank"].tolist() == [2, 4, 3, pd.NA, 1]
    # Most deprived first: B and D share England's rank 1,200; E has no IMD figure.
    assert t["imd_area_rank"].tolist() == [4, 1, 3, 1, pd.NA]


# --- against the store ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_view(demo_store, config):
    area = demo_store.read("lsoas", filters=[("area", "==", True)]).reset_index(drop=True)
    area["town"] = assign_towns(area, config.area.towns).to_numpy()
    crimes = demo_store.read("crimes", columns=["month", "category", "lsoa_code", "longitude", "latitude",
                                                "location"])
    filters = Filters(start=pd.Timestamp("2019-04-01"), end=pd.Timestamp("2020-03-01"),
                      categories=("Anti-social behaviour", "Burglary"), area_name=config.area.name)
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(crimes["longitude"].to_numpy(),
                                                                       crimes["latitude"].to_numpy())
    view = H.map_view(crimes, filters, area, demo_store.read("population"), demo_store.read("deprivation"),
                      held_months(crimes["month"]), (np.asarray(x), np.asarray(y)))
    return view, filters, crimes, area


def test_map_view_and_profile_match_direct_queries_of_the_store(demo_store, demo_view):
    view, filters, crimes, area = demo_view
    code = view.table["count"].idxmax()
    cats = list(filters.categories)
    direct = demo_store.read("crimes", columns=["category", "location", "longitude", "latitude"], filters=[
        ("lsoa_code", "==", code), ("month", ">=", filters.start), ("month", "<=", filters.end),
        ("category", "in", cats)])
    assert view.table.loc[code, "count"] == len(direct)
    assert view.table.loc[code, "count_rank"] == 1
    assert len(view.table) == 157
    everything = demo_store.read("crimes", columns=["category"], filters=[
        ("month", ">=", filters.start), ("month", "<=", filters.end), ("category", "in", cats)])
    assert view.records == len(everything)
    # The previous period (2018/19) is in the store, so the change can be shown.
    assert view.previous and view.comparison.paired.complete
    assert (view.comparison.paired.baseline[0], view.comparison.paired.baseline[-1]) == (
        pd.Timestamp("2018-04-01"), pd.Timestamp("2019-03-01"))
    assert view.comparison.label == "Apr 2018 to Mar 2019"
    before = demo_store.read("crimes", columns=["month"], filters=[
        ("lsoa_code", "==", code), ("month", ">=", pd.Timestamp("2018-04-01")),
        ("month", "<=", pd.Timestamp("2019-03-01")), ("category", "in", cats)])
    assert view.table.loc[code, "previous"] == len(before)
    assert view.table.loc[code, "current_compared"] == view.table.loc[code, "count"]

    mix = H.crime_mix(view.by_category, view.area_totals, code, len(view.table)).set_index("category")
    by_cat = direct["category"].value_counts()
    assert mix["lsoa_records"].to_dict() == {c: int(by_cat.get(c, 0)) for c in mix.index}
    assert mix["area_records"].to_dict() == everything["category"].value_counts().to_dict()
    assert mix["lsoa_share"].sum() == pytest.approx(1.0)

    here = view.lsoa_locations[view.lsoa_locations["lsoa_code"] == code]
    top = direct.groupby(["longitude", "latitude", "location"]).size().sort_values(ascending=False)
    repeats = top[top >= 2]
    assert len(repeats) and (top == 1).any()  # the test needs both kinds of point in this LSOA
    assert here["records"].tolist() == repeats.head(10).tolist()
    assert (view.lsoa_locations["records"] >= 2).all()

    population = demo_store.read("population", filters=[("lsoa_code", "==", code)])
    last = population.sort_values("year").iloc[-1]
    assert H.latest_population(demo_store.read("population"), code) == (int(last["population"]), int(last["year"]))
    dep_row = demo_store.read("deprivation", filters=[("lsoa_code", "==", code)]).iloc[0]
    profile = H.deprivation_profile(demo_store.read("deprivation"), code).set_index("measure")
    assert profile.loc["Index of Multiple Deprivation", "rank"] == dep_row["imd_rank"]
    assert profile.loc["Crime", "decile"] == dep_row["crime_decile"]
    assert len(profile) == 8
    assert view.table.loc[code, "imd_decile"] == dep_row["imd_decile"]


def test_lsoa_trend_is_24_months_of_the_lsoas_records(demo_store, demo_view):
    view, filters, crimes, _ = demo_view
    code = view.table["count"].idxmax()
    values, sc = H.lsoa_trend(crimes, code, filters.categories, filters.end, held_months(crimes["month"]))
    chart = sc.chart
    assert len(chart) == len(values) == 24
    assert chart.index[0] == pd.Timestamp("2018-04-01") and chart.index[-1] == pd.Timestamp("2020-03-01")
    direct = demo_store.read("crimes", columns=["month"], filters=[
        ("lsoa_code", "==", code), ("month", "==", pd.Timestamp("2019-06-01")),
        ("category", "in", list(filters.categories))])
    assert chart.loc["2019-06-01", "value"] == values.loc["2019-06-01"] == len(direct)
    # The same rule as every series: limits from the 12 held months before the latest 12.
    assert sc.baseline == (pd.Timestamp("2018-04-01"), pd.Timestamp("2019-03-01"))
    assert chart["centre"].iloc[0] == pytest.approx(values.iloc[:12].mean())
    assert {"ucl", "lcl", "any_signal"} <= set(chart.columns)


def test_lsoa_trend_leaves_months_not_held_as_gaps_and_draws_no_limits_across_them(real_store):
    crimes = real_store.read("crimes", columns=["month", "category", "lsoa_code"])
    held = held_months(crimes["month"])
    code = crimes["lsoa_code"].value_counts().idxmax()
    values, sc = H.lsoa_trend(crimes, code, (), pd.Timestamp("2022-04-01"), held)
    # May 2020 to Apr 2022: the first 12 months lie in the gap, so they are NaN, never zero.
    assert values.index[0] == pd.Timestamp("2020-05-01") and len(values) == 24
    assert values.iloc[:12].isna().all() and values.iloc[12:].notna().all()
    assert values.iloc[12:].sum() == int(((crimes["lsoa_code"] == code) & (crimes["month"] >= "2021-05-01")).sum())
    assert sc.chart is None and sc.note == ("No control limits: there are no months with data before May 2021.")


def test_rates_leave_out_a_population_of_zero():
    months = S.month_index(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    population = pd.DataFrame({"lsoa_code": ["A", "B"], "year": [2019, 2019], "population": [1000, 0]})
    rates = H.lsoa_rates(pd.Series([10, 5], index=pd.Index(["A", "B"], name="code"), name="count"), population,
                         months)
    assert rates.loc["A", "rate"] == pytest.approx(10.0)
    assert math.isnan(rates.loc["B", "rate"]) and math.isnan(rates.loc["B", "residents"])
    assert H.ranks(rates["rate"]).tolist() == [1, pd.NA]


def test_map_view_counts_many_records_in_grid_squares(demo_view):
    view, *_ = demo_view
    assert view.points is None  # far more than 5,000 records with a point
    assert view.cell_m == 500.0  # the district is wider than 15 km
    assert view.cells["records"].sum() == view.located
    assert view.concentration_lsoas["of_places"].tolist() == [157, 157, 157]
    assert view.concentration_locations["of_places"].iloc[0] == view.locations
