"""The tables the Trends page shows: which series are on offer, their monthly counts and
rates, each category's share, and the financial years a user can compare.

Pure functions: DataFrames in, DataFrames out. A month the store holds no record for at
all (a gap between downloads) is missing, not zero: it is NaN in every series here, so a
chart breaks the line and a comparison or control chart never reads it as a quiet month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_dash.analysis import series as S
from csp_dash.analysis.coverage import month_ranges

CHOSEN = "Chosen categories"


def series_options(all_categories: list[str] | tuple[str, ...],
                   chosen: list[str] | tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Series on offer -> the police.uk categories each one adds up.

    With no categories chosen: the strategy's groups, then every category. With some chosen,
    only what they cover: their total (when there are several), each group whose categories
    are all chosen, and each chosen category. A group is never shown cut down to part of
    itself under its own name.
    """
    all_categories = tuple(all_categories)
    members = {name: tuple(c for c in S.group_categories(name, all_categories) if c in all_categories)
               for name in S.series_names(all_categories)}
    members = {name: cats for name, cats in members.items() if cats}
    if not chosen:
        return members
    chosen_set = set(chosen) & set(all_categories)
    options: dict[str, tuple[str, ...]] = {}
    if len(chosen_set) > 1:
        options[CHOSEN] = tuple(sorted(chosen_set))
    for name, cats in members.items():
        if name not in all_categories and set(cats) <= chosen_set:
            options[name] = cats
    for name in sorted(chosen_set):
        options[name] = (name,)
    return options


def series_note(name: str, members: tuple[str, ...]) -> str:
    """One line saying what a series counts."""
    if name in S.GROUP_NOTES:
        return f"{name}: {S.GROUP_NOTES[name]}."
    if name == CHOSEN:
        return f"{CHOSEN}: {', '.join(members)}."
    return f"{name}: the police.uk category."


def category_counts(crimes: pd.DataFrame, months: pd.DatetimeIndex,
                    gaps: list[pd.Timestamp] | tuple = ()) -> pd.DataFrame:
    """Records per month (rows: every month of ``months``) and category (columns).

    Zero where the store has the month but no record of the category; NaN in every column
    for a month in ``gaps`` (no records at all in the store that month).
    """
    counts = S.monthly_counts(crimes, months).astype("float64")
    missing = counts.index.isin(pd.DatetimeIndex(list(gaps)))
    counts.loc[missing, :] = np.nan
    return counts


def monthly_series(counts: pd.DataFrame, options: dict[str, tuple[str, ...]],
                   names: list[str] | None = None) -> pd.DataFrame:
    """Monthly counts of each named series (columns, in order) from ``category_counts``."""
    names = list(options) if names is None else names
    gap = counts.isna().all(axis=1) if counts.shape[1] else pd.Series(False, index=counts.index)
    out = {}
    for name in names:
        cats = [c for c in options[name] if c in counts.columns]
        total = counts[cats].sum(axis=1) if cats else pd.Series(0.0, index=counts.index)
        out[name] = total.mask(gap)
    return pd.DataFrame(out, index=counts.index).rename_axis("month")


def rates_per_1000(series: pd.DataFrame, residents: pd.Series) -> pd.DataFrame:
    """Each monthly count as an annual rate: crimes per 1,000 residents per year.

    A month's count times 12, over the residents of the scope that month, times 1,000 -
    so a month reads on the same scale as a year's rate.
    """
    residents = residents.reindex(series.index)
    return series.apply(lambda col: S.annual_rate_per_1000(col, residents))


def tidy_series(counts: pd.DataFrame, rates: pd.DataFrame | None = None,
                residents: pd.Series | None = None) -> pd.DataFrame:
    """The long table behind the monthly chart: month, series, count (and residents, rate)."""
    long = counts.rename_axis("month").reset_index().melt("month", var_name="series", value_name="count")
    long["count"] = long["count"].astype("Int64")
    if rates is not None and residents is not None:
        long["residents"] = long["month"].map(residents).astype("Int64")
        rate_long = rates.rename_axis("month").reset_index().melt("month", var_name="series", value_name="rate")
        long["rate_per_1000_per_year"] = rate_long["rate"].round(2).to_numpy()
    long["month"] = long["month"].dt.strftime("%Y-%m")
    return long


