"""Hotspot map: an LSOA choropleth of the filtered records, crime points or grid squares, a
profile of one LSOA, tested hot and cold spots, and how concentrated crime is."""

import numpy as np
import pandas as pd
import streamlit as st

from csp_dash.analysis import hotspots as H
from csp_dash.analysis.filters import lsoas_in_scope
from csp_dash.charts import hotspots as C
from csp_dash.charts import maps
from csp_dash.figures import hotspots as FH
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

POINT_LIMIT = 5_000  # records with a point; above this they are counted in grid squares
SIMPLIFY_M = 25.0
MAP_HEIGHT = 540

store, config, filters = context()
layout.page_header("Hotspot map", f"Where the records fall: {filters.describe()}. Colour the LSOAs by a measure, "
                                  "add the crime points, and click an LSOA or pick it below for its profile.")
crimes = data.require(store, "crimes", columns=["month", "category", "lsoa_code", "longitude", "latitude",
                                                "location"])
area = data.area_lsoas(store, config)
scope = lsoas_in_scope(area, filters)
if filters.start is None or crimes.empty or scope.empty:
    st.info("No crime records are loaded for this area yet, so there is nothing to map.")
    st.stop()
population = data.table(store, "population", columns=["lsoa_code", "year", "population"])
deprivation = data.table(store, "deprivation")
held = data.held_months(store)
key = repr(filters)


def _bng():
    from pyproj import Transformer

    t = Transformer.from_crs(maps.WGS84, maps.BNG, always_xy=True)
    return tuple(np.asarray(a) for a in t.transform(crimes["longitude"].to_numpy(), crimes["latitude"].to_numpy()))


def _view():
    few = crimes["longitude"].notna().sum() <= POINT_LIMIT
    xy = None if few else data.memo(store, "hot_bng", _bng)
    v = H.map_view(crimes, filters, scope, population, deprivation, held, xy, POINT_LIMIT)
    if v.points is not None:
        points = {"kind": "points", "rows": C.point_rows(v.points)}
    else:
        rows, breaks = maps.grid_rows(v.cells, v.cell_m)
        points = {"kind": "grid", "rows": rows, "breaks": breaks}
    return v, points


base = data.memo(store, f"hot_base|{SIMPLIFY_M}", lambda: (maps.simplified_geojson(area, tolerance_m=SIMPLIFY_M),
                                                           maps.district_outline(area, SIMPLIFY_M)))
view, points = data.memo(store, f"hot_view|{key}", _view)
table = view.table
n_scope = len(table)
gi_on = "rate" if table["residents"].notna().any() else "count"


def hot_spots() -> H.GiResult:
    """Getis-Ord Gi* on the LSOAs in scope: run (9,999 permutations) only when the map or the
    hot-spot tab shows it, then kept for these filters."""
    def compute():
        w = data.memo(store, "hot_queen", lambda: H.queen_weights(area.set_index("code")))
        return H.getis_ord(table[gi_on], w)
    return data.memo(store, f"hot_gi|{key}|{gi_on}", compute)


# --- controls --------------------------------------------------------------------------------

measures = [C.COUNT] + ([C.RATE] if gi_on == "rate" else []) + ([C.CHANGE] if view.previous else []) \
    + ([C.IMD] if table["imd_decile"].notna().any() else []) + [C.GI]
map_col, side = st.columns([3, 1.15])
with presentation.controls(side):  # a slide shows the map as it first opens, without the controls
    measure = st.selectbox("Colour the LSOAs by", measures, key="hot_measure")
    method = st.radio("Classes", ["Quantiles", "Natural breaks"], key="hot_method",
                      disabled=measure not in (C.COUNT, C.RATE),
                      help="Quantiles put the same number of LSOAs in each class; natural breaks (Fisher-Jenks) "
                           "put the class boundaries in the widest gaps between values.")
    show_fill = st.toggle("LSOA colours", value=True, key="hot_fill")
    show_points = st.toggle("Crime points", value=False, key="hot_points",
                            help=f"Up to {POINT_LIMIT:,} records: each police.uk snap point, sized by its "
                                 "records. More than that: records counted in grid squares.")
    show_heat = st.toggle("Heatmap", value=False, key="hot_heat")
    basemap = st.toggle("Street basemap (needs internet)", value=False, key="hot_basemap",
                        help="Carto's free light basemap (no key needed), fetched over the internet: without a "
                             "connection the map has no place names, only the district and its LSOAs on a plain "
                             "background.")
