"""Deprivation analysis: decile counts and the strategy's sentence (real IoD2019 File 1 and
the demo), exact Poisson intervals, rates by decile, the most deprived fifth and the
Spearman correlations with the domains."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csp_dash.analysis import deprivation as D
from csp_dash.analysis import series as S
from csp_dash.analysis.coverage import coverage
from csp_dash.ingest import run_ingest
from csp_dash.store import Store
from tests.conftest import shared

FILE_1 = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FILE_2 = "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
SAPE_AREA = "ons_sape21dt11_mid2018_lsoa_population_density_central_bedfordshire.csv"


def area_codes(store: Store) -> list[str]:
    lsoas = store.read("lsoas", columns=["code", "area"])
    return sorted(lsoas.loc[lsoas["area"], "code"])


def counts_frame(by_decile: dict[int, int]) -> pd.DataFrame:
    """decile_counts' shape from a {decile: LSOAs} dict, for the sentence tests."""
    dep = pd.DataFrame({"lsoa_code": [f"E0100{i:04d}" for i in range(sum(by_decile.values()))],
                        "imd_decile": [d for d, n in by_decile.items() for _ in range(n)]})
    return D.decile_counts(dep, dep["lsoa_code"])


@pytest.fixture(scope="module")
def real_full(tmp_path_factory, real_store, config) -> Store:
    """The real Bedfordshire months with IoD2019 Files 1 and 2 and the mid-2018 population."""
    path = tmp_path_factory.mktemp("real_deprivation") / "cleaned"
    shutil.copytree(real_store.path, path)
    store = Store(path)
    run_ingest("imd", [shared("imd2019", FILE_1), shared("imd2019", FILE_2)], config, store)
    run_ingest("population", [shared("population", SAPE_AREA)], config, store)
    return store


# -- words ------------------------------------------------------------------------------

def test_numbers_one_to_nine_are_words_and_the_rest_figures():
    assert [D.number_words(n) for n in (1, 5, 8, 9, 10, 157, 1200)] == [
        "one", "five", "eight", "nine", "10", "157", "1,200"]


def test_every_decile_names_its_national_band():
    assert [D.decile_band(d) for d in D.DECILES] == [
        "most deprived 10%", "most deprived 10-20%", "most deprived 20-30%", "most deprived 30-40%",
        "most deprived 40-50%", "least deprived 40-50%", "least deprived 30-40%", "least deprived 20-30%",
        "least deprived 10-20%", "least deprived 10%"]
    with pytest.raises(ValueError, match="decile must be 1 to 10, got 11"):
        D.decile_band(11)


# -- decile counts and the sentence -----------------------------------------------------

def test_real_file_1_counts_and_sentence_for_central_bedfordshire(config, store):
    run_ingest("imd", [shared("imd2019", FILE_1)], config, store)
    dep = store.read("deprivation")
    codes = area_codes(store)

    counts = D.decile_counts(dep, codes)
    assert counts["lsoas"].tolist() == [0, 3, 10, 7, 11, 14, 23, 15, 42, 32]
    assert counts["decile"].tolist() == list(range(1, 11))
    assert counts.loc[counts["decile"] == 1, "share"].item() == 0.0
    assert D.unranked(dep, codes) == []
    assert D.deprivation_statement(counts, len(codes), "Central Bedfordshire") == (
        "Out of a total of 157 LSOAs in Central Bedfordshire, three are in the most deprived 10-20% in England "
        "and a further 10 are in the most deprived 20-30%. None is in the most deprived 10%. "
        "At the other end, 74 (47%) are in the least deprived 20%.")


def test_demo_store_matches_the_strategys_five_and_eight(demo_store):
    dep = demo_store.read("deprivation")
    counts = D.decile_counts(dep, area_codes(demo_store))
    assert counts.set_index("decile").loc[[1, 2, 3], "lsoas"].tolist() == [0, 5, 8]
    text = D.deprivation_statement(counts, 157, "Central Bedfordshire")
    assert text.startswith("Out of a total of 157 LSOAs in Central Bedfordshire, five are in the most deprived "
                           "10-20% in England and a further eight are in the most deprived 20-30%.")


