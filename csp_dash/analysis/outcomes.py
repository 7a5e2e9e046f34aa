"""The Priorities page's tables: each indicator's series, latest figures and status; the
indicators police.uk supports, computed from the crime records; and the action plan with
overdue actions flagged.

Everything a page shows or offers for download from here has already been through
disclosure control: sensitive counts from 1 to the threshold are display strings ("<5")
and never numbers. Pure functions: DataFrames in, DataFrames and dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csp_dash.analysis import rag
from csp_dash.analysis.disclosure import display_number, is_suppressed, plain_number, suppress
from csp_dash.analysis.filters import Filters, apply_filters, slug

POLICE_UK_PREFIX = "police_uk_"
POLICE_UK_POLARITY = "neither"
# Why a police.uk category stands for something the strategy names, and what to bear in mind.
CATEGORY_NOTES = {
    "Possession of weapons": "a proxy for knife crime: police.uk has no knife-crime category, and this one "
                             "also counts other weapons",
    "Drugs": "possession and supply together, as police.uk does not separate them",
}
POLICE_UK_NOTE = ("Offences of this kind are mostly found by police activity (stop and search, warrants), so a "
                  "rise may mean more enforcement as much as more harm: the polarity is 'neither'.")
COMPLETE = "complete"
PERIOD_STEPS = {"month": "MS", "quarter": "QS", "financial_year": "YS-APR", "year": "YS"}

INDICATOR_COLUMNS = ["indicator_id", "priority", "name", "unit", "polarity", "period", "period_type",
                     "period_start", "period_end", "value", "baseline", "target", "sensitive", "source"]


def period_label(start: pd.Timestamp, period_type: str) -> str:
    """The stored label of the period starting on ``start``: 2019-04, 2019-Q2, 2019/20, 2019."""
    if period_type == "month":
        return f"{start:%Y-%m}"
    if period_type == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period_type == "financial_year":
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    return f"{start.year}"


def _period_end(start: pd.Timestamp, period_type: str) -> pd.Timestamp:
    months = {"month": 1, "quarter": 3, "financial_year": 12, "year": 12}[period_type]
    return start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


# -- indicator series ------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorView:
    """One indicator, ready to show: every figure is a display string after disclosure control."""

    indicator_id: str
    priority: str
    name: str
    unit: str
    polarity: str
    source: str
    sensitive: bool  # marked sensitive in the file
    hides: bool  # disclosure control applies (sensitive and a count)
    period_type: str
    latest_period: str
    latest: str
    baseline: str
    target: str
    change: str  # the latest against the period before, read through the polarity
    status: rag.Status
    series: pd.DataFrame  # period, period_start, shown (text), plotted (NaN where hidden), hidden
    usual_range: tuple[float, float] | None  # control limits, when shown without disclosing anything
    target_value: float | None = None  # the target as a number, for charts (a target is never hidden)
    delta: str | None = None  # the change as a metric's delta ("-5 (better)"), None when not shown
    previous_period: str = ""
    notes: tuple[str, ...] = field(default=())

    def summary_row(self) -> dict:
        return {
            "indicator": self.name, "source": self.source, "unit": self.unit, "polarity": self.polarity,
            "latest period": self.latest_period, "latest": self.latest, "baseline": self.baseline,
            "target": self.target, "change on previous period": self.change, "status": self.status.rating,
            "why": self.status.reason, "method": self.status.method, "sensitive": "yes" if self.sensitive else "no",
            "indicator_id": self.indicator_id,
        }


def indicator_series(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One indicator's figures, one row per period from its first to its last, oldest first.

    A period inside that span with no row gets a NaN value, so charts and the status rule
    see the gap. When the rows mix period lengths (some quarters, some years), the series
    uses the length of the latest period and the note says how many rows it leaves out.

    Returns
    -------
    (series, notes): series has period, period_type, period_start, period_end, value.
    """
    rows = rows.sort_values("period_start", kind="stable")
    notes: list[str] = []
    kind = str(rows["period_type"].iloc[-1])
    same = rows[rows["period_type"] == kind]
    if len(same) < len(rows):
        other = len(rows) - len(same)
        notes.append(f"{other} figure{'s' if other != 1 else ''} for periods of another length "
                     f"{'are' if other != 1 else 'is'} in the file but not in this series "
                     f"(it uses {kind.replace('_', ' ')}s).")
    starts = pd.date_range(same["period_start"].min(), same["period_start"].max(), freq=PERIOD_STEPS[kind])
    values = same.drop_duplicates("period_start", keep="last").set_index("period_start")["value"]
    series = pd.DataFrame({
        "period": [period_label(s, kind) for s in starts],
        "period_type": kind,
        "period_start": starts,
        "period_end": [_period_end(s, kind) for s in starts],
        "value": values.reindex(starts).to_numpy(dtype="float64"),
    })
    return series, notes


