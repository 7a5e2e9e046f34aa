"""Data: what the store holds, how complete it is, what could not be used, and where it came from."""

import pandas as pd
import streamlit as st

from csp_dash.analysis import coverage
from csp_dash.charts.coverage import coverage_heatmap
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, _filters = context()
manifest = data.manifest(store)

layout.page_header("Data", "What the dashboard's store holds, for the whole store: the sidebar filters do not "
                           "apply on this page.")

crimes = data.require(store, "crimes", columns=["month", "category", "placement", "force"])
unlocated = data.table(store, "unlocated", columns=["month", "force"])
aggregate = data.table(store, "crime_aggregate")
rejects = data.rejects(store)
total_rejected = sum(len(df) for df in rejects.values())

c1, c2, c3, c4 = st.columns(4)
c1.metric("Records in the area", f"{len(crimes):,}")
c2.metric("Months covered", f"{crimes['month'].nunique()}",
          help=f"{crimes['month'].min():%b %Y} to {crimes['month'].max():%b %Y}")
c3.metric("Unplaceable records", f"{0 if unlocated is None else len(unlocated):,}",
          help="Records of the force(s) with neither coordinates nor an LSOA: they may or may not be in the area.")
c4.metric("Rejected rows", f"{total_rejected:,}", help="Rows that failed a check; listed below with the reason.")
if not presentation.presenting():  # a slide keeps its height for the coverage chart
    st.caption(f"Store: `{layout.shown_path(store.path)}` · last updated {manifest.get('updated')} · "
               f"{'synthetic demo data' if manifest.get('demo') else 'real data'}")

st.subheader("Coverage by month and category")
matrix = data.memo(store, "coverage_matrix", lambda: coverage.coverage_matrix(crimes))
gaps = data.memo(store, "missing_months", lambda: coverage.missing_months(crimes))
presentation.chart(coverage_heatmap(matrix), margin_t=12)  # on a slide, no room wasted above the cells
st.caption(("Months with no records at all: " + "; ".join(coverage.month_ranges(gaps)) + ". ") if gaps
           else "Every month from the first to the last has records. ")
presentation.slide_end()  # the slide: what the store holds and its coverage
placed = data.memo(store, "placement_counts", lambda: crimes["placement"].value_counts())
st.caption(f"Records are placed on the {manifest.get('config', {}).get('lsoa_vintage', '')} LSOA geography by "
           f"their coordinates ({placed.get('point', 0):,}) or, without coordinates, by the LSOA police.uk "
           f"reported ({placed.get('reported_lsoa', 0):,}).")
table = matrix.copy()
table.columns = [f"{m:%Y-%m}" for m in table.columns]
layout.data_download(table.reset_index(), "coverage_by_month_category")

st.subheader("Unplaceable records")
if unlocated is None or unlocated.empty or aggregate is None:
    st.write("Every record read had coordinates or an LSOA.")
else:
    share = data.memo(store, "unlocated_share", lambda: coverage.unlocated_share(unlocated, aggregate))
    share = share[share["unlocated"] > 0]
    st.write(f"{len(unlocated):,} records had neither coordinates nor an LSOA, so nobody can tell whether "
             f"they happened in the area. They are counted here per force and month, as a share of all of "
             f"that force's records, so a page can say how much its figures might be missing.")
    shown = share.assign(month=share["month"].dt.strftime("%Y-%m"), share=(share["share"] * 100).round(1))
    shown = shown.rename(columns={"records": "force records", "share": "unlocated %"})
    st.dataframe(shown, hide_index=True, width="stretch")

st.subheader("Rejected rows")
if total_rejected == 0:
    st.write("No row has been rejected.")
else:
    st.dataframe(coverage.rejects_by_reason(rejects), hide_index=True, width="stretch")
    for name, df in rejects.items():
        if len(df):
            layout.data_download(df, f"rejects_{name}", label=f"Rejected rows of {name} ({len(df):,})",
                                 key=f"rej_{name}")
    st.caption(f"The same rows, with the file, line, column and reason, are in "
               f"`{layout.shown_path(store.path)}/rejects`.")

st.subheader("What the store holds")
tables = pd.DataFrame(
    [{"table": name, "rows": info["rows"], "columns": ", ".join(info["columns"])}
     for name, info in manifest.get("tables", {}).items()])
st.dataframe(tables, hide_index=True, width="stretch")

st.subheader("Sources")
sources = pd.DataFrame(manifest.get("sources", []))
if not sources.empty:
    sources["current"] = sources.get("superseded_by", pd.Series(index=sources.index)).isna()
    shown = sources.assign(file=sources["path"].map(lambda p: p.split("/")[-1]),
                           sha256=sources["sha256"].str.slice(0, 12))
    cols = ["kind", "file", "rows_read", "rows_accepted", "rows_rejected", "ingested_at", "sha256", "current"]
    st.dataframe(shown[cols], hide_index=True, width="stretch")
    st.caption("A source stops being current when a re-issued month replaces every month it provided.")

st.subheader("Licences and attribution")
st.markdown(
    """
- **Crime and anti-social behaviour**: police.uk street-level data ([data.police.uk](https://data.police.uk/)).
  Contains public sector information licensed under the
  [Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
  Locations are anonymised snap points ("On or near ..."), not exact addresses.
- **LSOA boundaries and population estimates**: Office for National Statistics. Source: Office for National
  Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database
  right.
- **English Indices of Deprivation 2019**: Ministry of Housing, Communities and Local Government (MHCLG).
  Contains public sector information licensed under the Open Government Licence v3.0.
- **Community survey, outcome indicators and the action plan**: the partnership's own data; not published under
  the Open Government Licence.
"""
)
