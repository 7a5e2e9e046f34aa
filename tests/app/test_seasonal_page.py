"""The Seasonal patterns page on the demo store and on real data, with the page's series
selector and the shared sidebar filters changed."""

from __future__ import annotations

import json

import pandas as pd

from csp_dash.analysis import series as S

PAGE = "pages/seasonal.py"


def _texts(at) -> str:
    parts = [e.value for e in [*at.info, *at.markdown, *at.caption, *at.error, *at.warning]]
    return "\n".join(str(p) for p in parts)


def _open(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not at.error
    return at


def test_the_page_states_the_three_claims_with_their_numbers(app_for, demo_store):
    at = _open(app_for, demo_store)
    assert at.title[0].value == "Seasonal patterns"
    assert [s.value for s in at.subheader] == ["Summary", "One series in detail"]
    text = _texts(at)
    assert "**Domestic burglary increases in the winter months: supported.** Burglary: 7.5 records a day in " \
           "winter (December to February) against 5.8 in the rest of the year, 29% higher" in text
    # One World Cup in the demo's months: the claim about sporting events needs two.
    assert "**Violent crime increases when large sporting events take place: too little evidence to tell.** Only " \
           "one event (2018 FIFA World Cup) in the months loaded with comparable months a year before or after; a " \
           "claim about large sporting events needs at least two to tell a pattern from one occasion. Violence " \
           "and sexual offences: 17.4 records a day in the months of 2018 FIFA World Cup" in text
    assert "with fewer the verdict is 'too little evidence to tell', with the number still given" in text
    assert "the strategy's claim about sporting events is judged in the summary above, on at least 2 separate " \
           "events" in text
    assert "**Anti-social behaviour increases in the summer months: supported.**" in text
    assert "25% higher" in text
    assert "Strongest seasonal patterns" in text
    assert at.selectbox(key="seasonal_series").value == S.ALL_CRIME
    # Every chart has its figure, its caption and its data.
    assert len(at.get("plotly_chart")) == 4
    assert not at.info  # 72 months: every section has enough data
    params = at.table[0].value
    assert params.loc["seasonal", "value"] == "13" and params.loc["robust", "value"] == "True"
    assert "Expected: a straight-line trend plus an effect for each calendar month, fitted by least squares on the " \
           "36 months before them (Apr 2017 to Mar 2020)" in text
    assert "Apr 2020 below" in text  # the first lockdown month is flagged
    events = [df.value for df in at.dataframe if "event" in df.value.columns][0]
    assert list(events["event"]) == ["2018 FIFA World Cup", "Christmas and New Year", "School summer holidays"]
    # All recorded crime: the demo raised only violence during the World Cup, diluted here.
    assert "- **2018 FIFA World Cup** (14 Jun to 15 Jul 2018): 51.9 records a day in Jun and Jul 2018, against " \
           "49.5 in Jun and Jul 2017; Jun and Jul 2019: up 5%, unlikely to be chance (p = 0.033)." in text
    assert "Not compared (outside the months chosen, or no comparable months): UEFA Euro 2020." in text
    downloads = [e for e in at.get("download_button")]
    assert len(downloads) >= 7


def test_the_charts_say_in_words_and_shapes_what_colour_shows(app_for, demo_store):
    at = _open(app_for, demo_store)
    heatmap, profile, stl, expected = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    # The World Cup's two months are outlined with a dashed line; every cell prints its count.
    outlines = [s for s in heatmap["layout"]["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert len(outlines) == 2 and heatmap["data"][0]["texttemplate"] == "%{z:,.0f}"
    assert {a["text"] for a in profile["layout"]["annotations"]} >= {"School summer holidays", "Christmas and New Year",
                                                                     "average month = 100"}
    assert "2018 FIFA World Cup" in {a["text"] for a in stl["layout"]["annotations"]}
    flagged = {t["name"]: t["text"] for t in expected["data"] if t.get("name", "").endswith("the interval")}
    assert flagged == {"above the interval": ["above"], "below the interval": ["below", "below"]}
    symbols = {t["name"]: t["marker"]["symbol"] for t in expected["data"] if t.get("name", "").endswith("interval")
               and "marker" in t and "symbol" in t["marker"]}
    assert symbols == {"above the interval": "triangle-up", "below the interval": "triangle-down"}


def test_choosing_a_series_on_the_page(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.selectbox(key="seasonal_series").set_value("Burglary").run()
    assert not at.exception
    text = _texts(at)
    assert "Burglary: records in each month, a row per calendar year" in text
    assert "STL (seasonal-trend decomposition by loess; Cleveland et al. 1990, statsmodels) of Burglary, " \
           "Apr 2015 to Mar 2021" in text
    events = [df.value for df in at.dataframe if "event" in df.value.columns][0]
    cup = events.set_index("event").loc["2018 FIFA World Cup"]
    assert cup["event_months"] == "Jun and Jul 2018"
    at.selectbox(key="seasonal_series").set_value(S.VSO).run()
    # Six months that vary 4.3 times as much as Poisson counts: a quarter up is within normal variation.
    assert "- **2018 FIFA World Cup** (14 Jun to 15 Jul 2018): 17.4 records a day in Jun and Jul 2018, against " \
           "14.1 in Jun and Jul 2017; Jun and Jul 2019: up 24%, within normal variation (p = 0.059)." in _texts(at)
    events = [df.value for df in at.dataframe if "event" in df.value.columns][0]
    assert events.set_index("event").loc["2018 FIFA World Cup", "method"] == \
        "quasi-Poisson test (dispersion φ = 4.3 from 6 monthly counts)"


def test_sidebar_categories_narrow_the_series_and_the_claims(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.sidebar.multiselect(key="f_cats").set_value(["Burglary", S.ASB]).run()
    assert not at.exception
    box = at.selectbox(key="seasonal_series")
    assert box.options == ["Chosen categories", S.ASB, "Burglary"]
    assert box.value == "Chosen categories"
    text = _texts(at)
    assert "**Violent crime increases when large sporting events take place: cannot be checked.** Violence and " \
           "sexual offences is not among the categories chosen in the sidebar." in text
    assert "**Domestic burglary increases in the winter months: supported.**" in text


def test_sidebar_months_too_short_for_the_expected_counts(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.sidebar.select_slider(key="f_months").set_value((pd.Timestamp("2019-04-01"), pd.Timestamp("2021-03-01"))).run()
    assert not at.exception
    infos = [i.value for i in at.info]
    assert infos == ["Expected counts need at least 36 consecutive months with data (24 to fit the model and 12 to "
                     "check); the latest run in the filters has 24."]
    assert len(at.get("plotly_chart")) == 3  # heatmap, profile and STL still drawn with 24 months
    # The World Cup (June-July 2018) is outside the months chosen.
    assert "Not compared (outside the months chosen, or no comparable months): 2018 FIFA World Cup, " \
           "UEFA Euro 2020." in _texts(at)


def test_a_town_scope(app_for, demo_store):
    at = _open(app_for, demo_store)
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Dunstable").run()
    assert not at.exception and not at.error
    assert at.caption[0].value.startswith("Dunstable · Apr 2015 to Mar 2021 · all categories")
    assert len(at.get("plotly_chart")) == 4


def test_real_data_too_short_for_stl_says_so(app_for, real_store):
    at = _open(app_for, real_store)
    infos = " ".join(i.value for i in at.info)
    assert "STL needs at least 24 consecutive months with data" in infos
    assert "Expected counts need at least 36 consecutive months" in infos
    text = _texts(at)
    # The latest run is May 2021 to April 2022: one whole year, too little for a season, and no one-off
    # event with comparable months (Euro 2020's June-July 2020 and 2022 are not held).
    assert "**Domestic burglary increases in the winter months: too little evidence to tell.** The latest run of " \
           "months with data holds only one whole year (May 2021 to Apr 2022); a claim about the winter months " \
           "needs at least two whole years, each holding every month of winter and of the rest of the year, to " \
           "tell a pattern from one year. Burglary: 2.3 records a day in winter (December to February) against " \
           "2.3 in the rest of the year, 0.1% lower (within normal variation, p = 0.99), over the 12 months May " \
           "2021 to Apr 2022. The monthly counts vary more than Poisson counts would, so the test is a " \
           "quasi-Poisson test (dispersion φ = 4.1 from 12 monthly counts)." in text
    assert "**Violent crime increases when large sporting events take place: cannot be checked.** No one-off event " \
           "in csp.toml (2018 FIFA World Cup, UEFA Euro 2020) falls in the months loaded" in text
    # A large summer rise in that one year is still not called a pattern.
    assert "**Anti-social behaviour increases in the summer months: too little evidence to tell.** The latest run " \
           "of months with data holds only one whole year (May 2021 to Apr 2022); a claim about the summer " \
           "months" in text
    assert "Anti-social behaviour: 18.0 records a day in summer (June to August) against 12.1 in the rest of the " \
           "year, 48% higher (unlikely to be chance, p = 0.004)" in text
    assert ": supported.**" not in text
    events = [df.value for df in at.dataframe if "event" in df.value.columns][0]
    xmas = events.set_index("event").loc["Christmas and New Year"]
    assert (xmas["event_months"], xmas["comparison_months"]) == ("Dec 2018; Dec 2021",
                                                                 "Nov 2018; Feb 2019; Nov 2021; Feb 2022")
    # December 2018 and 2021 against the months either side, whose level differs by year: the six
    # months vary 68 times as much as Poisson counts, so an 11% fall is within normal variation.
    assert xmas["words"] == "down 11%, within normal variation (p = 0.58)"
    assert xmas["method"] == "quasi-Poisson test (dispersion φ = 67.7 from 6 monthly counts)"
