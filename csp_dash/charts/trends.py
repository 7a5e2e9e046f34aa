"""Figures of the Trends page: monthly series, small multiples of the categories, shares,
and the area indexed against other areas.

Series differ by dash and marker as well as colour, and the legend or a panel title names
every line, so nothing is told by colour alone.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from csp_dash.charts import theme

LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None)


def _style(i: int) -> dict:
    return dict(line=dict(color=theme.PALETTE[i % len(theme.PALETTE)], dash=theme.DASHES[i % len(theme.DASHES)],
                          width=theme.LINE_WIDTH),
                marker=dict(symbol=theme.MARKERS[i % len(theme.MARKERS)], size=9, maxdisplayed=14))


def series_figure(df: pd.DataFrame, y_title: str, number_format: str = ",.0f") -> go.Figure:
    """One line per column of ``df`` (indexed by month); missing months break the line."""
    fig = go.Figure()
    for i, name in enumerate(df.columns):
        fig.add_trace(go.Scatter(
            x=df.index, y=df[name], name=name, mode="lines+markers", connectgaps=False, **_style(i),
            hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y:{number_format}}}<extra></extra>"))
    theme.apply(fig)
    fig.update_layout(height=460, legend=LEGEND_TOP, hovermode="closest",
                      yaxis=dict(title=dict(text=y_title)), xaxis=dict(tickformat="%b %Y"))
    return fig


def small_multiples(counts: pd.DataFrame, columns: int = 3) -> go.Figure:
    """One small panel per category (titled with its name), each on its own scale."""
    cats = list(counts.columns)
    rows = max(1, math.ceil(len(cats) / columns))
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=cats, shared_xaxes=True,
                        vertical_spacing=0.32 / rows + 0.02, horizontal_spacing=0.07)
    for i, cat in enumerate(cats):
        fig.add_trace(go.Scatter(
            x=counts.index, y=counts[cat], name=cat, mode="lines", connectgaps=False, showlegend=False,
            line=dict(color=theme.PALETTE[0], width=2.5),
            hovertemplate=f"{cat}<br>%{{x|%b %Y}}: %{{y:,.0f}}<extra></extra>"), row=i // columns + 1,
            col=i % columns + 1)
    theme.apply(fig)
    fig.update_annotations(font=dict(size=theme.FONT_SIZE - 2))
    fig.update_xaxes(tickformat="%Y", tickfont=dict(size=theme.FONT_SIZE - 4), dtick="M12", showgrid=False)
    fig.update_yaxes(tickfont=dict(size=theme.FONT_SIZE - 4), rangemode="tozero", nticks=4)
    fig.update_layout(height=max(300, 230 * rows), margin=dict(l=10, r=10, t=40, b=10))
    return fig


def shares_figure(shares: pd.DataFrame) -> go.Figure:
    """Each category's share of all records, as labelled horizontal bars, largest on top."""
    ordered = shares.sort_values("share_of_all_pct")
    fig = go.Figure(go.Bar(
        x=ordered["share_of_all_pct"], y=ordered["category"], orientation="h",
        marker=dict(color=theme.PALETTE[0]), text=[f"{v:.1f}%" for v in ordered["share_of_all_pct"]],
        textposition="outside", cliponaxis=False,
        customdata=ordered["records"], hovertemplate="%{y}: %{x:.1f}% (%{customdata:,} records)<extra></extra>"))
    theme.apply(fig)
    top = float(ordered["share_of_all_pct"].max()) if len(ordered) else 1.0
    fig.update_layout(height=max(300, 36 * len(ordered) + 90), showlegend=False,
                      xaxis=dict(title=dict(text="share of all records (%)"), range=[0, top * 1.18]),
                      yaxis=dict(showgrid=False, rangemode="normal"))
    return fig


def index_figure(index: pd.DataFrame, baseline: tuple[pd.Timestamp, pd.Timestamp]) -> go.Figure:
    """Each area's line as an index (100 = its baseline average), the baseline shaded."""
    fig = series_figure(index, "index (baseline month average = 100)", number_format=".1f")
    fig.add_hline(y=100, line=dict(color=theme.MUTED, width=1.5))
    fig.add_vrect(x0=baseline[0] - pd.Timedelta(days=14), x1=baseline[1] + pd.Timedelta(days=14),
                  fillcolor="#888888", opacity=0.12, line_width=0,
                  annotation_text="baseline", annotation_position="top left",
                  annotation_font=dict(size=theme.FONT_SIZE - 2, color=theme.TEXT))
    fig.update_yaxes(rangemode="normal")
    return fig