def test_sentence_lists_every_deprived_decile_with_the_right_grammar():
    text = D.deprivation_statement(counts_frame({1: 1, 2: 2, 3: 12, 6: 4}), 19, "Dunstable")
    assert text == ("Out of a total of 19 LSOAs in Dunstable, one is in the most deprived 10% in England, two are "
                    "in the most deprived 10-20% and a further 12 are in the most deprived 20-30%.")


def test_sentence_when_nothing_is_in_the_most_deprived_30_percent():
    text = D.deprivation_statement(counts_frame({5: 2, 7: 3, 9: 1}), 6, "Ampthill")
    assert text == ("None of the six LSOAs in Ampthill is in the most deprived 30% in England; the most deprived "
                    "two are in the most deprived 40-50% (decile 5). At the other end, one (17%) is in the least "
                    "deprived 20%.")


def test_sentence_for_chosen_lsoas_with_one_lacking_a_decile():
    text = D.deprivation_statement(counts_frame({2: 1, 8: 1}), 3, None)
    assert text == ("Out of a total of two LSOAs chosen, one is in the most deprived 10-20% in England. None is in "
                    "the most deprived 10%. One LSOA in scope has no IMD 2019 decile and is not counted.")


def test_sentence_for_a_single_lsoa_and_for_none():
    assert D.deprivation_statement(counts_frame({4: 1}), 1, None) == (
        "The one LSOA chosen with a decile is in the most deprived 30-40% in England (decile 4).")
    assert D.deprivation_statement(counts_frame({}), 4, "Sandy") == (
        "No LSOA in scope has an IMD 2019 decile: load the IoD2019 File 1 or File 2.")


def test_lsoas_missing_from_the_table_are_named_not_counted():
    dep = pd.DataFrame({"lsoa_code": ["E01000001", "E01000002"], "imd_decile": pd.array([2, pd.NA], "Int64")})
    counts = D.decile_counts(dep, ["E01000001", "E01000002", "E01000003"])
    assert counts["lsoas"].sum() == 1
    assert D.unranked(dep, ["E01000001", "E01000002", "E01000003"]) == ["E01000002", "E01000003"]


# -- exact Poisson intervals ------------------------------------------------------------

def test_garwood_interval_hand_checked():
    lower, upper = D.garwood_interval([0, 1, 5, 10])
    # k = 0 and k = 1 in closed form: upper(0) = -ln(0.025), lower(1) = -ln(0.975).
    assert lower[0] == 0.0 and upper[0] == pytest.approx(-np.log(0.025), abs=1e-12)
    assert lower[1] == pytest.approx(-np.log(0.975), abs=1e-12)
    assert upper[1] == pytest.approx(5.5716, abs=1e-4)
    # The published exact 95% limits for 5 and 10 events (e.g. Ulm 1990's table).
    assert (lower[2], upper[2]) == pytest.approx((1.6235, 11.6683), abs=1e-4)
    assert (lower[3], upper[3]) == pytest.approx((4.7954, 18.3904), abs=1e-4)


# -- rates by decile --------------------------------------------------------------------

def tiny_case():
    dep = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "imd_decile": pd.array([2, 2, 5, pd.NA], "Int64"),
                        "imd_rank": pd.array([4000, 5000, 15000, pd.NA], "Int64")})
    population = pd.DataFrame({"lsoa_code": ["A", "B", "C", "D"], "year": 2019,
                               "population": [1000, 2000, 500, 700]})
    month = pd.Timestamp("2019-06-01")
    rows = [("A", "Burglary")] * 3 + [("B", "Burglary")] * 6 + [("A", S.ASB)] * 2 + [("D", "Burglary")] * 4 \
        + [(None, "Burglary")] * 5
    crimes = pd.DataFrame({"month": month, "lsoa_code": [r[0] for r in rows], "category": [r[1] for r in rows]})
    return dep, population, crimes


