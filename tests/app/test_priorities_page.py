"""The Priorities page through AppTest: the demo store (partner indicators, the action plan,
police.uk counts), the sidebar filters, the disclosure threshold from csp.toml, and a store
holding only real police.uk months."""

from __future__ import annotations

import json

import pandas as pd

from csp_dash.analysis.disclosure import is_suppressed

PRIORITIES = ["Priority One: Ending Exploitation", "Priority Two: Domestic and Sexual Abuse",
              "Knowledge Gap: Substance Misuse"]


def priorities(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page("pages/priorities.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.main.markdown)


def download(at, first_column: str) -> pd.DataFrame:
    """The table behind a download (the expander shows exactly what the CSV holds)."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_the_page_on_the_demo_store(app_for, demo_store):
    at = priorities(app_for, demo_store)
    assert at.title[0].value == "Priorities"
    assert [h.value for h in at.header] == PRIORITIES + ["Other indicators and actions in the files", "Downloads"]
    subheaders = [h.value for h in at.subheader]
    assert subheaders[-2:] == ["Priority Three 2016-2019: Protecting our Communities", "What You Told Us: Engagement"]
    assert subheaders.count("Outcomes it serves") == 3 and subheaders.count("What we will do") == 3
    text = markdown(at)
    assert "**As of 31 March 2021**: the end of the latest indicator period or action update in the data, not " \
           "today's date." in text
    assert "| Priority One: Ending Exploitation | 1 | 2 | 0 | 3 | 0 | 1 of 4 |" in text
    assert "| Priority Three 2016-2019: Protecting our Communities | 0 | 0 | 1 | 0 | 1 | 0 of 0 |" in text
    # Four actions are overdue as of March 2021, each with a warning badge and its delay.
    assert text.count(":orange-badge[⚠ Overdue by") == 4
    assert ("- :orange-badge[⚠ Overdue by 18 months] **Review and update all Domestic Homicide Review procedures "
            "and policies**  \n  Community Safety Team · due 30\u00a0Sep\u00a02019 · **Delayed** · Waiting for "
            "revised statutory guidance · updated 10\u00a0Mar\u00a02021") in text
    assert "- Earlier identification of those who are vulnerable" in text


def test_every_indicator_shows_what_its_download_holds_and_no_small_sensitive_count(app_for, demo_store):
    at = priorities(app_for, demo_store)
    summary = download(at, "indicator")
    # 17 partner indicators (two of them from the old strategy) and two counted from police.uk.
    assert len(summary) == 19
    assert summary["indicator"].tolist()[-3:] == ["Drugs (police.uk records, Central Bedfordshire)",
                                                  "Nuisance motorcycle ASB incidents",
                                                  "Nuisance motorcycle share of ASB incidents"]
    metrics = [m.value for m in at.metric]
    assert metrics == summary["latest"].tolist()
    truth = demo_store.read("indicators")
    latest = truth.sort_values("period_start").groupby("indicator_id").last()
    sensitive = summary.set_index("indicator_id").loc[latest.index[latest["sensitive"]]]
    for indicator_id, row in sensitive.iterrows():
        value = latest.loc[indicator_id, "value"]
        assert row["latest"] == ("<5" if is_suppressed(value, 4) else f"{value:,.0f}")
    figures = download(at, "indicator_id")
    hidden = truth[truth["sensitive"] & truth["value"].between(1, 4)]
    assert (figures["value"] == "<5").sum() == len(hidden)
    shown = figures.merge(truth[["indicator_id", "period", "value", "sensitive"]], on=["indicator_id", "period"],
                          suffixes=("", "_true"))
    assert not shown.loc[shown["sensitive"], "value"].isin(["1", "2", "3", "4"]).any()
    statuses = summary.set_index("indicator_id")["status"]
    assert statuses["knife_crime_offences"] == "Amber" and statuses["police_uk_drugs"] == "Monitor"


def test_police_uk_indicators_follow_the_sidebar_scope_and_months(app_for, demo_store):
    at = priorities(app_for, demo_store)
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Dunstable").run()
    assert not at.exception
    summary = download(at, "indicator")
    police = summary[summary["indicator_id"].str.startswith("police_uk_")]
    assert police["indicator"].tolist() == ["Possession of weapons (police.uk records, Dunstable)",
                                            "Drugs (police.uk records, Dunstable)"]
    crimes = demo_store.read("crimes", columns=["month", "category", "lsoa_code"])
    towns = demo_store.read("lsoas", columns=["code", "area"])
    dunstable = at.session_state["filters"].lsoa_codes
    assert len(dunstable) == 21 and set(dunstable) <= set(towns["code"])
    drugs = crimes[(crimes["category"] == "Drugs") & crimes["lsoa_code"].isin(dunstable)
                   & crimes["month"].between(pd.Timestamp("2021-01-01"), pd.Timestamp("2021-03-01"))]
    assert police.set_index("indicator_id").loc["police_uk_drugs", "latest"] == f"{len(drugs):,}"
    # Whole district: the partner indicators do not change with the scope.
    assert summary.set_index("indicator_id").loc["knife_crime_offences", "latest"] == "24"

    at.sidebar.select_slider(key="f_months").set_value((pd.Timestamp("2020-02-01"), pd.Timestamp("2020-04-01"))).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert ("The months chosen (Feb 2020 to Apr 2020) hold no complete calendar quarter, so Drugs, Possession of "
            "weapons are not counted: choose at least one whole quarter.") in warnings


def test_the_threshold_comes_from_csp_toml(app_for, demo_store, monkeypatch, tmp_path):
    config = tmp_path / "csp.toml"
    config.write_text("[disclosure]\nthreshold = 0\n", encoding="utf-8")
    monkeypatch.setenv("CSP_CONFIG", str(config))
    at = priorities(app_for, demo_store)
    summary = download(at, "indicator").set_index("indicator_id")
    truth = demo_store.read("indicators")
    dhr = truth[truth["indicator_id"] == "dhr_commissioned"].sort_values("period_start")
    assert summary.loc["dhr_commissioned", "latest"] == f"{dhr['value'].iloc[-1]:.0f}"
    assert not (download(at, "indicator_id")["value"] == "<1").any()
    assert any("Disclosure control is off ([disclosure] threshold = 0): every count is shown." in c.value
               for c in at.caption)


def test_a_store_with_only_police_uk_months(app_for, real_store):
    at = priorities(app_for, real_store)
    assert [h.value for h in at.header] == PRIORITIES + ["Downloads"]
    info = [i.value for i in at.info]
    assert any("No indicators file is loaded" in i for i in info)
    assert any("No action plan is loaded" in i for i in info)
    summary = download(at, "indicator")
    assert summary["indicator_id"].tolist() == ["police_uk_possession_of_weapons", "police_uk_drugs"]
    assert "**As of unknown (no indicator period or action update)**" in markdown(at)


def test_no_figure_on_the_page_gives_back_a_hidden_count(app_for, store, config, tmp_path):
    """A sensitive count whose latest quarter is hidden: the metric, its change, the status, the
    sparkline (points, hover, labels) and both downloads hold no figure to recompute it from.
    Against a target of 1, 'met' would say it is 1, so the status is withheld."""
    from csp_dash.ingest import run_ingest

    quarters = ["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"]
    lines = ["indicator_id,priority,name,unit,polarity,period,value,baseline,target,sensitive,source"]
    lines += [f"cse,Priority One: Ending Exploitation,CSE cases,count,higher is worse,{q},{v},,1,yes,Children's "
              f"Services" for q, v in zip(quarters, [7, 7, 6, 1])]
    path = tmp_path / "indicators.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_ingest("outcomes", [path], config, store)
    at = priorities(app_for, store)
    summary = download(at, "indicator").set_index("indicator_id").loc["cse"]
    assert (summary["latest"], summary["change on previous period"]) == ("<5", "not shown (small numbers)")
    assert (summary["status"], summary["why"]) == (
        "Not rated", "Status withheld: it would narrow down a count shown as '<5' (1 to 4).")
    figures = download(at, "indicator_id")
    assert figures.loc[figures["indicator_id"] == "cse", "value"].tolist() == ["7", "7", "6", "<5"]
    assert [m.value for m in at.metric] == ["<5"] and at.metric[0].proto.delta == ""
    text = markdown(at)
    assert "Status withheld" in text and "meets the target" not in text
    spark = json.loads(at.get("plotly_chart")[0].proto.spec)
    ys = [y for trace in spark["data"] if trace["type"] == "scatter" for y in trace.get("y", [])]
    assert ys == [7, 7, 6, None]  # the hidden quarter is a gap, not a point
    hover = [c for trace in spark["data"] for c in trace.get("customdata", [])]
    assert ["2020-Q4", "<5"] in hover and ["2020-Q4", "1"] not in hover
    assert not any(a["text"] in ("<b>1</b>", "1") for a in spark["layout"].get("annotations", []))
