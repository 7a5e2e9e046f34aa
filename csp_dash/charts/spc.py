"""The control chart figure: the monthly values, the centre line, 3-sigma control limits,
optional 2-sigma warning lines, the baseline the limits come from, and every signal marked.

A month without data is a gap: no line (value, centre, limit or warning) is drawn across it,
and a stretch of such months is shaded "no data".

Each rule has its own hollow marker shape and size, drawn around the point, so a point
caught by several rules shows all of them and none is told by colour alone; every line is
named at its right-hand end and in the legend.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from csp_dash.charts import theme

# rule column -> (legend words, marker symbol, size, colour); larger shapes drawn first.
SIGNAL_MARKERS = {
    "beyond": ("Beyond a 3-sigma limit", "diamond-open", 24, "#D55E00"),
    "run": ("7 or more on one side of the centre", "square-open", 19, "#E69F00"),
    "trend": ("6 or more rising or falling", "triangle-up-open", 17, "#009E73"),
    "two_of_three": ("2 of 3 beyond 2 sigma", "star", 10, "#CC79A7"),
}
LINE_COLOUR = "#333333"


def _number(x: float, rate: bool) -> str:
    return f"{x:,.2f}" if rate and abs(x) < 100 else f"{x:,.0f}"


def control_chart_figure(chart: pd.DataFrame, y_title: str, warning_lines: bool = True,
                         rate: bool = False, chart_name: str | None = None, title: str | None = None) -> go.Figure:
    """A ``spc.control_chart`` result drawn for a projector.

    ``rate`` formats values with two decimals (u-charts and rates). ``chart_name`` ("Laney
    u\u2032-chart") names the limits in the legend ("Laney u\u2032-chart limits (3 sigma)"); by
    default the name ``control_chart`` keeps in ``chart.attrs``. ``title`` is an optional title."""
    x = chart.index
    name = chart_name if chart_name is not None else chart.attrs.get("chart_name")
    limits_words = f"{name} limits (3 sigma)" if name else "Control limits (3 sigma)"
    held = chart["value"].notna()

    def line(col: str) -> pd.Series:
        """A line's values, broken in the months without data."""
        return chart[col].where(held)
    fig = go.Figure()
    hover_fmt = ",.2f" if rate else ",.0f"
    fig.add_trace(go.Scatter(
        x=x, y=chart["value"], name="Monthly value", mode="lines+markers", connectgaps=False,
        line=dict(color=theme.PALETTE[0], width=theme.LINE_WIDTH), marker=dict(size=7, color=theme.PALETTE[0]),
        hovertemplate=f"%{{x|%b %Y}}: %{{y:{hover_fmt}}}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=line("centre"), name="Centre line (mean)", mode="lines", connectgaps=False,
                             line=dict(color=LINE_COLOUR, width=2.5), hoverinfo="skip"))
    for col, first in (("ucl", True), ("lcl", False)):
        fig.add_trace(go.Scatter(x=x, y=line(col), name=limits_words, mode="lines", connectgaps=False,
                                 line=dict(color=LINE_COLOUR, width=2.5, dash="dash", shape="hvh"),
                                 legendgroup="limits", showlegend=first, hoverinfo="skip"))
    if warning_lines:
        for col, first in (("uwl", True), ("lwl", False)):
            fig.add_trace(go.Scatter(x=x, y=line(col), name="Warning lines (2 sigma)", mode="lines",
                                     connectgaps=False,
                                     line=dict(color=theme.MUTED, width=1.8, dash="dot", shape="hvh"),
                                     legendgroup="warning", showlegend=first, hoverinfo="skip"))
    for rule, (words, symbol, size, colour) in SIGNAL_MARKERS.items():
        flagged = chart[chart[rule]]
        if flagged.empty:
            continue
        fig.add_trace(go.Scatter(
            x=flagged.index, y=flagged["value"], name=words, mode="markers",
            marker=dict(symbol=symbol, size=size, color=colour, line=dict(width=3, color=colour)),
            hovertemplate=f"%{{x|%b %Y}}: %{{y:{hover_fmt}}} - {words}<extra></extra>"))

    # Name each line at its right-hand end: a projector audience can't hover.
    last = chart.iloc[-1]
    labels = [("centre", f"Centre {_number(last['centre'], rate)}"),
              ("ucl", f"Upper limit {_number(last['ucl'], rate)}"),
              ("lcl", f"Lower limit {_number(last['lcl'], rate)}")]
    for col, text in labels:
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=last[col], yref="y", text=text, showarrow=False,
                           font=dict(size=theme.FONT_SIZE - 3, color=LINE_COLOUR))

    base = chart.index[chart["in_baseline"].to_numpy()]
    if len(base) and len(base) < len(chart):
        fig.add_vrect(x0=base[0] - pd.Timedelta(days=14), x1=base[-1] + pd.Timedelta(days=14),
                      fillcolor="#888888", opacity=0.12, line_width=0, annotation_text="limits from here",
                      annotation_position="top left",
                      annotation_font=dict(size=theme.FONT_SIZE - 3, color=theme.TEXT))

    # Shade each stretch of months without data, so a gap reads as a gap and not a quiet spell.
    for run in _gaps(chart.index, held.to_numpy()):
        words = dict(annotation_text="no data", annotation_position="bottom left",
                     annotation_font=dict(size=theme.FONT_SIZE - 3, color=theme.TEXT)) if len(run) >= 3 else {}
        fig.add_vrect(x0=run[0] - pd.Timedelta(days=14), x1=run[-1] + pd.Timedelta(days=14),
                      fillcolor="#DDDDDD", opacity=0.35, line=dict(width=1, dash="dot", color=theme.MUTED), **words)

    theme.apply(fig)
    fig.update_layout(height=500, legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0),
                      margin=dict(l=10, r=165, t=70 if title else 30, b=10), hovermode="closest",
                      yaxis=dict(title=dict(text=y_title), rangemode="normal"), xaxis=dict(tickformat="%b %Y"))
    if title:
        fig.update_layout(title=dict(text=title))
    return fig


def _gaps(index: pd.Index, held) -> list[pd.Index]:
    """Stretches of consecutive months without data, as index slices."""
    out, start = [], None
    for i, h in enumerate(list(held) + [True]):
        if not h and start is None:
            start = i
        elif h and start is not None:
            out.append(index[start:i])
            start = None
    return out
