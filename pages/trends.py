"""Trends: monthly series and the strategy's groups, the changes a partnership reports with a
test of each, control charts, the area against other areas, and the categories' mix.

Everything derived is kept with data.memo under a key naming all its inputs (the filters'
repr covers scope, LSOAs, months and categories): building plotly figures and tables costs
far more than drawing them, and the page must stay quick on every rerun.
"""

import streamlit as st

from csp_dash.analysis import areas, spc
from csp_dash.analysis import series as S
from csp_dash.analysis import trends as T
from csp_dash.analysis.coverage import missing_months, month_ranges
from csp_dash.analysis.filters import Filters, apply_filters, lsoas_in_scope
from csp_dash.charts.spc import control_chart_figure
from csp_dash.figures import trends as FT
from csp_dash.charts.trends import index_figure, series_figure, shares_figure, small_multiples
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()
layout.page_header("Trends", f"{filters.describe()} · monthly records from police.uk; the sidebar filters apply "
                             "to every section.")

crimes = data.require(store, "crimes", columns=["month", "category", "lsoa_code"])
all_months, all_categories = data.crime_months_and_categories(store)
if not all_months:
    st.info("The crimes table is empty: load police.uk files with `python -m csp_dash ingest crime`.")
    st.stop()
key = repr(filters)
start = filters.start if filters.start is not None else all_months[0]
end = filters.end if filters.end is not None else all_months[-1]
months = S.month_index(start, end)
gaps = data.memo(store, "missing_months", lambda: list(missing_months(crimes)))
counts = data.memo(store, f"trends_counts|{key}",
                   lambda: T.category_counts(apply_filters(crimes, filters), months, gaps))
options = T.series_options(all_categories, filters.categories)
series = data.memo(store, f"trends_series|{key}", lambda: T.monthly_series(counts, options))

codes = list(lsoas_in_scope(data.area_table(store, config), filters)["code"])
population = data.table(store, "population", columns=["lsoa_code", "year", "population"])
denoms = data.memo(store, f"trends_denoms|{','.join(codes)}|{start}|{end}",
                   lambda: S.denominators(population, codes, months))
residents = None if denoms is None or not denoms.complete else denoms.population
rates = None if residents is None else data.memo(store, f"trends_rates|{key}",
                                              lambda: T.rates_per_1000(series, residents))
gap_ranges = month_ranges([m for m in gaps if start <= m <= end])
gap_note = (f" Months with no records in the store ({'; '.join(gap_ranges)}) are left blank, not counted as zero."
            if gap_ranges else "")
rates_note = denoms.note() if denoms is not None else "Rates are unavailable: no population loaded for these LSOAs."


def keep_valid(state_key: str, valid: list, span: tuple | None = None) -> None:
    """Forget a remembered choice the current filters no longer offer: a list keeps what is
    left, a range or a single choice goes back to its default. With ``span`` (the first and
    last month on offer), a month range is also forgotten when the months on offer change,
    so a wider view starts from its own default baseline."""
    if span is not None:
        mark = f"_{state_key}_span"
        if st.session_state.get(mark) != span:
            st.session_state.pop(state_key, None)
            st.session_state[mark] = span
    held = st.session_state.get(state_key)
    if isinstance(held, list):
        if not all(h in valid for h in held):
            st.session_state[state_key] = [h for h in held if h in valid]
    elif isinstance(held, tuple):
        if not all(h in valid for h in held):
            del st.session_state[state_key]
    elif held is not None and held not in valid:
        del st.session_state[state_key]


def month_label(m) -> str:
    return f"{m:%b %Y}"


# -- Monthly series ------------------------------------------------------------------------------
st.subheader("Monthly series")
names = list(options)
keep_valid("t_lines", names)
default_lines = [n for n in (S.ALL_CRIME, S.ASB, S.SAC, S.VSO) if n in options] or names[:4]
# Pills rather than a multiselect: they wrap, so every chosen name stays readable at 1280 px.
# A slide draws the default series as counts, without the controls.
lines = default_lines if presentation.presenting() else st.pills(
    "Series to draw", names, default=default_lines, key="t_lines", selection_mode="multi")
