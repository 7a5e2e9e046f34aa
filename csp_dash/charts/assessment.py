"""The Strategic assessment's risk matrix as a bubble chart: likelihood across, harm up,
bubble size for public concern, every bubble labelled with its rank and name.

Nothing is told by colour alone: crime categories are circles and priority themes diamonds
(the legend says which), an issue the survey does not ask about is an open marker, and
dotted curves of equal risk (likelihood x harm) carry their value in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from csp_dash.analysis.assessment import CATEGORY, THEME, short_name
from csp_dash.charts import theme

HEIGHT = 700
AXIS = (0.5, 5.5)
RISK_CURVES = (5, 10, 15, 20)
LABEL_SIZE = theme.FONT_SIZE - 2
# The plot area at its smallest (a 1280-pixel screen with the sidebar open): labels are placed
# so as not to overlap at this size, and a wider screen only adds room between them.
PLOT_PX = (620, 500)
CHAR_PX = LABEL_SIZE * 0.5
LINE_PX = LABEL_SIZE * 1.3
GAP_PX = 3
# Label distances tried beyond a bubble's edge, nearest first; a far label gets a thin leader line.
REACH_PX = (0, 20, 40, 65, 95)
DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))

STYLE = {
    CATEGORY: dict(symbol="circle", color=theme.PALETTE[0]),
    THEME: dict(symbol="diamond", color=theme.PALETTE[1]),
}


def bubble_size(concern_score: float) -> float:
    """Marker diameter in pixels: 22 for concern 1 up to 50 for concern 5; 16 with no survey question."""
    return 16.0 if pd.isna(concern_score) else 15.0 + 7.0 * float(concern_score)


# Shorter chart labels for the longest police.uk names (the table and hover give them in full).
SHORT_LABELS = {
    "Violence and sexual offences": "Violence & sexual offences",
    "Anti-social behaviour": "ASB",
    "Criminal damage and arson": "Criminal damage & arson",
    "Possession of weapons": "Weapons possession",
    "Theft from the person": "Theft from person",
}


def label(row) -> str:
    """"3. ASB": the rank and a short name."""
    name = short_name(row["issue"])
    return f"{int(row['rank'])}. {SHORT_LABELS.get(name, name).replace(' and ', ' & ')}"


def _to_px(x: float, y: float) -> tuple[float, float]:
    span = AXIS[1] - AXIS[0]
    return (x - AXIS[0]) / span * PLOT_PX[0], (y - AXIS[0]) / span * PLOT_PX[1]


def place_labels(points: pd.DataFrame, passes: int = 3, restarts: int = 12) -> list[tuple[float, float]]:
    """(ax, ay): where each label's centre goes, in pixels from its bubble (ay down), in row order.

    Each label may sit in eight directions at growing distances from its bubble's edge (a far
    one gets a leader line). A spot costs most if its label covers another label or bubble,
    then if it leaves the plot, then if its leader crosses a bubble or label, and least for
    distance. Labels are placed greedily, then each in turn moves to its cheapest spot given
    the others, a few times over; this is repeated from several greedy orders (rank order
    first, then fixed shuffles) and the cheapest layout kept. Deterministic.
    """
    n = len(points)
    if n == 0:
        return []
    centres = np.array([_to_px(x, y) for x, y in zip(points["likelihood"], points["harm"])], dtype=float)
    radii = np.array([bubble_size(c) / 2 for c in points["concern_score"]], dtype=float)
    spots = [_spots(centres[i], radii[i], text) for i, text in enumerate(points["label"])]
    fixed = [_fixed_cost(i, s, centres, radii) for i, s in enumerate(spots)]
    pair = {(i, j): _pair_cost(spots[i], spots[j]) for i in range(n) for j in range(i + 1, n)}
    for (i, j), matrix in list(pair.items()):
        pair[j, i] = matrix.T

    def cost_of(i: int, chosen: np.ndarray) -> np.ndarray:
        total = fixed[i].copy()
        for j in range(n):
            if j != i and chosen[j] >= 0:
                total += pair[i, j][:, chosen[j]]
        return total

    rng = np.random.default_rng(0)
    orders = [np.arange(n)] + [rng.permutation(n) for _ in range(restarts - 1)]
    best, best_total = None, None
    for order in orders:
        chosen = np.full(n, -1)
        for i in order:
            chosen[i] = int(np.argmin(cost_of(i, chosen)))
        for _pass in range(passes):
            for i in range(n):
                chosen[i] = int(np.argmin(cost_of(i, chosen)))
        total = sum(fixed[i][chosen[i]] for i in range(n)) + sum(
            pair[i, j][chosen[i], chosen[j]] for i in range(n) for j in range(i + 1, n))
        if best_total is None or total < best_total:
            best, best_total = chosen.copy(), total
    out = []
    for i, k in enumerate(best):
        box = spots[i]["box"][k]
        out.append(((box[0] + box[2]) / 2 - centres[i][0], -((box[1] + box[3]) / 2 - centres[i][1])))
    return out


def _spots(centre: np.ndarray, radius: float, text: str) -> dict[str, np.ndarray]:
    """Every spot a label may take around its bubble: box (x0, y0, x1, y1), leader samples, reach."""
    w, h = len(text) * CHAR_PX + 6, LINE_PX
    boxes, reaches = [], []
    for reach in REACH_PX:
        for dx, dy in DIRECTIONS:
            d = radius + GAP_PX + reach
            # The centre of a box that just clears the bubble in this direction.
            bx = centre[0] + dx * (d + w / 2) / (1.0 if dy == 0 else 1.4)
            by = centre[1] + dy * (d + h / 2) / (1.0 if dx == 0 else 1.4)
            boxes.append((bx - w / 2, by - h / 2, bx + w / 2, by + h / 2))
            reaches.append(reach)
    boxes, reaches = np.array(boxes), np.array(reaches, dtype=float)
    mids = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], axis=1)
    # Points along each leader, from the bubble's edge to the label's edge.
    t = np.linspace(0.0, 1.0, 12)[None, :, None]
    samples = centre[None, None, :] + t * (mids - centre)[:, None, :]
    return {"box": boxes, "reach": reaches, "samples": samples, "leader": reaches > 0, "mid": mids}


def _overlap_area(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(K, N) overlap areas of K boxes with N boxes."""
    dx = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(boxes[:, None, 0], others[None, :, 0])
    dy = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(boxes[:, None, 1], others[None, :, 1])
    return np.clip(dx, 0, None) * np.clip(dy, 0, None)


