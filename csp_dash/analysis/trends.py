"""The tables the Trends page shows: which series are on offer, their monthly counts and
rates, each category's share, and the financial years a user can compare.

Pure functions: DataFrames in, DataFrames out. A month the store holds no record for at
all (a gap between downloads) is missing, not zero: it is NaN in every series here, so a
chart breaks the line and a comparison or control chart never reads it as a quiet month.
"""

from __future__ import annotations

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
    """Start years of the financial years with all twelve months in ``index`` (and, with
    ``values``, none of them missing)."""
    if len(index) == 0:
        return []
    ok = np.ones(len(index), bool) if values is None else values.reindex(index).notna().to_numpy()
    fy = S.financial_year_start(index)
    table = pd.DataFrame({"fy": fy, "ok": ok}).groupby("fy")["ok"].agg(["sum", "size"])
    return [int(y) for y, row in table.iterrows() if row["sum"] == 12]


def default_years(years: list[int], strategy_start: str) -> tuple[int | None, int | None]:
    """(chosen, baseline): the latest complete year, against the financial year before the
    strategy period (or the earliest year there is, if that one is not in the data)."""
    if not years:
        return None, None
    chosen = max(years)
    before = int(S.financial_year_start(pd.DatetimeIndex([pd.Timestamp(f"{strategy_start}-01")]))[0]) - 1
    baseline = before if before in years else min(years)
    if baseline == chosen and len(years) > 1:
        baseline = sorted(years)[-2]
    return chosen, baseline


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
    "Each change is tested as two Poisson counts: an exact two-sided binomial test on the current count given "
    "the total, with a 95% Clopper-Pearson interval on the rate ratio. 'Unlikely to be chance' means p < 0.05; "
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
    rate per resident beside it when ``per_resident`` (the same rows with population) is given."""
    out = []
    for i, row in comparisons.iterrows():
        text = (f"**{row['comparison']}** ({row['current_label']} against {row['baseline_label']}): "
                f"{row['current']:,} against {row['baseline']:,} - **{row['words']}**")
        if per_resident is not None and i in per_resident.index and pd.notna(per_resident.loc[i, "change_pct"]):
            text += f"; per resident {per_resident.loc[i, 'change_pct']:+.1f}%"
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
