"""Deprivation: the area's LSOAs by national IMD 2019 decile, crime and ASB rates by decile,
the most deprived fifth's share of crime, and the seven domains."""

from html import escape

import streamlit as st

from csp_dash.analysis import deprivation as dep
from csp_dash.analysis.coverage import coverage
from csp_dash.analysis.filters import apply_filters, lsoas_in_scope
from csp_dash.charts import deprivation as charts
from csp_dash.charts import maps
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()

layout.page_header("Deprivation", f"How deprived {filters.scope_label} is on the English Indices of Deprivation "
                                  f"2019, and how crime and ASB rates follow deprivation · {filters.describe()}.")

deprivation = data.require(store, "deprivation")
crimes = data.require(store, "crimes", columns=["month", "category", "lsoa_code"])
population = data.table(store, "population", columns=["lsoa_code", "year", "population"])
area = data.area_lsoas(store, config)
scope = lsoas_in_scope(area, filters)
all_months, categories = data.crime_months_and_categories(store)
if not all_months:
    st.info("The crimes table is empty: load police.uk files first.", icon=":material/info:")
    st.stop()
start, end = filters.start or all_months[0], filters.end or all_months[-1]
codes = tuple(sorted(scope["code"]))
# Every input, the scope included: LSOAs chosen one by one may match a town's, but the sentence
# names the town only when the town was chosen.
key = f"deprivation|{filters!r}|{codes}|{start:%Y-%m}|{end:%Y-%m}"


def compute() -> dep.DeprivationView:
    groups = dep.rate_groups(categories, filters.categories)
    place = None if filters.scope == "lsoas" else filters.scope_label
    # Rates use the months the store holds as exposure: a gap is unknown, not a run of zeros.
    return dep.deprivation_view(apply_filters(crimes, filters), deprivation, population, codes,
                                coverage(data.held_months(store), start, end), groups, place)


view = data.memo(store, key, compute)

# -- the headline and the map -----------------------------------------------------------
st.markdown(f"<p style='font-size:1.35rem;line-height:1.45;margin:0.4rem 0 1rem'>{escape(view.statement)}</p>",
            unsafe_allow_html=True)

base = data.memo(store, f"deprivation_geojson|{codes}", lambda: maps.simplified_geojson(scope))
outline = data.memo(store, "deprivation_outline", lambda: maps.district_outline(area))
props = data.memo(store, f"deprivation_props|{codes}", lambda: charts.map_properties(scope, deprivation))
geojson = data.memo(store, f"deprivation_map|{codes}", lambda: maps.with_properties(base, props))

left, right = st.columns([2, 1.6])
with left:
    deck = data.memo(store, f"deprivation_deck|{codes}", lambda: charts.decile_map(geojson, outline, charts.bounds_of(scope)))
    presentation.pydeck(deck, charts.bounds_of(scope), height=560, width="stretch")
with right:
    st.markdown(maps.legend_html(charts.decile_legend(view.counts), "IMD 2019 decile, national (LSOAs)",
                                 note="Decile 1 is the most deprived 10% of England's 32,844 LSOAs. "
                                      "Point at an LSOA for its decile and rank.",
                                 missing_label=charts.NO_DECILE if view.unranked else None),
                unsafe_allow_html=True)
presentation.slide_end()  # the slide: the statement and the decile map
layout.data_download(view.counts.assign(share=(view.counts["share"] * 100).round(1)).rename(
    columns={"share": "share_pct"}), "lsoas_by_imd_decile", label="Show the LSOAs per decile")

# -- rates by decile --------------------------------------------------------------------
st.subheader("Crime and ASB by deprivation")
if view.by_decile.empty:
    st.info("No crime or ASB category is chosen in the sidebar.", icon=":material/info:")
elif view.has_population:
    layout.chart(data.memo(store, key + "|rates", lambda: charts.rates_figure(view.by_decile)))
    note = (f" {len(view.lsoas_without_population)} LSOAs in scope have no population figure; their records are "
            "counted but left out of the rates." if view.lsoas_without_population else "")
    st.caption(f"Records per 1,000 residents a year over {filters.period_label} ({view.months_text}), in the LSOAs "
               "of each national IMD decile. Error bars: exact 95% Poisson intervals (Garwood). "
               f"{view.population_text}{note}")
else:
    layout.chart(data.memo(store, key + "|counts", lambda: charts.counts_by_decile_figure(view.by_decile)))
    st.warning("No population is loaded for these LSOAs, so rates (and the intervals around them) are not shown: "
               "the records are counted only. Load population estimates with "
               "`python -m csp_dash ingest population FILE`.", icon=":material/warning:")