def _inside(points: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(..., N): whether each point (..., 2) lies inside each of N boxes."""
    x, y = points[..., 0, None], points[..., 1, None]
    return (x >= boxes[:, 0]) & (x <= boxes[:, 2]) & (y >= boxes[:, 1]) & (y <= boxes[:, 3])


def _fixed_cost(i: int, spots: dict, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """What a label's spots cost whatever the other labels do: bubbles covered, leaders
    through other bubbles, the plot's edges, distance."""
    squares = np.stack([centres[:, 0] - radii, centres[:, 1] - radii, centres[:, 0] + radii,
                        centres[:, 1] + radii], axis=1)
    area = _overlap_area(spots["box"], squares)
    cost = np.where(area > 0, 5000 + area, 0).sum(axis=1)
    gaps = np.linalg.norm(spots["samples"][:, :, None, :] - centres[None, None, :, :], axis=3)
    through = (gaps < radii + 2).any(axis=1)
    through[:, i] = False
    cost += 1500 * (through.sum(axis=1) * spots["leader"])
    b = spots["box"]
    inside = (np.clip(np.minimum(b[:, 2], PLOT_PX[0]) - np.maximum(b[:, 0], 0), 0, None)
              * np.clip(np.minimum(b[:, 3], PLOT_PX[1]) - np.maximum(b[:, 1], 0), 0, None))
    cost += 10 * ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inside)
    return cost * 100 + 20 * spots["reach"]


def _pair_cost(a: dict, b: dict) -> np.ndarray:
    """(Ka, Kb): what each pair of spots of two labels costs together: labels overlapping, a
    leader through the other's label (the first samples lie in the bubble, the last in the
    leader's own label)."""
    area = _overlap_area(a["box"], b["box"])
    cost = np.where(area > 0, 5000 + area, 0)
    cost += 800 * (_inside(a["samples"][:, 1:-2, :], b["box"]).any(axis=1) & a["leader"][:, None])
    cost += 800 * (_inside(b["samples"][:, 1:-2, :], a["box"]).any(axis=1) & b["leader"][:, None]).T
    cost += 400 * (_crossing(a, b) & a["leader"][:, None] & b["leader"][None, :])
    return cost * 100


