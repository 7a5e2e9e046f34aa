"""One look for every chart: projector-sized type, thick lines, colour-blind-safe colours.

The palette is Okabe and Ito's (2008), distinguishable under the common colour-vision
deficiencies. Charts never rely on colour alone: series are also labelled directly or
differ in line dash and marker, and statuses carry a word and a symbol.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe-Ito, ordered so that the first few series contrast most on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#555555", "#F0E442"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon"]

TEXT = "#111111"
MUTED = "#555555"
GRID = "#D9DDE3"
FONT_FAMILY = "Source Sans Pro, Arial, sans-serif"
FONT_SIZE = 18
TITLE_SIZE = 22
LINE_WIDTH = 3

# Sequential scale for counts (light to dark blue), readable in greyscale.
SEQUENTIAL = ["#F7FBFF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"]

TEMPLATE_NAME = "csp"


def _template() -> go.layout.Template:
    t = go.layout.Template()
    t.layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT),
        title=dict(font=dict(size=TITLE_SIZE, color=TEXT), x=0, xanchor="left"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(gridcolor=GRID, linecolor=MUTED, ticks="outside", tickfont=dict(size=FONT_SIZE - 2), automargin=True,
                   title=dict(font=dict(size=FONT_SIZE))),
        yaxis=dict(gridcolor=GRID, linecolor=MUTED, ticks="outside", tickfont=dict(size=FONT_SIZE - 2), automargin=True,
                   title=dict(font=dict(size=FONT_SIZE)), rangemode="tozero"),
        legend=dict(font=dict(size=FONT_SIZE - 2)),
        hoverlabel=dict(font=dict(size=FONT_SIZE - 2)),
        margin=dict(l=10, r=10, t=50, b=10),
    )
    t.data.scatter = [go.Scatter(line=dict(width=LINE_WIDTH), marker=dict(size=8))]
    return t


pio.templates[TEMPLATE_NAME] = _template()


def apply(fig: go.Figure) -> go.Figure:
    """Give a figure the shared template."""
    fig.update_layout(template=TEMPLATE_NAME)
    return fig