def category_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Each category's records over the months, and its share of all records and of
    recorded crime (every category but ASB; blank for ASB itself), largest first."""
    totals = counts.sum(axis=0, min_count=1).fillna(0).astype("int64")
    totals = totals[totals > 0].sort_values(ascending=False)
    crime_total = totals.drop(S.ASB, errors="ignore").sum()
    table = pd.DataFrame({"category": totals.index, "records": totals.to_numpy()})
    table["share_of_all_pct"] = (table["records"] / totals.sum() * 100).round(1) if totals.sum() else np.nan
    is_crime = table["category"] != S.ASB
    table["share_of_recorded_crime_pct"] = np.where(
        is_crime & (crime_total > 0), (table["records"] / max(crime_total, 1) * 100).round(1), np.nan)
    return table.reset_index(drop=True)


def shares_by_year(counts: pd.DataFrame) -> pd.DataFrame:
    """Each category's share (%) of all records in each complete financial year in view."""
    if counts.empty:
        return pd.DataFrame()
    fy = S.financial_year_start(counts.index)
    present = counts.notna().all(axis=1).to_numpy()
    complete = pd.Series(present).groupby(fy).agg(["sum", "size"])
    years = [y for y, row in complete.iterrows() if row["sum"] == 12]
    if not years:
        return pd.DataFrame()
    by_year = counts.groupby(fy).sum().loc[years]
    shares = (by_year.div(by_year.sum(axis=1), axis=0) * 100).round(1).T
    shares.columns = [S.financial_year_label(y) for y in years]
    return shares.rename_axis("category").reset_index()


def financial_years(index: pd.DatetimeIndex, values: pd.Series | None = None) -> list[int]:
    """Start years of the financial years with all twelve months in ``index`` and at least one
    of them held (with ``values``: not NaN). A partly held year may be chosen: comparisons pair
    its held months with the same months of the other year (``coverage.paired_months``)."""
    if len(index) == 0:
        return []
    ok = np.ones(len(index), bool) if values is None else values.reindex(index).notna().to_numpy()
    fy = S.financial_year_start(index)
    table = pd.DataFrame({"fy": fy, "ok": ok}).groupby("fy")["ok"].agg(["sum", "size"])
    return [int(y) for y, row in table.iterrows() if row["size"] == 12 and row["sum"] > 0]


def default_years(years: list[int], strategy_start: str) -> tuple[int | None, int | None]:
    """(chosen, baseline): the latest complete year, against the financial year before the
    strategy period (or the earliest year there is, if that one is not in the data).

    The rule when the strategy period holds data; ``year_defaults`` says when it does not."""
    if not years:
        return None, None
    chosen = max(years)
    before = int(S.financial_year_start(pd.DatetimeIndex([pd.Timestamp(f"{strategy_start}-01")]))[0]) - 1
    baseline = before if before in years else min(years)
    if baseline == chosen and len(years) > 1:
        baseline = sorted(years)[-2]
    return chosen, baseline


# The strategy period counts as holding data when at least half its months are held (the share
# a like-for-like comparison needs, coverage.MIN_PAIRED_SHARE); a default chosen year should
# hold at least half of its twelve months too.
MIN_STRATEGY_SHARE = 0.5
MIN_YEAR_MONTHS = 6


@dataclass(frozen=True)
class YearDefaults:
    """The Trends page's default chosen and baseline financial years, and why, when it is not
    the strategy's rule."""

    chosen: int | None
    baseline: int | None
    notice: str  # plain language for the page; "" when the strategy period holds data


def months_held_by_year(held) -> dict[int, int]:
    """Financial year (start year) -> months held in it, for the years holding any."""
    held = pd.DatetimeIndex(pd.unique(pd.DatetimeIndex(held)))
    if len(held) == 0:
        return {}
    counts = pd.Series(S.financial_year_start(held)).value_counts()
    return {int(y): int(n) for y, n in sorted(counts.items())}


def _strategy_months(start: str, end: str) -> pd.DatetimeIndex:
    return pd.date_range(f"{start}-01", f"{end}-01", freq="MS")


