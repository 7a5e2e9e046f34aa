"""The Trends page through AppTest: on the demo store (population loaded, force neighbours
generated) and on the real Bedfordshire months (no population, a 26-month gap), with the
page's own controls and the shared sidebar filters changed."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from csp_dash.analysis import series as S
from csp_dash.analysis import trends as T
from csp_dash.ingest import run_ingest
from csp_dash.ingest.police_uk import STREET_COLUMNS

SECTIONS = ["Monthly series", "Changes a partnership reports", "Control chart", "Compared with other areas",
            "Categories"]


def trends(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def markdown(at) -> str:
    return "\n".join(m.value for m in at.main.markdown)


@pytest.fixture(scope="module")
def demo_crimes(demo_store) -> pd.DataFrame:
    return demo_store.read("crimes", columns=["month", "category", "lsoa_code"])


def test_the_page_on_the_demo_store(app_for, demo_store):
    at = trends(app_for, demo_store)
    assert at.title[0].value == "Trends"
    assert [h.value for h in at.subheader] == SECTIONS
    assert at.pills(key="t_lines").value == [S.ALL_CRIME, S.ASB, S.SAC, S.VSO]
    # Population is loaded: rates and the u-chart are offered; the chart chosen by the data is the default.
    assert at.radio(key="t_measure").options == ["Counts", "Rate per 1,000 residents"]
    assert at.radio(key="t_chart").value == "auto"
    assert at.radio(key="t_chart").options == ["Chosen by the data", "c-chart (counts)",
                                               "u-chart (rate per 1,000 residents)",
                                               "Laney chart (rate per 1,000 residents)", "XmR chart (individuals)"]
    # The demo's monthly counts vary 2.3 times as much as Poisson counts: a Laney chart, limits from the
    # 36 months before the latest 12 (the Overview's baseline too).
    assert any(c.startswith("All recorded crime (excluding ASB). Laney c\u2032-chart (XmR of the counts): the "
                            "baseline months vary 2.3 times as much as Poisson counts would") and
               "Limits from Apr 2017 to Mar 2020 (36 months)." in c for c in captions(at))
    # Latest complete year 2020/21 against the year before the strategy (April 2019): 2018/19.
    assert (at.selectbox(key="t_year").value, at.selectbox(key="t_baseyear").value) == (2020, 2018)
    text = markdown(at)
    assert ("**Chosen financial year against the baseline year** (2020/21 against 2018/19): 17,300 against 18,000"
            in text)
    # The table behind the monthly chart: 72 months x 4 series, with residents and the rate.
    monthly = at.dataframe[0].value
    assert len(monthly) == 72 * 4
    assert monthly.columns.tolist() == ["month", "series", "count", "residents", "rate_per_1000_per_year"]
    row = monthly[(monthly["month"] == "2017-06") & (monthly["series"] == S.ALL_CRIME)].iloc[0]
    assert row["residents"] == 280_000
    assert row["rate_per_1000_per_year"] == round(row["count"] * 12 / 280_000 * 1000, 2)
    assert any(c.startswith("Records a month in the scope, from police.uk. Residents from the ONS mid-year")
               for c in captions(at))
    # The force line exists (neighbouring districts were generated); one force is no national line.
    assert any("England and Wales is not drawn: the aggregate holds 1 force (Bedfordshire Police)" in c
               for c in captions(at))


def test_recorded_crime_2017_18_against_2016_17_is_up_14_percent(app_for, demo_store):
    at = trends(app_for, demo_store)
    at.selectbox(key="t_year").set_value(2017).run()
    at.selectbox(key="t_baseyear").set_value(2016).run()
    assert not at.exception
    assert ("**Chosen financial year against the baseline year** (2017/18 against 2016/17): 18,240 against 16,000 - "
            "**up 14%, unlikely to be chance (p < 0.001)**; per resident +12.6%") in markdown(at)
    table = at.dataframe[1].value  # the comparisons' download
    chosen = table[table["comparison"] == "Chosen financial year against the baseline year"].iloc[0]
    assert (chosen["current"], chosen["baseline"], chosen["series"]) == (18_240, 16_000, S.ALL_CRIME)


def test_the_series_selector_and_chart_type_change_what_is_drawn(app_for, demo_store, demo_crimes):
    at = trends(app_for, demo_store)
    at.selectbox(key="t_series").set_value(S.SAC).run()
    chart = at.dataframe[2].value  # the control chart's download
    sac = demo_crimes[demo_crimes["category"].isin(S.SAC_CATEGORIES)]
    assert chart["value"].sum() == len(sac)
    kind = chart["chart"].iloc[0]
    assert set(chart["series"]) == {S.SAC} and kind in ("c", "laney")
    assert any(c.startswith("Serious acquisitive crime. " + ("c-chart" if kind == "c" else "Laney c\u2032-chart"))
               for c in captions(at))
    # Limits from the 36 months before the latest 12 by default: Apr 2017 to Mar 2020.
    base = sac[sac["month"].between("2017-04-01", "2020-03-01")].groupby("month").size()
    assert chart["centre"].iloc[0] == round(base.mean(), 3)

    at.radio(key="t_chart").set_value("xmr").run()
    assert any(c.startswith("Serious acquisitive crime. XmR chart, as chosen (the data alone would give a ")
               for c in captions(at))
    at.radio(key="t_chart").set_value("u").run()
    assert not at.exception
    assert any(c.startswith("Serious acquisitive crime. u-chart, as chosen") for c in captions(at))
    chart = at.dataframe[2].value
    june = chart[chart["month"] == "2017-06"].iloc[0]
    assert june["value"] == round(len(sac[sac["month"] == "2017-06-01"]) * 12 / 280_000 * 1000, 3)

    # Limits from a chosen baseline.
    months = at.select_slider(key="t_base").options
    at.select_slider(key="t_base").set_value((pd.Timestamp("2018-04-01"), pd.Timestamp("2020-03-01"))).run()
    assert not at.exception
    assert any("Limits from Apr 2018 to Mar 2020" in c for c in captions(at))
    at.radio(key="t_chart").set_value("c").run()  # the chosen baseline outlives other changes
    assert any(c.startswith("Serious acquisitive crime. c-chart") and "Limits from Apr 2018 to Mar 2020" in c
               for c in captions(at))
    assert len(months) == 72


def test_sidebar_filters_reach_every_section(app_for, demo_store, demo_crimes):
    at = trends(app_for, demo_store)
    # Months: only FY 2016/17 and 2017/18 in view -> the latest year is 2017/18 against 2016/17.
    at.sidebar.select_slider(key="f_months").set_value((pd.Timestamp("2016-04-01"), pd.Timestamp("2018-03-01"))).run()
    assert not at.exception
    assert at.selectbox(key="t_year").options == ["2016/17", "2017/18"]
    assert ("**Latest financial year against the one before** (2017/18 against 2016/17): 18,240 against 16,000"
            in markdown(at))
    assert len(at.dataframe[0].value) == 24 * 4
    # The baselines start again from their defaults for the months now in view.
    texts = captions(at)
    assert any("Limits from Apr 2016 to Mar 2017" in c for c in texts)  # the 12 months before the latest 12
    assert any("average month from Apr 2016 to Mar 2017, x 100" in c for c in texts)

    # Categories: only what they cover is offered, with their total.
    at.sidebar.multiselect(key="f_cats").set_value(["Burglary", "Robbery", "Vehicle crime"]).run()
    assert not at.exception
    assert at.selectbox(key="t_series").options == [T.CHOSEN, S.SAC, "Burglary", "Robbery", "Vehicle crime"]
    assert at.pills(key="t_lines").value == [S.SAC]
    assert at.selectbox(key="t_series").value == S.SAC  # a named group before the bare total

    # A town: counts and rates for its LSOAs only.
    at.sidebar.multiselect(key="f_cats").set_value([]).run()
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Dunstable").run()
    assert not at.exception
    assert at.caption[0].value.startswith("Dunstable · Apr 2016 to Mar 2018")
    town = demo_crimes[demo_crimes["lsoa_code"].isin(
        at.session_state["filters"].lsoa_codes) & demo_crimes["month"].between("2016-04-01", "2018-03-01")]
    # The series drawn is still the one left when the categories were narrowed.
    assert at.pills(key="t_lines").value == [S.SAC]
    monthly = at.dataframe[0].value
    assert set(monthly["series"]) == {S.SAC}
    assert monthly["count"].sum() == town["category"].isin(S.SAC_CATEGORIES).sum()
    assert monthly["residents"].notna().all() and monthly["residents"].max() < 280_000
    assert any("Areas are compared as whole districts: the Dunstable scope does not apply here." in c
               for c in captions(at))


def test_real_months_without_population(app_for, real_store):
    at = trends(app_for, real_store)
    crimes = real_store.read("crimes", columns=["month", "category", "lsoa_code"])
    assert at.radio(key="t_measure").options == ["Counts"]
    assert [o for o in at.radio(key="t_chart").options] == ["Chosen by the data", "c-chart (counts)",
                                                            "Laney chart (counts)", "XmR chart (individuals)"]
    texts = captions(at)
    assert any("Rates are unavailable: no population loaded for these LSOAs." in c for c in texts)
    assert any("Months with no records in the store (Mar 2019 to Apr 2021 (26 months)) are left blank, not counted "
               "as zero." in c for c in texts)
    # Every comparison reaches into the gap: each is withheld, saying why, never compared with zeros.
    text = markdown(at)
    assert ("**Latest financial year against the one before** (2021/22 against 2020/21): withheld: only 0 of 12 "
            "months are held in both periods, and a comparison needs at least 6; the store holds no data for Apr 2020 "
            "to Apr 2021 (13 months)") in text
    assert not re.search(r"\bnan\b", text) and "unlikely to be chance" not in text and "within normal variation" not in text
    assert any(i.value.startswith("The strategy period (Apr 2019 to Mar 2021) holds no data in this store") for i in
               at.info)
    assert any(i.value.startswith("No control limits: they need 12 consecutive months with data before May 2021")
               for i in at.info)
    assert crimes["lsoa_code"].notna().all()  # every real record here lies in a 2011 LSOA
    assert not any("records placed by a reported LSOA code" in c for c in texts)
    monthly = at.dataframe[0].value
    gap = monthly[monthly["month"] == "2020-01"]
    assert len(gap) == 4 and gap["count"].isna().all()
    recorded = monthly[monthly["series"] == S.ALL_CRIME]
    assert recorded["count"].sum() == (crimes["category"] != S.ASB).sum()


def street_row(crime_id: str, lon: str, lat: str, code: str, name: str, category: str = "Burglary") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [crime_id, "2019-03", "Bedfordshire Police", "Bedfordshire Police", lon, lat,
         "No Location" if not lon else "On or near High Street", code, name, category, "", ""])
    return out.getvalue()


def test_records_in_no_lsoa_are_said_and_left_out_of_an_lsoa_scope(app_for, store, config, tmp_path):
    """Two records without coordinates whose reported 2021 code is not a 2011 LSOA: the district
    counts them, a chosen-LSOA scope cannot, and the page says how many there are."""
    inside = store.read("lsoas").set_index("code").loc["E01017433"].geometry.representative_point()
    point = dict(lon=f"{inside.x:.6f}", lat=f"{inside.y:.6f}", code="E01017433", name="Central Bedfordshire 001A")
    path = tmp_path / "2019-03-bedfordshire-street.csv"
    path.write_text(",".join(STREET_COLUMNS) + "\n" + "".join(
        [street_row(f"p{i}", **point) for i in range(3)]
        + [street_row(f"r{i}", "", "", "E01033808", "Central Bedfordshire 041F") for i in range(2)]),
        encoding="utf-8")
    run_ingest("crime", [path], config, store)
    note = ("The district total for these months and categories includes 2 records placed by a reported LSOA "
            "code that is not one of the area's 2011 LSOAs.")

    at = trends(app_for, store)
    assert any(c.startswith(note + " They count in the district but in no town or LSOA.") for c in captions(at))
    monthly = at.dataframe[0].value
    assert monthly.loc[monthly["series"] == S.ALL_CRIME, "count"].tolist() == [5]

    at = trends(app_for, store, scope="lsoas", lsoa="E01017433")
    assert at.caption[0].value.startswith("1 chosen LSOA · Mar 2019 to Mar 2019")
    assert any(c.startswith(note + " They are in no town or LSOA, so they are not in this scope.")
               for c in captions(at))
    monthly = at.dataframe[0].value
    assert monthly.loc[monthly["series"] == S.ALL_CRIME, "count"].tolist() == [3]
    assert any("A control chart needs at least two months with records." in i.value for i in at.info)


def test_a_population_missing_some_lsoas_gives_no_rates(app_for, demo_store, tmp_path):
    # Estimates for another LSOA vintage leave some of the area's LSOAs without residents:
    # records of every LSOA over residents of only some would overstate the rate.
    import shutil

    from csp_dash.store import Store

    path = tmp_path / "store"
    shutil.copytree(demo_store.path, path)
    partial = Store(path)
    population = partial.read("population")
    dropped = sorted(population["lsoa_code"].unique())[:7]
    with partial.transaction() as tx:
        tx.write("population", population[~population["lsoa_code"].isin(dropped)].reset_index(drop=True))
    at = trends(app_for, partial)
    assert not at.exception
    assert at.radio(key="t_measure").options == ["Counts"]
    assert any("Rates are not shown: only 150 of the 157 LSOAs in scope have a population figure in every year "
               "used" in c for c in captions(at))
