"""Seasonal index, STL, expected against actual, events and the strategy's claims: known
answers on synthetic series, the demo's built-in patterns, and the [[events]] config."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import events as E
from csp_dash.analysis import seasonality as SE
from csp_dash.analysis import series as S
from csp_dash.analysis import trends
from csp_dash.analysis.coverage import all_months, missing_months
from csp_dash.analysis.significance import compare_counts
from csp_dash.config import DEFAULT_EVENTS, Event, load_config
from csp_dash.errors import ConfigError

FACTORS = np.array([1.2, 1.1, 1.0, 0.9, 0.9, 0.8, 0.8, 0.9, 1.0, 1.1, 1.1, 1.2])  # sum 12


def monthly(values, start="2015-04") -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(f"{start}-01", periods=len(values),
                                                                         freq="MS"), name="records")


def seasonal_series(n: int, start="2015-04", level=100.0) -> pd.Series:
    months = pd.date_range(f"{start}-01", periods=n, freq="MS")
    return pd.Series(level * FACTORS[months.month - 1], index=months)


# -- seasonal index ---------------------------------------------------------------------------

def test_seasonal_index_recovers_known_factors_on_a_level_series():
    index = SE.seasonal_index(seasonal_series(48))
    assert list(index["month"]) == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    np.testing.assert_allclose(index["index"], FACTORS, rtol=1e-12)
    np.testing.assert_allclose(index["low"], FACTORS, rtol=1e-12)
    np.testing.assert_allclose(index["high"], FACTORS, rtol=1e-12)
    # 48 months give 36 centred ratios: three years for every calendar month.
    assert list(index["years"]) == [3] * 12


def test_seasonal_index_is_not_fooled_by_a_trend():
    s = seasonal_series(72) * np.linspace(1.0, 1.5, 72)  # +50% over six years
    index = SE.seasonal_index(s)
    np.testing.assert_allclose(index["index"], FACTORS, atol=0.01)


def test_seasonal_index_hand_worked_ratio():
    """One ratio by hand: the 2x12 centred mean weights the months six either side by 1/24."""
    values = np.arange(1, 14, dtype=float) * 10  # 10, 20, ..., 130
    ratios = SE.moving_average_ratios(monthly(values))
    assert len(ratios) == 1
    centred = (0.5 * 10 + sum(range(20, 130, 10)) + 0.5 * 130) / 12
    assert ratios.loc[0, "centred_mean"] == pytest.approx(centred)
    assert ratios.loc[0, "count"] == 70
    assert ratios.loc[0, "ratio"] == pytest.approx(70 / centred)


def test_a_gap_month_gives_no_ratio_nearby_and_is_not_a_zero():
    s = seasonal_series(48)
    s.iloc[20] = np.nan
    ratios = SE.moving_average_ratios(s)
    assert len(ratios) == 36 - 13  # the gap removes every window holding it
    np.testing.assert_allclose(ratios["ratio"], FACTORS[ratios["month"].dt.month - 1], rtol=1e-12)


def test_seasonal_index_needs_every_calendar_month():
    assert SE.seasonal_index(seasonal_series(23)).empty
    assert not SE.seasonal_index(seasonal_series(24)).empty


def test_year_by_month_places_counts_and_leaves_gaps_blank():
    s = monthly(range(1, 16), start="2019-11")  # Nov 2019 ... Jan 2021
    s.iloc[3] = np.nan  # Feb 2020 has no data
    table = SE.year_by_month(s)
    assert list(table.index) == [2019, 2020, 2021]
    assert table.loc[2019, "Nov"] == 1 and table.loc[2019, "Dec"] == 2 and table.loc[2021, "Jan"] == 15
    assert np.isnan(table.loc[2020, "Feb"]) and np.isnan(table.loc[2019, "Jan"])
    assert table.loc[2020, "Mar"] == 5


def test_latest_run_starts_after_the_last_gap():
    s = monthly(range(10))
    s.iloc[[3, 6]] = np.nan
    s.iloc[9] = np.nan
    run = SE.latest_run(s)
    assert list(run) == [7.0, 8.0]


# -- STL -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amplitude", [15.0, 40.0])
def test_stl_recovers_the_known_seasonal_amplitude_within_5_percent(amplitude):
    rng = np.random.default_rng(20190401)
    t = np.arange(72)
    values = 200 + 0.8 * t + amplitude * np.sin(2 * np.pi * t / 12) + rng.normal(0, 4, 72)
    d = SE.decompose(monthly(values))
    assert d.amplitude == pytest.approx(amplitude, rel=0.05)
    assert d.strength > 0.8
    assert (d.params["period"], d.params["seasonal"], d.params["robust"]) == (12, 13, True)
    assert d.params["trend"] == 21  # statsmodels' default for period 12, seasonal 13
    c = d.components
    np.testing.assert_allclose(c["trend"] + c["seasonal"] + c["remainder"], c["observed"], rtol=1e-10)


def test_stl_says_no_with_too_few_months_and_uses_the_run_after_a_gap():
    assert SE.decompose(seasonal_series(23)) is None
    s = seasonal_series(40)
    s.iloc[10] = np.nan
    d = SE.decompose(s)
    assert len(d.components) == 29 and d.months_left_out == 10
    assert d.start == s.index[11]
    s.iloc[20] = np.nan  # now the latest run is 19 months
    assert SE.decompose(s) is None


def test_a_series_without_season_has_weak_strength():
    rng = np.random.default_rng(7)
    d = SE.decompose(monthly(100 + rng.normal(0, 10, 60)))
    assert d.strength < 0.4


def test_stl_parameters_are_listed_for_the_page():
    table = SE.stl_parameters(SE.decompose(seasonal_series(36)))
    values = dict(zip(table["parameter"], table["value"]))
    assert values["period"] == "12" and values["seasonal"] == "13" and values["trend"] == "21"
    assert values["robust"] == "True" and values["months"] == "Apr 2015 to Mar 2018 (36)"


# -- expected against actual ------------------------------------------------------------------

def test_expected_flags_only_the_month_outside_the_interval():
    rng = np.random.default_rng(11)
    s = seasonal_series(60, level=300) + rng.normal(0, 5, 60)
    s.iloc[-5] += 150  # a spike in the holdout year
    e = SE.expected_vs_actual(s)
    t = e.table
    assert len(t) == 12 and list(t["month"]) == list(s.index[-12:])
    assert list(t.loc[t["outside"] != "", "month"]) == [s.index[-5]]
    assert t.loc[7, "outside"] == "above"
    # Away from the spike the model expects the seasonal shape it was shown.
    ok = t.drop(index=7)
    assert (abs(ok["expected"] - ok["actual"]) < 25).all()
    assert (t["lower"] <= t["expected"]).all() and (t["expected"] <= t["upper"]).all()
    assert len(e.fitted) == 36 and e.outside == 1
    assert e.method.startswith("a straight-line trend plus an effect for each calendar month, fitted by least "
                               "squares on the 36 months before them (Apr 2016 to Mar 2019)")
    assert e.method.endswith("(t distribution, 23 degrees of freedom)")  # 36 months - 13 parameters


def test_the_95_percent_interval_holds_about_95_percent_of_months():
    """Calibration: on trend + season + noise, about 1 month in 20 falls outside by chance."""
    outside = total = 0
    for seed in range(150):
        rng = np.random.default_rng(seed)
        s = seasonal_series(48, level=200) * np.linspace(1, 1.2, 48) + rng.normal(0, 8, 48)
        e = SE.expected_vs_actual(s)
        outside += e.outside
        total += len(e.table)
    assert 0.035 < outside / total < 0.065


def test_a_short_run_fits_on_the_24_months_it_has():
    e = SE.expected_vs_actual(seasonal_series(36) + np.random.default_rng(1).normal(0, 2, 36))
    assert len(e.fitted) == 24 and e.fitted.index[0] == pd.Timestamp("2015-04-01")


def test_a_drop_below_the_interval_is_flagged_below():
    s = seasonal_series(48, level=500) + np.random.default_rng(3).normal(0, 5, 48)
    s.iloc[-12] *= 0.6
    t = SE.expected_vs_actual(s).table
    assert t.loc[0, "outside"] == "below"


def test_expected_needs_36_months_and_a_varying_series():
    assert SE.expected_vs_actual(seasonal_series(35)) is None
    assert SE.expected_vs_actual(monthly([0] * 48)) is None


# -- events -----------------------------------------------------------------------------------

def at_daily_rate(rate_by_month: dict[str, float], start="2015-04", n=72, base=30.0) -> pd.Series:
    """Counts that are exactly a daily rate times the month's days."""
    months = pd.date_range(f"{start}-01", periods=n, freq="MS")
    rates = [rate_by_month.get(f"{m:%Y-%m}", base) for m in months]
    return pd.Series(np.array(rates) * months.days_in_month, index=months)