measures = ["Counts"] + (["Rate per 1,000 residents"] if rates is not None else [])
as_rate = not presentation.presenting() and st.radio("Show", measures, key="t_measure", horizontal=True) != "Counts"
if lines:
    fig, table = data.memo(store, f"trends_monthly|{key}|{lines}|{as_rate}", lambda: (
        series_figure((rates if as_rate else series)[lines],
                      "crimes per 1,000 residents a year" if as_rate else "records a month",
                      ",.1f" if as_rate else ",.0f"),
        T.tidy_series(series[lines], None if rates is None else rates[lines], residents)))
    presentation.chart(fig)
    st.caption(("Rate: the month's records x 12 per 1,000 residents (an annual rate). " if as_rate else
                "Records a month in the scope, from police.uk. ") + rates_note + gap_note)
    presentation.slide_end()
    st.caption(" ".join(T.series_note(n, options[n]) for n in lines))
    layout.data_download(table, "trends_monthly_series", key="dl_series")
else:
    st.info("Choose at least one series to draw.")

unplaced = data.memo(store, f"trends_unplaced|{start}|{end}|{filters.categories}", lambda: T.unplaced_records(
    apply_filters(crimes, Filters(start=start, end=end, categories=filters.categories))))
if unplaced:
    where = ("They are in no town or LSOA, so they are not in this scope." if filters.scope != "district"
             else "They count in the district but in no town or LSOA.")
    st.caption(f"The district total for these months and categories includes {unplaced:,} records placed by a "
               f"reported LSOA code that is not one of the area's {config.geography.lsoa_vintage} LSOAs. {where}")

# -- Comparisons ---------------------------------------------------------------------------------
st.subheader("Changes a partnership reports")
keep_valid("t_series", names)
chosen = st.selectbox("Series for the comparisons and the control chart", names, key="t_series",
                      index=names.index(default_lines[0]))
values = series[chosen]
years, defaults = FT.year_choices(values, config.strategy.start, config.strategy.end, data.held_months(store))
year, base_year = defaults.chosen, defaults.baseline
if len(years) >= 2:
    keep_valid("t_year", years)
    keep_valid("t_baseyear", years)
    c1, c2, _ = st.columns([1, 1, 2])
    year = c1.selectbox("Chosen financial year", years, index=years.index(year), key="t_year",
                        format_func=S.financial_year_label)
    base_year = c2.selectbox("Baseline financial year", years, index=years.index(base_year), key="t_baseyear",
                             format_func=S.financial_year_label,
                             help=f"Default: the year before the strategy period ({config.strategy.title}), when "
                                  "the store holds enough of the strategy period; otherwise the latest year before "
                                  "the chosen one with data (the notice below says so).")
if defaults.notice:
    st.info(defaults.notice)


def compare():
    # Counts on the months held in both periods give the change the strategy quotes; with residents,
    # the same test on person-months gives the change per resident beside it (figures.trends, which
    # the figures JSON reads too).
    plain, per_resident = FT.comparisons(values, base_year, year, residents)
    return T.comparison_bullets(plain, per_resident), T.comparison_table(plain, per_resident, chosen)


bullets, table = data.memo(store, f"trends_cmp|{key}|{chosen}|{year}|{base_year}", compare)
if not bullets:
    st.info("Not enough months in view for any comparison: each compares a period with the same months of an "
            "earlier one (a financial year with the year before, 12 months with the 12 before, a month with the same "
            "month a year before), and the months chosen do not reach back that far.")
else:
    st.markdown("\n".join(f"- {b}" for b in bullets))
    # Population change is allowed for only when more than one mid-year estimate is in use; with one,
    # the rate moves exactly as the count does, and saying otherwise would claim an adjustment never made.
    per_resident_note = ""
    if residents is not None:
        years_used = sorted(set(denoms.year_used.dropna().astype(int)))
        per_resident_note = (" 'Per resident' is the change in the rate, allowing for population change (mid-year "
                             f"estimates {', '.join(map(str, years_used))})." if len(years_used) > 1 else
                             f" 'Per resident' uses one population estimate (mid-{years_used[0]}) for every month, so "
                             "it moves as the count does: population change is not allowed for.")
    st.caption(f"{chosen}. {T.COMPARISON_METHOD}" + (per_resident_note if residents is not None
                                                     else " " + rates_note))
    layout.data_download(table, "trends_comparisons", key="dl_cmp")

