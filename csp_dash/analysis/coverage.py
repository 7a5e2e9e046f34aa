"""What the store covers: records by month and category, gaps, and unplaceable records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def all_months(months: pd.Series) -> pd.DatetimeIndex:
    """Every calendar month from the first to the last present, gaps included."""
    if months.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(months.min(), months.max(), freq="MS")


def coverage_matrix(crimes: pd.DataFrame) -> pd.DataFrame:
    """Records per category (rows) and month (columns): 0 for a category with no record in a
    month the store holds, NaN (blank, never zero) for a month the store does not hold."""
    counts = crimes.groupby(["category", "month"], observed=True).size().unstack("month", fill_value=0)
    return counts.reindex(columns=all_months(crimes["month"])).astype("Float64").astype("float64").sort_index()


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


# --- coverage of a range: the one notion every figure goes through ---------------------------
#
# A month is *held* when the store holds police.uk data for it (any record at all in the
# area). A held month with no record of some category is a true zero; a month that is not
# held is unknown and is NaN in every series, never zero. Every comparison pairs months and
# keeps only the pairs held on both sides; every rate uses held months as its exposure; every
# baseline is a run of consecutive held months.

MIN_PAIRED_SHARE = 0.5  # a comparison needs at least half its months held on both sides


def held_months(months) -> pd.DatetimeIndex:
    """The distinct months the store holds, sorted (from the crimes table's ``month``)."""
    return pd.DatetimeIndex(sorted(pd.unique(pd.Series(months).dropna()))) if len(months) else pd.DatetimeIndex([])


@dataclass(frozen=True)
class Coverage:
    """Which months of a range the store holds."""

    months: pd.DatetimeIndex  # every calendar month of the range
    held: pd.DatetimeIndex  # those the store holds

    @property
    def missing(self) -> pd.DatetimeIndex:
        return self.months.difference(self.held)

    @property
    def complete(self) -> bool:
        return len(self.missing) == 0

    def mask(self, index) -> np.ndarray:
        """True where a month of ``index`` is held."""
        return np.asarray(pd.DatetimeIndex(index).isin(self.held))

    def describe(self) -> str:
        """"61 of 87 months held; no data for Mar 2019 to Apr 2021 (26 months)"."""
        n, total = len(self.held), len(self.months)
        if total == 0:
            return "no months in range"
        if self.complete:
            return f"all {total} months held"
        return (f"{n} of {total} months held; no data for " + "; ".join(month_ranges(list(self.missing))))

    def as_dict(self) -> dict:
        return {"months_in_range": len(self.months), "months_held": len(self.held),
                "months_missing": len(self.missing),
                "first": _ym(self.months[0]) if len(self.months) else None,
                "last": _ym(self.months[-1]) if len(self.months) else None,
                "missing": [_ym(m) for m in self.missing], "missing_ranges": month_ranges(list(self.missing))}


def _ym(m) -> str:
    return f"{pd.Timestamp(m):%Y-%m}"


def coverage(held, start: pd.Timestamp, end: pd.Timestamp) -> Coverage:
    """The coverage of the months ``start`` to ``end`` (inclusive) by the ``held`` months."""
    months = pd.date_range(start, end, freq="MS") if start is not None and end is not None and start <= end \
        else pd.DatetimeIndex([])
    return Coverage(months=months, held=months.intersection(pd.DatetimeIndex(held)))


@dataclass(frozen=True)
class PairedMonths:
    """Two periods of equal length compared month by month, keeping only the months held on
    both sides (``current[i]`` pairs with ``baseline[i]``)."""

    current: pd.DatetimeIndex  # the current period's months kept
    baseline: pd.DatetimeIndex  # their partners in the baseline period
    length: int  # months in each period as asked
    dropped: tuple[pd.Timestamp, ...]  # months of either period left out (they or their partner not held)
    missing: tuple[pd.Timestamp, ...]  # months of either period the store does not hold

    @property
    def enough(self) -> bool:
        """At least ``MIN_PAIRED_SHARE`` of the months (and one) are held on both sides."""
        return len(self.current) >= max(1, int(np.ceil(self.length * MIN_PAIRED_SHARE)))

    @property
    def complete(self) -> bool:
        return len(self.current) == self.length

    def note(self) -> str:
        """Why months were left out, naming the months the store does not hold; '' when none were."""
        if self.complete:
            return ""
        kept = len(self.current)
        gone = "; ".join(month_ranges(list(self.missing)))
        if not self.enough:
            if self.length == 1:
                return f"withheld: the store holds no data for {gone}"
            need = max(1, int(np.ceil(self.length * MIN_PAIRED_SHARE)))
            return (f"withheld: only {kept} of {self.length} months are held in both periods, and a comparison "
                    f"needs at least {need}; the store holds no data for {gone}")
        return (f"compares the {kept} of {self.length} months held in both periods; the store holds no data for "
                f"{gone}, so those months and their partners are left out")


def paired_months(current: pd.DatetimeIndex, baseline: pd.DatetimeIndex, held) -> PairedMonths:
    """Pair ``current[i]`` with ``baseline[i]`` and keep the pairs held on both sides."""
    current, baseline = pd.DatetimeIndex(current), pd.DatetimeIndex(baseline)
    if len(current) != len(baseline):
        raise ValueError(f"periods must be the same length; got {len(current)} and {len(baseline)} months")
    held = pd.DatetimeIndex(held)
    both = current.isin(held) & baseline.isin(held)
    dropped = sorted(set(current[~both]) | set(baseline[~both]))
    missing = sorted((set(current) | set(baseline)) - set(held))
    return PairedMonths(current=current[both], baseline=baseline[both], length=len(current),
                        dropped=tuple(dropped), missing=tuple(missing))


def previous_months(months: pd.DatetimeIndex, lag: int | None = None) -> pd.DatetimeIndex:
    """The months ``lag`` months earlier (default: the period just before, as long as ``months``)."""
    months = pd.DatetimeIndex(months)
    lag = len(months) if lag is None else lag
    return pd.DatetimeIndex([m - pd.DateOffset(months=lag) for m in months])


def runs(held) -> list[pd.DatetimeIndex]:
    """The held months split into runs of consecutive months, oldest first."""
    out: list[pd.DatetimeIndex] = []
    current: list[pd.Timestamp] = []
    for m in sorted(pd.DatetimeIndex(held)):
        if current and m != current[-1] + pd.offsets.MonthBegin(1):
            out.append(pd.DatetimeIndex(current))
            current = []
        current.append(m)
    if current:
        out.append(pd.DatetimeIndex(current))
    return out


def baseline_run(held, before: pd.Timestamp | None = None, min_months: int = 12,
                 max_months: int | None = None) -> pd.DatetimeIndex | None:
    """The default baseline: the latest run of consecutive held months ending before ``before``
    (all held months when None), its latest ``max_months`` at most; None when no run before
    then has ``min_months``. A baseline never straddles a gap: months either side of a gap
    may differ in recording, boundaries or the world itself."""
    held = pd.DatetimeIndex(held)
    if before is not None:
        held = held[held < pd.Timestamp(before)]
    for run in reversed(runs(held)):
        if len(run) >= min_months:
            return run[-max_months:] if max_months else run
    return None