def test_rates_by_decile_known_answer():
    dep, population, crimes = tiny_case()
    months = S.month_index(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    years = D.person_years(population, ["A", "B", "C", "D"], months)
    assert years.to_dict() == {"A": 1000.0, "B": 2000.0, "C": 500.0, "D": 700.0}
    groups = D.rate_groups(["Burglary", S.ASB])
    assert groups == {S.ALL_CRIME: ("Burglary",), S.ASB: (S.ASB,)}
    rates = D.lsoa_rates(crimes, ["A", "B", "C", "D"], groups, years)
    by = D.rates_by_decile(rates, dep).set_index(["group", "decile"])

    crime2 = by.loc[(S.ALL_CRIME, 2)]
    assert (crime2["lsoas"], crime2["count"], crime2["person_years"]) == (2, 9, 3000.0)
    assert crime2["rate"] == pytest.approx(3.0)
    lo, hi = D.garwood_interval(9)
    assert (crime2["lower"], crime2["upper"]) == pytest.approx((lo / 3, hi / 3))
    crime5 = by.loc[(S.ALL_CRIME, 5)]
    assert (crime5["lsoas"], crime5["count"], crime5["rate"], crime5["lower"]) == (1, 0, 0.0, 0.0)
    assert crime5["upper"] == pytest.approx(-np.log(0.025) / 500 * 1000)
    # Deciles with no LSOA are there, empty: no LSOAs, no records, no rate.
    empty = by.loc[S.ALL_CRIME].loc[[1, 3, 4, 6, 7, 8, 9, 10]]
    assert (empty["lsoas"] == 0).all() and (empty["count"] == 0).all() and empty["rate"].isna().all()
    assert by.loc[(S.ASB, 2), "count"] == 2
    # LSOA D has no decile and the five records without an LSOA have no place: neither is in a decile.
    assert by.loc[S.ALL_CRIME, "count"].sum() == 9


def test_person_years_use_each_months_year_or_the_nearest(demo_store):
    population = demo_store.read("population")
    codes = area_codes(demo_store)
    months = S.month_index(pd.Timestamp("2018-10-01"), pd.Timestamp("2022-03-01"))  # beyond the 2020 estimate
    years = D.person_years(population, codes, months)
    denominators = S.denominators(population, codes, months)
    assert years.sum() == pytest.approx(denominators.population.sum() / 12)
    one = population[(population["lsoa_code"] == codes[0])].set_index("year")["population"]
    expected = (3 * one[2018] + 12 * one[2019] + 27 * one[2020]) / 12
    assert years[codes[0]] == pytest.approx(expected)


def test_without_population_there_are_counts_but_no_rates():
    dep, _population, crimes = tiny_case()
    months = S.month_index(pd.Timestamp("2019-06-01"), pd.Timestamp("2019-06-01"))
    assert D.person_years(None, ["A", "B"], months) is None
    view = D.deprivation_view(crimes, dep, None, ["A", "B", "C", "D"], months, D.rate_groups(["Burglary"]), "X")
    assert not view.has_population
    by = view.by_decile.set_index("decile")
    assert by.loc[2, "count"] == 9 and by["rate"].isna().all() and by["upper"].isna().all()
    assert view.correlations.empty
    assert view.fifth["resident_share"].isna().all() and view.fifth["count_share"].item() == 1.0
    assert view.records_without_lsoa == 5


def test_an_lsoa_without_population_counts_but_stays_out_of_the_rate():
    dep, population, crimes = tiny_case()
    months = S.month_index(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    population = population[population["lsoa_code"] != "B"]
    view = D.deprivation_view(crimes, dep, population, ["A", "B", "C", "D"], months,
                              D.rate_groups(["Burglary"]), "X")
    row = view.by_decile.set_index("decile").loc[2]
    assert (row["count"], row["rated_count"], row["person_years"]) == (9, 3, 1000.0)
    assert row["rate"] == pytest.approx(3.0)
    assert view.lsoas_without_population == ["B"]


def test_chosen_categories_make_the_groups():
    cats = ["Burglary", "Drugs", S.ASB]
    assert D.rate_groups(cats, ("Drugs",)) == {D.SELECTED_CRIME: ("Drugs",)}
    assert D.rate_groups(cats, (S.ASB,)) == {S.ASB: (S.ASB,)}
    assert D.rate_groups(cats, ()) == {S.ALL_CRIME: ("Burglary", "Drugs"), S.ASB: (S.ASB,)}


def test_real_rates_by_decile_match_a_direct_count(real_full):
    crimes = real_full.read("crimes", columns=["month", "category", "lsoa_code"])
    dep = real_full.read("deprivation")
    population = real_full.read("population")
    codes = area_codes(real_full)
    months = S.month_index(crimes["month"].min(), crimes["month"].max())
    present = pd.DatetimeIndex(sorted(crimes["month"].unique()))
    assert len(present) == 17
    # The 26 months of the gap are not held: they add no exposure, so the rate is over 17 months.
    cover = coverage(present, months[0], months[-1])
    view = D.deprivation_view(crimes, dep, population, codes, cover,
                              D.rate_groups(sorted(crimes["category"].unique())), "Central Bedfordshire")
    assert (view.months, view.months_text) == (17, "17 months held of 43")
    row = view.by_decile.set_index(["group", "decile"]).loc[(S.ALL_CRIME, 2)]
    decile_2 = dep.loc[dep["imd_decile"] == 2, "lsoa_code"]
    direct = int((crimes["lsoa_code"].isin(decile_2) & (crimes["category"] != S.ASB)).sum())
    residents = population.loc[population["lsoa_code"].isin(decile_2), "population"].sum()
    assert (row["lsoas"], row["count"]) == (3, direct)
    assert row["person_years"] == pytest.approx(residents * 17 / 12)
    assert row["rate"] == pytest.approx(direct / (residents * 17 / 12) * 1000)
    assert view.by_decile.set_index(["group", "decile"]).loc[(S.ALL_CRIME, 1), "lsoas"] == 0
    # Every real record in the area has a 2011 LSOA (by its point, or its reported code): none is left out.
    assert view.records_without_lsoa == int(crimes["lsoa_code"].isna().sum()) == 0


# -- the most deprived fifth ------------------------------------------------------------

def test_fifth_share_known_answer():
    dep, population, crimes = tiny_case()
    months = S.month_index(pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    crimes = pd.concat([crimes, pd.DataFrame({"month": crimes["month"].iloc[0], "lsoa_code": ["C"] * 3,
                                              "category": "Burglary"})], ignore_index=True)
    view = D.deprivation_view(crimes, dep, population, ["A", "B", "C", "D"], months,
                              D.rate_groups(["Burglary"]), "X")
    (row,) = view.fifth.to_dict("records")
    # Deciles 1-2: LSOAs A and B (3,000 residents, 9 burglaries); C in decile 5 (500, 3); D has no decile.
    assert (row["lsoas"], row["lsoas_total"], row["count"], row["count_total"]) == (2, 3, 9, 12)
    assert row["count_share"] == pytest.approx(0.75)
    assert row["resident_share"] == pytest.approx(3000 / 3500)
    assert row["ratio"] == pytest.approx(0.75 / (3000 / 3500))


def demo_view(store):
    """The Deprivation page's view of the whole demo store, with the crimes and deprivation it read."""
    crimes = store.read("crimes", columns=["month", "category", "lsoa_code"])
    dep, population = store.read("deprivation"), store.read("population")
    months = S.month_index(crimes["month"].min(), crimes["month"].max())
    view = D.deprivation_view(crimes, dep, population, area_codes(store), months,
                              D.rate_groups(sorted(crimes["category"].unique())), "Central Bedfordshire")
    return view, crimes, dep


def test_demo_fifth_holds_more_crime_than_residents(demo_store):
    view, crimes, dep = demo_view(demo_store)
    fifth = view.fifth.set_index("group")
    fifth_codes = set(dep.loc[dep["imd_decile"].isin([1, 2]), "lsoa_code"])
    crime = crimes[crimes["category"] != S.ASB]
    share = crime["lsoa_code"].isin(fifth_codes).sum() / crime["lsoa_code"].notna().sum()
    assert fifth.loc[S.ALL_CRIME, "lsoas"] == 5
    assert fifth.loc[S.ALL_CRIME, "count_share"] == pytest.approx(share)
    assert fifth.loc[S.ALL_CRIME, "ratio"] > 1.5


# -- correlations -----------------------------------------------------------------------

def test_domain_correlations_agree_with_scipy_on_the_demo(demo_store):
    view, crimes, dep = demo_view(demo_store)
    corr = view.correlations.set_index(["group", "domain"])
    assert list(corr.loc[S.ALL_CRIME].index) == list(D.DOMAINS)
    rates = view.lsoa_rates[view.lsoa_rates["group"] == S.ALL_CRIME].set_index("lsoa_code")["rate"]
    ranks = dep.set_index("lsoa_code")
    for domain in D.DOMAINS:
        expected = stats.spearmanr(rates.to_numpy(), ranks.loc[rates.index, f"{domain}_rank"].astype(float))
        row = corr.loc[(S.ALL_CRIME, domain)]
        # Deprivation is the rank turned round: rho > 0 means more deprived, higher rate.
        assert row["rho"] == pytest.approx(-expected.statistic, abs=1e-12)
        assert row["p"] == pytest.approx(expected.pvalue, rel=1e-9)
        assert row["n"] == 157 and row["measure"] == "rank"
        assert row["lower"] < row["rho"] < row["upper"]
    # The demo's story: crime follows the IMD, and villages are deprived on Barriers instead.
    assert corr.loc[(S.ALL_CRIME, "imd"), "rho"] > 0.5
    assert corr.loc[(S.ALL_CRIME, "barriers"), "rho"] < 0


def test_real_correlations_with_file_2(real_full):
    crimes = real_full.read("crimes", columns=["month", "category", "lsoa_code"])
    dep, population = real_full.read("deprivation"), real_full.read("population")
    codes = area_codes(real_full)
    months = S.month_index(crimes["month"].min(), crimes["month"].max())
    rates = D.lsoa_rates(crimes, codes, {S.ASB: (S.ASB,)}, D.person_years(population, codes, months))
    corr = D.domain_correlations(rates, dep).set_index("domain")
    assert len(corr) == 8 and (corr["n"] == 157).all()
    rate = rates.set_index("lsoa_code")["rate"]
    expected = stats.spearmanr(rate, -dep.set_index("lsoa_code").loc[rate.index, "income_rank"].astype(float))
    assert corr.loc["income", "rho"] == pytest.approx(expected.statistic, abs=1e-12)
    assert corr.loc["income", "p"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_spearman_needs_three_pairs_and_variation():
    assert np.isnan(D.spearman([1, 2], [3, 4]).rho)
    assert np.isnan(D.spearman([1, 1, 1, 1], [1, 2, 3, 4]).rho)
    r = D.spearman([1, 2, np.nan, 4, 5], [5, 6, 7, 8, 7])
    assert r.n == 4 and r.rho == pytest.approx(stats.spearmanr([1, 2, 4, 5], [5, 6, 8, 7]).statistic)


def test_file_1_alone_has_no_domains_and_correlates_on_the_imd_only(config, store):
    run_ingest("imd", [shared("imd2019", FILE_1)], config, store)
    dep = store.read("deprivation")
    assert D.available_domains(dep) == []
    codes = area_codes(store)
    rates = pd.DataFrame({"lsoa_code": codes, "group": "x", "count": 1, "person_years": 1.0,
                          "rate": np.arange(len(codes), dtype=float)})
    corr = D.domain_correlations(rates, dep)
    assert corr["domain"].tolist() == ["imd"]
    table = D.domain_deciles(dep, codes)
    assert table["imd_rank"].is_monotonic_increasing and table["income_decile"].isna().all()