def latest_given(rows: pd.DataFrame, column: str) -> float | None:
    """The latest non-blank value of ``baseline`` or ``target`` by period (docs/data/outcomes.md)."""
    given = rows.sort_values("period_start", kind="stable")[column].dropna()
    return float(given.iloc[-1]) if len(given) else None


def usual_range(chart: pd.DataFrame | None, unit: str) -> tuple[float, float] | None:
    """The control limits of an XmR chart (from ``rag.assess``), the lower one floored at
    zero for units that cannot be negative; None without a chart."""
    if chart is None:
        return None
    lcl, ucl = float(chart["lcl"].iloc[-1]), float(chart["ucl"].iloc[-1])
    return (lcl if unit == "score" else max(lcl, 0.0)), ucl


def change_on_previous(series: pd.DataFrame, polarity: str, unit: str, hides: bool, threshold: int) -> str:
    """The latest figure against the period before it: an arrow, the size, and what it means
    through the polarity ("↑ 3 (worse)"). Withheld when either figure is a hidden count."""
    known = series.dropna(subset=["value"])
    if len(known) < 2:
        return "no earlier figure"
    latest, previous = known.iloc[-1], series.iloc[series.index.get_loc(known.index[-1]) - 1]
    if pd.isna(previous["value"]):
        return f"no figure for {previous['period']}"
    now, before = float(latest["value"]), float(previous["value"])
    if hides and (is_suppressed(now, threshold) or is_suppressed(before, threshold)):
        return "not shown (small numbers)"
    diff = now - before
    if diff == 0:
        return "→ no change"
    arrow, up = ("↑", True) if diff > 0 else ("↓", False)
    size = display_number(abs(diff)) + (" points" if unit == "percent" else "")
    if polarity == "neither":
        return f"{arrow} {size}"
    better = up == (polarity == "higher is better")
    return f"{arrow} {size} ({'better' if better else 'worse'})"


def metric_delta(series: pd.DataFrame, polarity: str, unit: str, hides: bool, threshold: int) -> tuple[str | None, str]:
    """The change on the period before as a signed delta for a metric ("-3 (better)") and
    the previous period's label; (None, "") when ``change_on_previous`` has no number to give."""
    text = change_on_previous(series, polarity, unit, hides, threshold)
    if text[:1] not in ("↑", "↓", "→"):
        return None, ""
    known = series.dropna(subset=["value"])
    previous = series.iloc[series.index.get_loc(known.index[-1]) - 1]
    if text.startswith("→"):
        return "0 (no change)", str(previous["period"])
    sign = "+" if text.startswith("↑") else "-"
    return sign + text[2:], str(previous["period"])


def delta_colour(polarity: str) -> str:
    """How a metric colours its delta: up is good, up is bad, or neither (grey)."""
    return {"higher is better": "normal", "higher is worse": "inverse"}.get(polarity, "off")


