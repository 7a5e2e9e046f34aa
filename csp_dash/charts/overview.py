"""The board pack's key charts: each crime tile's monthly counts with the control limits its
signal comes from, sized for a landscape A4 page.

Built from the tiles of ``analysis.overview`` so that a chart and the tile beside it can never
disagree. Pure: tiles in, plotly figures out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from csp_dash.analysis.disclosure import SECONDARY_LABEL
from csp_dash.analysis.overview import Tile
from csp_dash.charts import theme
from csp_dash.charts.spc import control_chart_figure

# Pixels of the rendered image: wide and short enough to sit under a title and a caption on
# a landscape A4 page, with type that stays readable once shrunk to the page.
WIDTH, HEIGHT = 1250, 580


@dataclass(frozen=True)
class KeyChart:
    """A chart for the board pack: its title, the sentence under it, and the figure."""

    title: str
    caption: str
    figure: go.Figure


def key_chart(tile: Tile, scope_label: str) -> KeyChart | None:
    """A crime tile's monthly counts with control limits (or, with too few months for limits,
    the counts alone); None for a tile with no monthly series."""
    if tile.monthly is None or tile.monthly.notna().sum() == 0:
        return None
    title = f"{tile.title}: records a month, {scope_label}"
    if tile.chart is not None:
        fig = control_chart_figure(tile.chart, y_title="Records a month", warning_lines=False)
        first, last = (pd.Timestamp(f"{m}-01") for m in tile.control["baseline"])
        caption = (f"{tile.control['reason']} Limits from {first:%b %Y} to {last:%b %Y} (shaded). "
                   f"{tile.verdict}")
    else:
        # Months the store does not hold stay NaN: the line breaks there instead of dropping to zero.
        fig = go.Figure(go.Scatter(x=tile.monthly.index, y=tile.monthly, mode="lines+markers", name=tile.title,
                                   connectgaps=False,
                                   line=dict(color=theme.PALETTE[0], width=theme.LINE_WIDTH)))
        theme.apply(fig)
        fig.update_layout(showlegend=False, yaxis=dict(title=dict(text="Records a month")),
                          xaxis=dict(tickformat="%b %Y"))
        caption = f"No control limits: {tile.signal.removeprefix('not charted: ')} Latest 12 months: {tile.value}."
    fig.update_layout(width=WIDTH, height=HEIGHT, margin=dict(l=10, r=175, t=20, b=10))
    return KeyChart(title, caption, fig)


def key_charts(tiles: list[Tile], scope_label: str) -> list[KeyChart]:
    """The key charts of every crime tile, in the tiles' order."""
    charts = [key_chart(t, scope_label) for t in tiles]
    return [c for c in charts if c is not None]


# -- the tiles on screen --------------------------------------------------------------------------

# Cards in a grid. Sizes are in rem, so presentation mode's larger root size scales them, and
# the value's size also follows the viewport's height so that two rows of tiles fit a
# 720-pixel projector. Black text on white with a dark border: readable in any light, and no
# colour carries meaning (the arrows and the words do).
TILES_CSS = """
<style>
.ov-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.7rem; }
.ov-tiles.ov-slide { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.6rem; }
.ov-tile { border: 2px solid #3b4550; border-radius: 0.5rem; padding: 0.45rem 0.7rem 0.5rem; background: #ffffff;
  color: #111111; line-height: 1.22; }
.ov-tile.ov-absent { border-style: dashed; }
.ov-title { font-weight: 700; font-size: 1rem; }
.ov-value { font-weight: 700; font-size: clamp(1.6rem, 5vh, 2.5rem); line-height: 1.12; }
.ov-absent .ov-value { font-size: 1.2rem; padding: 0.3rem 0; }
.ov-period, .ov-signal { font-size: 0.8rem; color: #222222; }
.ov-change { font-size: 0.92rem; margin-top: 0.25rem; }
.ov-change.ov-significant { font-weight: 700; }
.ov-arrow { font-size: 1.1rem; }
.ov-signal { margin-top: 0.2rem; }
.ov-signal.ov-flag { font-weight: 700; color: #000000; }
.ov-side { font-size: 0.9rem; line-height: 1.25; color: #111111; }
.ov-slide-side .ov-side { font-size: 0.82rem; }
.ov-side h4 { font-size: 1rem; font-weight: 700; margin: 0 0 0.3rem 0; padding: 0; }
.ov-side p { margin: 0 0 0.35rem 0; }
.ov-side ul { margin: 0 0 0.4rem 0; padding-left: 1.1rem; }
.ov-side li { margin-bottom: 0.25rem; }
</style>
"""


def _tile_html(t: Tile) -> str:
    e = html.escape
    arrow = f'<span class="ov-arrow" aria-hidden="true">{t.arrow}</span> ' if t.arrow else ""
    # The tile names what the change is against without the dates; the table gives them.
    against = t.against.split(" (")[0].replace("the 12 months before", "the 12 before")
    against = f", against {e(against)}" if against else ""
    significant = " ov-significant" if t.significant else ""
    flag = " ov-flag" if t.has_signal else ""
    # The year's change and the latest months' signal are different questions; saying which is which
    # keeps "down 1%, within normal variation" from reading as contradicted by a recent signal.
    signal = (f"⚑ Latest 3 months: {t.signal.removeprefix('signal: ')}" if t.has_signal
              else f"Latest 3 months: {t.signal}" if t.signal == "no signal" else t.signal)
    # A withheld total says so in words on a projector; the table and downloads keep the code.
    value, period = t.value, t.period
    if value == SECONDARY_LABEL:
        value, period = "Withheld", f"{t.period}: it would give back small counts hidden to protect victims"
    return (f'<div class="ov-tile{"" if t.available else " ov-absent"}" role="group" aria-label="{e(t.title)}">'
            f'<div class="ov-title">{e(t.title)}</div>'
            f'<div class="ov-value">{e(value)}</div>'
            f'<div class="ov-period">{e(period)}{against}</div>'
            f'<div class="ov-change{significant}">{arrow}{e(t.change)}</div>'
            f'<div class="ov-signal{flag}">{e(signal)}</div></div>')


def tiles_html(tiles: list[Tile], slide: bool = False) -> str:
    """The tiles as one block of HTML cards (with their CSS), for ``st.markdown``; ``slide``
    lays them out four to a row for presentation mode."""
    return (TILES_CSS + f'<div class="ov-tiles{" ov-slide" if slide else ""}">'
            + "".join(_tile_html(t) for t in tiles) + "</div>")


def rag_html(summary_rows: list[dict], rag_words) -> str:
    """The priorities' status lines: each priority's name, then its counts by status."""
    e = html.escape
    lines = "".join(f"<p><b>{e(r['priority'])}</b>: {e(rag_words(r))}</p>" for r in summary_rows)
    return f'<div class="ov-side"><h4>Priorities: indicator status</h4>{lines or "<p>No priorities loaded.</p>"}</div>'


def sentences_html(sentences: list[str]) -> str:
    """The generated sentences as a list under their heading."""
    said = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f'<div class="ov-side"><h4>What changed, and what is unusual</h4><ul>{said}</ul></div>'
