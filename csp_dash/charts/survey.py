"""Figures of the Community survey page: percentages with their 95% intervals, the change
between waves, breakdowns, free-text themes, and perception beside recorded crime.

Every point carries its number as text (and its n where it matters); series differ by marker
shape as well as colour, and the legend names them, so nothing is told by colour alone.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from csp_dash.charts import theme

LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None)
ROW_PX = 46


def wrap(label: str, width: int = 30) -> str:
    """A long axis label over lines of about ``width`` characters (plotly breaks on <br>)."""
    return "<br>".join(textwrap.wrap(str(label), width)) or str(label)


def _height(rows: int, extra: int = 110) -> int:
    return max(220, extra + ROW_PX * rows)


# Room right of 100% for the value labels, which sit beyond each interval's top.
X_RANGE = [0, 132]
TICKS = dict(tickvals=[0, 20, 40, 60, 80, 100], ticktext=["0%", "20%", "40%", "60%", "80%", "100%"])


def _percent_axis(fig: go.Figure, title: str) -> None:
    fig.update_xaxes(range=X_RANGE, title=dict(text=title), **TICKS)
    fig.update_yaxes(autorange="reversed", title=None, showgrid=False)


def _labels_trace(x, y, text) -> go.Scatter:
    """Value labels just right of ``x`` (the interval's top), so they never cover a marker."""
    return go.Scatter(x=np.asarray(x, dtype=float) + 1.5, y=y, mode="text", text=text, showlegend=False,
                      hoverinfo="skip", textposition="middle right", textfont=dict(size=theme.FONT_SIZE - 3))


def _interval_dots(table: pd.DataFrame, y: list[str], name: str, **hover) -> go.Scatter:
    """Each row's percentage as a dot with its 95% interval as a horizontal error bar."""
    return go.Scatter(
        x=table["pct"], y=y, mode="markers", name=name,
        marker=dict(symbol="circle", size=13, color=theme.PALETTE[0]),
        error_x=dict(type="data", symmetric=False, array=table["ci_high"] - table["pct"],
                     arrayminus=table["pct"] - table["ci_low"], thickness=3, width=6, color=theme.PALETTE[0]),
        **hover)


def percent_figure(table: pd.DataFrame, x_title: str = "% of those answering",
                   published: dict[str, float] | None = None, published_name: str = "Published") -> go.Figure:
    """One row per question of a headline table: the percentage (dot, with its value and n) and
    its 95% interval (bar); ``published`` (by question) adds hollow diamonds for comparison."""
    labels = [wrap(v) for v in table["label"]]
    fig = go.Figure()
    fig.add_trace(_interval_dots(
        table, labels, "Our figure, with its 95% interval",
        customdata=np.column_stack([table["ci_low"], table["ci_high"], table["n"]]),
        hovertemplate="%{y}<br>%{x:.1f}% (95% interval %{customdata[0]:.1f}% to %{customdata[1]:.1f}%), "
                      "n = %{customdata[2]:,}<extra></extra>"))
    if published:
        known = table["question"].isin(list(published))
        fig.add_trace(go.Scatter(
            x=table.loc[known, "question"].map(published), y=[lab for lab, k in zip(labels, known) if k],
            mode="markers", name=published_name,
            marker=dict(symbol="diamond-open", size=16, line=dict(width=3), color=theme.PALETTE[3]),
            hovertemplate="%{y}<br>" + published_name + ": %{x:.0f}%<extra></extra>"))
    right = np.fmax(table["ci_high"], table["question"].map(published or {}).astype(float).fillna(0))
    fig.add_trace(_labels_trace(right, labels, [f"{p:.0f}% (n={n:,})" for p, n in zip(table["pct"], table["n"])]))
    theme.apply(fig)
    _percent_axis(fig, x_title)
    fig.update_layout(height=_height(len(table)), legend=LEGEND_TOP, showlegend=True)
    return fig


def change_figure(change: pd.DataFrame, wave: str, previous: str) -> go.Figure:
    """Each question's percentage in the previous wave (hollow square) and this one (dot),
    joined; a change unlikely to be chance is labelled with its size and an asterisk."""
    labels = [wrap(v) for v in change["label"]]
    fig = go.Figure()
    # One trace for every connector (None breaks the line between questions).
    xs, ys = [], []
    for lab, a, b in zip(labels, change["pct_before"], change["pct"]):
        xs += [a, b, None]
        ys += [lab, lab, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", showlegend=False, hoverinfo="skip",
                             line=dict(color=theme.MUTED, width=3), opacity=0.45))
    fig.add_trace(go.Scatter(
        x=change["pct_before"], y=labels, mode="markers", name=previous,
        marker=dict(symbol="square-open", size=13, line=dict(width=3), color=theme.MUTED),
        hovertemplate="%{y}<br>" + previous + ": %{x:.1f}%<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=change["pct"], y=labels, mode="markers", name=wave,
        marker=dict(symbol="circle", size=13, color=theme.PALETTE[0]),
        customdata=change["words"], hovertemplate="%{y}<br>" + wave + ": %{x:.1f}%, %{customdata}<extra></extra>"))
    fig.add_trace(_labels_trace(
        np.fmax(change["pct"], change["pct_before"]) + 1, labels,
        [f"{'▲' if d > 0 else '▼'} {abs(d):.0f} pts *" if s else "" for d, s in
         zip(change["difference"], change["significant"])]))
    theme.apply(fig)
    _percent_axis(fig, "% of those answering")
    if change["significant"].any():
        fig.add_annotation(x=1, y=1.02, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                           showarrow=False, text="* change unlikely to be chance (p < 0.05)",
                           font=dict(size=theme.FONT_SIZE - 3, color=theme.MUTED))
    fig.update_layout(height=_height(len(change)), legend=LEGEND_TOP)
    return fig


