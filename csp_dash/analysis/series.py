"""Monthly series: counts by category and by the groups the strategy reports, financial
years, and rates on real population denominators.

Every function is pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

ASB = "Anti-social behaviour"
ALL_CRIME = "All recorded crime (excluding ASB)"
SAC = "Serious acquisitive crime"
VSO = "Violence and sexual offences"

# The strategy's groups as police.uk proxies. police.uk's "Burglary" includes non-domestic
# burglary, and "Vehicle crime" covers theft of and from vehicles and interference.
SAC_CATEGORIES = ("Burglary", "Robbery", "Vehicle crime")
GROUP_NOTES = {
    ALL_CRIME: "every police.uk category except anti-social behaviour",
    ASB: "police.uk's anti-social behaviour incidents",
    SAC: "police.uk Burglary + Robbery + Vehicle crime; police.uk's Burglary includes non-domestic burglary, "
         "so this is wider than the strategy's domestic burglary",
    VSO: "police.uk's violence and sexual offences category",
}


def group_categories(group: str, categories: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The police.uk categories making up a group (or a single category, itself)."""
    if group == ALL_CRIME:
        return tuple(c for c in categories if c != ASB)
    if group == SAC:
        return SAC_CATEGORIES
    return (group,)


def series_names(categories: list[str] | tuple[str, ...]) -> list[str]:
    """The strategy's groups first, then every category."""
    return [ALL_CRIME, ASB, SAC, VSO] + [c for c in sorted(categories) if c not in (ASB, VSO)]


def month_index(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="MS")


def monthly_counts(crimes: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Records per month (rows, every month of ``months``, zeros included) and category (columns)."""
    counts = crimes.groupby(["month", "category"], observed=True).size().unstack("category", fill_value=0)
    return counts.reindex(months, fill_value=0).rename_axis("month").astype("int64")


def group_series(counts: pd.DataFrame, name: str) -> pd.Series:
    """One named series (a group or a category) from ``monthly_counts``."""
    cats = [c for c in group_categories(name, list(counts.columns)) if c in counts.columns]
    return counts[cats].sum(axis=1).rename(name) if cats else pd.Series(0, index=counts.index, name=name)


def financial_year_start(months: pd.Series | pd.DatetimeIndex) -> pd.Series | np.ndarray:
    """The calendar year in which each month's financial year (April to March) starts."""
    m = pd.DatetimeIndex(months)
    return np.where(m.month >= 4, m.year, m.year - 1)


def financial_year_label(start_year: int) -> str:
    """2017 -> '2017/18'."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Denominators:
    """Residents in scope for each month, and how each month's figure was chosen."""

    population: pd.Series  # indexed by month
    year_used: pd.Series  # mid-year estimate used for each month
    lsoas_covered: int  # LSOAs of the scope with a population figure
    lsoas_in_scope: int

    @property
    def complete(self) -> bool:
        return self.lsoas_covered == self.lsoas_in_scope

    def note(self) -> str:
        years = sorted(set(self.year_used.dropna().astype(int)))
        text = ("Residents from the ONS mid-year estimate of each month's calendar year"
                if len(years) > 1 else f"Residents from the mid-{years[0]} estimate" if years else "")
        exact = self.year_used.index.year == self.year_used
        if years and not exact.all():
            text += "; months beyond the estimates loaded use the nearest year available"
        if not self.complete:
            # Records are counted in every LSOA of the scope, so residents of only some of them
            # would overstate the rate: no rate is better than a wrong one.
            verb = "has" if self.lsoas_covered == 1 else "have"
            text = (f"Rates are not shown: only {self.lsoas_covered} of the {self.lsoas_in_scope} LSOAs in scope "
                    f"{verb} a population figure in every year used, and a rate needs the residents of every LSOA "
                    f"whose records it counts (are the estimates for another LSOA vintage?)")
        return text + "."


def denominators(population: pd.DataFrame | None, lsoa_codes: list[str] | tuple[str, ...],
                 months: pd.DatetimeIndex) -> Denominators | None:
    """Residents of the given LSOAs for each month, from the estimate for the month's year.

    A month outside the years loaded takes the nearest year (earlier on a tie). Returns
    None when no population is loaded for these LSOAs: rates are then unavailable, never
    guessed.
    """
    if population is None or population.empty or len(months) == 0:
        return None
    scoped = population[population["lsoa_code"].isin(lsoa_codes)]
    if scoped.empty:
        return None
    by_year = scoped.groupby("year")["population"].sum()
    covered = scoped.groupby("year")["lsoa_code"].nunique()
    years = np.array(sorted(by_year.index))
    wanted = months.year.to_numpy()
    # Nearest available year: exact if present, else the closest (earlier on a tie).
    distance = np.abs(years[None, :] - wanted[:, None]) * 2 + (years[None, :] > wanted[:, None])
    chosen = years[distance.argmin(axis=1)]
    return Denominators(
        population=pd.Series(by_year.loc[chosen].to_numpy(), index=months, name="population", dtype="float64"),
        year_used=pd.Series(chosen, index=months, name="year"),
        lsoas_covered=int(covered.loc[chosen].min()),
        lsoas_in_scope=len(set(lsoa_codes)),
    )


def annual_rate_per_1000(counts: pd.Series, population: pd.Series) -> pd.Series:
    """Monthly counts as crimes per 1,000 residents per year (the month's count times 12)."""
    return (counts * 12 / population * 1000).rename(counts.name)


def financial_year_totals(series: pd.Series, complete_only: bool = True) -> pd.DataFrame:
    """Counts by financial year, with the number of months present; partial years dropped
    unless ``complete_only`` is False."""
    fy = financial_year_start(series.index)
    table = pd.DataFrame({"count": series.to_numpy(), "fy": fy}).groupby("fy").agg(
        count=("count", "sum"), months=("count", "size"))
    if complete_only:
        table = table[table["months"] == 12]
    table.index = [financial_year_label(y) for y in table.index]
    return table
