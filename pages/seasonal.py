"""Seasonal patterns: when in the year crime rises and falls, what the seasonal model
expected lately, the configured events, and the strategy's three seasonal claims checked."""

import pandas as pd
import streamlit as st

from csp_dash.analysis import coverage, events as E, seasonality as SE, series as S, trends
from csp_dash.analysis.filters import apply_filters, slug
from csp_dash.charts import seasonal as charts
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()
layout.page_header("Seasonal patterns", f"{filters.describe()} · Months as police.uk publishes them; a month with "
                                        f"no records at all in the store is a gap, never a zero.")

crimes = data.require(store, "crimes", columns=["month", "category", "lsoa_code"])
all_months, categories = data.crime_months_and_categories(store)
options = trends.series_options(categories, filters.categories)
events = config.events
key = f"{filters!r}|{events!r}"


def _monthly() -> pd.DataFrame:
    gaps = coverage.missing_months(crimes[["month"]])
    start = filters.start if filters.start is not None else all_months[0]
    end = filters.end if filters.end is not None else all_months[-1]
    counts = trends.category_counts(apply_filters(crimes, filters), S.month_index(start, end), gaps)
    return trends.monthly_series(counts, options)


monthly = data.memo(store, f"seasonal_monthly|{key}", _monthly)
if monthly.empty or monthly.notna().sum().max() == 0:
    st.info("No months with data in the filters chosen in the sidebar.")
    st.stop()

if presentation.presenting():  # the slide: the default series year by month, as the page draws it below
    chosen = S.ALL_CRIME if S.ALL_CRIME in monthly.columns else monthly.columns[0]
    series = monthly[chosen]
    present = series.dropna()
    outlined = {(m.year, m.month): o.name for o in E.occurrences(events, present.index.min(), present.index.max())
                if not o.recurring for m in o.months if m in present.index}
    st.subheader(f"{chosen}: year by month")
    presentation.chart(data.memo(store, f"seasonal_figure_heatmap|{key}|{chosen}",
                                 lambda: charts.heatmap(SE.year_by_month(series), outlined)))
    if outlined:
        st.caption(f"Dashed outlines: the months standing for {', '.join(sorted(set(outlined.values())))}.")
    presentation.slide_end()

# -- summary ------------------------------------------------------------------------------------
st.subheader("Summary")
patterns = data.memo(store, f"seasonal_patterns|{key}", lambda: SE.strongest_patterns(monthly))
claims = data.memo(store, f"seasonal_claims|{key}", lambda: SE.check_claims(
    *(monthly[n] if n in monthly.columns else None for n in ("Burglary", S.VSO, S.ASB)), events))
if patterns.empty:
    st.write("The strongest patterns need at least 24 consecutive months; the filters leave fewer.")
else:
    st.markdown("**Strongest seasonal patterns** (of the series on offer):\n\n"
                + "\n".join(f"- {line}" for line in SE.pattern_sentences(patterns)))
st.markdown("**The strategy's seasonal claims, checked on the data loaded:**\n\n" + "\n".join(
    f"- **{c.claim}: {c.verdict}.** {c.sentence}" for c in claims))
st.caption("Seasonal strength is 1 minus the remainder's variance over the variance of seasonal plus remainder in "
           "the STL decomposition (0 none, 1 all); highest and lowest months come from the seasonal index. A claim "
           "is supported when the records are higher as claimed and a test on the two counts says the "
           "difference is unlikely to be chance (p < 0.05): the exact Poisson test, or a quasi-Poisson test when the "
           "monthly counts vary more than Poisson counts would, so a large count is not enough on its own. Winter "
           "is December to February and summer June to August, each against the rest of the same whole years; "
           "sporting events are the one-off events in csp.toml against the same months a year before and a year "
           "after. A claim is about a pattern, so one "
           f"occasion cannot settle it: a season needs at least {SE.MIN_SEASON_YEARS} whole years of months in a "
           f"row and sporting events at least {SE.MIN_EVENTS} separate events with comparable months; with fewer "
           f"the verdict is '{SE.TOO_LITTLE}', with the number still given. Months without data are left out, "
           "never counted as zero.")