def _crossing(a: dict, b: dict) -> np.ndarray:
    """(Ka, Kb): whether the leaders of two labels' spots cross."""
    p, r = a["samples"][:, 0, :], a["mid"] - a["samples"][:, 0, :]
    q, s = b["samples"][:, 0, :], b["mid"] - b["samples"][:, 0, :]
    denominator = r[:, None, 0] * s[None, :, 1] - r[:, None, 1] * s[None, :, 0]
    qp = q[None, :, :] - p[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = (qp[..., 0] * s[None, :, 1] - qp[..., 1] * s[None, :, 0]) / denominator
        v = (qp[..., 0] * r[:, None, 1] - qp[..., 1] * r[:, None, 0]) / denominator
    return (denominator != 0) & (u > 0) & (u < 1) & (v > 0) & (v < 1)


def _hover(row) -> str:
    concern = ("no survey question" if pd.isna(row["concern_score"])
               else f"{row['concern_pct']:.0f}% say it is an issue (concern {row['concern_score']:.0f})")
    return (f"{row['label']}<br>risk {row['risk']:.1f} = likelihood {row['likelihood']:.2f} × harm "
            f"{row['harm']:.2f}<br>volume {row['volume_score']:.0f} · frequency {row['frequency_score']:.0f} · "
            f"trend {row['trend_score']:.0f}<br>{concern}")


def matrix_figure(scored: pd.DataFrame) -> go.Figure:
    """The scored issues (``rank`` not missing) of ``analysis.assessment.score`` as bubbles."""
    points = scored[scored["rank"].notna()].copy()
    points["label"] = [label(row) for _, row in points.iterrows()]
    fig = go.Figure()
    curves = []
    for value in RISK_CURVES:
        x = np.linspace(value / AXIS[1], AXIS[1], 80)
        x = x[(value / x >= AXIS[0]) & (x >= AXIS[0])]
        fig.add_trace(go.Scatter(x=x, y=value / x, mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=theme.MUTED, width=1.5, dash="dot")))
        top = value / AXIS[1]
        if top >= AXIS[0]:
            curves.append(dict(x=top, y=AXIS[1], text=f"risk {value}", showarrow=False, yanchor="bottom",
                               font=dict(size=LABEL_SIZE - 2, color=theme.MUTED)))
    for kind, style in STYLE.items():
        for asked in (True, False):
            part = points[(points["kind"] == kind) & (points["concern_score"].notna() == asked)]
            if part.empty:
                continue
            name = kind if asked else f"{kind.split()[-1]}, no survey question"
            fig.add_trace(go.Scatter(
                x=part["likelihood"], y=part["harm"], mode="markers", name=name,
                marker=dict(symbol=style["symbol"] + ("" if asked else "-open"),
                            size=[bubble_size(c) for c in part["concern_score"]],
                            color=style["color"], opacity=0.85 if asked else 1.0,
                            line=dict(color=theme.TEXT if asked else style["color"], width=1.5 if asked else 3)),
                hovertext=[_hover(row) for _, row in part.iterrows()], hoverinfo="text"))
    # One layout update for every label: add_annotation re-validates the whole list each call.
    radii = [bubble_size(c) / 2 for c in points["concern_score"]]
    labels = [dict(x=x, y=y, text=text, ax=ax, ay=ay, axref="pixel", ayref="pixel", showarrow=True,
                   arrowhead=0, arrowwidth=1.2, arrowcolor=theme.MUTED, standoff=r,
                   font=dict(size=LABEL_SIZE, color=theme.TEXT), bgcolor="rgba(255,255,255,0.8)")
              for (ax, ay), x, y, text, r in zip(place_labels(points), points["likelihood"], points["harm"],
                                                 points["label"], radii)]
    fig.update_layout(annotations=curves + labels)
    theme.apply(fig)
    ticks = dict(tickmode="array", tickvals=[1, 2, 3, 4, 5], range=list(AXIS), zeroline=False)
    fig.update_layout(
        height=HEIGHT, hovermode="closest", margin=dict(l=10, r=10, t=70, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.06, xanchor="left", x=0, itemsizing="constant"),
        xaxis=dict(title=dict(text="Likelihood (1-5): volume, frequency and trend"), **ticks),
        yaxis=dict(title=dict(text="Harm (1-5): mean of four weights"), rangemode="normal", **ticks))
    return fig
