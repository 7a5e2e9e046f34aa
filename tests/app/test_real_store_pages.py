"""Every page on a store of real data with a 26-month gap (``real_full_store``: the 17 police.uk
months 2018-10..2019-02 and 2021-05..2022-04, IoD2019, and mid-2015 and mid-2018 population).

These tests are the specification of what a page must do when the store does not hold every
month: months the store does not hold are gaps, never zeros; a rate's exposure is the months
held; a change is only shown against months that are held; a control chart's baseline does not
reach across the gap; and words beside one another do not contradict. Every expected figure is
computed here from the store's own tables, not copied from the screen.
"""

from __future__ import annotations

import base64
import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from csp_dash.ui.layout import DEMO_BANNER

PAGES = [
    ("pages/overview.py", "Overview"),
    ("pages/assessment.py", "Strategic assessment"),
    ("pages/priorities.py", "Priorities"),
    ("pages/survey.py", "Community survey"),
    ("pages/trends.py", "Trends"),
    ("pages/seasonal.py", "Seasonal patterns"),
    ("pages/hotspots.py", "Hotspot map"),
    ("pages/deprivation.py", "Deprivation"),
    ("pages/data.py", "Data"),
]
ASB = "Anti-social behaviour"
SAC_CATEGORIES = ("Burglary", "Robbery", "Vehicle crime")
VSO = "Violence and sexual offences"
# The store's months: two runs of held months with a 26-month gap between them.
FIRST, LAST = pd.Timestamp("2018-10-01"), pd.Timestamp("2022-04-01")
ALL_MONTHS = pd.date_range(FIRST, LAST, freq="MS")
GAP = pd.date_range("2019-03-01", "2021-04-01", freq="MS")
HELD = ALL_MONTHS.difference(GAP)
BEFORE_GAP = HELD[HELD < GAP[0]]
AFTER_GAP = HELD[HELD > GAP[-1]]
GAP_KEYS = {f"{m:%Y-%m}" for m in GAP}
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# --- running pages ---------------------------------------------------------------------------

_OPENED: dict = {}


def open_page(app_for, store, page: str, **query):
    """A fresh AppTest of ``page`` on ``store`` (through app.py, as served), checked for exceptions."""
    at = app_for(store.path, **query).run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def opened(app_for, store, page: str, **query):
    """The page at these filters, run once per module: only for tests that read, never click."""
    key = (str(store.path), page, tuple(sorted(query.items())))
    if key not in _OPENED:
        _OPENED[key] = open_page(app_for, store, page, **query)
    return _OPENED[key]


def rerun(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> list[str]:
    """Every piece of text the page shows: markdown, captions, boxes, HTML, metrics, headings."""
    out = [str(e.value) for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                     "error", "success") for e in getattr(at, kind)]
    out += [h.proto.body for h in at.get("html")]
    out += [f"{m.label}: {m.value}" for m in at.metric]
    return out


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def sentences(parts) -> list[str]:
    return [s for p in parts for s in re.split(r"(?<=[.;])\s+|\n", plain(p)) if s.strip()]


def frame_with(at, *columns: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert found, f"no table with columns {columns}"
    return found[0]


def deck_features(at) -> list[dict]:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)["layers"][0]["data"]["features"]


def legend(at) -> str:
    return " ".join(plain(h.proto.body) for h in at.get("html"))


# --- plotly figures --------------------------------------------------------------------------