notes = []
if gi_on == "count":
    notes.append("No population is loaded for these LSOAs, so there are no rates per 1,000 residents "
                 "(load one with `python -m csp_dash ingest population`); hot spots use counts.")
if not view.previous:
    notes.append(f"The change on the previous period is {view.comparison.note}.")
if not view.coverage.complete:
    notes.append(f"Months chosen: {view.coverage.describe()}. Counts and rates cover the months held; rates are "
                 f"per year of held months ({len(view.coverage.held)} months).")

# A click on the map chooses the profiled LSOA, once per click, and opens its profile below; the
# list in the profile can still change it.
SECTIONS = ["LSOA profile", "Tested hot and cold spots", "How concentrated crime is"]
picked = maps.picked_code(st.session_state.get("hot_map"), "lsoas", table.index)
if picked and picked != st.session_state.get("_hot_pick"):
    st.session_state["hot_lsoa"] = picked
    st.session_state["hot_section"] = SECTIONS[0]
st.session_state["_hot_pick"] = picked
if "hot_lsoa" in st.session_state:
    # Streamlit forgets a widget's value in a run that does not draw it; the list sits in a tab that
    # may be closed, so keep the chosen LSOA (and its edge on the map) by setting it again.
    st.session_state["hot_lsoa"] = st.session_state["hot_lsoa"]
selected = st.session_state.get("hot_lsoa") if st.session_state.get("hot_lsoa") in table.index else None

# --- the map ---------------------------------------------------------------------------------

gi = hot_spots() if measure == C.GI else None
shown = data.memo(store, f"hot_measure|{key}|{measure}|{method}", lambda: C.measure_colours(
    table, measure, "quantile" if method == "Quantiles" else "natural", gi and gi.table, view.comparison, gi_on,
    gi.note if gi else ""))
deck = data.memo(store, f"hot_deck|{key}|{measure}|{method}|{show_fill}|{show_points}|{show_heat}|{basemap}|"
                        f"{selected}", lambda: C.hotspot_deck(
    base[0], base[1], shown, tuple(scope.total_bounds), show_fill=show_fill, points=points,
    show_points=show_points, show_heat=show_heat, basemap=basemap, selected=selected, height_px=MAP_HEIGHT))
presentation.pydeck(deck, tuple(scope.total_bounds), map_col, on_select="rerun", selection_mode="single-object",
                    key="hot_map", height=MAP_HEIGHT)
with side:
    st.html(maps.legend_html(shown.legend, shown.title, shown.note, shown.missing_label))
    if show_points or show_heat:
        if points["kind"] == "points":
            st.caption(f"{view.located:,} records at {view.locations:,} police.uk snap points: white circles, "
                       "larger for more records.")
        elif show_points:
            breaks = points["breaks"]
            st.html(maps.legend_html(maps.legend(breaks, maps.GRID_RGB[-(len(breaks) - 1):], integer=True),
                                     f"Records per {view.cell_m:,.0f} m square",
                                     f"{view.located:,} records: too many to draw one by one."))
for note in [] if presentation.presenting() else notes:  # notes on the controls, which a slide leaves out
    st.caption(note)
st.caption(f"{view.records:,} records in {n_scope} LSOAs. Locations are police.uk's anonymised snap points, "
           "not addresses.")
presentation.slide_end()  # the slide: the map and its legend

# --- below the map: one section at a time ------------------------------------------------------
# Only the open tab runs and is sent to the browser (on_change="rerun"), so the map is drawn first
# and fast instead of waiting behind charts and tables further down the page.