def indicator_view(rows: pd.DataFrame, threshold: int, label: str) -> IndicatorView:
    """Everything the page shows for one indicator, from its rows in the ``indicators`` shape."""
    first = rows.iloc[-1]  # the descriptive columns are the same on every row of an indicator
    unit, polarity = str(first["unit"]), str(first["polarity"])
    sensitive = bool(first["sensitive"])
    hides = sensitive and unit == "count" and threshold > 0
    series, notes = indicator_series(rows)
    baseline, target = latest_given(rows, "baseline"), latest_given(rows, "target")
    status, chart = rag.assess(series, polarity, unit, baseline, target, sensitive=hides, threshold=threshold,
                               label=label)
    if hides:
        status = status_without_disclosure(status, series, polarity, unit, baseline, target, threshold, label)
    hidden = (series["value"].map(lambda v: is_suppressed(v, threshold)) & hides).astype(bool)
    shown = suppress(series["value"], hides, threshold, label)
    suffix = "%" if unit == "percent" else ""
    plotted = series["value"].where(~hidden)
    limits = usual_range(chart, unit)
    # The limits come from every figure; with a hidden count among them they would give the
    # total back (centre x periods), so they are left off the chart.
    if limits is not None and hidden.any():
        limits = None
    known = series.dropna(subset=["value"])
    latest_row = known.iloc[-1] if len(known) else None
    delta, previous_period = metric_delta(series, polarity, unit, hides, threshold)
    if "note" in rows and str(first["note"] or ""):
        notes.append(str(first["note"]))
    if hidden.any():
        n = int(hidden.sum())
        small = "1" if threshold == 1 else f"1 to {threshold}"
        notes.append(f"{n} {'figure is' if n == 1 else 'figures are'} hidden ({label}): gaps in the line, each with "
                     f"a pale box over the range it lies in ({small}).")
    return IndicatorView(
        indicator_id=str(first["indicator_id"]), priority=str(first["priority"]), name=str(first["name"]),
        unit=unit, polarity=polarity, source=str(first["source"]), sensitive=sensitive, hides=hides,
        period_type=str(series["period_type"].iloc[0]),
        latest_period=str(latest_row["period"]) if latest_row is not None else "",
        latest=(shown.loc[latest_row.name] + ("" if shown.loc[latest_row.name] == label else suffix))
        if latest_row is not None else "",
        baseline=_shown_reference(baseline, hides, threshold, label, suffix),
        target=display_number(target) + suffix if target is not None else "",
        change=change_on_previous(series, polarity, unit, hides, threshold),
        delta=delta, previous_period=previous_period,
        status=status,
        series=pd.DataFrame({"period": series["period"], "period_start": series["period_start"],
                             "shown": shown, "plotted": plotted, "hidden": hidden}),
        usual_range=limits,
        target_value=target,
        notes=tuple(notes),
    )


def status_without_disclosure(status: rag.Status, series: pd.DataFrame, polarity: str, unit: str,
                              baseline: float | None, target: float | None, threshold: int,
                              label: str) -> rag.Status:
    """``status``, or a withheld one if it would differ for another value of a hidden count.

    The status compares the latest figure with a target, a baseline or control limits. When
    the latest figure or the baseline is hidden, the status is worked out again with each
    value it could be (1 to ``threshold``); if the rating or its reason changes, showing it
    would narrow the hidden count down (met, against a target of 1, says the hidden count is
    1), so it is replaced by Not rated with the reason why.
    """
    known = series["value"].dropna()
    if known.empty:
        return status
    last = known.index[-1]
    latest = [known.iloc[-1]]
    if is_suppressed(known.iloc[-1], threshold):
        latest = range(1, threshold + 1)
    baselines = [baseline]
    if baseline is not None and is_suppressed(baseline, threshold):
        baselines = range(1, threshold + 1)
    if len(latest) == 1 and len(baselines) == 1:
        return status
    for value in latest:
        trial = series.copy()
        trial.loc[last, "value"] = float(value)
        for b in baselines:
            other = rag.assess(trial, polarity, unit, b, target, sensitive=True, threshold=threshold, label=label)[0]
            if (other.rating, other.reason) != (status.rating, status.reason):
                return rag.make_status(
                    rag.NOT_RATED, f"Status withheld: it would narrow down a count shown as '{label}' (1 to "
                                   f"{threshold}).", status.method)
    return status


def _shown_reference(value: float | None, hides: bool, threshold: int, label: str, suffix: str) -> str:
    if value is None:
        return ""
    if hides and is_suppressed(value, threshold):
        return label
    return display_number(value) + suffix


def indicator_views(indicators: pd.DataFrame, threshold: int, label: str) -> list[IndicatorView]:
    """A view of every indicator in an ``indicators``-shaped table, in order of first appearance."""
    if indicators is None or indicators.empty:
        return []
    order = pd.unique(indicators["indicator_id"])
    groups = {key: rows for key, rows in indicators.groupby("indicator_id", sort=False)}
    return [indicator_view(groups[i], threshold, label) for i in order]