# -- Control chart -------------------------------------------------------------------------------
st.subheader("Control chart")
# "Chosen by the data" is the series' one chart, the same the Overview tile and the board pack read
# (spc.series_chart): a Laney chart when the baseline's monthly counts are overdispersed.
kinds = {"auto": "Chosen by the data", "c": "c-chart (counts)"}
if residents is not None:
    kinds["u"] = "u-chart (rate per 1,000 residents)"
kinds["laney"] = "Laney chart" + (" (rate per 1,000 residents)" if residents is not None else " (counts)")
kinds["xmr"] = "XmR chart (individuals)"
keep_valid("t_chart", list(kinds))
c1, c2 = st.columns([3, 1])
kind = c1.radio("Chart type", list(kinds), format_func=kinds.get, key="t_chart", horizontal=True)
warning = c2.checkbox("2-sigma warning lines", value=True, key="t_warn")
present = list(values.dropna().index)
window_start = values.index[-12] if len(values) > 12 else values.index[0]
default_chart = data.memo(store, f"trends_default_chart|{key}|{chosen}",
                          lambda: spc.series_chart(values, window_start=window_start))
as_rate_chart = kind in ("u", "laney") and residents is not None
if len(present) < 2:
    st.info("A control chart needs at least two months with records.")
elif default_chart.baseline is None:
    st.info(default_chart.note + " A control chart's limits come from a stretch of consecutive months with data; "
            "a stretch across a gap would mix months the store does not hold.")
    layout.chart(series_figure(values.to_frame(chosen), "records a month", ",.0f"))
    st.caption(f"{chosen}, records a month; no control limits.{gap_note}")
else:
    keep_valid("t_base", present, span=(present[0], present[-1]))
    base = st.select_slider("Months that set the centre line and limits", options=present,
                            value=default_chart.baseline, key="t_base", format_func=month_label,
                            help="By default the latest run of at least 12 consecutive months with data before the "
                                 "latest 12 (at most 36): the same baseline the Overview uses. A baseline may not "
                                 "include a month the store does not hold.")

    def control():
        exposure = residents / 12_000 if as_rate_chart else None
        sc = (default_chart if kind == "auto" and base == default_chart.baseline else
              spc.series_chart(values, exposure=exposure, baseline=base, kind=None if kind == "auto" else kind))
        if sc.chart is None:
            return sc, None, [], 0.0, None, None
        signals = spc.describe_signals(sc.chart)
        y_title = "crimes per 1,000 residents a year" if as_rate_chart else "records a month"
        return (sc, control_chart_figure(sc.chart, y_title, warning_lines=warning, rate=as_rate_chart),
                T.summarise_signals(signals), T.share_of_months_beyond(sc.chart),
                T.chart_table(sc.chart, chosen, sc.choice.kind), T.signals_table(signals))

    sc, fig, summary, beyond, chart_table, signal_table = data.memo(
        store, f"trends_spc|{key}|{chosen}|{kind}|{base}|{warning}", control)
    if fig is None:
        st.warning(sc.note)
    else:
        layout.chart(fig)
        st.caption(f"{chosen}. {sc.note} Lower lines stop at zero. {T.SIGNAL_RULES}{gap_note}")
        if sc.choice.kind in ("c", "u") and beyond > 0.25:
            st.caption(f"{beyond:.0%} of months are beyond a limit: these counts vary more than Poisson counts, so "
                       "c- and u-chart limits are too narrow. \"Chosen by the data\" draws a Laney chart instead.")
        if not summary:
            st.markdown("**No signals**: every month is within normal variation around the centre line.")
        else:
            st.markdown("**Signals** (each marked on the chart by its own shape):\n"
                        + "\n".join(f"- {line}" for line in summary))
        layout.data_download(chart_table, "trends_control_chart", key="dl_spc")
        if summary:
            layout.data_download(signal_table, "trends_signals", label="Show signals as a table", key="dl_signals")