def decode(value):
    """A plotly array as sent to the browser (plain list, or base64 'bdata' with dtype and shape)."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(s) for s in str(value["shape"]).split(",")])
        return array
    return value


def figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def month_key(value) -> str | None:
    found = re.match(r"^(\d{4})-(\d{2})(?:-|$|T)", str(value))
    return f"{found[1]}-{found[2]}" if found else None


def is_zero(value) -> bool:
    try:
        return value is not None and not pd.isna(value) and float(value) == 0.0
    except (TypeError, ValueError):
        return False


def has_value(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and not pd.isna(value)


def gap_problems(fig: dict) -> list[str]:
    """Zeros plotted in months the store does not hold, and lines drawn straight across the gap."""
    found = []
    for i, trace in enumerate(fig["data"]):
        name = trace.get("name") or f"trace {i}"
        x, y, z = (decode(trace.get(k)) for k in ("x", "y", "z"))
        if trace.get("type") == "heatmap" and z is not None:
            z = np.asarray(z, dtype=object)
            xs, ys = list(x if x is not None else []), list(y if y is not None else [])
            months = [month_key(v) for v in xs]
            if xs and all(months):  # months across, rows of categories
                for r in range(z.shape[0]):
                    found += [f"{name}: {ys[r] if ys else r} {m} is 0" for c, m in enumerate(months)
                              if m in GAP_KEYS and is_zero(z[r][c])]
            elif xs and ys and all(str(v) in MONTH_ABBR for v in xs) and all(
                    re.fullmatch(r"\d{4}", str(v)) for v in ys):  # calendar month across, a row per year
                for r, year in enumerate(ys):
                    for c, mon in enumerate(xs):
                        m = f"{year}-{MONTH_ABBR.index(str(mon)) + 1:02d}"
                        if m in GAP_KEYS and is_zero(z[r][c]):
                            found.append(f"{name}: {m} is 0")
            continue
        if x is None or y is None or len(x) != len(y):
            continue
        months = [month_key(v) for v in x]
        if not len(months) or not all(months):
            continue
        found += [f"{name}: {m} is 0" for m, v in zip(months, y) if m in GAP_KEYS and is_zero(v)]
        if "lines" in str(trace.get("mode", "lines")) and trace.get("type", "scatter") == "scatter":
            for (m0, v0), (m1, v1) in zip(zip(months, y), zip(months[1:], y[1:])):
                if m0 < min(GAP_KEYS) and m1 > max(GAP_KEYS) and has_value(v0) and has_value(v1):
                    found.append(f"{name}: a line joins {m0} to {m1} across the gap")
    return found


# --- what the store holds, computed here -----------------------------------------------------

@pytest.fixture(scope="module")
def facts(real_full_store):
    store = real_full_store
    crimes = store.read("crimes", columns=["month", "category", "lsoa_code"])
    population = store.read("population")
    area = store.read("lsoas", columns=["code", "area"]).query("area")["code"]
    pop2018 = population[population["year"] == 2018].set_index("lsoa_code")["population"]
    deprivation = store.read("deprivation").set_index("lsoa_code")
    return dict(store=store, crimes=crimes, population=population, area=list(area), pop2018=pop2018,
                deprivation=deprivation)


def group_mask(crimes: pd.DataFrame, group: str) -> pd.Series:
    cat = crimes["category"]
    return {"total": cat != ASB, "asb": cat == ASB, "sac": cat.isin(SAC_CATEGORIES), "vso": cat == VSO}[group]


def between(crimes: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return crimes[(crimes["month"] >= pd.Timestamp(f"{start}-01")) & (crimes["month"] <= pd.Timestamp(f"{end}-01"))]


def test_the_fixture_holds_two_population_years_and_the_17_months(facts):
    pop = facts["population"]
    by_year = pop.groupby("year").agg(lsoas=("lsoa_code", "nunique"), residents=("population", "sum"))
    assert by_year.to_dict("index") == {2015: {"lsoas": 157, "residents": 272421},
                                        2018: {"lsoas": 157, "residents": 283606}}
    months = pd.DatetimeIndex(sorted(facts["crimes"]["month"].unique()))
    assert months.equals(HELD) and len(HELD) == 17 and len(GAP) == 26
    assert len(facts["crimes"]) == 28835 and facts["crimes"]["lsoa_code"].notna().all()
    assert len(facts["area"]) == 157 and len(facts["deprivation"]) == 157


# --- every page ------------------------------------------------------------------------------

@pytest.mark.parametrize("page,title", PAGES)
def test_every_page_runs_on_the_store_with_a_gap(app_for, real_full_store, page, title):
    at = opened(app_for, real_full_store, page)
    assert at.title[0].value == title
    shown = "\n".join(texts(at))
    assert DEMO_BANNER not in shown and "synthetic" not in shown.lower()
    if page == "pages/survey.py":  # no survey is loaded: the page says what to load, it does not fail
        assert any("survey_responses" in e.value for e in at.error)
    else:
        assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("page,title", PAGES)
def test_no_chart_plots_a_zero_in_a_month_the_store_does_not_hold(app_for, real_full_store, page, title):
    at = opened(app_for, real_full_store, page)
    problems = [p for fig in figures(at) for p in gap_problems(fig)]
    assert problems == [], problems[:12]


# --- Overview --------------------------------------------------------------------------------

CLAIMS_CHANGE = re.compile(r"\b(up|down)\b[^.;]*%|within normal variation|unlikely to be chance|\bp [=<]|"
                           r"no significant change", re.I)


def tiles(at) -> list[dict]:
    """Each tile as shown: title, value, period, change and signal words (from the tiles' HTML)."""
    (block,) = [m.value for m in at.markdown if 'class="ov-tiles' in m.value]
    out = []
    for tile in re.split(r'<div class="ov-tile(?: [^"]*)?" role="group"', block)[1:]:
        out.append({k: plain(v).strip() for k, v in re.findall(
            r'<div class="ov-(title|value|period|change|signal)[^"]*">(.*?)</div>', tile, re.S)})
    return out


def paired_held_months(end: pd.Timestamp) -> int:
    """Months of the latest 12 to ``end`` held in the store whose month a year before is held too."""
    latest = pd.date_range(end - pd.DateOffset(months=11), end, freq="MS")
    return sum(m in HELD and (m - pd.DateOffset(months=12)) in HELD for m in latest)


def test_overview_tiles_on_the_whole_range_count_the_latest_held_year_and_claim_no_change(
        app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/overview.py")
    latest = between(facts["crimes"], "2021-05", "2022-04")
    expected = {"Total recorded crime": "total", "Anti-social behaviour": "asb", "Serious acquisitive crime": "sac",
                "Violence and sexual offences": "vso"}
    shown = {t["title"]: t for t in tiles(at)}
    for title, group in expected.items():
        tile = shown[title]
        assert tile["value"] == f"{int(group_mask(latest, group).sum()):,}", title
        assert tile["period"].startswith("latest 12 months to Apr 2022"), tile
        # May 2020 to Apr 2021 is not held: no change, and the reason in words.
        assert not CLAIMS_CHANGE.search(tile["change"]), tile
        assert tile["change"].startswith("no change"), tile
        # No control limits can be set from 12 held months before May 2021: no signal is named.
        assert tile["signal"].startswith("not charted"), tile
    table = frame_with(at, "measure", "change", "signal").set_index("measure")
    for title in expected:
        assert not CLAIMS_CHANGE.search(str(table.loc[title, "change"])), table.loc[title].to_dict()
    side = [plain(m.value) for m in at.markdown if "What changed" in m.value]
    assert side and not CLAIMS_CHANGE.search(side[0]), side


@pytest.mark.parametrize("query", [{}, {"to": "2022-02"}, {"to": "2021-12"}, {"to": "2021-08"}, {"to": "2019-02"},
                                   {"from": "2019-01"}, {"from": "2021-05"}],
                         ids=lambda q: ",".join(f"{k}={v}" for k, v in q.items()) or "whole-range")
def test_overview_claims_no_change_against_a_year_not_held_and_its_words_agree(app_for, real_full_store, query):
    at = opened(app_for, real_full_store, "pages/overview.py", **query)
    end = pd.Timestamp(f"{query.get('to', '2022-04')}-01")
    pairs = paired_held_months(end)
    shown = tiles(at)
    assert len(shown) == 7 and all("change" in t and "signal" in t for t in shown), shown
    for tile in shown:
        change, signal = tile.get("change", ""), tile.get("signal", "")
        if pairs < 6:  # fewer than half the latest year has its month a year before held
            assert not CLAIMS_CHANGE.search(change), (pairs, tile)
        # The change words and the signal words must not contradict each other.
        flagged = bool(re.search(r"above the upper control limit|below the lower control limit|in a row", signal))
        if flagged:
            assert "within normal variation" not in change and "no significant change" not in change, tile
        if re.search(r"\bup\b", change) and "unlikely to be chance" in change:
            assert "below the lower" not in signal, tile
        if re.search(r"\bdown\b", change) and "unlikely to be chance" in change:
            assert "above the upper" not in signal, tile


# --- Trends ----------------------------------------------------------------------------------

def test_trends_monthly_series_leave_the_gap_blank_and_rates_use_mid_2018_residents(
        app_for, real_full_store, facts):
    at = open_page(app_for, real_full_store, "pages/trends.py")
    crimes = facts["crimes"]
    monthly = frame_with(at, "month", "series", "count")
    assert sorted(monthly["month"].unique()) == [f"{m:%Y-%m}" for m in ALL_MONTHS]
    gap = monthly[monthly["month"].isin(GAP_KEYS)]
    assert len(gap) == 26 * monthly["series"].nunique() and gap["count"].isna().all()
    names = {"All recorded crime (excluding ASB)": "total", ASB: "asb", "Serious acquisitive crime": "sac", VSO: "vso"}
    residents = int(facts["pop2018"].reindex(facts["area"]).sum())
    assert residents == 283606
    for series, group in names.items():
        rows = monthly[(monthly["series"] == series) & ~monthly["month"].isin(GAP_KEYS)].set_index("month")
        expected = crimes[group_mask(crimes, group)].groupby(crimes["month"].dt.strftime("%Y-%m")).size()
        assert rows["count"].astype(int).to_dict() == expected.to_dict(), series
        if "rate_per_1000_per_year" in rows:
            rate = rows["count"].astype(float) / residents * 12 * 1000
            assert np.allclose(rows["rate_per_1000_per_year"].astype(float), rate, atol=0.006), series
    (chart, *_) = figures(at)
    assert gap_problems(chart) == []
    for trace in chart["data"]:
        y = pd.Series(decode(trace["y"]), index=[month_key(v) for v in trace["x"]], dtype="float64")
        assert y[sorted(GAP_KEYS)].isna().all(), trace.get("name")
    # The same as rates per 1,000 residents.
    at.radio(key="t_measure").set_value("Rate per 1,000 residents")
    rerun(at)
    problems = [p for fig in figures(at) for p in gap_problems(fig)]
    assert problems == [], problems[:12]


def test_trends_control_chart_baseline_does_not_straddle_the_gap(app_for, real_full_store, facts):
    """Control limits come from one run of held months: either no chart limits at all, or limits
    whose baseline months (and the centre line, their mean) lie on one side of the gap."""
    at = opened(app_for, real_full_store, "pages/trends.py")
    tables = [d.value for d in at.dataframe if {"month", "value", "centre", "in_baseline"} <= set(d.value.columns)]
    if not tables:
        assert any("No control limits" in i.value for i in at.info), [i.value for i in at.info]
    for chart in tables:
        base = chart[chart["in_baseline"].astype(bool) & chart["value"].notna()]
        months = pd.DatetimeIndex(pd.to_datetime(base["month"] + "-01"))
        assert len(months), "no baseline months"
        assert months.max() <= BEFORE_GAP[-1] or months.min() >= AFTER_GAP[0], (
            f"the control limits are set from {months.min():%b %Y} to {months.max():%b %Y}, across the "
            f"{len(GAP)}-month gap")
        crimes = facts["crimes"]
        per_month = crimes[crimes["category"] != ASB].groupby("month").size()
        assert chart["centre"].dropna().iloc[-1] == pytest.approx(per_month.reindex(months).mean(), rel=1e-6)
    try:
        lo, hi = at.select_slider(key="t_base").value
    except KeyError:
        pass  # no baseline to choose
    else:
        assert hi <= BEFORE_GAP[-1] or lo >= AFTER_GAP[0], f"baseline control set to {lo:%b %Y} to {hi:%b %Y}"
    for caption in (c.value for c in at.caption):
        for lo, hi in re.findall(r"[Ll]imits (?:set )?from (\w{3} \d{4}) to (\w{3} \d{4})", caption):
            lo, hi = pd.Timestamp(f"1 {lo}"), pd.Timestamp(f"1 {hi}")
            assert hi <= BEFORE_GAP[-1] or lo >= AFTER_GAP[0], caption


@pytest.mark.parametrize("page,title", PAGES)
def test_no_page_shows_nan_or_na_for_a_figure_it_withholds(app_for, real_full_store, page, title):
    at = opened(app_for, real_full_store, page)
    bad = [s for s in sentences(texts(at)) if re.search(r"\bnan\b|\bNaN\b|<NA>", s)]
    assert bad == [], bad


# --- Hotspot map -----------------------------------------------------------------------------

def expected_rates(facts, start: str, end: str) -> pd.DataFrame:
    """Records per LSOA over the months held in [start, end], per 1,000 mid-2018 residents a year."""
    chosen = between(facts["crimes"], start, end)
    held = HELD[(HELD >= pd.Timestamp(f"{start}-01")) & (HELD <= pd.Timestamp(f"{end}-01"))]
    counts = chosen["lsoa_code"].value_counts().reindex(facts["area"], fill_value=0)
    residents = facts["pop2018"].reindex(facts["area"]).astype(float)
    return pd.DataFrame({"count": counts, "residents": residents,
                         "rate": counts / len(held) * 12 / residents * 1000, "months": len(held)})


# The table behind the map ("Show the LSOA table behind the map"), its columns by meaning: the
# page has named them both ways (count/records, residents/population, change.* nested or flat).
LSOA_COLUMNS = {
    "count": ("count", "records"), "residents": ("residents", "population"),
    "rate": ("rate", "rate_per_1000_a_year"), "months_held": ("months_held",),
    "current": ("current_compared", "change.current_records"), "previous": ("previous", "change.previous_records"),
    "change_pct": ("change_pct", "change.change_pct"), "p_value": ("p_value", "change.p_value"),
    "significant": ("significant", "change.significant"),
    "significant_fdr": ("significant_fdr", "change.significant_after_fdr"),
    "words": ("words", "change.words"), "change_rank": ("change_rank",), "change": ("change",),
}
CHANGE_COLUMNS = ("current", "previous", "change_pct", "p_value", "significant", "significant_fdr", "words",
                  "change_rank", "change")


def lsoa_table(at) -> pd.DataFrame:
    at.session_state["hot_section"] = "How concentrated crime is"
    rerun(at)
    found = [d.value for d in at.dataframe if "code" in d.value.columns and {"count", "records"} & set(d.value.columns)
             and {"rate", "rate_per_1000_a_year"} & set(d.value.columns)]
    assert found, "no LSOA table behind the map"
    table = found[0]
    out = pd.DataFrame(index=pd.Index(table["code"], name="code"))
    for meaning, names in LSOA_COLUMNS.items():
        name = next((n for n in names if n in table.columns), None)
        if name is not None:
            out[meaning] = table[name].to_numpy()
    return out


def no_rate_over_43_months(at) -> None:
    bad = [s for s in sentences(texts(at)) if re.search(r"\brates?\b|per 1,000", s, re.I)
           and re.search(r"(?<!of )\b43 months\b|\b43-month|per year of 43\b", s)]
    assert bad == [], bad


def test_hotspot_rates_over_the_whole_range_use_the_17_held_months(app_for, real_full_store, facts):
    at = open_page(app_for, real_full_store, "pages/hotspots.py")
    expected = expected_rates(facts, "2018-10", "2022-04")
    assert expected["months"].iloc[0] == 17
    no_rate_over_43_months(at)
    measures = at.selectbox(key="hot_measure").options
    assert "Rate per 1,000 residents" in measures
    assert "Change on the previous period" not in measures  # nothing before Oct 2018 is held
    at.selectbox(key="hot_measure").set_value("Rate per 1,000 residents")
    rerun(at)
    no_rate_over_43_months(at)
    for f in deck_features(at):
        p = f["properties"]
        if p.get("code") not in expected.index:
            continue
        shown = re.match(r"^([\d,]+\.\d) per 1,000 residents a year$", p["line1"])
        assert shown, p
        assert float(shown[1].replace(",", "")) == pytest.approx(expected.loc[p["code"], "rate"], abs=0.051), p
        assert p["line3"] == f"{expected.loc[p['code'], 'count']:,} records", p
    # The table behind the map: count, residents (mid-2018) and rate for every LSOA.
    table = lsoa_table(at).reindex(expected.index)
    assert table["count"].astype(int).tolist() == expected["count"].tolist()
    assert np.allclose(table["residents"].astype(float), expected["residents"])
    assert np.allclose(table["rate"].astype(float), expected["rate"], rtol=1e-9)
    if "months_held" in table:
        assert (table["months_held"] == 17).all()
    # Gi* is tested on the same rates.
    at.session_state["hot_section"] = "Tested hot and cold spots"
    rerun(at)
    spots = [d.value for d in at.dataframe if "Gi* z" in d.value.columns]
    for frame in spots:
        for _, row in frame.iterrows():
            assert row["rate"] == pytest.approx(expected.loc[row["code"], "rate"], abs=0.051)


def test_an_lsoa_profile_on_the_store_with_a_gap(app_for, real_full_store, facts):
    expected = expected_rates(facts, "2018-10", "2022-04")
    code = expected["count"].idxmax()
    at = open_page(app_for, real_full_store, "pages/hotspots.py")
    at.selectbox(key="hot_lsoa").set_value(code)
    rerun(at)
    assert not at.error, [e.value for e in at.error]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Records"] == f"{expected.loc[code, 'count']:,}"
    assert float(metrics["Per 1,000 residents a year"].replace(",", "")) == pytest.approx(
        expected.loc[code, "rate"], abs=0.051)
    assert metrics["Residents"] == f"{int(facts['pop2018'][code]):,}"
    assert "Mid-2018 estimate" in [c.value for c in at.caption]
    # Its last 24 months (May 2020 to Apr 2022) are 12 not held and 12 held: gaps, not zeros.
    problems = [p for fig in figures(at) for p in gap_problems(fig)]
    assert problems == [], problems
    no_rate_over_43_months(at)


# Words of a change on the previous period (Gi*'s own p-values are about hot spots, not change).
CHANGE_WORDS = re.compile(r"unlikely to be chance|within normal variation|biggest rise|records against|"
                          r"change in records|previous period:|\b(up|down) \d+%", re.I)


def test_hotspot_year_after_the_gap_shows_no_change_on_a_period_not_held(app_for, real_full_store, facts):
    # May 2021 to Apr 2022 against May 2020 to Apr 2021, which the store does not hold.
    at = open_page(app_for, real_full_store, "pages/hotspots.py", **{"from": "2021-05", "to": "2022-04"})
    assert at.sidebar.select_slider(key="f_months").value == (pd.Timestamp("2021-05-01"), pd.Timestamp("2022-04-01"))
    expected = expected_rates(facts, "2021-05", "2022-04")
    assert "Change on the previous period" not in at.selectbox(key="hot_measure").options
    assert any("The change on the previous period is withheld: the store holds no month of the previous period "
               "(May 2020 to Apr 2021)." in c.value for c in at.caption)
    for measure in at.selectbox(key="hot_measure").options:
        at.selectbox(key="hot_measure").set_value(measure)
        rerun(at)
        for f in deck_features(at):
            p = f["properties"]
            lines = " ".join(str(p.get(k, "")) for k in ("line1", "line2", "line3"))
            assert not CHANGE_WORDS.search(lines), (measure, p)
        assert not CHANGE_WORDS.search(legend(at)), (measure, legend(at))
    no_rate_over_43_months(at)
    at.selectbox(key="hot_measure").set_value("Rate per 1,000 residents")
    rerun(at)
    p = next(f["properties"] for f in deck_features(at) if f["properties"].get("code") == expected.index[0])
    assert float(p["line1"].split(" per")[0].replace(",", "")) == pytest.approx(
        expected["rate"].iloc[0], abs=0.051)
    # The table behind the map has no change or significance for any LSOA.
    table = lsoa_table(at)
    for column in CHANGE_COLUMNS:
        if column in table:
            values = table[column]
            empty = values.isna().all() or (column.startswith("significant") and not values.fillna(False).any())
            assert empty, (column, values.dropna().head(3).tolist())
    assert np.allclose(table["rate"].reindex(expected.index).astype(float), expected["rate"])
    if "months_held" in table:
        assert (table["months_held"] == 12).all()


def test_hotspot_change_is_shown_when_the_previous_months_are_held(app_for, real_full_store, facts):
    # Jan to Apr 2022 against Sep to Dec 2021: both held.
    at = open_page(app_for, real_full_store, "pages/hotspots.py", **{"from": "2022-01", "to": "2022-04"})
    assert "Change on the previous period" in at.selectbox(key="hot_measure").options
    at.selectbox(key="hot_measure").set_value("Change on the previous period")
    rerun(at)
    assert "Against Sep 2021 to Dec 2021" in legend(at)
    now = between(facts["crimes"], "2022-01", "2022-04")["lsoa_code"].value_counts().reindex(facts["area"],
                                                                                          fill_value=0)
    before = between(facts["crimes"], "2021-09", "2021-12")["lsoa_code"].value_counts().reindex(facts["area"],
                                                                                             fill_value=0)
    checked = 0
    for f in deck_features(at):
        p = f["properties"]
        if p.get("code") not in now.index:
            continue
        assert p["line1"] == f"{now[p['code']]:,} records against {before[p['code']]:,} in Sep 2021 to Dec 2021", p
        checked += 1
    assert checked == 157
    table = lsoa_table(at)
    assert table["current"].astype(int).reindex(now.index).tolist() == now.tolist()
    assert table["previous"].astype(int).reindex(now.index).tolist() == before.tolist()
    both = before[before > 0].index
    assert np.allclose(table.loc[both, "change_pct"].astype(float), (now[both] / before[both] - 1) * 100)


# --- Deprivation -----------------------------------------------------------------------------

def test_deprivation_rates_by_decile_use_the_held_months(app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/deprivation.py")
    crimes, dep = facts["crimes"], facts["deprivation"]
    decile = crimes["lsoa_code"].map(dep["imd_decile"])
    pop = facts["pop2018"].reindex(facts["area"])
    pop_decile = pop.groupby(dep["imd_decile"].reindex(pop.index)).sum()
    years_held = len(HELD) / 12  # 17 months: each LSOA's mid-2018 residents for every held month
    rates = frame_with(at, "decile", "group", "count", "resident_years", "rate_per_1000_a_year")
    for group, mask in (("All recorded crime (excluding ASB)", crimes["category"] != ASB),
                        (ASB, crimes["category"] == ASB)):
        counts = crimes[mask].groupby(decile[mask]).size()
        for _, row in rates[rates["group"] == group].iterrows():
            d = int(row["decile"])
            if d not in pop_decile.index:
                assert row["lsoas"] == 0 and pd.isna(row["rate_per_1000_a_year"])
                continue
            assert row["count"] == counts.get(d, 0), (group, d)
            resident_years = pop_decile[d] * years_held
            assert row["resident_years"] == pytest.approx(resident_years, abs=0.5), (group, d)
            assert row["rate_per_1000_a_year"] == pytest.approx(counts.get(d, 0) / resident_years * 1000,
                                                                abs=0.006), (group, d)
    caption = next(c.value for c in at.caption if c.value.startswith("Records per 1,000 residents a year"))
    assert "Oct 2018 to Apr 2022 (17 months held of 43)" in caption
    no_rate_over_43_months(at)
    # The most deprived fifth, in words, from the same resident-years.
    fifth = dep.index[dep["imd_decile"] <= 2]
    in_fifth = crimes["lsoa_code"].isin(fifth)
    is_asb = crimes["category"] == ASB
    res = pop.reindex(fifth).sum() / pop.sum()
    crime = (~is_asb & in_fifth).sum() / (~is_asb).sum()
    asb = (is_asb & in_fifth).sum() / is_asb.sum()
    text = "\n".join(plain(m.value) for m in at.markdown)
    assert (f"are {len(fifth) / 157:.1%} of the 157 LSOAs in scope and {res:.1%} of residents, and had {crime:.1%} "
            f"of recorded crime ({crime / res:.1f} times their share of residents) and {asb:.1%} of ASB "
            f"({asb / res:.1f} times their share of residents)") in text
    table = frame_with(at, "group", "residents_total")
    assert np.allclose(table["residents_total"].astype(float), 283606 * years_held)


# --- Data, Seasonal patterns, Strategic assessment, Priorities -------------------------------

def test_data_page_counts_and_the_gap(app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/data.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Records in the area"] == f"{len(facts['crimes']):,}"
    assert metrics["Months covered"] == "17"
    assert metrics["Unplaceable records"] == f"{len(real_full_store.read('unlocated', columns=['month'])):,}"
    assert "Months with no records at all: Mar 2019 to Apr 2021 (26 months)." in [c.value for c in at.caption]
    held = frame_with(at, "table", "rows", "columns").set_index("table")["rows"]
    assert held["population"] == 314 and held["deprivation"] == 157 and held["crimes"] == len(facts["crimes"])


def test_data_page_coverage_table_leaves_the_gap_blank(app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/data.py")
    coverage = frame_with(at, "category", "2018-10", "2022-04").set_index("category")
    crimes = facts["crimes"]
    expected = crimes.groupby([crimes["category"], crimes["month"].dt.strftime("%Y-%m")]).size()
    for (category, month), n in expected.items():
        assert coverage.loc[category, month] == n, (category, month)
    gap = coverage[[c for c in coverage.columns if c in GAP_KEYS]]
    assert gap.shape[1] == 26
    assert gap.isna().all().all(), "months the store does not hold are shown as 0 records"


def test_seasonal_claims_are_not_settled_by_one_year(app_for, real_full_store):
    at = opened(app_for, real_full_store, "pages/seasonal.py")
    text = "\n".join(m.value for m in at.markdown)
    verdicts = re.findall(r"- \*\*(.+?): ([^*]+?)\.\*\*", text)
    assert len(verdicts) == 3, verdicts
    for claim, verdict in verdicts:
        assert verdict in ("too little evidence to tell", "cannot be checked"), (claim, verdict)
    heat = frame_with(at, "year", "Jan", "Dec").set_index("year")
    for year, row in heat.iterrows():
        for i, mon in enumerate(MONTH_ABBR):
            if f"{year}-{i + 1:02d}" in GAP_KEYS:
                assert pd.isna(row[mon]), (year, mon)


def test_assessment_scores_the_latest_held_year_with_no_trend(app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/assessment.py")
    assert "latest 12 months in view: May 2021 to Apr 2022" in at.caption[0].value
    table = frame_with(at, "Rank", "Issue", "Records", "Change on the 12 months before").set_index("Issue")
    latest = between(facts["crimes"], "2021-05", "2022-04")["category"].value_counts()
    for category, n in latest.items():
        assert table.loc[category, "Records"] == f"{n:,}", category
        assert not CLAIMS_CHANGE.search(str(table.loc[category, "Change on the 12 months before"])), category
        assert table.loc[category, "Trend (1-5)"] == 1


def test_priorities_police_uk_quarters_are_blank_unless_every_month_is_held(app_for, real_full_store, facts):
    at = opened(app_for, real_full_store, "pages/priorities.py")
    figures_table = frame_with(at, "indicator_id", "period", "value")
    crimes = facts["crimes"]
    for indicator, category in (("police_uk_possession_of_weapons", "Possession of weapons"),
                                ("police_uk_drugs", "Drugs")):
        rows = figures_table[figures_table["indicator_id"] == indicator].set_index("period")["value"]
        for period, value in rows.items():
            q = pd.Period(period, freq="Q")
            months = pd.date_range(q.start_time, periods=3, freq="MS")
            if all(m in HELD for m in months):
                n = int((crimes["month"].isin(months) & (crimes["category"] == category)).sum())
                assert str(value) == str(n), (indicator, period, value)
            else:
                assert value in ("", None) or pd.isna(value), (indicator, period, value)