names, towns = table["name"].to_dict(), table["town"].to_dict()
what = "rate per 1,000 residents" if gi_on == "rate" else "count of records (no population is loaded)"


def lsoa_profile() -> None:
    code = st.selectbox("Choose an LSOA (or click one on the map)", sorted(table.index, key=names.get), index=None,
                        key="hot_lsoa", placeholder="Type a name, code or town",
                        format_func=lambda c: f"{names[c]} · {towns[c]} · {c}")
    if code is None:
        st.caption("Pick an LSOA for its crime mix against the area, its last 24 months with control limits, "
                   "its repeat locations, its deprivation and its rank in the area.")
        return
    row = table.loc[code]
    trend = data.memo(store, f"hot_trend|{key}|{code}", lambda: H.lsoa_trend(
        crimes, code, filters.categories, filters.end, held))
    mix = H.crime_mix(view.by_category, view.area_totals, code, n_scope)
    pop = H.latest_population(population, code)
    st.markdown(f"### {row['name']} · {row['town']} · {code}")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Records", f"{int(row['count']):,}", help=f"{filters.period_label}, {filters.categories_label}")
    m1.caption(f"Rank {int(row['count_rank'])} of {n_scope} LSOAs (1 = most)")
    m2.metric("Per 1,000 residents a year", f"{row['rate']:,.1f}" if pd.notna(row["rate"]) else "n/a")
    m2.caption(f"Rank {int(row['rate_rank'])} of {int(table['rate'].notna().sum())} (1 = highest)"
               if pd.notna(row["rate"]) else "No population figure for this LSOA")
    m3.metric("Residents", f"{pop[0]:,}" if pop else "n/a")
    m3.caption(f"Mid-{pop[1]} estimate" if pop else "No population loaded")
    m4.metric("IMD decile", f"{int(row['imd_decile'])}" if pd.notna(row["imd_decile"]) else "n/a")
    m4.caption(f"Rank {int(row['imd_rank']):,} of 32,844; 1 = most deprived" if pd.notna(row["imd_decile"])
               else "No deprivation figure for this LSOA")
    p1, p2 = st.columns(2)
    with p1:
        st.markdown("**Crime mix against the area**")
        layout.chart(C.mix_figure(mix, row["name"], f"{filters.scope_label}, all LSOAs"))
        layout.data_download(mix, f"crime_mix_{code}", key="dl_hot_mix")
    with p2:
        values, sc = trend
        held_n = int(values.notna().sum())
        span = f"{len(values)} months" + (f", {held_n} held" if held_n < len(values) else "")
        st.markdown(f"**Last {span}" + (", with control limits**" if sc.chart is not None else "**"))
        layout.chart(C.control_figure(sc.chart, values))
        gaps = " Months the store does not hold are gaps in the line, not zeros." if held_n < len(values) else ""
        st.caption((f"{sc.note} Diamonds mark signals: a point beyond a limit, 7 in a row on one side, 6 rising "
                    f"or falling, or 2 of 3 beyond 2 sigma." if sc.chart is not None else sc.note) + gaps)
    p3, p4 = st.columns(2)
    with p3:
        st.markdown("**Repeat locations in this LSOA**")
        here = view.lsoa_locations[view.lsoa_locations["lsoa_code"] == code]
        if here.empty:
            st.caption(f"No location in this LSOA has 2 or more records in {filters.period_label}.")
        else:
            st.caption(f"Snap points with 2 or more records in {filters.period_label}, busiest first "
                       "(at most 10).")
            st.dataframe(here[["location", "records", "top_category"]].rename(
                columns={"top_category": "most often"}), hide_index=True, width="stretch")
    with p4:
        st.markdown("**Deprivation (IMD 2019)**")
        dep = H.deprivation_profile(deprivation, code)
        if dep is None:
            st.caption("No deprivation figures are loaded for this LSOA.")
        else:
            st.dataframe(dep, hide_index=True, width="stretch")
            st.caption("Rank 1 and decile 1 = most deprived, among England's 32,844 LSOAs.")


