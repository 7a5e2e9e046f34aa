"""Charts of what the store covers."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from csp_dash.charts import theme


def coverage_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Records per category and month; empty cells are white and say "0" on hover, and months
    the store does not hold are left out of the colour scale (NaN: no cell at all).

    Reading the chart needs no colour: every cell's count is in its hover text and the
    same table is offered as a download, and gap months are listed in words beside it.
    """
    fig = go.Figure(go.Heatmap(
        z=matrix.to_numpy(),
        x=list(matrix.columns),
        y=list(matrix.index),
        colorscale=[[0, "#FFFFFF"], [0.0001, theme.SEQUENTIAL[1]], [0.5, theme.SEQUENTIAL[3]], [1, theme.SEQUENTIAL[4]]],
        colorbar=dict(title=dict(text="records"), thickness=14),
        hovertemplate="%{y}<br>%{x|%b %Y}: %{z:,} records<extra></extra>",
        xgap=1,
        ygap=1,
    ))
    theme.apply(fig)
    fig.update_layout(height=max(320, 34 * len(matrix.index) + 90),
                      xaxis=dict(showgrid=False, tickformat="%b %Y", dtick="M12" if matrix.shape[1] > 36 else "M3"),
                      yaxis=dict(autorange="reversed", showgrid=False, rangemode="normal"))
    return fig
