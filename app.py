"""The dashboard's entry point: the page list, the shared sidebar filters, the demo banner.

Run with ``streamlit run app.py``. Every page is a file in pages/; it reads the shared
filters from ``st.session_state["filters"]`` and the store from ``st.session_state["store"]``.
"""

from __future__ import annotations

import streamlit as st

from csp_dash.analysis import coverage
from csp_dash.errors import CspError
from csp_dash.ui import data, layout, presentation, sidebar

st.set_page_config(page_title="Community safety dashboard", page_icon=":material/shield:", layout="wide")

PAGES = {
    "Executive": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview"),
        st.Page("pages/assessment.py", title="Strategic assessment", icon=":material/grid_view:", url_path="assessment"),
        st.Page("pages/priorities.py", title="Priorities", icon=":material/flag:", url_path="priorities"),
        st.Page("pages/survey.py", title="Community survey", icon=":material/forum:", url_path="survey"),
    ],
    "Analysis": [
        st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
        st.Page("pages/seasonal.py", title="Seasonal patterns", icon=":material/calendar_month:", url_path="seasonal"),
    ],
    "Places": [
        st.Page("pages/hotspots.py", title="Hotspot map", icon=":material/map:", url_path="hotspots"),
        st.Page("pages/deprivation.py", title="Deprivation", icon=":material/holiday_village:", url_path="deprivation"),
    ],
    "About the data": [
        st.Page("pages/data.py", title="Data", icon=":material/database:", url_path="data"),
    ],
}


def _ensure_store(cfg):
    """The store to show; on a fresh machine, build the demo store first, showing progress."""
    store = data.current_store(cfg)
    if store.exists():
        return store
    from csp_dash.demo import DEFAULT_SEED, build_demo

    with data.build_lock():
        if not store.exists():  # another session may have built it while we waited
            with st.status("First run: building the synthetic demo data (about 10 seconds)…",
                           expanded=True) as status:
                build_demo(cfg, store, raw_dir=data.demo_raw_dir(cfg, store), seed=DEFAULT_SEED,
                           progress=status.write)
                status.update(label="Demo data ready", state="complete", expanded=False)
    st.rerun()


def _coverage_notes(filters, held) -> None:
    """Say on every page which of the chosen months the store holds: a gap in the sidebar, and in
    a box when the months chosen hold no data at all (every figure would then be empty)."""
    cover = coverage.coverage(held, filters.start, filters.end)
    if not len(cover.held):
        st.warning(f"The months chosen, {filters.period_label}, hold no police.uk data in this store: it holds "
                   f"{'; '.join(coverage.month_ranges(list(held)))}. Choose months within those in the sidebar.",
                   icon=":material/event_busy:")
    elif not cover.complete:
        st.sidebar.caption(f"Months chosen: {cover.describe()}. Months without data are gaps in every chart and "
                           "are never counted as zero.")


def main() -> None:
    # Navigation first: it also takes Streamlit out of its legacy pages/ mode, which would
    # otherwise list app.py itself as a page while the first run builds the demo.
    page = st.navigation(PAGES)
    try:  # a csp.toml the loader refuses, or a store folder that cannot be written: said plainly
        cfg = data.config()
        store = _ensure_store(cfg)
    except CspError as error:
        layout.error_box(error)
        st.stop()
    manifest = data.manifest(store)
    st.session_state["store"] = store
    st.session_state["config"] = cfg

    if manifest.get("demo"):
        layout.demo_banner()

    months, categories = data.crime_months_and_categories(store)
    if store.has("lsoas"):
        area = data.area_table(store, cfg)
        st.session_state["filters"] = sidebar.shared_filters(cfg.area.name, area, months, categories)
    held = data.held_months(store)
    if "filters" in st.session_state and len(held):
        _coverage_notes(st.session_state["filters"], held)
    st.sidebar.caption(f"{cfg.area.partnership} · {cfg.area.name} ({cfg.area.code}) · data updated "
                       f"{str(manifest.get('updated') or 'never')[:10]}")
    if presentation.active():  # ?present=1 or the Overview's toggle: no sidebar, large type, slides
        presentation.present(page, [p for group in PAGES.values() for p in group])
    try:
        page.run()
    except CspError as error:
        layout.error_box(error)


main()