def series_download(views: list[IndicatorView], threshold: int, label: str) -> pd.DataFrame:
    """Every figure of the given indicators, one row per period, as a download gives it
    (hidden counts as the label, never the number)."""
    frames = []
    for v in views:
        plain = v.series["shown"].where(v.series["hidden"], v.series["plotted"].map(plain_number))
        frames.append(pd.DataFrame({"indicator_id": v.indicator_id, "indicator": v.name, "priority": v.priority,
                                    "unit": v.unit, "period": v.series["period"], "value": plain.to_numpy(),
                                    "source": v.source}))
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "indicator", "priority", "unit", "period", "value", "source"])
    return pd.concat(frames, ignore_index=True)


def summary_download(views: list[IndicatorView]) -> pd.DataFrame:
    """One row per indicator: latest, baseline, target, change, status and why."""
    return pd.DataFrame([v.summary_row() for v in views])


# -- police.uk-derived indicators ---------------------------------------------------------------

def police_uk_indicators(crimes: pd.DataFrame, priorities, filters: Filters,
                         data_months: pd.DatetimeIndex) -> tuple[pd.DataFrame, list[str]]:
    """Quarterly counts of each priority's configured police.uk categories in the sidebar's
    scope and months, in the ``indicators`` shape (unit count, polarity "neither", not sensitive).

    Only calendar quarters whose three months all lie within the chosen months are counted;
    a quarter with a month missing from the data gets no figure (a gap, not a zero).

    Parameters
    ----------
    crimes : the crime records: month, category, lsoa_code.
    priorities : config.priorities.
    filters : the sidebar's filters (their categories do not apply: an indicator is its category).
    data_months : the months the crime data covers (with at least one record).

    Returns
    -------
    (rows, notes): rows in ``INDICATOR_COLUMNS``; notes say plainly why a configured
    category has no rows (no record of it anywhere in the store, most likely misspelt in
    csp.toml; or no complete quarter in the months chosen).
    """
    wanted = [(p.name, c) for p in priorities for c in p.police_uk_categories]
    empty = pd.DataFrame(columns=INDICATOR_COLUMNS)
    if not wanted:
        return empty, []
    names = ", ".join(sorted({c for _, c in wanted}))
    if crimes is None or len(data_months) == 0:
        return empty, [f"No police.uk records are loaded, so {names} cannot be counted."]
    known = set(crimes["category"].unique())
    missing = sorted({c for _, c in wanted if c not in known})
    notes = [f"'{c}' (csp.toml, police_uk_categories) is not a category in the crime data: check its spelling "
             f"against police.uk's." for c in missing]
    start = filters.start if filters.start is not None else data_months.min()
    end = filters.end if filters.end is not None else data_months.max()
    quarters = _complete_quarters(start, end)
    if not quarters:
        notes.append(f"The months chosen ({start:%b %Y} to {end:%b %Y}) hold no complete calendar quarter, so "
                     f"{names} are not counted: choose at least one whole quarter.")
        return empty, notes
    scoped = apply_filters(crimes, filters, categories=False)
    scoped = scoped[scoped["category"].isin([c for _, c in wanted])]
    quarter_of = scoped["month"].dt.to_period("Q").dt.start_time
    counts = scoped.groupby([scoped["category"], quarter_of], observed=True).size()
    have = set(pd.DatetimeIndex(data_months))
    covered = [all(q + pd.DateOffset(months=k) in have for k in range(3)) for q in quarters]
    rows = []
    for priority, category in wanted:
        if category in missing:
            continue
        for q, ok in zip(quarters, covered):
            value = float(counts.get((category, q), 0)) if ok else np.nan
            note = CATEGORY_NOTES.get(category)
            rows.append({
                "indicator_id": f"{POLICE_UK_PREFIX}{slug(category).replace('-', '_')}", "priority": priority,
                "name": f"{category} (police.uk records{', ' + filters.scope_label if filters.scope_label else ''})",
                "unit": "count", "polarity": POLICE_UK_POLARITY, "period": period_label(q, "quarter"),
                "period_type": "quarter", "period_start": q, "period_end": _period_end(q, "quarter"),
                "value": value, "baseline": np.nan, "target": np.nan, "sensitive": False,
                "source": "police.uk, counted from the store",
                "note": f"police.uk {category}: {note}." if note else "",
            })
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS + ["note"]), notes


