"""Overview: the headline tiles, the priorities' red/amber/green summary, what changed, and the
board pack. In presentation mode it is the first slide and must fit one screen."""

import pandas as pd
import streamlit as st

from csp_dash.analysis import overview as OV
from csp_dash.analysis.disclosure import disclosure_note
from csp_dash.figures import overview as FO
from csp_dash.charts.overview import key_charts, rag_html, sentences_html, tiles_html
from csp_dash.report.render import NEEDS_CHROMIUM
from csp_dash.ui import data, layout, presentation
from csp_dash.ui.page import context

store, config, filters = context()
presenting = presentation.presenting()
threshold, label = config.disclosure.threshold, config.suppressed_label
layout.page_header("Overview", None if presenting else
                   f"{filters.describe()} · each tile: the latest 12 months in the chosen range against the 12 "
                   f"before (months held in both years), tested, and any control-chart signal in the latest 3 months.")

crimes = data.table(store, "crimes", columns=["month", "category", "lsoa_code"])
indicators = data.table(store, "indicators")
actions = data.table(store, "actions")
responses = data.table(store, "survey_responses", columns=["response_id", "wave", "area", "age_band", "gender",
                                                             *OV.V.STATEMENTS])
answers = data.table(store, "survey_answers")
all_months, _ = data.crime_months_and_categories(store)
key = f"{filters!r}|{threshold}|{label}"


tiles = data.memo(store, f"overview:tiles:{key}", lambda: FO.tiles(
    crimes, data.held_months(store), filters, indicators, responses, answers, config.area.name,
    config.survey.min_group_n, threshold, label))
priorities = data.memo(store, f"overview:priorities:{key}:{config.priorities!r}", lambda: OV.priorities(
    indicators, actions, crimes, config.priorities, filters, threshold, label))
summary = data.memo(store, f"overview:rag:{key}:{config.priorities!r}", lambda: OV.rag_summary(priorities))
said = OV.sentences(tiles, priorities)

rag_block, said_block = rag_html(summary.to_dict("records"), OV.rag_words), sentences_html(said)
if presenting:
    left, right = st.columns([2, 1], gap="small")
    left.markdown(tiles_html(tiles, slide=True), unsafe_allow_html=True)
    right.markdown(f'<div class="ov-slide-side">{rag_block}{said_block}</div>', unsafe_allow_html=True)
    st.stop()

controls = st.columns([1.3, 1.5, 2], vertical_alignment="center")
with controls[0]:
    presentation.toggle()
st.markdown(tiles_html(tiles), unsafe_allow_html=True)
left, right = st.columns(2, gap="large")
left.markdown(rag_block, unsafe_allow_html=True)
right.markdown(said_block, unsafe_allow_html=True)
vintage = OV.data_vintage(
    all_months, data.manifest(store).get("updated"),
    indicators_to=indicators["period_end"].max() if indicators is not None and len(indicators) else None,
    survey_wave=str(responses["wave"].max()) if responses is not None and len(responses) else None)
demo = bool(data.manifest(store).get("demo"))


def _pack_pdf() -> bytes:
    from csp_dash.report.board_pack import BoardPack, build_pdf

    pack = BoardPack(
        partnership=config.area.partnership, strategy=config.strategy.title, area_name=config.area.name,
        filters_text=OV.filters_in_words(filters), generated=pd.Timestamp.now().floor("min"), vintage=vintage,
        demo=demo, tiles=tiles, sentences=said, priorities=priorities, charts=key_charts(tiles, filters.scope_label),
        disclosure_note=disclosure_note(threshold, label), notes=list(priorities.notes))
    return build_pdf(pack)


# Only when Chromium is missing does the page say so (it draws the pack's charts).
no_chromium = f" {NEEDS_CHROMIUM}" if data.chromium_missing() else ""
with controls[1]:
    # One click: the PDF is made when the button is pressed (drawing the charts starts a
    # browser, which takes seconds), on a thread of its own, and then downloaded.
    st.download_button("Board pack (PDF)", _pack_pdf, file_name=f"board-pack-{pd.Timestamp.now():%Y-%m-%d}.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore", key="ov_pack",
                       help="Makes and downloads a PDF of the overview, the priorities and the key charts at these "
                            "filters, with the date, the data vintage and whether the data is real or the demo's. "
                            "Drawing the charts takes a few seconds." + no_chromium)
with controls[2]:
    st.caption("The board pack: the overview, the priorities and the key charts at these filters, as a PDF."
               + no_chromium)

with st.expander("How these figures are worked out"):
    st.markdown(
        f"""
- **Latest figure**: the latest 12 months in the chosen months (the tile names them). The sidebar's area and months
  apply; its categories do not, since each tile is its own group of police.uk categories.
- **Change**: those 12 months against the 12 before, month by month, comparing only months the store holds in
  both years (a month with no data is never counted as zero, and too few held months withhold the change). The
  test is the exact Poisson test when the monthly counts vary as Poisson counts do, and a quasi-Poisson test when
  they vary more (a dispersion test decides, and the tile's table names the test). "Unlikely to be chance" means
  p < 0.05.
- **Signal**: the series' control chart, its limits set from the latest run of at least 12 consecutive held
  months before the latest 12 (never across a gap): a Laney chart when those months vary more than Poisson counts,
  else a c-chart. Any signal (beyond a 3-sigma limit, 7 in a row on one side, 6 rising or falling, 2 of 3 beyond
  2 sigma) touching the latest 3 months is named. The Trends page draws the same chart.
- **Domestic abuse, exploitation**: count indicators from the indicators file (by name), added up over their
  latest 12 months of figures. {disclosure_note(threshold, label)}
- **Feel safe**: the latest survey wave's share agreeing that {config.area.name} is a safe place to live, with its
  Wilson 95% interval, against the previous wave (two-proportion test).
- Full method: docs/methods.md, "Overview and board pack". Data: {vintage}.
"""
    )
layout.data_download(OV.tiles_table(tiles), "overview-tiles", label="Show the tiles as a table")
