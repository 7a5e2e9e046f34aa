"""Figures of the Priorities page: an indicator's sparkline.

A hidden (suppressed) count is never in a figure, not even in its hover text: its period
is a gap in the line with a pale box across the range the count lies in (1 to the
threshold), whose hover text is the suppressed label. Other marks carry words as well as colour:
the target line and the latest figure are labelled on the chart.
"""

from __future__ import annotations

import plotly.graph_objects as go

from csp_dash.charts import theme

LINE = theme.PALETTE[0]
HIDDEN_LINE = "#A0A0A0"
HIDDEN_FILL = "#F0F0F0"
RANGE_FILL = "rgba(0, 114, 178, 0.12)"
PERIOD_DAYS = {"month": 30, "quarter": 91, "financial_year": 365, "year": 365}


def sparkline(view, threshold: int, label: str, height: int = 150) -> go.Figure:
    """A small line chart of one indicator (an ``outcomes.IndicatorView``).

    Drawn: the figures (hidden counts as gaps, with a pale box from 1 to ``threshold``),
    the usual range (control limits) as a shaded band when the view offers it, the target as
    a dotted line labelled "target", and the latest figure labelled at the line's end.
    """
    s = view.series
    # Plain lists, not arrays: plotly re-encodes arrays on every page run, lists it sends as they are.
    dates = [d.strftime("%Y-%m-%d") for d in s["period_start"]]
    suffix = "%" if view.unit == "percent" else ""
    fig = go.Figure()
    if view.usual_range is not None and len(s):
        low, high = view.usual_range
        x = [dates[0], dates[-1]]
        fig.add_trace(go.Scatter(x=x, y=[high, high], mode="lines", line=dict(width=0), hoverinfo="skip",
                                 showlegend=False))
        fig.add_trace(go.Scatter(x=x, y=[low, low], mode="lines", line=dict(width=0), fill="tonexty",
                                 fillcolor=RANGE_FILL, hoverinfo="skip", showlegend=False, name="usual range"))
    hidden = [(d, p) for d, p, h in zip(dates, s["period"], s["hidden"]) if h]
    if len(hidden):
        width_ms = PERIOD_DAYS.get(view.period_type, 30) * 0.6 * 86_400_000
        # A pale outlined box, so that it reads as "somewhere in here", not as a value.
        fig.add_trace(go.Bar(
            x=[d for d, _ in hidden], y=[float(threshold)] * len(hidden), base=0.5, width=width_ms,
            marker=dict(color=HIDDEN_FILL, line=dict(width=1, color=HIDDEN_LINE)),
            showlegend=False, name=f"hidden ({label})",
            customdata=[p for _, p in hidden],
            hovertemplate=f"%{{customdata}}: {label} (a count from 1 to {threshold}, hidden)<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=dates, y=[None if v != v else float(v) for v in s["plotted"]], mode="lines+markers", connectgaps=False,
        showlegend=False,
        line=dict(color=LINE, width=theme.LINE_WIDTH), marker=dict(size=6, color=LINE),
        customdata=[[p, t] for p, t in zip(s["period"], s["shown"])],
        hovertemplate=f"%{{customdata[0]}}: %{{customdata[1]}}{suffix}<extra></extra>", name=view.name))
    target = view.target_value
    if target is not None:
        fig.add_hline(y=target, line=dict(color=theme.TEXT, width=2, dash="dot"),
                      annotation_text="target", annotation_position="top left",
                      annotation_font=dict(size=theme.FONT_SIZE - 4, color=theme.TEXT))
    known = s.dropna(subset=["plotted"])
    if len(known) and known.index[-1] == s.index[-1]:
        last = known.iloc[-1]
        fig.add_annotation(x=dates[-1], y=float(last["plotted"]), text=f"<b>{last['shown']}{suffix}</b>",
                           showarrow=False, xanchor="left", xshift=8, font=dict(size=theme.FONT_SIZE - 2))
    theme.apply(fig)
    fig.update_layout(height=height, margin=dict(l=4, r=60, t=8, b=4), showlegend=False, hovermode="closest",
                      bargap=0)
    fig.update_xaxes(showgrid=False, tickfont=dict(size=theme.FONT_SIZE - 4), ticks="")
    if view.period_type in ("financial_year", "year") and len(s):
        # Ticks named as the file names the periods (a financial year starts in April, so a
        # calendar-year tick would sit between two points); "2015/16" is wide, so on a small
        # chart only the first and last are named.
        ends = s if len(s) <= 3 else s.iloc[[0, -1]]
        fig.update_xaxes(tickmode="array", tickvals=[d.strftime("%Y-%m-%d") for d in ends["period_start"]],
                         ticktext=list(ends["period"]), tickangle=0)
    elif len(s):
        # About four year ticks across a narrow chart, never slanted.
        span_years = (s["period_start"].iloc[-1] - s["period_start"].iloc[0]).days / 365.25
        fig.update_xaxes(tickformat="%Y", dtick=f"M{12 * max(1, int(-(-span_years // 4)))}", tickangle=0)
    fig.update_yaxes(nticks=3, tickfont=dict(size=theme.FONT_SIZE - 4), rangemode="tozero", ticks="",
                     zeroline=False)
    return fig