# -- Other areas ---------------------------------------------------------------------------------
st.subheader("Compared with other areas")
aggregate = data.table(store, "crime_aggregate")
if aggregate is None or aggregate.empty:
    st.info("No other areas to compare with: crime_aggregate is built when police.uk force files are ingested.")
else:
    district_list, force_list = data.memo(store, "trends_districts_forces",
                                          lambda: (areas.districts(aggregate), areas.forces(aggregate)))
    others = [d for d in district_list if d != config.area.name]
    keep_valid("t_districts", others)
    picked = st.multiselect("Districts to add", others, key="t_districts", placeholder="Choose districts")
    lines_key = (f"trends_areas|{config.area.name}|{config.area.force}|{options[chosen]}|{start}|{end}|"
                 f"{','.join(picked)}")
    area_lines = data.memo(store, lines_key, lambda: areas.comparison_lines(
        aggregate, config.area.name, config.area.force, picked, options[chosen], start, end))
    held = list(area_lines.index[area_lines.notna().all(axis=1)])
    if not held:
        st.info("No month in view has data for every line.")
    else:
        keep_valid("t_area_base", held, span=(held[0], held[-1]))
        base = st.select_slider("Baseline months (index = 100)", options=held, key="t_area_base",
                                value=areas.default_baseline(area_lines), format_func=month_label)

        def compare_areas():
            indexed = areas.index_to_baseline(area_lines, *base)
            return index_figure(indexed, base), areas.tidy(area_lines, indexed).assign(series=chosen)

        fig, table = data.memo(store, f"{lines_key}|{base}|{chosen}", compare_areas)
        layout.chart(fig)
        n = len(force_list)
        national = (f"England and Wales is drawn ({n} forces held)." if areas.ENGLAND_AND_WALES in area_lines else
                    f"England and Wales is not drawn: the aggregate holds {n} force{'s' if n != 1 else ''} "
                    f"({', '.join(force_list)}), and a national line needs at least {areas.ALL_FORCES_MIN} of the 43.")
        scope = ("" if filters.scope == "district" else
                 f" Areas are compared as whole districts: the {filters.scope_label} scope does not apply here.")
        st.caption(f"{chosen}. Each line is its monthly records over its own average month from {base[0]:%b %Y} "
                   f"to {base[1]:%b %Y}, x 100, so areas of any size share one scale. Counts come from every "
                   "police.uk record read, by the district of the LSOA name police.uk reported (the area's line can "
                   "differ slightly from the sections above, which place records by their coordinates); the force "
                   f"line is every record of {config.area.force}, wherever it happened. {national}{scope}")
        layout.data_download(table, "trends_other_areas", key="dl_areas")

# -- Categories ----------------------------------------------------------------------------------
st.subheader("Categories")
present_cats = [c for c in counts.columns if counts[c].sum() > 0]
if not present_cats:
    st.info("No records in view.")
else:
    multiples, monthly, shares_fig, shares = data.memo(store, f"trends_categories|{key}", lambda: (
        small_multiples(counts[present_cats]),
        T.tidy_series(counts[present_cats]).rename(columns={"series": "category"}),
        shares_figure(T.category_shares(counts[present_cats])),
        T.shares_table(counts[present_cats])))
    st.markdown("**Each category by month**")
    layout.chart(multiples)
    st.caption("Records a month in each police.uk category, each panel on its own scale so the shape of every "
               "category shows; compare sizes with the shares below." + gap_note)
    layout.data_download(monthly, "trends_categories_monthly", key="dl_multiples")
    st.markdown("**Each category's share**")
    layout.chart(shares_fig)
    st.caption(f"Each category's records from {start:%b %Y} to {end:%b %Y} as a share of all records in view "
               "(anti-social behaviour included). The table adds each one's share of recorded crime (ASB "
               "excluded) and, for each complete financial year, of all records.")
    layout.data_download(shares, "trends_category_shares", key="dl_shares")