layout.data_download(patterns.round(3), "seasonal_strongest_patterns", label="Show data: every series' pattern",
                     key="dl_patterns")

# -- one series in detail -----------------------------------------------------------------------
st.subheader("One series in detail")
names = list(monthly.columns)
default = names.index(S.ALL_CRIME) if S.ALL_CRIME in names else 0
chosen = st.selectbox("Series", names, index=default, key="seasonal_series",
                      help="The strategy's groups and every police.uk category; the sidebar's categories "
                           "narrow what is offered and counted.")
st.caption(trends.series_note(chosen, options[chosen]))
file_name = slug(chosen)
series = monthly[chosen]
present = series.dropna()
occurrences = E.occurrences(events, present.index.min(), present.index.max())
one_offs = [o for o in occurrences if not o.recurring]
recurring = [o for o in occurrences if o.recurring]


def figure(kind: str, build):
    """Figures are built once per view: plotly validates every property, which takes a while."""
    return data.memo(store, f"seasonal_figure_{kind}|{key}|{chosen}", build)


st.markdown("#### Year by month")
table = SE.year_by_month(series)
outlined = {(m.year, m.month): o.name for o in one_offs for m in o.months if m in present.index}
layout.chart(figure("heatmap", lambda: charts.heatmap(table, outlined)))
st.caption(f"{chosen}: records in each month, a row per calendar year; blank cells are outside the months "
           f"chosen or have no data. "
           + (f"Dashed outlines: the months standing for {', '.join(sorted(set(outlined.values())))} (months "
              f"it covers for a week or more)." if outlined else ""))
layout.data_download(table.reset_index(), f"seasonal_year_by_month_{file_name}", key="dl_heatmap")

st.markdown("#### Month of the year")
index = SE.seasonal_index(series)
if index.empty:
    st.info("The seasonal index needs at least 24 consecutive months with data; the filters leave fewer.")
else:
    ratios = SE.moving_average_ratios(series)
    layout.chart(figure("profile", lambda: charts.profile(index, ratios, recurring)))
    st.caption("Seasonal index: each month's count divided by the average of the twelve months centred on it (a 2x12 "
               "centred moving average, so a rising or falling trend does not count as season), averaged over the "
               "years for each calendar month and scaled so the twelve average 100. Open circles are the single "
               "years, so their spread shows how steady the pattern is."
               + (" Shaded: the months standing for recurring events (" + "; ".join(
                   f"{o.name}, {o.days}" for o in {o.name: o for o in recurring}.values()) + ")." if recurring else ""))
    shown = ratios.assign(month=ratios["month"].dt.strftime("%Y-%m"), ratio=ratios["ratio"].round(4),
                          centred_mean=ratios["centred_mean"].round(2))
    layout.data_download(index.round(4).reset_index(), f"seasonal_index_{file_name}", key="dl_index",
                         label="Show data: seasonal index")
    layout.data_download(shown, f"seasonal_ratios_{file_name}", key="dl_ratios",
                         label="Show data: each year's ratio")

st.markdown("#### Trend, seasonal and remainder (STL)")
decomposition = data.memo(store, f"seasonal_stl|{key}|{chosen}", lambda: SE.decompose(series))
if decomposition is None:
    st.info(f"STL needs at least {SE.MIN_STL_MONTHS} consecutive months with data; the latest run of months "
            f"in the filters has {len(SE.latest_run(series))}. Widen the months in the sidebar or load more data.")
