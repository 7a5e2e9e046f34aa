"""The Trends page's tables: series on offer, gaps, rates on real denominators, shares, the
years compared, signals in words, and the area against other areas - on hand-made frames
with known answers, and on the demo store's story numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import areas, significance, spc
from csp_dash.analysis import series as S
from csp_dash.analysis import trends as T
from csp_dash.analysis.coverage import missing_months
from csp_dash.analysis.filters import Filters, apply_filters

CATEGORIES = (S.ASB, "Bicycle theft", "Burglary", "Drugs", "Robbery", "Vehicle crime", S.VSO)


def months(start: str, end: str) -> pd.DatetimeIndex:
    return S.month_index(pd.Timestamp(start), pd.Timestamp(end))


def crimes(rows: list[tuple[str, str, str | None]]) -> pd.DataFrame:
    """Records as the store gives them: month (ms dates), category and lsoa_code as text."""
    return pd.DataFrame({
        "month": pd.to_datetime([m for m, _, _ in rows]).astype("datetime64[ms]"),
        "category": pd.Series([c for _, c, _ in rows], dtype="str"),
        "lsoa_code": pd.Series([code for _, _, code in rows], dtype="str"),
    })


# -- series on offer ----------------------------------------------------------------------------

def test_without_chosen_categories_the_groups_come_first_then_every_category():
    options = T.series_options(CATEGORIES)
    assert list(options) == [S.ALL_CRIME, S.ASB, S.SAC, S.VSO, "Bicycle theft", "Burglary", "Drugs", "Robbery",
                             "Vehicle crime"]
    assert options[S.ALL_CRIME] == ("Bicycle theft", "Burglary", "Drugs", "Robbery", "Vehicle crime", S.VSO)
    assert options[S.SAC] == ("Burglary", "Robbery", "Vehicle crime")
    assert options[S.ASB] == (S.ASB,)


def test_chosen_categories_offer_their_total_and_only_whole_groups():
    sac = T.series_options(CATEGORIES, ("Vehicle crime", "Burglary", "Robbery"))
    assert sac == {T.CHOSEN: ("Burglary", "Robbery", "Vehicle crime"), S.SAC: ("Burglary", "Robbery", "Vehicle crime"),
                   "Burglary": ("Burglary",), "Robbery": ("Robbery",), "Vehicle crime": ("Vehicle crime",)}
    # Burglary alone is not "Serious acquisitive crime", and ASB with drugs is not "all recorded crime".
    assert T.series_options(CATEGORIES, ("Burglary",)) == {"Burglary": ("Burglary",)}
    assert list(T.series_options(CATEGORIES, (S.ASB, "Drugs"))) == [T.CHOSEN, S.ASB, "Drugs"]


def test_a_group_of_categories_the_store_lacks_counts_only_those_it_has():
    options = T.series_options((S.ASB, "Burglary", S.VSO))
    assert options[S.SAC] == ("Burglary",)
    assert options[S.ALL_CRIME] == ("Burglary", S.VSO)


# -- counts, gaps and rates ---------------------------------------------------------------------

def test_a_month_missing_from_the_store_is_blank_and_a_quiet_month_is_zero():
    records = crimes([("2018-01-01", "Burglary", "A"), ("2018-01-01", "Robbery", "A"), ("2018-01-01", S.ASB, "B"),
                      ("2018-02-01", S.ASB, "A"), ("2018-04-01", "Vehicle crime", "B")])
    gaps = missing_months(records)
    assert gaps == [pd.Timestamp("2018-03-01")]
    counts = T.category_counts(records, months("2018-01-01", "2018-04-01"), gaps)
    options = T.series_options(CATEGORIES)
    table = T.monthly_series(counts, options, [S.ALL_CRIME, S.ASB, S.SAC, "Drugs"])
    assert table[S.ALL_CRIME].tolist()[:2] == [2.0, 0.0] and table[S.ALL_CRIME].tolist()[3] == 1.0
    assert table[S.ASB].tolist()[:2] == [1.0, 1.0]
    assert table[S.SAC].tolist()[3] == 1.0
    assert table["Drugs"].tolist()[:2] == [0.0, 0.0]  # a category with no record at all is a true zero
    assert table.loc[pd.Timestamp("2018-03-01")].isna().all()  # the gap month, in every series


def test_rates_are_per_1000_residents_a_year_on_the_scope_population():
    # Two LSOAs: A has 1,000 residents in 2017 and 1,200 in 2018, B 2,000 and 1,800.
    population = pd.DataFrame({"lsoa_code": ["A", "B", "A", "B"], "year": [2017, 2017, 2018, 2018],
                               "population": [1000, 2000, 1200, 1800]})
    records = crimes([("2017-12-01", "Burglary", "A")] * 6 + [("2017-12-01", "Burglary", "B")] * 3
                     + [("2018-01-01", "Burglary", "A")] * 4)
    span = months("2017-12-01", "2018-01-01")
    # District: 9 in Dec 2017 over 3,000 residents -> 9 x 12 / 3,000 x 1,000 = 36 a year per 1,000.
    counts = T.monthly_series(T.category_counts(records, span), {"Burglary": ("Burglary",)})
    district = S.denominators(population, ["A", "B"], span)
    assert T.rates_per_1000(counts, district.population)["Burglary"].tolist() == [36.0, 16.0]
    # LSOA A alone: 6 over 1,000 in 2017 -> 72; 4 over 1,200 in 2018 -> 40.
    scoped = apply_filters(records, Filters(scope="lsoas", lsoa_codes=("A",)))
    counts_a = T.monthly_series(T.category_counts(scoped, span), {"Burglary": ("Burglary",)})
    rates_a = T.rates_per_1000(counts_a, S.denominators(population, ["A"], span).population)
    assert rates_a["Burglary"].tolist() == pytest.approx([72.0, 40.0])
    # No population for the scope: no rate, never a made-up one.
    assert S.denominators(population, ["C"], span) is None


def test_the_table_behind_the_monthly_chart_is_long_with_residents_and_rates():
    span = months("2018-01-01", "2018-02-01")
    counts = pd.DataFrame({S.ASB: [3.0, np.nan]}, index=span)
    residents = pd.Series([4000.0, 4000.0], index=span)
    long = T.tidy_series(counts, T.rates_per_1000(counts, residents), residents)
    assert long.columns.tolist() == ["month", "series", "count", "residents", "rate_per_1000_per_year"]
    assert long["month"].tolist() == ["2018-01", "2018-02"]
    assert long["count"].tolist()[0] == 3 and pd.isna(long["count"].tolist()[1])
    assert long["rate_per_1000_per_year"].tolist()[0] == 9.0  # 3 x 12 / 4,000 x 1,000


def test_records_placed_by_an_lsoa_outside_the_geography_count_in_the_district_only():
    records = crimes([("2021-05-01", "Burglary", "A"), ("2021-05-01", "Drugs", None), ("2021-05-01", S.ASB, None)])
    assert T.unplaced_records(records) == 2
    assert T.unplaced_records(apply_filters(records, Filters(scope="lsoas", lsoa_codes=("A",)))) == 0


# -- shares -------------------------------------------------------------------------------------

def test_shares_of_all_records_and_of_recorded_crime():
    span = months("2017-04-01", "2018-03-01")
    counts = pd.DataFrame({S.ASB: 5.0, "Burglary": 3.0, "Drugs": 2.0, "Robbery": 0.0}, index=span)
    shares = T.category_shares(counts)
    # 60 ASB, 36 burglary, 24 drugs of 120 records; recorded crime is 60. Robbery has none.
    assert shares["category"].tolist() == [S.ASB, "Burglary", "Drugs"]
    assert shares["records"].tolist() == [60, 36, 24]
    assert shares["share_of_all_pct"].tolist() == [50.0, 30.0, 20.0]
    assert shares["share_of_recorded_crime_pct"].tolist()[1:] == [60.0, 40.0]
    assert pd.isna(shares["share_of_recorded_crime_pct"].iloc[0])
    by_year = T.shares_by_year(counts)
    assert by_year.set_index("category")["2017/18"].to_dict() == {S.ASB: 50.0, "Burglary": 30.0, "Drugs": 20.0,
                                                                   "Robbery": 0.0}


def test_shares_by_year_skip_a_year_with_a_missing_month():
    span = months("2017-04-01", "2019-03-01")
    counts = pd.DataFrame({"Burglary": 1.0, "Drugs": 3.0}, index=span)
    counts.loc[pd.Timestamp("2018-07-01")] = np.nan
    assert T.shares_by_year(counts).columns.tolist() == ["category", "2017/18"]


# -- the years compared -------------------------------------------------------------------------

def test_complete_financial_years_and_the_default_pair():
    span = months("2015-04-01", "2021-03-01")
    assert T.financial_years(span) == [2015, 2016, 2017, 2018, 2019, 2020]
    # Strategy from April 2019: baseline is 2018/19, chosen the latest complete year.
    assert T.default_years(T.financial_years(span), "2019-04") == (2020, 2018)
    values = pd.Series(1.0, index=span)
    values[pd.Timestamp("2020-12-01")] = np.nan
    # A partly held year is still on offer (comparisons pair its held months); one with none is not.
    assert T.financial_years(span, values) == [2015, 2016, 2017, 2018, 2019, 2020]
    values[pd.Timestamp("2020-04-01"):] = np.nan
    assert T.financial_years(span, values) == [2015, 2016, 2017, 2018, 2019]
    # The year before the strategy is not in the data: the earliest year instead.
    assert T.default_years([2021, 2022], "2019-04") == (2022, 2021)
    assert T.default_years([], "2019-04") == (None, None)


STRATEGY = ("2019-04", "2021-03")


def test_year_defaults_on_a_store_covering_the_strategy_period():
    span = months("2015-04-01", "2021-03-01")
    defaults = T.year_defaults(T.financial_years(span), span, *STRATEGY)
    # The strategy's rule, and nothing to say.
    assert defaults == T.YearDefaults(2020, 2018, "")
    # Partly held years on offer: a year with fewer than six months is not the default chosen one.
    longer = months("2015-04-01", "2021-06-01")
    assert T.months_held_by_year(longer)[2021] == 3
    assert T.year_defaults(sorted(T.months_held_by_year(longer)), longer, *STRATEGY) == T.YearDefaults(2020, 2018, "")


# The real store's months: Oct 2018 - Feb 2019 and May 2021 - Apr 2022, nothing between.
GAPPED = months("2018-10-01", "2019-02-01").append(months("2021-05-01", "2022-04-01"))


def test_year_defaults_on_the_gapped_real_store():
    assert T.months_held_by_year(GAPPED) == {2018: 5, 2021: 11, 2022: 1}
    # Years with any held month on offer: 2021/22 (11 months), not 2022/23 (April only), against
    # 2018/19, the latest year before it that holds any month.
    defaults = T.year_defaults([2018, 2021, 2022], GAPPED, *STRATEGY, store_held=GAPPED)
    assert (defaults.chosen, defaults.baseline) == (2021, 2018)
    assert defaults.notice == ("The strategy period (Apr 2019 to Mar 2021) holds no data in this store; showing the "
                               "latest financial year with at least 6 months of data, 2021/22, against 2018/19, the "
                               "latest year before it with data.")
    # The Trends page's offer: years wholly inside the months in view with a month held - only
    # 2021/22 (2018/19 begins before October 2018, the first month in view).
    view = months("2018-10-01", "2022-04-01")
    values = pd.Series(1.0, index=view).where(view.isin(GAPPED))
    offered = T.financial_years(view, values)
    assert offered == [2021]
    assert T.year_defaults(offered, values.dropna().index, *STRATEGY, store_held=GAPPED) == T.YearDefaults(
        2021, 2021, "The strategy period (Apr 2019 to Mar 2021) holds no data in this store; showing the latest "
                    "financial year with at least 6 months of data, 2021/22, with no other year to compare it with.")
    # No year on offer at all: the notice still says why.
    assert T.year_defaults([], GAPPED, *STRATEGY) == T.YearDefaults(
        None, None, "The strategy period (Apr 2019 to Mar 2021) holds no data in this store.")


def test_year_defaults_on_a_store_starting_after_the_strategy_period():
    held = months("2022-01-01", "2024-06-01")
    offered = sorted(T.months_held_by_year(held))
    assert offered == [2021, 2022, 2023, 2024]
    defaults = T.year_defaults(offered, held, *STRATEGY)
    assert (defaults.chosen, defaults.baseline) == (2023, 2022)
    assert defaults.notice == ("The strategy period (Apr 2019 to Mar 2021) holds no data in this store; showing the "
                               "latest financial year with at least 6 months of data, 2023/24, against the one "
                               "before, 2022/23.")
    # The old rule's baseline (2018/19, the year before the strategy) is not there either.
    assert T.default_years(T.financial_years(held), "2019-04") == (2023, 2022)
    ends_in_march = months("2022-04-01", "2024-03-01")
    assert T.year_defaults(T.financial_years(ends_in_march), ends_in_march, *STRATEGY).notice == (
        "The strategy period (Apr 2019 to Mar 2021) holds no data in this store; showing the latest financial year "
        "with data, 2023/24, against the one before, 2022/23.")


def test_year_defaults_when_the_strategy_period_holds_too_little_or_is_filtered_out():
    # 5 of the strategy's 24 months (Apr - Aug 2019) fall short of half: too few to anchor the defaults.
    few = months("2018-04-01", "2019-08-01")
    defaults = T.year_defaults([2018, 2019], few, *STRATEGY)
    assert (defaults.chosen, defaults.baseline) == (2018, 2019)
    assert defaults.notice == ("The strategy period (Apr 2019 to Mar 2021) holds only 5 of its 24 months in this "
                               "store; showing the latest financial year with at least 6 months of data, 2018/19, "
                               "against 2019/20, as no year before it has data.")
    # Twelve of 24 is enough: the strategy's rule, no notice.
    half = months("2017-04-01", "2020-03-01")
    assert T.year_defaults(T.financial_years(half), half, *STRATEGY) == T.YearDefaults(2019, 2018, "")
    # The store holds the strategy period but the sidebar's months leave it out.
    store = months("2015-04-01", "2021-03-01")
    view = months("2016-04-01", "2018-03-01")
    assert T.year_defaults(T.financial_years(view), view, *STRATEGY, store_held=store).notice == (
        "The strategy period (Apr 2019 to Mar 2021) is outside the months chosen in the sidebar; showing the latest "
        "financial year with data, 2017/18, against the one before, 2016/17.")


def test_signals_in_words_group_the_months_beyond_a_limit():
    index = months("2018-01-01", "2018-12-01")
    values = pd.Series([10, 10, 10, 10, 10, 10, 40, 41, 42, 10, 43, 10], index=index, dtype="float64")
    chart = spc.control_chart(values, "c", baseline=(index[0], index[5]))
    lines = T.summarise_signals(spc.describe_signals(chart))
    assert lines[0] == "4 months above the upper control limit: Jul 2018 to Sep 2018 (3 months); Nov 2018"
    assert all("control limit" not in line for line in lines[1:])


def test_a_chart_without_signals_says_so_and_downloads_an_empty_table():
    index = months("2018-01-01", "2018-12-01")
    values = pd.Series([10, 12, 9, 11, 10, 13, 9, 10, 12, 11, 9, 10], index=index, dtype="float64")
    chart = spc.control_chart(values, "c")
    signals = spc.describe_signals(chart)
    assert T.summarise_signals(signals) == []
    assert T.signals_table(signals).columns.tolist() == ["rule", "start", "end", "direction", "text"]
    assert T.signals_table(signals).empty
    table = T.chart_table(chart, "Drugs", "c")
    assert table["month"].tolist()[:2] == ["2018-01", "2018-02"]
    assert table["centre"].iloc[0] == round(values.mean(), 3)
    assert "sigma" not in table and set(table["series"]) == {"Drugs"}
    assert T.share_of_months_beyond(chart) == 0.0


def test_comparisons_in_words_with_the_change_per_resident():
    span = months("2016-04-01", "2018-03-01")
    values = pd.Series([100.0] * 12 + [114.0] * 12, index=span)
    plain = significance.period_comparisons(values, 2016, 2017)
    residents = pd.Series([1000.0] * 12 + [1100.0] * 12, index=span)
    per_resident = significance.period_comparisons(values, 2016, 2017, population=residents)
    bullets = T.comparison_bullets(plain, per_resident)
    assert bullets[0] == ("**Latest financial year against the one before** (2017/18 against 2016/17): 1,368 against "
                          "1,200 - **up 14%, unlikely to be chance (p < 0.001)**; per resident +3.6%")
    table = T.comparison_table(plain, per_resident, "Drugs")
    assert table["rate_change_pct"].iloc[0] == round((1.14 / 1.1 - 1) * 100, 4)
    assert "ratio" not in table and set(table["series"]) == {"Drugs"}


# -- other areas --------------------------------------------------------------------------------

def aggregate(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame({
        "district": pd.Series([r[0] for r in rows], dtype="str"),
        "force": pd.Series([r[1] for r in rows], dtype="str"),
        "month": pd.to_datetime([r[2] for r in rows]).astype("datetime64[ms]"),
        "category": pd.Series([r[3] for r in rows], dtype="string"),
        "crimes": [r[4] for r in rows],
    })


AGG = aggregate([
    ("Area", "Home Police", "2020-01-01", "Burglary", 10), ("Area", "Home Police", "2020-01-01", S.ASB, 50),
    ("Next", "Home Police", "2020-01-01", "Burglary", 30), ("", "Home Police", "2020-01-01", "Burglary", 5),
    ("Area", "Home Police", "2020-02-01", "Burglary", 20), ("Next", "Home Police", "2020-02-01", "Burglary", 30),
    # March: the force file has no record in Area (a true zero) but one in Next.
    ("Next", "Home Police", "2020-03-01", "Burglary", 60),
    # Far is another force's district, ingested for January only.
    ("Far", "Other Police", "2020-01-01", "Burglary", 7),
])


def test_comparison_lines_come_from_the_aggregate_with_missing_and_zero_months_apart():
    lines = areas.comparison_lines(AGG, "Area", "Home Police", ["Far"], categories=("Burglary",))
    assert lines.columns.tolist() == ["Area", "Home Police", "Far"]  # two forces: no England and Wales
    assert lines.index.tolist() == list(months("2020-01-01", "2020-03-01"))
    assert lines["Area"].tolist() == [10.0, 20.0, 0.0]
    assert lines["Home Police"].tolist() == [45.0, 50.0, 60.0]  # every district, and records with none
    far = lines["Far"].tolist()
    assert far[0] == 7.0 and np.isnan(far[1]) and np.isnan(far[2])  # Other Police's files stop in January
    assert areas.districts(AGG) == ["Area", "Far", "Next"]
    assert areas.forces(AGG) == ["Home Police", "Other Police"]


def test_england_and_wales_only_when_nearly_every_force_is_held():
    many = pd.concat([AGG] + [aggregate([("D", f"Force {i}", "2020-01-01", "Burglary", 1)])
                              for i in range(areas.ALL_FORCES_MIN - 2)])
    assert many["force"].nunique() == areas.ALL_FORCES_MIN
    lines = areas.comparison_lines(many, "Area", "Home Police", categories=("Burglary",))
    assert lines[areas.ENGLAND_AND_WALES].tolist()[0] == 45 + 7 + areas.ALL_FORCES_MIN - 2
    few = areas.comparison_lines(many.iloc[:-1], "Area", "Home Police")
    assert areas.ENGLAND_AND_WALES not in few


def test_each_line_is_indexed_to_its_own_baseline_average():
    lines = areas.comparison_lines(AGG, "Area", "Home Police", categories=("Burglary",))
    assert areas.default_baseline(lines, months=2) == (pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01"))
    index = areas.index_to_baseline(lines, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-02-01"))
    # Area's baseline month averages 15: 10 -> 66.7, 20 -> 133.3, 0 -> 0.
    assert index["Area"].tolist() == [66.7, 133.3, 0.0]
    assert index["Home Police"].tolist() == [94.7, 105.3, 126.3]
    long = areas.tidy(lines, index)
    assert long.columns.tolist() == ["month", "area", "records", "index_baseline_100"]
    assert long.iloc[0].tolist() == ["2020-01", "Area", 10, 66.7]


# -- the demo store -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_series(demo_store):
    records = demo_store.read("crimes", columns=["month", "category", "lsoa_code"])
    span = months(records["month"].min(), records["month"].max())
    counts = T.category_counts(records, span, missing_months(records))
    options = T.series_options(sorted(records["category"].unique()))
    return T.monthly_series(counts, options), options


def test_demo_recorded_crime_2017_18_is_up_14_percent_on_2016_17(demo_series):
    table, _ = demo_series
    rows = significance.period_comparisons(table[S.ALL_CRIME], baseline_year=2016, chosen_year=2017)
    chosen = rows.set_index("comparison").loc[significance.CHOSEN_YEAR]
    assert (chosen["current"], chosen["baseline"]) == (18_240, 16_000)
    assert chosen["words"].startswith("up 14%, unlikely to be chance")


def test_demo_rates_use_the_mid_year_estimate_of_the_month(demo_store, demo_series):
    table, _ = demo_series
    population = demo_store.read("population", columns=["lsoa_code", "year", "population"])
    codes = demo_store.read("lsoas", columns=["code", "area"]).query("area")["code"].tolist()
    residents = S.denominators(population, codes, table.index).population
    rates = T.rates_per_1000(table, residents)
    june = pd.Timestamp("2017-06-01")
    assert residents[june] == 280_000  # docs/demo.md: mid-2017 is 280,000
    assert rates.loc[june, S.ALL_CRIME] == pytest.approx(table.loc[june, S.ALL_CRIME] * 12 / 280_000 * 1000)
    # January to March 2018 belong to FY 2017/18 but take the mid-2018 estimate.
    january = pd.Timestamp("2018-01-01")
    assert residents[january] == 283_700
    assert rates.loc[january, S.SAC] == pytest.approx(table.loc[january, S.SAC] * 12 / 283_700 * 1000)