def test_default_event_occurrences_months_and_comparisons():
    first, last = pd.Timestamp("2015-04-01"), pd.Timestamp("2021-03-01")
    found = E.occurrences(DEFAULT_EVENTS, first, last)
    names = [o.label for o in found]
    assert "UEFA Euro 2020" not in names  # June-July 2021 is after the data
    cup = next(o for o in found if o.name == "2018 FIFA World Cup")
    assert cup.months == (pd.Timestamp("2018-06-01"), pd.Timestamp("2018-07-01"))
    assert cup.comparisons == ((pd.Timestamp("2017-06-01"), pd.Timestamp("2017-07-01")),
                               (pd.Timestamp("2019-06-01"), pd.Timestamp("2019-07-01")))
    xmas = [o for o in found if o.name == "Christmas and New Year"]
    # Dec 2014 - Jan 2015 touches nothing loaded; Dec 2015 ... Dec 2020 do.
    assert [o.start for o in xmas] == [pd.Timestamp(f"{y}-12-20") for y in range(2015, 2021)]
    assert xmas[0].end == pd.Timestamp("2016-01-05")
    assert xmas[0].months == (pd.Timestamp("2015-12-01"),)  # 5 days of January: less than a week
    assert xmas[0].comparisons == ((pd.Timestamp("2015-11-01"),), (pd.Timestamp("2016-02-01"),))
    summer = next(o for o in found if o.label == "School summer holidays 2019")
    assert summer.months == (pd.Timestamp("2019-07-01"), pd.Timestamp("2019-08-01"))
    assert summer.comparisons == ((pd.Timestamp("2019-06-01"),), (pd.Timestamp("2019-10-01"),))
    assert summer.dates == "22 Jul to 1 Sep 2019" and xmas[0].days == "20 Dec to 5 Jan"


