"""Indicator series and views, police.uk-derived indicators, the as-of date and overdue actions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_dash.analysis import outcomes as O
from csp_dash.analysis.filters import Filters
from csp_dash.charts.outcomes import sparkline
from csp_dash.config import Priority

T = pd.Timestamp


def indicator_rows(periods, values, *, indicator_id="nrm", unit="count", polarity="neither", sensitive=False,
                   baseline=None, target=None, priority="P1") -> pd.DataFrame:
    """Rows in the stored ``indicators`` shape for quarters or financial years."""
    rows = []
    for i, (period, value) in enumerate(zip(periods, values)):
        if "Q" in period:
            start = T(f"{period[:4]}-{3 * int(period[-1]) - 2:02d}-01")
            kind, end = "quarter", start + pd.DateOffset(months=3) - pd.Timedelta(days=1)
        else:
            start, kind = T(f"{period[:4]}-04-01"), "financial_year"
            end = start + pd.DateOffset(years=1) - pd.Timedelta(days=1)
        rows.append({"indicator_id": indicator_id, "priority": priority, "name": indicator_id.upper(), "unit": unit,
                     "polarity": polarity, "period": period, "period_type": kind, "period_start": start,
                     "period_end": end, "value": float(value),
                     "baseline": baseline[i] if isinstance(baseline, list) else np.nan,
                     "target": target[i] if isinstance(target, list) else np.nan,
                     "sensitive": sensitive, "source": "Partner"})
    return pd.DataFrame(rows)


# -- series and views ------------------------------------------------------------------------------

def test_a_missing_period_becomes_a_gap_not_a_dropped_row():
    rows = indicator_rows(["2019-Q3", "2019-Q4", "2020-Q2"], [5, 6, 8])
    series, notes = O.indicator_series(rows)
    assert series["period"].tolist() == ["2019-Q3", "2019-Q4", "2020-Q1", "2020-Q2"]
    assert series["value"].tolist()[:2] == [5, 6] and np.isnan(series["value"].iloc[2])
    assert series["period_end"].iloc[2] == T("2020-03-31")
    assert notes == []


def test_mixed_period_lengths_use_the_latest_ones_and_say_so():
    rows = pd.concat([indicator_rows(["2018/19"], [40]), indicator_rows(["2019-Q1", "2019-Q2"], [9, 11])])
    series, notes = O.indicator_series(rows)
    assert series["period"].tolist() == ["2019-Q1", "2019-Q2"]
    assert notes == ["1 figure for periods of another length is in the file but not in this series (it uses "
                     "quarters)."]


def test_baseline_and_target_are_the_latest_given_by_period():
    rows = indicator_rows(["2019-Q1", "2019-Q2", "2019-Q3"], [1, 2, 3], baseline=[20, 25, np.nan],
                          target=[np.nan, np.nan, np.nan])
    assert O.latest_given(rows.iloc[::-1], "baseline") == 25
    assert O.latest_given(rows, "target") is None


def test_a_sensitive_count_view_hides_small_figures_everywhere():
    rows = indicator_rows(["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"], [0, 7, 3, 2], sensitive=True,
                          baseline=[4, 4, 4, 4])
    v = O.indicator_view(rows, 4, "<5")
    assert v.hides
    assert (v.latest, v.latest_period, v.baseline) == ("<5", "2019-Q4", "<5")
    assert v.series["shown"].tolist() == ["0", "7", "<5", "<5"]
    assert v.series["plotted"].tolist()[:2] == [0, 7] and v.series["plotted"].iloc[2:].isna().all()
    assert v.change == "not shown (small numbers)"
    assert v.notes == ("2 figures are hidden (<5): gaps in the line, each with a pale box over the range it lies "
                       "in (1 to 4).",)
    assert v.status.reason == ("2019-Q4: <5, not significantly different from the baseline (<5); only 4 quarters "
                               "of figures (control limits need 12).")


def test_a_sensitive_percentage_is_not_suppressed():
    rows = indicator_rows(["2019-Q1", "2019-Q2"], [3.0, 2.0], unit="percent", sensitive=True)
    v = O.indicator_view(rows, 4, "<5")
    assert (v.hides, v.latest, v.change) == (False, "2%", "↓ 1 points")


def test_change_on_the_previous_period_reads_through_the_polarity():
    base = dict(unit="count", hides=False, threshold=4)
    series = pd.DataFrame({"period": ["a", "b"], "value": [10.0, 13.0]})
    assert O.change_on_previous(series, "higher is worse", **base) == "↑ 3 (worse)"
    assert O.change_on_previous(series, "higher is better", **base) == "↑ 3 (better)"
    assert O.change_on_previous(series, "neither", **base) == "↑ 3"
    flat = pd.DataFrame({"period": ["a", "b"], "value": [10.0, 10.0]})
    assert O.change_on_previous(flat, "higher is worse", **base) == "→ no change"
    gap = pd.DataFrame({"period": ["a", "b", "c"], "value": [10.0, np.nan, 12.0]})
    assert O.change_on_previous(gap, "higher is worse", **base) == "no figure for b"
    assert O.change_on_previous(series.iloc[:1], "neither", **base) == "no earlier figure"


def test_the_sparkline_never_holds_a_hidden_count():
    rows = indicator_rows([f"{y}-Q{q}" for y in (2018, 2019, 2020) for q in (1, 2, 3, 4)],
                          [3, 7, 0, 2, 9, 4, 6, 1, 8, 5, 12, 3], sensitive=True, target=[np.nan] * 11 + [6])
    v = O.indicator_view(rows, 4, "<5")
    fig = sparkline(v, 4, "<5")
    line = next(t for t in fig.data if t.type == "scatter" and t.mode == "lines+markers")
    y = [None if np.isnan(val) else val for val in np.asarray(line.y, dtype=float)]
    assert y == [None, 7, 0, None, 9, None, 6, None, 8, 5, 12, None]
    assert [c[1] for c in line.customdata] == ["<5", "7", "0", "<5", "9", "<5", "6", "<5", "8", "5", "12", "<5"]
    bars = next(t for t in fig.data if t.type == "bar")
    assert len(bars.x) == 5 and list(bars.y) == [4.0] * 5 and bars.base == 0.5
    assert "<5 (a count from 1 to 4, hidden)" in bars.hovertemplate
    assert v.usual_range is None  # limits would give the total back
    assert not any(getattr(t, "fill", None) for t in fig.data)
    # The latest figure is hidden, so no label gives it away; the target line is drawn.
    assert [a.text for a in fig.layout.annotations] == ["target"]


def test_downloads_of_the_demo_indicators_hold_no_small_sensitive_count(demo_store):
    indicators = demo_store.read("indicators")
    views = O.indicator_views(indicators, 4, "<5")
    figures = O.series_download(views, 4, "<5")
    sensitive_ids = set(indicators.loc[indicators["sensitive"], "indicator_id"])
    assert sensitive_ids == {"exploitation_nrm_referrals", "cse_cases_identified", "fm_hbv_referrals",
                             "dhr_commissioned", "young_people_treatment"}
    shown = figures[figures["indicator_id"].isin(sensitive_ids)]["value"]
    assert not shown.isin(["1", "2", "3", "4"]).any()
    truth = indicators[indicators["sensitive"] & indicators["value"].between(1, 4)]
    assert (shown == "<5").sum() == len(truth) == 66
    summary = O.summary_download(views)
    for column in ("latest", "baseline", "why"):
        for text in summary.loc[summary["indicator_id"].isin(sensitive_ids), column]:
            assert not any(f": {n}," in text or f"({n})" in text for n in "1234")


def test_demo_statuses_known_answers(demo_store):
    views = {v.indicator_id: v for v in O.indicator_views(demo_store.read("indicators"), 4, "<5")}
    assert views["knife_crime_offences"].status.rating == "Amber"
    assert views["da_repeat_victims"].status.rating == "Red"  # up 20% on its baseline, p < 0.001
    assert views["frontline_staff_trained"].status.rating == "Red"  # 410 against a target of 500
    assert views["motorcycle_asb_share"].status.rating == "Green"  # 13.8% against a target of 16%
    assert views["alcohol_admissions"].status.rating == "Not rated"  # 6 years, no baseline or target
    assert {views[i].status.rating for i in ("da_crimes", "marac_cases", "fm_hbv_referrals")} == {"Monitor"}


# -- police.uk-derived ---------------------------------------------------------------------------------

def _crimes() -> pd.DataFrame:
    rows = []
    # Jan-Jul 2019: one Drugs record a month in A1, two in B1 in Jun; a Burglary every month.
    for m in range(1, 8):
        month = T(f"2019-{m:02d}-01")
        rows += [(month, "Drugs", "A1"), (month, "Burglary", "A1")]
        if m == 6:
            rows += [(month, "Drugs", "B1"), (month, "Drugs", "B1")]
    return pd.DataFrame(rows, columns=["month", "category", "lsoa_code"])


PRIORITIES = (Priority(name="Knowledge Gap", police_uk_categories=("Drugs",)),
              Priority(name="P1", police_uk_categories=("Possession of weapons",)))


def test_police_uk_indicators_count_whole_quarters_in_the_scope_and_months():
    crimes = _crimes()
    months = pd.DatetimeIndex(sorted(crimes["month"].unique()))
    f = Filters(start=T("2019-01-01"), end=T("2019-07-01"), categories=("Burglary",), area_name="Area")
    rows, notes = O.police_uk_indicators(crimes, PRIORITIES, f, months)
    # Q3 has only July: not a whole quarter. The Burglary filter does not apply.
    assert rows["period"].tolist() == ["2019-Q1", "2019-Q2"]
    assert rows["value"].tolist() == [3, 5]
    assert set(rows["priority"]) == {"Knowledge Gap"}
    assert rows["name"].iloc[0] == "Drugs (police.uk records, Area)"
    assert (rows["polarity"] == "neither").all() and not rows["sensitive"].any()
    assert notes == ["'Possession of weapons' (csp.toml, police_uk_categories) is not a category in the crime data: "
                     "check its spelling against police.uk's."]
    town = Filters(scope="town", town="Bee", lsoa_codes=("B1",), start=T("2019-04-01"), end=T("2019-06-01"),
                   area_name="Area")
    rows, _ = O.police_uk_indicators(crimes, PRIORITIES, town, months)
    assert rows[["period", "value"]].to_numpy().tolist() == [["2019-Q2", 2]]
    assert rows["name"].iloc[0] == "Drugs (police.uk records, Bee)"


def test_a_quarter_with_a_month_missing_from_the_data_is_a_gap():
    crimes = _crimes()
    crimes = crimes[crimes["month"] != T("2019-05-01")]
    months = pd.DatetimeIndex(sorted(crimes["month"].unique()))
    rows, _ = O.police_uk_indicators(crimes, PRIORITIES[:1], Filters(area_name="Area"), months)
    assert rows["period"].tolist() == ["2019-Q1", "2019-Q2"]
    assert rows["value"].iloc[0] == 3 and np.isnan(rows["value"].iloc[1])


def test_months_holding_no_whole_quarter_say_so():
    crimes = _crimes()
    months = pd.DatetimeIndex(sorted(crimes["month"].unique()))
    f = Filters(start=T("2019-02-01"), end=T("2019-04-01"), area_name="Area")
    rows, notes = O.police_uk_indicators(crimes, PRIORITIES[:1], f, months)
    assert rows.empty
    assert notes == ["The months chosen (Feb 2019 to Apr 2019) hold no complete calendar quarter, so Drugs are not "
                     "counted: choose at least one whole quarter."]


def test_police_uk_indicators_on_real_data(real_store, config):
    crimes = real_store.read("crimes", columns=["month", "category", "lsoa_code"])
    months = pd.DatetimeIndex(sorted(crimes["month"].unique()))
    rows, notes = O.police_uk_indicators(crimes, config.priorities, Filters(area_name="Central Bedfordshire"), months)
    assert notes == []
    drugs = rows[rows["indicator_id"] == "police_uk_drugs"].set_index("period")["value"]
    # 2018-10 to 2019-02 and 2021-05 to 2022-04: whole quarters 2018-Q4 ... 2022-Q1; those
    # holding a month the data lacks are gaps, and April 2022 alone is not a quarter.
    assert drugs.index[0] == "2018-Q4" and drugs.index[-1] == "2022-Q1"
    assert drugs.notna().sum() == 4
    expected = crimes[(crimes["category"] == "Drugs") & crimes["month"].between(T("2018-10-01"), T("2018-12-01"))]
    assert drugs["2018-Q4"] == len(expected)
    assert np.isnan(drugs["2019-Q1"]) and np.isnan(drugs["2021-Q2"])


# -- as of and actions -------------------------------------------------------------------------------

def _actions() -> pd.DataFrame:
    return pd.DataFrame({
        "priority": ["P1"] * 5,
        "action": ["late", "due on the day", "done late", "lower case complete", "future"],
        "owner": ["CST"] * 5,
        "due_date": [T("2020-06-30"), T("2021-03-31"), T("2020-01-31"), T("2020-01-31"), T("2021-06-30")],
        "status": ["Delayed", "On track", "Complete", "complete", "Not started"],
        "last_update": [T("2021-03-10"), pd.NaT, T("2020-02-01"), pd.NaT, pd.NaT],
        "note": ["Covid", None, "", None, None],
    })


def test_as_of_is_the_latest_period_end_or_update_not_today():
    indicators = indicator_rows(["2020-Q4", "2021-Q1"], [1, 2])
    assert O.as_of_date(indicators, _actions()) == T("2021-03-31")
    assert O.as_of_date(None, _actions()) == T("2021-03-10")
    assert O.as_of_date(None, None) is None


def test_overdue_means_due_before_the_as_of_date_and_not_complete():
    view = O.actions_view(_actions(), T("2021-03-31"))
    assert view["overdue"].tolist() == [True, False, False, False, False]
    assert view["overdue by"].tolist() == ["9 months", "", "", "", ""]
    assert view.loc[0, ["due", "last update", "note"]].tolist() == ["30 Jun 2020", "10 Mar 2021", "Covid"]
    assert O.actions_view(_actions(), T("2020-07-10"))["overdue by"].iloc[0] == "10 days"
    unknown = O.actions_view(_actions(), None)
    assert not unknown["overdue"].any() and (unknown["overdue by"] == "no as-of date").all()


def test_demo_actions_overdue_as_of_march_2021(demo_store):
    indicators, actions = demo_store.read("indicators"), demo_store.read("actions")
    as_of = O.as_of_date(indicators, actions)
    assert as_of == T("2021-03-31")
    view = O.actions_view(actions, as_of)
    assert view.loc[view["overdue"], "status"].tolist() == ["Delayed", "At risk", "Delayed", "Delayed"]


def test_sections_keep_csp_toml_order_and_list_every_other_priority(config):
    indicators = pd.concat([indicator_rows(["2019-Q1"], [1], indicator_id="a", priority="Old priority"),
                            indicator_rows(["2019-Q1"], [1], indicator_id="b",
                                           priority=" Knowledge Gap: Substance Misuse")])
    actions = pd.DataFrame({"priority": ["Engagement", "Priority One: Ending Exploitation"]})
    configured, others = O.sections(config.priorities, indicators, actions)
    assert [s.name for s in configured] == [p.name for p in config.priorities]
    assert configured[2].indicator_ids == ("b",) and len(configured[0].actions) == 1
    assert [(s.name, s.indicator_ids, len(s.actions)) for s in others] == [("Old priority", ("a",), 0),
                                                                            ("Engagement", (), 1)]
    assert all(s.priority is None for s in others)


@pytest.mark.parametrize("start, kind, label", [
    ("2019-04-01", "month", "2019-04"), ("2019-04-01", "quarter", "2019-Q2"),
    ("2019-04-01", "financial_year", "2019/20"), ("1999-04-01", "financial_year", "1999/00"),
    ("2019-01-01", "year", "2019"),
])
def test_period_labels_match_the_stored_forms(start, kind, label):
    assert O.period_label(T(start), kind) == label


# -- a status that would narrow down a hidden count ---------------------------------------------

QUARTERS_2019 = ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"]


@pytest.mark.parametrize("latest", [1, 2])
def test_a_status_that_depends_on_a_hidden_latest_count_is_withheld(latest):
    # Against a target of 1 (lower is better), "met" would say the hidden count is 1; "missed" that it is 2 to 4.
    rows = indicator_rows(QUARTERS_2019, [9, 8, 7, latest], polarity="higher is worse", sensitive=True,
                          target=[1, 1, 1, 1])
    v = O.indicator_view(rows, 4, "<5")
    assert (v.status.rating, v.status.symbol) == ("Not rated", "–")
    assert v.status.reason == "Status withheld: it would narrow down a count shown as '<5' (1 to 4)."
    assert v.latest == "<5" and "1" not in v.status.reason.replace("(1 to 4)", "")
    # Not sensitive: the status says what it says.
    shown = O.indicator_view(indicator_rows(QUARTERS_2019, [9, 8, 7, latest], polarity="higher is worse",
                                            target=[1, 1, 1, 1]), 4, "<5")
    assert shown.status.rating == ("Green" if latest == 1 else "Amber")


def test_a_status_the_same_for_every_hidden_value_is_kept():
    # Target 10: met whatever the hidden count (1 to 4) is, so saying so gives nothing away.
    rows = indicator_rows(QUARTERS_2019, [9, 8, 7, 3], polarity="higher is worse", sensitive=True,
                          target=[10, 10, 10, 10])
    v = O.indicator_view(rows, 4, "<5")
    assert v.status.rating == "Green"
    assert v.status.reason == "2019-Q4: <5, meets the target (10); only 4 quarters of figures (control limits need 12)."


def test_a_hidden_baseline_that_would_be_narrowed_withholds_the_status():
    # 30 against a baseline of 1 to 4 is always significantly higher: kept. 9 against it is not for every value.
    kept = O.indicator_view(indicator_rows(QUARTERS_2019, [30, 30, 30, 30], polarity="higher is worse",
                                           sensitive=True, baseline=[2, 2, 2, 2]), 4, "<5")
    assert kept.status.rating == "Red" and "baseline (<5)" in kept.status.reason
    narrowed = O.indicator_view(indicator_rows(QUARTERS_2019, [9, 9, 9, 9], polarity="higher is worse",
                                               sensitive=True, baseline=[4, 4, 4, 4]), 4, "<5")
    assert narrowed.status.rating == "Not rated" and narrowed.status.reason.startswith("Status withheld")