def breakdown_figure(table: pd.DataFrame, overall: float | None, group_title: str) -> go.Figure:
    """One question by group: the percentage with its n and 95% interval, and a dashed line at
    the figure for everyone."""
    groups = [wrap(g, 24) for g in table["group"]]
    fig = go.Figure()
    fig.add_trace(_interval_dots(table, groups, "Group's figure, with its 95% interval",
                                 hovertemplate="%{y}: %{x:.1f}%<extra></extra>"))
    fig.add_trace(_labels_trace(table["ci_high"], groups,
                                [f"{p:.0f}% (n={n:,})" for p, n in zip(table["pct"], table["n"])]))
    theme.apply(fig)
    _percent_axis(fig, "% of those answering")
    if overall is not None and np.isfinite(overall):
        fig.add_vline(x=overall, line=dict(color=theme.MUTED, dash="dash", width=2))
        fig.add_annotation(x=overall, y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"Everyone: {overall:.0f}%", font=dict(size=theme.FONT_SIZE - 3, color=theme.MUTED))
    fig.update_layout(height=_height(len(table), 130), showlegend=False, yaxis=dict(title=dict(text=group_title)),
                      margin=dict(t=60))
    return fig


def themes_figure(counts: pd.DataFrame) -> go.Figure:
    """Comments per theme, each bar labelled with its count and share of the comments."""
    fig = go.Figure(go.Bar(
        x=counts["comments"], y=[wrap(t, 26) for t in counts["theme"]], orientation="h",
        marker=dict(color=theme.PALETTE[0]),
        text=[f"{c:,} ({p:.0f}%)" for c, p in zip(counts["comments"], counts["pct"].fillna(0))],
        textposition="outside", textfont=dict(size=theme.FONT_SIZE - 2), cliponaxis=False,
        hovertemplate="%{y}: %{x:,} comments<extra></extra>"))
    theme.apply(fig)
    top = float(counts["comments"].max()) if len(counts) else 1.0
    fig.update_xaxes(title=dict(text="comments (one comment can be in several themes)"),
                     range=[0, max(1.0, top) * 1.25])
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(height=_height(len(counts)), showlegend=False)
    return fig


def perception_figure(table: pd.DataFrame, label: str, category: str) -> go.Figure:
    """Two panels sharing one row per place (sorted by recorded rate): left, the share saying
    the item is an issue with its 95% interval; right, the recorded rate per 1,000 residents.
    The whole area comes first, its name in bold."""
    first, places = table.iloc[:1], table.iloc[1:].sort_values("rate_per_1000", ascending=False)
    rows = pd.concat([first, places])
    names = [f"<b>{p}</b>" if i == 0 else str(p) for i, p in enumerate(rows["place"])]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=(wrap(f"% saying {label.lower()} is an issue", 28),
                                        f"{wrap(category, 28)}<br>recorded per 1,000 residents"))
    fig.add_trace(go.Scatter(
        x=rows["pct"], y=names, mode="markers", showlegend=False,
        marker=dict(symbol="circle", size=12, color=theme.PALETTE[0]),
        error_x=dict(type="data", symmetric=False, array=rows["ci_high"] - rows["pct"],
                     arrayminus=rows["pct"] - rows["ci_low"], thickness=3, width=5, color=theme.PALETTE[0]),
        customdata=rows["n"], hovertemplate="%{y}: %{x:.0f}% (n = %{customdata:,})<extra></extra>"), row=1, col=1)
    fig.add_trace(_labels_trace(rows["ci_high"], names, [f"{p:.0f}%" for p in rows["pct"]]), row=1, col=1)
    fig.add_trace(go.Bar(
        x=rows["rate_per_1000"], y=names, orientation="h", showlegend=False, marker=dict(color=theme.PALETTE[1]),
        text=[f"{r:.1f}" if np.isfinite(r) else "" for r in rows["rate_per_1000"]], textposition="outside",
        cliponaxis=False, textfont=dict(size=theme.FONT_SIZE - 3), customdata=rows["recorded"],
        hovertemplate="%{y}: %{x:.1f} per 1,000 (%{customdata:,.0f} records)<extra></extra>"), row=1, col=2)
    theme.apply(fig)
    fig.update_xaxes(range=[0, 118], tickvals=[0, 25, 50, 75, 100], ticktext=["0%", "25%", "50%", "75%", "100%"],
                     row=1, col=1)
    top = float(np.nanmax(rows["rate_per_1000"])) if rows["rate_per_1000"].notna().any() else 1.0
    fig.update_xaxes(range=[0, top * 1.2], row=1, col=2)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_annotations(font=dict(size=theme.FONT_SIZE - 1))
    fig.update_layout(height=_height(len(rows), 150), margin=dict(t=90))
    return fig