def year_defaults(years: list[int], held, strategy_start: str, strategy_end: str,
                  store_held=None) -> YearDefaults:
    """The default (chosen, baseline) financial years, with a notice when the strategy period
    holds no data (or too little) to anchor them.

    Parameters
    ----------
    years : the financial years on offer (start years), complete or partly held.
    held : the months with data in view (the chosen series' months that are not NaN).
    strategy_start, strategy_end : the strategy period, YYYY-MM (config.strategy).
    store_held : every month the store holds; when given, a strategy period the store holds
        but the months in view leave out is said to be outside the months chosen, not missing
        from the store.

    The chosen year is the latest on offer holding at least ``MIN_YEAR_MONTHS`` months (the
    latest on offer if none does). When at least ``MIN_STRATEGY_SHARE`` of the strategy
    period's months are held in view, the baseline is ``default_years``' (the year before the
    strategy period) and there is no notice. Otherwise the baseline is the latest year on offer
    before the chosen one (the earliest other one if there is none before), and the notice
    says so. A year on offer with no held month at all never becomes a default unless it is
    all there is.
    """
    years = sorted(int(y) for y in years)
    held = pd.DatetimeIndex(held)
    by_year = months_held_by_year(held)
    enough = [y for y in years if by_year.get(y, 0) >= MIN_YEAR_MONTHS]
    chosen = enough[-1] if enough else (years[-1] if years else None)
    others = [y for y in years if y != chosen]
    strategy = _strategy_months(strategy_start, strategy_end)
    need = max(1, int(np.ceil(len(strategy) * MIN_STRATEGY_SHARE)))
    in_view = int(strategy.isin(held).sum())
    if in_view >= need:
        chosen, baseline = default_years([y for y in years if y <= chosen], strategy_start)
        if baseline == chosen and others:
            baseline = others[0]
        return YearDefaults(chosen, baseline, notice="")

    span = f"{strategy[0]:%b %Y} to {strategy[-1]:%b %Y}"
    in_store = int(strategy.isin(pd.DatetimeIndex(store_held)).sum()) if store_held is not None else in_view
    if in_store < need:
        where = ("holds no data in this store" if in_store == 0 else
                 f"holds only {in_store} of its {len(strategy)} months in this store")
    else:
        where = ("is outside the months chosen in the sidebar" if in_view == 0 else
                 f"has only {in_view} of its {len(strategy)} months in the months chosen in the sidebar")
    head = f"The strategy period ({span}) {where}"
    if not years:
        return YearDefaults(None, None, f"{head}.")

    earlier = [y for y in years if y < chosen]
    baseline = earlier[-1] if earlier else (others[0] if others else chosen)

    later = [y for y, n in by_year.items() if y > chosen and n >= MIN_YEAR_MONTHS]
    if chosen >= max(by_year, default=chosen):
        which = "the latest financial year with data"
    elif not later:
        which = f"the latest financial year with at least {MIN_YEAR_MONTHS} months of data"
    else:  # a later year holds data but is not on offer (not complete, say)
        which = "the latest financial year on offer"
    label, base_label = S.financial_year_label(chosen), S.financial_year_label(baseline)
    if baseline == chosen:
        against = "with no other year to compare it with"
    elif baseline == chosen - 1:
        against = f"against the one before, {base_label}"
    elif baseline < chosen:
        against = f"against {base_label}, the latest year before it with data"
    else:
        against = f"against {base_label}, as no year before it has data"
    return YearDefaults(chosen, baseline, f"{head}; showing {which}, {label}, {against}.")


def unplaced_records(crimes: pd.DataFrame) -> int:
    """Records in the district placed by a reported LSOA that is not an area LSOA of the
    configured geography (``lsoa_code`` null): counted in the district, in no town or LSOA."""
    return int(crimes["lsoa_code"].isna().sum())


def summarise_signals(signals: pd.DataFrame) -> list[str]:
    """Control chart signals as a few lines of words, one per rule and direction.

    ``signals`` is ``spc.describe_signals``. Points beyond a limit are listed as month
    ranges (a shift can put dozens past a limit); runs, trends and 2-of-3 clusters are few,
    so each keeps its own sentence.
    """
    lines: list[str] = []
    beyond = signals[signals["rule"] == "beyond a control limit"]
    for direction, side in (("high", "above the upper control limit"), ("low", "below the lower control limit")):
        months = list(beyond.loc[beyond["direction"] == direction, "start"])
        if months:
            n = len(months)
            lines.append(f"{n} month{'s' if n != 1 else ''} {side}: {'; '.join(month_ranges(months))}")
    for _, row in signals[signals["rule"] != "beyond a control limit"].iterrows():
        lines.append(row["text"])
    return lines