def tested_hot_spots() -> None:
    gi = hot_spots()
    if gi.note:
        st.info(f"No hot-spot test for this selection: Getis-Ord Gi* {gi.note}.")
    else:
        spots = gi.table[gi.table["hot_cold"].str.contains("spot")].join(table[["name", "town"]])
        spots = spots.sort_values("gi_z", ascending=False).reset_index()
        hot = int(spots["hot_cold"].str.startswith("Hot").sum())
        st.write(f"**{hot} hot** and **{len(spots) - hot} cold** spot{'s' if len(spots) != 1 else ''} among "
                 f"{gi.n} LSOAs, on each LSOA's {what}, at 90% confidence or more. Colour the map by "
                 "\"Hot and cold spots (Gi*)\" to see where they are.")
        if len(spots):
            out = spots[["hot_cold", "name", "town", "code", "value", "gi_z", "p_value"]].rename(columns={
                "hot_cold": "class", "value": gi_on, "gi_z": "Gi* z", "p_value": "p (two-sided)"})
            st.dataframe(out.round({"rate": 1, "Gi* z": 2}), hide_index=True, width="stretch")
            layout.data_download(out, "hot_and_cold_spots", key="dl_hot_spots")
    if gi.islands:
        st.caption(f"{len(gi.islands)} LSOA{'s' if len(gi.islands) != 1 else ''} with no neighbouring LSOA "
                   f"{'were' if len(gi.islands) != 1 else 'was'} left out of Gi* as "
                   f"island{'s' if len(gi.islands) != 1 else ''}: named in the method below.")
    with st.expander("How hot spots are tested"):
        st.markdown(H.method_text(what, [f"{names.get(c, c)} ({c})" for c in gi.islands]))


def concentration() -> None:
    cols = st.columns(3)
    for col, (_, a), (_, b) in zip(cols, view.concentration_lsoas.iterrows(),
                                   view.concentration_locations.iterrows()):
        col.metric(f"Records in the busiest {a['top']} of LSOAs",
                   f"{a['share_of_records']:.0%}" if pd.notna(a["share_of_records"]) else "n/a")
        col.caption(f"{a['places']} of {a['of_places']} LSOAs. The busiest {b['top']} of locations "
                    f"({b['places']:,} of {b['of_places']:,}) hold {b['share_of_records']:.0%}."
                    if pd.notna(b["share_of_records"]) else f"{a['places']} of {a['of_places']} LSOAs.")
    layout.chart(C.lorenz_figure({"LSOAs": view.lorenz_lsoas, "locations (snap points)": view.lorenz_locations}))
    st.caption("The further a line bows above the diagonal, the more crime is concentrated in few places. Every "
               "LSOA in scope counts, including any with no records; locations are snap points with a record.")
    st.markdown("**Repeat locations**: the busiest snap points with two or more records")
    rep = view.repeats.assign(town=view.repeats["lsoa_code"].map(towns), LSOA=view.repeats["lsoa_code"].map(names))
    rep = rep[["location", "town", "records", "top_category", "LSOA"]].rename(columns={"top_category": "most often"})
    st.dataframe(rep.head(10), hide_index=True, width="stretch")
    layout.data_download(rep, "repeat_locations", key="dl_hot_locations",
                         label=f"Show the busiest {len(rep):,} repeat locations")
    # The figures JSON's ``lsoas``, flattened: the download says exactly what the map and the CLI say.
    layout.data_download(pd.json_normalize(FH.lsoas(view, population)), "lsoa_measures",
                         label="Show the LSOA table behind the map", key="dl_hot_lsoas")


for tab, section in zip(st.tabs(SECTIONS, key="hot_section", on_change="rerun"),
                        (lsoa_profile, tested_hot_spots, concentration)):
    if tab.open:
        with tab:
            section()
