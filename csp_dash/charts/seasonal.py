"""Figures of the Seasonal patterns page: the year-by-month heatmap, the month-of-year
profile, the STL panels and expected against actual, with the configured events drawn on.

Nothing is told by colour alone: heatmap cells print their counts, lines differ by dash and
marker and are named in the legend, months outside the prediction interval carry an
up or down triangle and the word "above" or "below", and event bands carry their names
(recurring ones on hover and in the captions, as they come every year).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from csp_dash.analysis.events import Occurrence
from csp_dash.analysis.seasonality import MONTH_NAMES, Decomposition, Expected
from csp_dash.charts import theme

LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None)
ONE_OFF_FILL = theme.PALETTE[1]  # orange
RECURRING_FILL = "#9AA0A6"  # grey: they come every year, so they must not shout
MID_MONTH = pd.Timedelta(days=14)  # monthly points sit mid-month, so day-dated events line up


def _mid(months) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(months) + MID_MONTH


def heatmap(table: pd.DataFrame, outlined: dict[tuple[int, int], str] | None = None) -> go.Figure:
    """Counts by year (rows) and calendar month (columns), each cell printing its count.

    ``outlined`` maps (year, month number) to an event name: those cells get a dashed
    black outline.
    """
    years = [str(y) for y in table.index]
    fig = go.Figure(go.Heatmap(
        z=table.to_numpy(), x=MONTH_NAMES, y=years, texttemplate="%{z:,.0f}",
        textfont=dict(size=theme.FONT_SIZE - 2),
        colorscale=[[0, theme.SEQUENTIAL[0]], [0.5, theme.SEQUENTIAL[2]], [1, theme.SEQUENTIAL[4]]],
        colorbar=dict(title=dict(text="records"), thickness=14),
        hovertemplate="%{x} %{y}: %{z:,.0f} records<extra></extra>", xgap=2, ygap=2, hoverongaps=False))
    fig.update_layout(shapes=[
        dict(type="rect", x0=month - 1.5, x1=month - 0.5, y0=years.index(str(year)) - 0.5,
             y1=years.index(str(year)) + 0.5, line=dict(color=theme.TEXT, width=3, dash="dash"))
        for (year, month) in (outlined or {}) if str(year) in years])
    theme.apply(fig)
    fig.update_layout(height=max(300, 52 * len(years) + 110),
                      xaxis=dict(showgrid=False, side="top", ticks=""),
                      yaxis=dict(autorange="reversed", showgrid=False, rangemode="normal", type="category",
                                 ticks=""))
    return fig


def profile(index: pd.DataFrame, ratios: pd.DataFrame, recurring: list[Occurrence]) -> go.Figure:
    """The seasonal index by calendar month (line) and each year's ratio (open circles); 100 is
    an average month. Recurring events shade the months that stand for them, named at the top."""
    fig = go.Figure()
    shapes, notes = [], []
    for name, months in _recurring_months(recurring).items():
        shapes += [dict(type="rect", x0=m - 1.5, x1=m - 0.5, yref="paper", y0=0, y1=1, fillcolor=RECURRING_FILL,
                        opacity=0.22, line_width=0, layer="below") for m in months]
        right = max(months) == 12
        notes.append(dict(x=(max(months) - 0.5) if right else (min(months) - 1.5), y=1, yref="paper",
                          xanchor="right" if right else "left", yanchor="bottom", text=name, showarrow=False,
                          font=dict(size=theme.FONT_SIZE - 4, color=theme.TEXT)))
    shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=100, y1=100,
                       line=dict(color=theme.TEXT, width=1.5, dash="dot")))
    notes.append(dict(xref="paper", x=1, y=100, xanchor="right", yanchor="top", text="average month = 100",
                      showarrow=False, font=dict(size=theme.FONT_SIZE - 4, color=theme.TEXT),
                      bgcolor="rgba(255,255,255,0.8)"))
    fig.update_layout(shapes=shapes, annotations=notes)
    x = [MONTH_NAMES[m - 1] for m in ratios["month_of_year"]]
    fig.add_trace(go.Scatter(
        x=[i - 1 for i in ratios["month_of_year"]], y=ratios["ratio"] * 100, mode="markers", name="each year",
        marker=dict(symbol="circle-open", size=10, color=theme.MUTED, line=dict(width=2)),
        customdata=ratios[["year"]].to_numpy(), text=x,
        hovertemplate="%{text} %{customdata[0]}: %{y:.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=list(range(12)), y=index["index"] * 100, mode="lines+markers", name="seasonal index (mean of the years)",
        line=dict(color=theme.PALETTE[0], width=theme.LINE_WIDTH + 1), marker=dict(symbol="diamond", size=13),
        customdata=index[["low", "high", "years"]].to_numpy() * [100, 100, 1], hovertext=MONTH_NAMES,
        hovertemplate="%{hovertext}: %{y:.0f} (years range %{customdata[0]:.0f} to %{customdata[1]:.0f}, "
                      "%{customdata[2]} years)<extra></extra>"))
    theme.apply(fig)
    fig.update_layout(height=480, legend=LEGEND_TOP, margin=dict(t=90),
                      xaxis=dict(tickmode="array", tickvals=list(range(12)), ticktext=MONTH_NAMES, showgrid=False,
                                 range=[-0.6, 11.6], zeroline=False),
                      yaxis=dict(title=dict(text="seasonal index (100 = average month)"), rangemode="normal"))
    return fig


def _recurring_months(recurring: list[Occurrence]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for occ in recurring:
        out.setdefault(occ.name, sorted({m.month for m in occ.months}))
    return out


def _event_bands(fig: go.Figure, occurrences: list[Occurrence], first: pd.Timestamp, last: pd.Timestamp,
                 hover_y: float, panels: bool = False) -> None:
    """Shade each event's dates over the whole plot (every panel when ``panels``); one-off
    events are named at the top, recurring ones on hover.

    Shapes are set in one go: plotly's add_vrect re-validates every shape on each call, which
    took seconds on a four-panel figure.
    """
    lo, hi = first, last + pd.offsets.MonthEnd(0)
    shapes, notes, hover_x, hover_text = list(fig.layout.shapes), list(fig.layout.annotations), [], []
    for occ in occurrences:
        x0, x1 = max(occ.start, lo), min(occ.end + pd.Timedelta(days=1), hi)
        if x0 >= x1:
            continue
        fill, opacity = (RECURRING_FILL, 0.22) if occ.recurring else (ONE_OFF_FILL, 0.3)
        shapes.append(dict(type="rect", xref="x", x0=x0, x1=x1, yref="paper" if panels else "y domain", y0=0, y1=1,
                           fillcolor=fill, opacity=opacity, line_width=0, layer="below"))
        if not occ.recurring:
            notes.append(dict(x=x0, xref="x", y=1, yref="y domain", xanchor="left", yanchor="top", text=occ.name,
                              showarrow=False, font=dict(size=theme.FONT_SIZE - 4, color=theme.TEXT),
                              bgcolor="rgba(255,255,255,0.8)"))
        hover_x.append(x0 + (x1 - x0) / 2)
        hover_text.append(f"{occ.name}: {occ.dates}")
    fig.update_layout(shapes=shapes, annotations=notes)
    if hover_x:
        # Shapes cannot be hovered: an invisible marker in each band names it (placed among
        # the data, so it does not stretch the axis).
        fig.add_trace(go.Scatter(x=hover_x, y=[hover_y] * len(hover_x), mode="markers", marker=dict(size=14, opacity=0),
                                 text=hover_text, hovertemplate="%{text}<extra></extra>", showlegend=False,
                                 name="events", xaxis="x", yaxis="y"))


def decomposition(d: Decomposition, occurrences: list[Occurrence]) -> go.Figure:
    """Observed, trend, seasonal and remainder, one panel each on a shared month axis."""
    c = d.components
    titles = ["Observed: records a month", "Trend", "Seasonal (added to the trend)", "Remainder"]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, subplot_titles=titles, vertical_spacing=0.07,
                        row_heights=[0.34, 0.22, 0.22, 0.22])
    x = _mid(c["month"])
    styles = [("observed", theme.PALETTE[0], "solid"), ("trend", theme.PALETTE[2], "dash"),
              ("seasonal", theme.PALETTE[1], "solid"), ("remainder", theme.PALETTE[3], "dot")]
    for i, (col, colour, dash) in enumerate(styles, start=1):
        fig.add_trace(go.Scatter(x=x, y=c[col], mode="lines+markers" if col != "trend" else "lines", name=col,
                                 line=dict(color=colour, dash=dash, width=theme.LINE_WIDTH),
                                 marker=dict(size=6, symbol=theme.MARKERS[i - 1]), showlegend=False,
                                 hovertemplate=f"{col} %{{x|%b %Y}}: %{{y:,.1f}}<extra></extra>"), row=i, col=1)
        if col in ("seasonal", "remainder"):
            fig.layout.shapes += (dict(type="line", xref=f"x{i} domain", x0=0, x1=1, yref=f"y{i}", y0=0, y1=0,
                                       line=dict(color=theme.MUTED, width=1)),)
    _event_bands(fig, occurrences, c["month"].iloc[0], c["month"].iloc[-1], float(c["observed"].median()),
                 panels=True)
    theme.apply(fig)
    fig.update_annotations(font=dict(size=theme.FONT_SIZE - 2))
    fig.update_yaxes(rangemode="normal", nticks=5)
    fig.update_xaxes(tickformat="%Y", dtick="M12", ticklabelmode="period")
    fig.update_layout(height=820, margin=dict(t=60), hovermode="closest")
    return fig


def expected_actual(e: Expected, occurrences: list[Occurrence]) -> go.Figure:
    """The latest months: what was recorded, what the seasonal model expected, and its 95%
    prediction interval; the months before, which the model was fitted on, in grey."""
    t = e.table
    before = e.fitted
    x = _mid(t["month"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=_mid(before.index), y=before.to_numpy(), mode="lines", name="recorded, months fitted on",
                             line=dict(color=theme.MUTED, width=theme.LINE_WIDTH - 1),
                             hovertemplate="%{x|%b %Y}: %{y:,.0f} recorded<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=t["upper"], mode="lines", line=dict(width=0), showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=t["lower"], mode="lines", line=dict(width=0), fill="tonexty",
                             fillcolor="rgba(86,180,233,0.30)", name="95% prediction interval",
                             customdata=t[["upper"]].to_numpy(),
                             hovertemplate="%{x|%b %Y}: interval %{y:,.0f} to %{customdata[0]:,.0f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=t["expected"], mode="lines", name="expected",
                             line=dict(color=theme.PALETTE[0], dash="dash", width=theme.LINE_WIDTH),
                             hovertemplate="%{x|%b %Y}: %{y:,.0f} expected<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=t["actual"], mode="lines+markers", name="recorded",
                             line=dict(color=theme.TEXT, width=theme.LINE_WIDTH), marker=dict(size=8),
                             hovertemplate="%{x|%b %Y}: %{y:,.0f} recorded<extra></extra>"))
    for flag, symbol, position in (("above", "triangle-up", "top center"), ("below", "triangle-down", "bottom center")):
        rows = t[t["outside"] == flag]
        if rows.empty:
            continue
        fig.add_trace(go.Scatter(
            x=_mid(rows["month"]), y=rows["actual"], mode="markers+text", name=f"{flag} the interval",
            marker=dict(symbol=symbol, size=18, color=theme.PALETTE[3], line=dict(color=theme.TEXT, width=1.5)),
            text=[flag] * len(rows), textposition=position, textfont=dict(size=theme.FONT_SIZE - 2),
            hovertemplate=f"%{{x|%b %Y}}: %{{y:,.0f}} recorded, {flag} the interval<extra></extra>"))
    first = before.index[0] if len(before) else t["month"].iloc[0]
    _event_bands(fig, occurrences, first, t["month"].iloc[-1], float(t["expected"].median()))
    fig.layout.shapes += (dict(type="line", x0=t["month"].iloc[0], x1=t["month"].iloc[0], yref="paper", y0=0, y1=1,
                               line=dict(color=theme.MUTED, width=1.5, dash="dot")),)
    theme.apply(fig)
    fig.update_layout(height=500, legend=dict(LEGEND_TOP, traceorder="normal"), margin=dict(t=90),
                      hovermode="closest", yaxis=dict(title=dict(text="records a month"), rangemode="normal"),
                      # A set range: plotly's autorange pads the big triangles by a couple of months.
                      xaxis=dict(tickformat="%b %Y", range=[first, t["month"].iloc[-1] + pd.offsets.MonthBegin(1)]))
    return fig