def test_a_short_event_is_the_month_holding_most_of_it():
    event = Event(name="Bank holiday weekend", start="2019-08-30", end="2019-09-02")
    (occ,) = E.occurrences([event], pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-01"))
    assert occ.months == (pd.Timestamp("2019-08-01"),)  # 2 days each: the first wins


def test_compare_events_gives_the_daily_rate_change_and_pools_recurring_years():
    s = at_daily_rate({"2018-06": 40.0, "2018-07": 40.0, **{f"{y}-12": 36.0 for y in range(2015, 2021)}})
    table, used = E.compare_events(s, DEFAULT_EVENTS)
    rows = table.set_index("event")
    assert list(rows.index) == ["2018 FIFA World Cup", "Christmas and New Year", "School summer holidays"]
    cup = rows.loc["2018 FIFA World Cup"]
    assert (cup["event_records"], cup["event_days"], cup["comparison_records"], cup["comparison_days"]) == (
        2440, 61, 3660, 122)
    assert cup["change_pct"] == pytest.approx(100 / 3)
    assert cup["significant"] and cup["words"].startswith("up 33%, unlikely to be chance")
    xmas = rows.loc["Christmas and New Year"]
    assert xmas["change_pct"] == pytest.approx(20.0)
    assert xmas["event_months"] == "Dec, 2015 to 2020 (6 months)"
    # Nov 2015 ... Nov 2020 and Feb 2016 ... Feb 2021: twelve months.
    assert xmas["comparison_months"] == "Nov and Feb, 2015 to 2021 (12 months)"
    assert rows.loc["School summer holidays", "change_pct"] == pytest.approx(0.0)
    assert rows.loc["School summer holidays", "words"] == "no change"
    assert {o.name for o in used} == set(rows.index)


def test_a_one_off_comparison_year_must_be_in_the_data_and_clear_of_other_one_offs():
    s = at_daily_rate({}, start="2017-01", n=48)  # Jan 2017 - Dec 2020
    events = [Event(name="World Cup", start="2018-06-14", end="2018-07-15"),
              Event(name="Festival", start="2019-07-01", end="2019-07-10")]
    rows = E.compare_events(s, events)[0].set_index("event")
    # 2019's June-July holds the festival, so the cup is compared with 2017 only; the
    # festival's July 2018 held the cup, so it is compared with July 2020 only.
    assert rows.loc["World Cup", "comparison_months"] == "Jun and Jul 2017"
    assert rows.loc["World Cup", "comparison_days"] == 61
    assert rows.loc["Festival", "event_months"] == "Jul 2019"
    assert rows.loc["Festival", "comparison_months"] == "Jul 2020"
    short = at_daily_rate({}, start="2018-01", n=12)
    assert E.compare_events(short, events)[0].empty  # neither 2017 nor 2019 is loaded


def test_a_gap_in_the_event_months_leaves_that_occurrence_out():
    s = at_daily_rate({})
    s.loc["2018-07-01"] = np.nan
    table, _ = E.compare_events(s, DEFAULT_EVENTS)
    assert "2018 FIFA World Cup" not in set(table["event"])


# -- the strategy's claims on the demo -------------------------------------------------------

@pytest.fixture(scope="module")
def demo_monthly(demo_store) -> pd.DataFrame:
    crimes = demo_store.read("crimes", columns=["month", "category"])
    counts = trends.category_counts(crimes, all_months(crimes["month"]), missing_months(crimes))
    return trends.monthly_series(counts, trends.series_options(list(counts.columns)))


def test_the_demo_supports_the_season_claims_and_has_one_event_too_few(demo_monthly):
    claims = SE.check_claims(demo_monthly["Burglary"], demo_monthly[S.VSO], demo_monthly[S.ASB], DEFAULT_EVENTS)
    assert [c.claim for c in claims] == [SE.CLAIM_BURGLARY, SE.CLAIM_VIOLENCE, SE.CLAIM_ASB]
    # Six whole years for each season; one sporting event (Euro 2020 is after the demo's last month).
    assert [c.verdict for c in claims] == [SE.SUPPORTED, SE.TOO_LITTLE, SE.SUPPORTED]
    burglary, violence, asb = claims
    assert burglary.sentence.startswith("Burglary: 7.5 records a day in winter (December to February) against 5.8 "
                                        "in the rest of the year, 29% higher (unlikely to be chance, p < 0.001), "
                                        "over the 72 months Apr 2015 to Mar 2021.")
    assert round(burglary.change_pct) == 29
    assert "so the test is a quasi-Poisson test (dispersion φ = 5.0 from 72 monthly counts)" in burglary.sentence
    # The one World Cup is up by a quarter, yet one occasion cannot tell a pattern from the occasion;
    # its six months vary 4.3 times as much as Poisson counts, so even that is within normal variation.
    assert violence.sentence == (
        "Only one event (2018 FIFA World Cup) in the months loaded with comparable months a year before or after; "
        "a claim about large sporting events needs at least two to tell a pattern from one occasion. "
        "Violence and sexual offences: 17.4 records a day in the months of 2018 FIFA World Cup (Jun and Jul 2018, "
        "against Jun and Jul 2017; Jun and Jul 2019), against 14.1 in the comparison months, 24% higher (within "
        "normal variation, p = 0.059). The monthly counts vary more than Poisson counts would, so the test is a "
        "quasi-Poisson test (dispersion φ = 4.3 from 6 monthly counts).")
    assert round(violence.change_pct) == 24
    assert "24% higher" in violence.sentence
    assert round(asb.change_pct) == 25 and "25% higher" in asb.sentence


def test_the_demo_seasonal_peaks(demo_monthly):
    patterns = SE.strongest_patterns(demo_monthly).set_index("series")
    assert patterns.loc["Burglary", "peak_month"] == "Dec"
    assert patterns.loc[S.ASB, "peak_month"] in ("Jul", "Aug")
    assert patterns.loc["Bicycle theft", "low_month"] == "Jan"
    # The demo gives Possession of weapons no season at all.
    assert patterns.loc["Possession of weapons", "strength"] < 0.3
    assert len(SE.pattern_sentences(patterns.reset_index())) == 3


def test_claims_that_cannot_be_checked_say_why():
    short = seasonal_series(11)
    claims = SE.check_claims(None, short, short, DEFAULT_EVENTS)
    assert [c.verdict for c in claims] == [SE.UNCHECKED] * 3
    assert claims[0].sentence == "Burglary is not among the categories chosen in the sidebar."
    assert claims[1].sentence.startswith("No one-off event in csp.toml (2018 FIFA World Cup, UEFA Euro 2020) falls")
    assert claims[2].sentence == "Anti-social behaviour needs at least 12 consecutive months of data."


def test_a_flat_series_does_not_support_the_claim():
    flat = at_daily_rate({})
    claim = SE.check_claims(flat, flat, flat, DEFAULT_EVENTS)[0]
    assert claim.verdict == SE.NOT_SUPPORTED
    assert "30.0 records a day in winter (December to February) against 30.0" in claim.sentence


# -- how much evidence a claim needs -------------------------------------------------------------

CUP_AND_EURO = {"2018-06": 40.0, "2018-07": 40.0, "2021-06": 40.0, "2021-07": 40.0}


def test_two_sporting_events_up_by_a_third_support_the_claim():
    # Jan 2017 - Dec 2022: both tournaments with the same months a year before and after.
    s = at_daily_rate(CUP_AND_EURO, start="2017-01", n=72)
    claim = SE.check_claims(None, s, None, DEFAULT_EVENTS)[1]
    assert claim.verdict == SE.SUPPORTED
    # 40 a day in 4 event months (122 days) against 30 a day in 8 comparison months (244 days).
    assert (claim.comparison.current, claim.comparison.baseline) == (4880, 7320)
    assert claim.change_pct == pytest.approx(100 / 3)
    assert claim.sentence.startswith("Violence and sexual offences: 40.0 records a day in the months of 2018 FIFA "
                                     "World Cup (Jun and Jul 2018, against Jun and Jul 2017; Jun and Jul 2019); "
                                     "UEFA Euro 2020 (Jun and Jul 2021, against Jun and Jul 2020; Jun and Jul "
                                     "2022), against 30.0 in the comparison months, 33% higher (unlikely to be "
                                     "chance")


def test_two_sporting_events_with_no_change_do_not_support_the_claim():
    s = at_daily_rate({}, start="2017-01", n=72)
    claim = SE.check_claims(None, s, None, DEFAULT_EVENTS)[1]
    assert claim.verdict == SE.NOT_SUPPORTED and claim.change_pct == pytest.approx(0.0)


def test_one_sporting_event_is_too_little_evidence_however_large_the_change():
    # Data end in Dec 2020: Euro 2020 (June-July 2021) is not in the months loaded.
    s = at_daily_rate({"2018-06": 60.0, "2018-07": 60.0}, start="2017-01", n=48)
    claim = SE.check_claims(None, s, None, DEFAULT_EVENTS)[1]
    assert claim.verdict == SE.TOO_LITTLE
    assert claim.comparison.significant and claim.change_pct == pytest.approx(100.0)
    assert claim.sentence.startswith("Only one event (2018 FIFA World Cup) in the months loaded with comparable "
                                     "months a year before or after; a claim about large sporting events needs at "
                                     "least two to tell a pattern from one occasion. Violence and sexual offences: "
                                     "60.0 records a day")


def test_an_event_whose_comparison_months_are_missing_does_not_count():
    # Euro 2020's June-July 2020 and 2022 are both missing (NaN): only the World Cup is compared,
    # and the missing months are not read as quiet ones (which would make Euro 2020 look high).
    s = at_daily_rate(CUP_AND_EURO, start="2017-01", n=72)
    s.loc["2020-06-01":"2020-07-01"] = np.nan
    s.loc["2022-06-01":"2022-07-01"] = np.nan
    table, used = E.compare_events(s, [e for e in DEFAULT_EVENTS if not e.recurring])
    assert list(table["event"]) == ["2018 FIFA World Cup"] and [o.name for o in used] == ["2018 FIFA World Cup"]
    claim = SE.check_claims(None, s, None, DEFAULT_EVENTS)[1]
    assert claim.verdict == SE.TOO_LITTLE and claim.change_pct == pytest.approx(100 / 3)
    # One comparison year missing leaves the other: both events count again.
    s.loc["2020-06-01":"2020-07-01"] = 30.0 * np.array([30, 31])
    table, _ = E.compare_events(s, [e for e in DEFAULT_EVENTS if not e.recurring])
    assert table.set_index("event").loc["UEFA Euro 2020", "comparison_months"] == "Jun and Jul 2020"
    assert SE.check_claims(None, s, None, DEFAULT_EVENTS)[1].verdict == SE.SUPPORTED


def test_one_whole_year_is_too_little_evidence_for_a_season():
    winter_high = at_daily_rate({f"{y}-{m:02d}": 45.0 for y in (2021, 2022) for m in (1, 2, 12)},
                                start="2021-05", n=12)  # May 2021 - Apr 2022
    claim = SE.check_claims(winter_high, None, None, DEFAULT_EVENTS)[0]
    assert claim.verdict == SE.TOO_LITTLE
    assert claim.comparison.significant and claim.change_pct == pytest.approx(50.0)
    assert claim.sentence.startswith(
        "The latest run of months with data holds only one whole year (May 2021 to Apr 2022); a claim about the "
        "winter months needs at least two whole years, each holding every month of winter and of the rest of the "
        "year, to tell a pattern from one year. Burglary: 45.0 records a day in winter (December to February) "
        "against 30.0 in the rest of the year, 50% higher (unlikely to be chance, p < 0.001), over the 12 months "
        "May 2021 to Apr 2022.")
    # 23 months are still one whole year; 24 are two.
    assert SE.check_claims(at_daily_rate({}, n=23), None, None, DEFAULT_EVENTS)[0].verdict == SE.TOO_LITTLE
    two = at_daily_rate({f"{y}-{m:02d}": 45.0 for y in (2020, 2021, 2022) for m in (1, 2, 12)}, start="2020-05",
                        n=24)
    claim = SE.check_claims(two, None, None, DEFAULT_EVENTS)[0]
    assert claim.verdict == SE.SUPPORTED and claim.change_pct == pytest.approx(50.0)


def gapped(values: dict[str, float], base=30.0) -> pd.Series:
    """The real store's shape: months Oct 2018 - Feb 2019 and May 2021 - Apr 2022, NaN between."""
    s = at_daily_rate(values, start="2018-10", n=43, base=base)
    s.loc["2019-03-01":"2021-04-01"] = np.nan
    return s


def test_the_real_stores_26_month_gap_is_left_out_never_zero():
    # Summer high in 2021; the months of the gap, read as zero, would make winter 2018/19 and
    # the rest of the year look far quieter.
    s = gapped({"2021-06": 45.0, "2021-07": 45.0, "2021-08": 45.0})
    found = SE.season_against_rest(s, SE.SUMMER)
    c, run = found
    assert (run.index[0], run.index[-1], len(run)) == (pd.Timestamp("2021-05-01"), pd.Timestamp("2022-04-01"), 12)
    assert run.notna().all()
    assert c.change_pct == pytest.approx(50.0)
    burglary, violence, asb = SE.check_claims(s, s, s, DEFAULT_EVENTS)
    assert (burglary.verdict, violence.verdict, asb.verdict) == (SE.TOO_LITTLE, SE.UNCHECKED, SE.TOO_LITTLE)
    # Euro 2020 falls in the months loaded, but June-July 2020 and 2022 are not held.
    assert violence.sentence == ("No one-off event in csp.toml (2018 FIFA World Cup, UEFA Euro 2020) falls in the "
                                 "months loaded with comparable months a year before or after.")
    assert "over the 12 months May 2021 to Apr 2022" in asb.sentence


def test_overdispersed_months_are_not_called_unlikely_to_be_chance_for_their_size():
    # About a thousand records a day, months swinging 20% either way: the exact Poisson test on
    # the two large totals calls the summer rise certain; the months' own spread says otherwise.
    months = pd.date_range("2019-05-01", periods=24, freq="MS")
    swing = np.where(np.arange(24) % 2 == 0, 0.8, 1.2)
    rate = np.where(months.month.isin(SE.SUMMER), 1050.0, 1000.0) * swing
    s = pd.Series(np.round(rate * months.days_in_month), index=months)
    c, run = SE.season_against_rest(s, SE.SUMMER)
    inside = run.index.month.isin(SE.SUMMER)
    days = run.index.days_in_month.to_numpy()
    exact = compare_counts(c.current, c.baseline, days[inside].sum() / days[~inside].sum())
    assert exact.significant and exact.p_value < 1e-6
    assert not c.significant and c.p_value == pytest.approx(0.164, abs=0.001)
    claim = SE.check_claims(None, None, s, DEFAULT_EVENTS)[2]
    assert claim.verdict == SE.NOT_SUPPORTED
    assert claim.sentence.endswith("15% higher (within normal variation, p = 0.16), over the 24 months May 2019 to "
                                   "Apr 2021. The monthly counts vary more than Poisson counts would, so the test "
                                   "is a quasi-Poisson test (dispersion φ = 1299.1 from 24 monthly counts).")


def test_event_months_that_vary_widely_are_tested_for_it():
    # Both tournaments 20% up, but the comparison months swing from 20 to 40 a day.
    s = at_daily_rate({"2018-06": 36.0, "2018-07": 36.0, "2021-06": 36.0, "2021-07": 36.0,
                       "2017-06": 20.0, "2017-07": 40.0, "2019-06": 40.0, "2019-07": 20.0,
                       "2020-06": 20.0, "2020-07": 40.0, "2022-06": 40.0, "2022-07": 20.0},
                      start="2017-01", n=72)
    table, _ = E.compare_events(s, [e for e in DEFAULT_EVENTS if not e.recurring])
    assert table["method"].str.startswith("quasi-Poisson test").all()
    claim = SE.check_claims(None, s, None, DEFAULT_EVENTS)[1]
    assert claim.comparison.method.startswith("quasi-Poisson test") and not claim.comparison.significant
    assert claim.verdict == SE.NOT_SUPPORTED and claim.change_pct > 15
    # The same rise on steady comparison months: exact test, and the claim holds.
    steady = at_daily_rate({"2018-06": 36.0, "2018-07": 36.0, "2021-06": 36.0, "2021-07": 36.0},
                           start="2017-01", n=72)
    claim = SE.check_claims(None, steady, None, DEFAULT_EVENTS)[1]
    assert claim.comparison.method == "exact Poisson test" and claim.verdict == SE.SUPPORTED


def test_the_verdicts_are_four_distinct_words():
    assert len(set(SE.VERDICTS)) == 4 and SE.TOO_LITTLE == "too little evidence to tell"


# -- [[events]] in csp.toml ----------------------------------------------------------------------

def load(tmp_path, text):
    path = tmp_path / "csp.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def error(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text)
    return str(info.value).removeprefix(f"{tmp_path / 'csp.toml'}, ")


def test_the_shipped_csp_toml_spells_out_the_default_events(config):
    assert config.events == DEFAULT_EVENTS
    assert [e.name for e in config.events] == ["2018 FIFA World Cup", "UEFA Euro 2020", "Christmas and New Year",
                                               "School summer holidays"]


def test_events_replace_the_defaults_and_accept_toml_dates(tmp_path):
    cfg = load(tmp_path, '[[events]]\nname = "Derby day"\nstart = 2019-05-04\nend = "2019-05-04"\n'
                         '[[events]]\nname = "Winter"\nstart = "2000-12-01"\nend = "2000-02-28"\nrecurring = true\n')
    assert cfg.events == (Event("Derby day", "2019-05-04", "2019-05-04"),
                          Event("Winter", "2000-12-01", "2000-02-28", recurring=True))
    assert load(tmp_path, "").events == DEFAULT_EVENTS


@pytest.mark.parametrize("text, message", [
    ('[[events]]\nname = "Cup"\nstart = "2018-06-31"\nend = "2018-07-15"\n',
     "column 'events[0].start': events[0].start = '2018-06-31' is not allowed; "
     "expected a date written YYYY-MM-DD, like 2018-06-14"),
    ('[[events]]\nname = "Cup"\nstart = "14/06/2018"\nend = "2018-07-15"\n',
     "column 'events[0].start': events[0].start = '14/06/2018' is not allowed; "
     "expected a date written YYYY-MM-DD, like 2018-06-14"),
    ('[[events]]\nname = "Cup"\nstart = "2018-07-15"\nend = "2018-06-14"\n',
     "column 'events[0].start': events[0].start = '2018-07-15' is after events[0].end = '2018-06-14'; "
     "expected a start date no later than the end date (only a recurring event may run over the year end)"),
    ('[[events]]\nname = "Cup"\nstart = "2018-06-14"\n',
     "column 'events[0].end': events[0].end is missing; expected name, start, end in every [[events]] entry"),
    ('[[events]]\nname = "Cup"\nstart = "2018-06-14"\nend = "2018-07-15"\nrecurring = "yes"\n',
     "column 'events[0].recurring': events[0].recurring = 'yes' has the wrong type; expected true or false"),
    ('[[events]]\nname = "Cup"\nstart = "2018-06-14"\nend = "2018-07-15"\nplace = "Moscow"\n',
     "column 'events[0].place': unknown key 'events[0].place'; "
     "expected one of the keys allowed in [events[0]]: name, start, end, recurring"),
])
def test_bad_events_are_named_with_what_is_allowed(tmp_path, text, message):
    assert error(tmp_path, text) == message