# -- what the page says and offers for download ---------------------------------------------------

COMPARISON_METHOD = (
    "Each comparison pairs every month with the same month of the other period and keeps only the months the "
    "store holds in both, so a gap is never compared with records. When those months' counts vary as Poisson "
    "counts do, the change is tested exactly (a two-sided binomial test on the current count given the total); "
    "when they vary more (a dispersion test says so), by a quasi-Poisson test that widens the uncertainty by the "
    "measured dispersion. The download names the test of each row. 'Unlikely to be chance' means p < 0.05; "
    "'within normal variation' means a change this size happens often by chance alone. Financial years run "
    "April to March.")

CHART_METHODS = {
    "c": "c-chart: centre = mean monthly count over the baseline months, limits = centre +- 3 x square root of "
         "the centre (Poisson)",
    "u": "u-chart: centre = baseline records over baseline residents, as a rate per 1,000 residents a year; "
         "limits = centre +- 3 x square root of (centre / each month's exposure), so they move with the "
         "population",
    "xmr": "XmR chart of monthly counts: centre = baseline mean, sigma = mean moving range / 1.128",
}
SIGNAL_RULES = (
    "Signals: a point beyond a 3-sigma limit; 7 or more points in a row on one side of the centre; 6 or more "
    "points in a row each rising or each falling; 2 of 3 points in a row beyond the same 2-sigma line. A month "
    "with no signal is normal variation, whatever last year's month was.")


def comparison_bullets(comparisons: pd.DataFrame, per_resident: pd.DataFrame | None = None) -> list[str]:
    """One markdown line per ``significance.period_comparisons`` row, with the change in the
    rate per resident beside it when ``per_resident`` (the same rows with population) is given.
    A withheld row says why; a row on fewer months than the periods hold says which."""
    out = []
    for i, row in comparisons.iterrows():
        head = f"**{row['comparison']}** ({row['current_label']} against {row['baseline_label']}): "
        if pd.isna(row["current"]):
            out.append(head + str(row["words"]))
            continue
        text = head + f"{row['current']:,.0f} against {row['baseline']:,.0f} - **{row['words']}**"
        if per_resident is not None and i in per_resident.index and pd.notna(per_resident.loc[i, "change_pct"]):
            text += f"; per resident {per_resident.loc[i, 'change_pct']:+.1f}%"
        if row.get("note"):
            text += f" ({row['note']})"
        out.append(text)
    return out


def comparison_table(comparisons: pd.DataFrame, per_resident: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """The comparisons' download: every test figure, the series, and the rate change if known."""
    table = comparisons.drop(columns=["ratio", "exposure_ratio"]).assign(series=name)
    if per_resident is not None:
        table["rate_change_pct"] = per_resident["change_pct"].reindex(table.index)
    return table.round(4)


def chart_table(chart: pd.DataFrame, name: str, kind: str) -> pd.DataFrame:
    """The control chart's download: each month's value, lines and signal flags."""
    shown = chart.drop(columns=["sigma"]).round(3).rename_axis("month").reset_index()
    shown["month"] = shown["month"].dt.strftime("%Y-%m")
    return shown.assign(series=name, chart=kind)


def signals_table(signals: pd.DataFrame) -> pd.DataFrame:
    """The signals' download, months as YYYY-MM (an empty table when there are none)."""
    def month_text(col: pd.Series) -> pd.Series:
        return pd.to_datetime(col).dt.strftime("%Y-%m") if len(col) else col.astype("str")

    return signals.assign(start=month_text(signals["start"]), end=month_text(signals["end"]))


def share_of_months_beyond(chart: pd.DataFrame) -> float:
    """Months beyond a control limit, of the months with a value."""
    return float(chart["beyond"].sum() / max(chart["value"].notna().sum(), 1))


def shares_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``category_shares`` with each complete financial year's share of all records beside it."""
    shares = category_shares(counts)
    by_year = shares_by_year(counts)
    return shares.merge(by_year, on="category", how="left") if not by_year.empty else shares
