"""Monthly series: financial years, zero-filled counts, groups, population denominators and rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import series as S


def months(start: str, end: str) -> pd.DatetimeIndex:
    return S.month_index(pd.Timestamp(start), pd.Timestamp(end))


def crimes(rows: list[tuple[str, str]], categorical: bool = False) -> pd.DataFrame:
    """Records as the store gives them: month as a date (millisecond datetime), category as text."""
    frame = pd.DataFrame({
        "month": pd.to_datetime([m for m, _ in rows]).astype("datetime64[ms]"),
        "category": pd.Series([c for _, c in rows], dtype="category" if categorical else "str"),
    })
    return frame


# -- financial years -------------------------------------------------------------------------

def test_financial_year_turns_at_april():
    index = pd.DatetimeIndex(["2018-03-01", "2018-04-01", "2018-12-01", "2019-01-01", "2019-03-31"])
    assert S.financial_year_start(index).tolist() == [2017, 2018, 2018, 2018, 2018]
    # A column of months works the same way.
    assert S.financial_year_start(pd.Series(index[:2])).tolist() == [2017, 2018]


@pytest.mark.parametrize("start, label", [(2019, "2019/20"), (1999, "1999/00"), (2009, "2009/10"), (2017, "2017/18")])
def test_financial_year_label(start, label):
    assert S.financial_year_label(start) == label


def test_financial_year_totals_keep_complete_years_unless_asked():
    # Jan 2017 - May 2019, one record a month: FY2016/17 has 3 months, 2017/18 and 2018/19 twelve,
    # 2019/20 two.
    series = pd.Series(1, index=months("2017-01-01", "2019-05-01"))
    assert S.financial_year_totals(series).to_dict("index") == {
        "2017/18": {"count": 12, "months": 12}, "2018/19": {"count": 12, "months": 12}}
    every = S.financial_year_totals(series, complete_only=False)
    assert every["months"].to_dict() == {"2016/17": 3, "2017/18": 12, "2018/19": 12, "2019/20": 2}


# -- counts and groups -----------------------------------------------------------------------

def test_monthly_counts_fill_every_month_with_zeros():
    records = crimes([("2018-01-01", "Burglary"), ("2018-01-01", "Burglary"), ("2018-01-01", S.ASB),
                      ("2018-03-01", "Robbery"), ("2018-05-01", "Robbery")])
    counts = S.monthly_counts(records, months("2018-01-01", "2018-04-01"))
    # Feb and Apr have no records; May is outside the months asked for.
    assert counts.index.tolist() == list(months("2018-01-01", "2018-04-01"))
    assert counts.index.name == "month"
    assert counts.to_dict("list") == {S.ASB: [1, 0, 0, 0], "Burglary": [2, 0, 0, 0], "Robbery": [0, 0, 1, 0]}
    assert set(counts.dtypes) == {np.dtype("int64")}


def test_monthly_counts_of_no_records_are_zero_rows():
    counts = S.monthly_counts(crimes([]), months("2018-01-01", "2018-03-01"))
    assert len(counts) == 3 and counts.columns.empty
    assert S.group_series(counts, S.SAC).tolist() == [0, 0, 0]


@pytest.mark.parametrize("categorical", [False, True])
def test_group_series_adds_up_the_groups(categorical):
    records = crimes([("2018-01-01", "Burglary"), ("2018-01-01", "Robbery"), ("2018-01-01", S.ASB),
                      ("2018-01-01", "Shoplifting"), ("2018-02-01", "Vehicle crime"), ("2018-02-01", S.ASB),
                      ("2018-02-01", S.ASB)], categorical=categorical)
    counts = S.monthly_counts(records, months("2018-01-01", "2018-02-01"))
    # SAC = Burglary + Robbery + Vehicle crime: Jan 1 + 1 + 0 = 2, Feb 0 + 0 + 1 = 1.
    sac = S.group_series(counts, S.SAC)
    assert sac.tolist() == [2, 1] and sac.name == S.SAC
    # All recorded crime = everything but ASB: Jan 3, Feb 1.
    assert S.group_series(counts, S.ALL_CRIME).tolist() == [3, 1]
    assert S.group_series(counts, S.ASB).tolist() == [1, 2]
    # A category with no records in view is zeros under its own name, not an error.
    drugs = S.group_series(counts, "Drugs")
    assert drugs.tolist() == [0, 0] and drugs.name == "Drugs"


def test_series_names_put_the_groups_first():
    names = S.series_names(["Shoplifting", S.VSO, "Burglary", S.ASB])
    assert names == [S.ALL_CRIME, S.ASB, S.SAC, S.VSO, "Burglary", "Shoplifting"]


# -- denominators and rates --------------------------------------------------------------------

POPULATION = pd.DataFrame({
    "lsoa_code": ["A", "B", "A", "B"],
    "year": [2016, 2016, 2017, 2017],
    "population": [1000, 2000, 1100, 2100],
})


def test_denominators_pick_each_months_year_or_the_nearest():
    wanted = months("2015-12-01", "2018-01-01")
    d = S.denominators(POPULATION, ["A", "B"], wanted)
    used = d.year_used
    # 2015 is before the estimates: nearest is 2016; 2018 after: nearest is 2017.
    assert used[pd.Timestamp("2015-12-01")] == 2016
    assert used[pd.Timestamp("2016-06-01")] == 2016
    assert used[pd.Timestamp("2017-06-01")] == 2017
    assert used[pd.Timestamp("2018-01-01")] == 2017
    # Residents: 1,000 + 2,000 = 3,000 in 2016; 1,100 + 2,100 = 3,200 in 2017.
    assert d.population[pd.Timestamp("2016-06-01")] == 3000
    assert d.population[pd.Timestamp("2018-01-01")] == 3200
    assert d.population.index.equals(wanted)
    assert d.complete and (d.lsoas_covered, d.lsoas_in_scope) == (2, 2)
    assert d.note() == ("Residents from the ONS mid-year estimate of each month's calendar year; months beyond "
                        "the estimates loaded use the nearest year available.")


def test_a_tie_between_two_years_takes_the_earlier():
    population = POPULATION.assign(year=POPULATION["year"].map({2016: 2015, 2017: 2017}))
    d = S.denominators(population, ["A", "B"], months("2016-01-01", "2016-02-01"))
    assert d.year_used.tolist() == [2015, 2015]


def test_one_year_loaded_is_said_plainly():
    d = S.denominators(POPULATION[POPULATION["year"] == 2017], ["A"], months("2017-01-01", "2017-03-01"))
    assert d.population.tolist() == [1100, 1100, 1100]
    assert d.note() == "Residents from the mid-2017 estimate."


def test_no_population_means_no_denominator():
    wanted = months("2017-01-01", "2017-03-01")
    assert S.denominators(None, ["A"], wanted) is None
    assert S.denominators(POPULATION.iloc[:0], ["A"], wanted) is None
    assert S.denominators(POPULATION, ["Z"], wanted) is None  # none of the scope's LSOAs
    assert S.denominators(POPULATION, ["A"], wanted[:0]) is None


def test_partial_coverage_is_noted():
    d = S.denominators(POPULATION, ["A", "B", "C"], months("2017-01-01", "2017-02-01"))
    assert (d.lsoas_covered, d.lsoas_in_scope, d.complete) == (2, 3, False)
    assert d.population.tolist() == [3200, 3200]
    assert d.note() == ("Rates are not shown: only 2 of the 3 LSOAs in scope have a population figure in every "
                        "year used, and a rate needs the residents of every LSOA whose records it counts (are the "
                        "estimates for another LSOA vintage?).")
    one = S.denominators(POPULATION, ["A", "C"], months("2017-01-01", "2017-02-01"))
    assert one.note().startswith("Rates are not shown: only 1 of the 2 LSOAs in scope has a population figure")


def test_annual_rate_per_1000():
    counts = pd.Series([100, 50], index=months("2018-01-01", "2018-02-01"), name="Burglary")
    residents = pd.Series([120_000.0, 120_000.0], index=counts.index)
    # 100 x 12 / 120,000 x 1,000 = 10.0 a year per 1,000 residents; 50 -> 5.0.
    rate = S.annual_rate_per_1000(counts, residents)
    assert rate.tolist() == pytest.approx([10.0, 5.0])
    assert rate.name == "Burglary"
