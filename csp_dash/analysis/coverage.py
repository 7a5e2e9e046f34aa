"""What the store covers: records by month and category, gaps, and unplaceable records."""

from __future__ import annotations

import pandas as pd


def all_months(months: pd.Series) -> pd.DatetimeIndex:
    """Every calendar month from the first to the last present, gaps included."""
    if months.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(months.min(), months.max(), freq="MS")


def coverage_matrix(crimes: pd.DataFrame) -> pd.DataFrame:
    """Records per category (rows) and month (columns), with 0 for empty cells and gap months."""
    counts = crimes.groupby(["category", "month"], observed=True).size().unstack("month", fill_value=0)
    return counts.reindex(columns=all_months(crimes["month"]), fill_value=0).sort_index()


def missing_months(crimes: pd.DataFrame) -> list[pd.Timestamp]:
    present = set(crimes["month"].unique())
    return [m for m in all_months(crimes["month"]) if m not in present]


def month_ranges(months: list[pd.Timestamp]) -> list[str]:
    """Consecutive months joined into ranges: ["Mar 2019 to Apr 2021 (26 months)", "Jun 2022"]."""
    out: list[str] = []
    run: list[pd.Timestamp] = []
    for m in sorted(months):
        if run and m != run[-1] + pd.offsets.MonthBegin(1):
            out.append(_span(run))
            run = []
        run.append(m)
    if run:
        out.append(_span(run))
    return out


def _span(run: list[pd.Timestamp]) -> str:
    if len(run) == 1:
        return f"{run[0]:%b %Y}"
    return f"{run[0]:%b %Y} to {run[-1]:%b %Y} ({len(run)} months)"


def unlocated_share(unlocated: pd.DataFrame, aggregate: pd.DataFrame) -> pd.DataFrame:
    """Per force and month: records that could not be placed, of all the force's records.

    ``aggregate`` is crime_aggregate, which counts every accepted record of the force.
    """
    totals = aggregate.groupby(["force", "month"], observed=True)["crimes"].sum().rename("records")
    lost = unlocated.groupby(["force", "month"], observed=True).size().rename("unlocated")
    table = pd.concat([totals, lost], axis=1).fillna(0).astype("int64").reset_index()
    table["share"] = (table["unlocated"] / table["records"]).where(table["records"] > 0)
    return table.sort_values(["force", "month"]).reset_index(drop=True)


def rejects_by_reason(rejects: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rejected rows counted by table and reason, most frequent first."""
    rows = [
        {"table": table, "reason": reason, "rows": int(n)}
        for table, df in rejects.items() if len(df)
        for reason, n in df["reason"].value_counts().items()
    ]
    out = pd.DataFrame(rows, columns=["table", "reason", "rows"])
    return out.sort_values(["rows", "table"], ascending=[False, True]).reset_index(drop=True)