else:
    layout.chart(figure("stl", lambda: charts.decomposition(decomposition, occurrences)))
    left = (f" The {decomposition.months_left_out} months before the latest gap are left out."
            if decomposition.months_left_out else "")
    st.caption(f"STL (seasonal-trend decomposition by loess; Cleveland et al. 1990, statsmodels) of {chosen}, "
               f"{decomposition.start:%b %Y} to {decomposition.end:%b %Y}: observed = trend + seasonal + "
               f"remainder. Seasonal strength {decomposition.strength:.2f}; the seasonal swing is about "
               f"±{decomposition.amplitude:,.0f} records a month around the trend.{left} Shaded: one-off events "
               f"(named) and recurring events (grey; hover for the name).")
    st.table(SE.stl_parameters(decomposition).set_index("parameter"))
    comps = decomposition.components.assign(month=decomposition.components["month"].dt.strftime("%Y-%m"))
    layout.data_download(comps.round(3), f"seasonal_stl_{file_name}", key="dl_stl")

st.markdown(f"#### Expected and recorded: the latest {SE.HOLDOUT} months")
expected = data.memo(store, f"seasonal_expected|{key}|{chosen}", lambda: SE.expected_vs_actual(series))
if expected is None:
    st.info(f"Expected counts need at least {SE.MIN_FORECAST_MONTHS} consecutive months with data "
            f"({SE.MIN_STL_MONTHS} to fit the model and {SE.HOLDOUT} to check); the latest run in the filters has "
            f"{len(SE.latest_run(series))}.")
else:
    layout.chart(figure("expected", lambda: charts.expected_actual(expected, occurrences)))
    flagged = expected.table[expected.table["outside"] != ""]
    st.caption(f"Expected: {expected.method}. Months whose recorded count lies outside the interval are marked "
               f"with a triangle and the word above or below: {len(flagged)} of {SE.HOLDOUT}"
               + (" (" + ", ".join(f"{m:%b %Y} {w}" for m, w in zip(flagged["month"], flagged["outside"])) + ")"
                  if len(flagged) else "") + ". With 95% intervals about one month in twenty falls outside by chance.")
    fitted = pd.DataFrame({"month": expected.fitted.index, "actual": expected.fitted.to_numpy()})
    shown = pd.concat([fitted.assign(part="fitted on"), expected.table.assign(part="checked")], ignore_index=True)
    shown = shown.assign(month=shown["month"].dt.strftime("%Y-%m")).rename(columns={"actual": "recorded"})
    layout.data_download(shown[["month", "part", "recorded", "expected", "lower", "upper", "outside"]].round(1),
                         f"seasonal_expected_{file_name}", key="dl_expected")

st.markdown("#### Events")
comparison, used = data.memo(store, f"seasonal_events|{key}|{chosen}", lambda: E.compare_events(series, events))
if comparison.empty:
    st.info("None of the events in csp.toml falls in the months chosen with comparable months in the data.")
else:
    st.markdown("\n".join(
        f"- **{r.event}** ({r.dates}): {r.event_per_day:,.1f} records a day in {r.event_months}, against "
        f"{r.comparison_per_day:,.1f} in {r.comparison_months}: {r.words}." for r in comparison.itertuples()))
    layout.data_download(comparison.round(4), f"seasonal_events_{file_name}", key="dl_events")
compared = {o.name for o in used}
missing = [e.name for e in events if e.name not in compared]
st.caption(f"{chosen} in the months standing for each event (the months it covers for a week or more: police.uk "
           f"publishes months, not days, so a short event is diluted, never exaggerated) against comparable months, "
           f"as records a day: a one-off event against the same months a year before and a year after (a steady "
           f"trend cancels out); a recurring event against the month before and the month after the months it "
           f"touches, pooled over the years. Exact test on the two counts with the days as exposure, or a "
           f"quasi-Poisson test when the months behind them vary more than Poisson counts would (see the data's "
           f"method column); p < 0.05 reads as unlikely to be chance. Each line is one event's months, not a "
           f"pattern: the strategy's claim about sporting events is judged in the summary above, on at least "
           f"{SE.MIN_EVENTS} separate events."
           + (f" Not compared (outside the months chosen, or no comparable months): {', '.join(missing)}."
              if missing else ""))