if view.records_without_lsoa:
    st.caption(f"{view.records_without_lsoa:,} records in the period have no LSOA of the configured geography "
               "(a reported LSOA code of another vintage) and cannot be given a decile.")
shown = view.by_decile.round({"person_years": 0, "rate": 2, "lower": 2, "upper": 2}).rename(
    columns={"person_years": "resident_years", "rate": "rate_per_1000_a_year", "lower": "ci95_lower",
             "upper": "ci95_upper"})
layout.data_download(shown, "rates_by_imd_decile")

# -- the most deprived fifth ------------------------------------------------------------
st.subheader("The most deprived fifth")
fifth = view.fifth
if fifth.empty or fifth["lsoas"].iloc[0] == 0:
    st.write("No LSOA in scope is in the most deprived fifth of England (national deciles 1 and 2).")
else:
    first = fifth.iloc[0]
    names = {dep.ALL_CRIME: "recorded crime", dep.ASB: "ASB", dep.SELECTED_CRIME: "the chosen crime"}
    parts = [f"{r.count_share:.1%} of {names.get(r.group, r.group)}"
             + (f" ({r.ratio:.1f} times their share of residents)" if r.ratio == r.ratio else "")
             for r in fifth.itertuples()]
    residents = f" and {first['resident_share']:.1%} of residents" if view.has_population else ""
    text = (f"The {dep.number_words(first['lsoas'])} LSOA{'s' if first['lsoas'] != 1 else ''} in the most deprived "
            f"fifth of England (deciles 1 and 2) {'are' if first['lsoas'] != 1 else 'is'} "
            f"{first['lsoa_share']:.1%} of the {first['lsoas_total']} LSOAs in scope{residents}, and had "
            f"{' and '.join(parts)}.")
    c1, c2 = st.columns([1, 1])
    c1.markdown(f"<p style='font-size:1.2rem;line-height:1.45'>{escape(text)}</p>", unsafe_allow_html=True)
    with c2:
        layout.chart(data.memo(store, key + "|fifth", lambda: charts.fifth_figure(fifth)))
    layout.data_download(fifth, "most_deprived_fifth_share")

# -- domains ----------------------------------------------------------------------------
st.subheader("The seven domains")
domains_loaded = dep.available_domains(deprivation)
if not domains_loaded:
    st.info("Only the overall IMD is loaded. Load IoD2019 File 2 (`python -m csp_dash ingest imd FILE`) to see "
            "the income, employment, education, health, crime, barriers and living environment domains.",
            icon=":material/info:")
else:
    st.markdown("**Each LSOA's national decile on the IMD and on its seven domains**")
    layout.chart(data.memo(store, key + "|domains", lambda: charts.domain_heatmap(view.domains)))
    st.caption("Each column is an LSOA, most deprived overall on the left; each strip a domain. Villages are often "
               "more deprived on Barriers to Housing and Services (distance to services) than on the IMD.")
    layout.data_download(view.domains, "lsoa_domain_deciles", label="Show each LSOA's deciles")
    if view.has_population and len(view.correlations):
        st.markdown("**How the LSOAs' rates follow each kind of deprivation (Spearman's rank correlation)**")
        layout.chart(data.memo(store, key + "|correlations",
                                     lambda: charts.correlation_figure(view.correlations)))
        st.caption("Spearman's rank correlation between each LSOA's rate over the period and its deprivation on each "
                   "domain (national rank, so above 0 means more deprived LSOAs have higher rates); the bars are "
                   "approximate 95% intervals (Fisher's z). The Crime domain is itself built from recorded crime, "
                   "so its correlation is partly circular. Correlation across LSOAs says nothing about individuals.")
        corr = view.correlations.round({"rho": 3, "lower": 3, "upper": 3})
        layout.data_download(corr, "crime_rate_domain_correlations", label="Show the correlations")

with st.expander("How these figures are made"):
    st.markdown(
        "- **Deciles** are the national ones published with the English Indices of Deprivation 2019 (IoD2019) on "
        "2011 LSOAs: decile 1 is the most deprived 10% of England's 32,844 LSOAs. They are not re-ranked within "
        "the area, so an area may have no LSOA in some deciles; those show as empty.\n"
        "- **Rates** are records in the period per 1,000 residents per year: records ÷ resident-years × 1,000, "
        "where resident-years add up, month by month, a twelfth of each LSOA's mid-year population.\n"
        "- **Intervals** treat each count as Poisson: the exact (Garwood) 95% limits are "
        "χ²(0.025; 2k)/2 and χ²(0.975; 2k+2)/2, divided by resident-years.\n"
        "- **The most deprived fifth** is national deciles 1 and 2. Its share of records is compared with its "
        "share of resident-years; the ratio is the two shares divided.\n"
        "- See docs/methods.md, section Deprivation.")