def _complete_quarters(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    first = pd.Period(start, "Q").start_time
    if first < start:
        first = (pd.Period(start, "Q") + 1).start_time
    out = []
    q = first
    while q + pd.DateOffset(months=2) <= end:
        out.append(q)
        q = q + pd.DateOffset(months=3)
    return out


# -- actions ------------------------------------------------------------------------------------

def as_of_date(indicators: pd.DataFrame | None, actions: pd.DataFrame | None) -> pd.Timestamp | None:
    """The date the partnership's data speaks for: the end of the latest indicator period or
    the latest action update, whichever is later. Not today's date: a plan last reviewed in
    March 2021 says nothing about what happened after."""
    dates = []
    if indicators is not None and len(indicators):
        dates.append(indicators["period_end"].max())
    if actions is not None and len(actions) and "last_update" in actions:
        dates.append(actions["last_update"].max())
    dates = [d for d in dates if pd.notna(d)]
    return pd.Timestamp(max(dates)) if dates else None


def actions_view(actions: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """The action plan as shown: action, owner, due, status, last update, note, and whether
    it is overdue (due before the as-of date and not Complete), with by how long.

    With no as-of date, ``overdue`` is False throughout and ``overdue by`` says why.
    """
    if actions is None or actions.empty:
        return pd.DataFrame(columns=["priority", "action", "owner", "due", "status", "overdue", "overdue by",
                                     "last update", "note"])
    done = actions["status"].astype(str).str.strip().str.lower() == COMPLETE
    due = pd.to_datetime(actions["due_date"])
    if as_of is None:
        overdue = pd.Series(False, index=actions.index)
        by = pd.Series("no as-of date", index=actions.index)
    else:
        overdue = (due < as_of) & ~done
        by = pd.Series([_overdue_by(as_of - d) if o else "" for d, o in zip(due, overdue)], index=actions.index)
    last = (pd.to_datetime(actions["last_update"]) if "last_update" in actions
            else pd.Series(pd.NaT, index=actions.index))
    return pd.DataFrame({
        "priority": actions["priority"].astype(str),
        "action": actions["action"].astype(str),
        "owner": actions["owner"].astype(str),
        "due": due.dt.strftime("%d %b %Y"),
        "status": actions["status"].astype(str),
        "overdue": overdue.astype(bool),
        "overdue by": by,
        "last update": last.dt.strftime("%d %b %Y").fillna(""),
        "note": actions["note"].fillna("").astype(str) if "note" in actions else "",
    }).reset_index(drop=True)


def _overdue_by(delta: pd.Timedelta) -> str:
    days = int(delta.days)
    if days < 61:
        return f"{days} day{'s' if days != 1 else ''}"
    months = int(round(days / 30.4375))
    return f"{months} months"


# -- sections -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    """One section of the page: a configured priority (``priority`` set) or a name found only in the files."""

    name: str
    priority: object | None  # config.Priority
    indicator_ids: tuple[str, ...]
    actions: pd.DataFrame


def sections(priorities, indicators: pd.DataFrame | None,
             actions: pd.DataFrame | None) -> tuple[list[Section], list[Section]]:
    """The configured priorities in csp.toml's order, then the priorities the indicators or
    actions files name that csp.toml does not (in order of first appearance), so nothing in
    the files goes unshown."""
    ind = indicators if indicators is not None else pd.DataFrame(columns=["indicator_id", "priority"])
    act = actions if actions is not None else pd.DataFrame(columns=["priority"])
    ind_priority = ind["priority"].astype(str).str.strip()
    act_priority = act["priority"].astype(str).str.strip()

    def section(name: str, priority) -> Section:
        ids = tuple(pd.unique(ind.loc[ind_priority == name, "indicator_id"]))
        return Section(name, priority, ids, act[act_priority == name])

    configured = [section(p.name.strip(), p) for p in priorities]
    names = {p.name.strip() for p in priorities}
    others = [n for n in pd.unique(pd.concat([ind_priority, act_priority], ignore_index=True)) if n not in names]
    return configured, [section(n, None) for n in others]
