"""Deprivation: the area's LSOAs by IMD 2019 decile, crime and ASB rates by decile, the
share of crime in the most deprived fifth, and the seven domains.

Deciles are the national ones published with the English Indices of Deprivation 2019
(decile 1 = the most deprived 10% of England's 32,844 LSOAs), never recomputed within the
area. Rates are per 1,000 residents per year over the chosen months, on the population
table; without it the functions return counts and leave rates empty, never guessing a
denominator. Every function is pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csp_dash.analysis.coverage import Coverage
from csp_dash.analysis.series import ALL_CRIME, ASB

DECILES = tuple(range(1, 11))
MOST_DEPRIVED_FIFTH = (1, 2)

# The IMD and its seven domains, in the order the IoD2019 publishes them.
DOMAINS = {
    "imd": "Index of Multiple Deprivation",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, skills and training",
    "health": "Health and disability",
    "crime": "Crime",
    "barriers": "Barriers to housing and services",
    "living_environment": "Living environment",
}
SEVEN_DOMAINS = tuple(k for k in DOMAINS if k != "imd")

SELECTED_CRIME = "Selected crime categories"
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


# -- words ------------------------------------------------------------------------------

def number_words(n: int) -> str:
    """One to nine in words, 10 and above in figures (as the strategy and GOV.UK style write them)."""
    n = int(n)
    return WORDS.get(n, f"{n:,}")


def decile_band(decile: int) -> str:
    """The national band a decile stands for: 1 -> 'most deprived 10%', 2 -> 'most deprived
    10-20%', 9 -> 'least deprived 10-20%', 10 -> 'least deprived 10%'."""
    d = int(decile)
    if d not in DECILES:
        raise ValueError(f"decile must be 1 to 10, got {decile!r}")
    side, k = ("most", d) if d <= 5 else ("least", 11 - d)
    span = "10%" if k == 1 else f"{(k - 1) * 10}-{k * 10}%"
    return f"{side} deprived {span}"


def decile_label(decile: int) -> str:
    """'1 · most deprived 10%', as the legend and axes write a decile."""
    return f"{int(decile)} · {decile_band(decile)}"


# -- counts of LSOAs --------------------------------------------------------------------

def in_scope(deprivation: pd.DataFrame, lsoa_codes) -> pd.DataFrame:
    """The deprivation rows of the given LSOAs (LSOAs absent from the table have none)."""
    return deprivation[deprivation["lsoa_code"].isin(set(lsoa_codes))]


def decile_counts(deprivation: pd.DataFrame, lsoa_codes) -> pd.DataFrame:
    """LSOAs in each national IMD decile, every decile 1-10 listed (zero when none).

    Returns columns ``decile``, ``band``, ``lsoas`` and ``share`` (of the LSOAs in scope
    that have a decile). LSOAs without a decile are not in any row; see ``unranked``.
    """
    deciles = in_scope(deprivation, lsoa_codes)["imd_decile"].dropna().astype("int64")
    counts = deciles.value_counts().reindex(DECILES, fill_value=0).astype("int64")
    total = int(counts.sum())
    return pd.DataFrame({
        "decile": list(DECILES),
        "band": [decile_band(d) for d in DECILES],
        "lsoas": counts.to_numpy(),
        "share": counts.to_numpy() / total if total else np.full(10, np.nan),
    })


def unranked(deprivation: pd.DataFrame, lsoa_codes) -> list[str]:
    """LSOAs in scope with no IMD decile (not in the file loaded, or a blank decile)."""
    ranked = set(in_scope(deprivation, lsoa_codes).dropna(subset=["imd_decile"])["lsoa_code"])
    return sorted(set(lsoa_codes) - ranked)


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


def deprivation_statement(counts: pd.DataFrame, lsoas_in_scope: int, place: str | None = None) -> str:
    """The strategy's kind of sentence, generated from ``decile_counts``.

    "Out of a total of 157 LSOAs in Central Bedfordshire, three are in the most deprived
    10-20% in England and a further 10 are in the most deprived 20-30%. None is in the most
    deprived 10%. ..." Numbers one to nine are written in words.

    Parameters
    ----------
    counts : DataFrame
        From ``decile_counts``.
    lsoas_in_scope : int
        LSOAs in the scope, with or without a decile.
    place : str, optional
        Where ("Central Bedfordshire", "Dunstable"); None for a set of chosen LSOAs.
    """
    c = dict(zip(counts["decile"], counts["lsoas"]))
    ranked = int(sum(c.values()))
    missing = lsoas_in_scope - ranked
    if ranked == 0:
        return "No LSOA in scope has an IMD 2019 decile: load the IoD2019 File 1 or File 2."
    where = f" in {place}" if place else " chosen"
    deprived = [(d, int(c[d])) for d in (1, 2, 3) if c[d]]
    if ranked == 1:
        d = next(d for d in DECILES if c[d])
        text = f"The one LSOA{where} with a decile is in the {decile_band(d)} in England (decile {d})."
    elif deprived:
        parts = []
        for i, (d, n) in enumerate(deprived):
            lead = "a further " if i and i == len(deprived) - 1 else ""
            parts.append(f"{lead}{number_words(n)} {_are(n)} in the {decile_band(d)}" + (" in England" if i == 0 else ""))
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        text = f"Out of a total of {number_words(ranked)} LSOAs{where}, {listed}."
        if not c[1]:
            text += " None is in the most deprived 10%."
    else:
        first = min(d for d in DECILES if c[d])
        n = int(c[first])
        who = "the most deprived is" if n == 1 else f"the most deprived {number_words(n)} are"
        text = (f"None of the {number_words(ranked)} LSOAs{where} is in the most deprived 30% in England; "
                f"{who} in the {decile_band(first)} (decile {first}).")
    least = int(c[9] + c[10])
    if ranked > 1 and least:
        text += (f" At the other end, {number_words(least)} ({least / ranked:.0%}) {_are(least)} in the "
                 "least deprived 20%.")
    if missing > 0:
        text += (f" {number_words(missing).capitalize()} LSOA{'s' if missing != 1 else ''} in scope "
                 f"{'have' if missing != 1 else 'has'} no IMD 2019 decile and {_are(missing)} not counted.")
    return text


# -- rates ------------------------------------------------------------------------------

def rate_groups(categories: list[str] | tuple[str, ...], chosen: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """The groups whose rates are shown: recorded crime (without ASB) and ASB, cut to the
    categories chosen in the filters (an empty choice means every category)."""
    chosen_set = set(chosen) if chosen else set(categories)
    crime = tuple(c for c in sorted(chosen_set) if c != ASB)
    groups: dict[str, tuple[str, ...]] = {}
    if crime:
        groups[ALL_CRIME if not chosen else SELECTED_CRIME] = crime
    if ASB in chosen_set:
        groups[ASB] = (ASB,)
    return groups


def nearest_years(available, months: pd.DatetimeIndex) -> np.ndarray:
    """For each month, the population year used: its calendar year if loaded, else the
    nearest year loaded (the earlier on a tie), as ``series.denominators`` chooses."""
    years = np.array(sorted(set(int(y) for y in available)))
    wanted = months.year.to_numpy()
    distance = np.abs(years[None, :] - wanted[:, None]) * 2 + (years[None, :] > wanted[:, None])
    return years[distance.argmin(axis=1)]


def person_years(population: pd.DataFrame | None, lsoa_codes, months: pd.DatetimeIndex) -> pd.Series | None:
    """Resident-years of each LSOA over ``months``: each month adds a twelfth of the
    LSOA's population in the year ``nearest_years`` picks.

    ``months`` are the months the store holds in the period, so a gap adds no exposure.
    Returns a float Series indexed by ``lsoa_code`` (NaN for an LSOA missing a year it
    needs, with a population of 0 or less, or with no population at all), or None when no
    population is loaded for these LSOAs.
    """
    codes = sorted(set(lsoa_codes))
    if population is None or population.empty or len(months) == 0:
        return None
    scoped = population[population["lsoa_code"].isin(codes)]
    if scoped.empty:
        return None
    chosen = pd.Series(nearest_years(scoped["year"], months)).value_counts()  # year -> months using it
    table = scoped.pivot_table(index="lsoa_code", columns="year", values="population", aggfunc="sum")
    table = table.reindex(index=codes, columns=chosen.index)
    # min_count: an LSOA missing any needed year gets NaN, not a partial sum; a population of 0 or
    # less is no denominator at all.
    table = table.where(table > 0)
    return (table * chosen / 12).sum(axis=1, min_count=len(chosen)).rename("person_years")


def population_years_text(population: pd.DataFrame | None, months: pd.DatetimeIndex) -> str:
    """Which mid-year estimates the rates use, in words (the caption names the years used)."""
    if population is None or population.empty or len(months) == 0:
        return ""
    used = sorted(set(int(y) for y in nearest_years(population["year"], months)))
    if len(used) == 1:
        return f"Residents from the mid-{used[0]} estimate for every month (the only year loaded that is used)."
    return (f"Residents from each month's own mid-year estimate, or the nearest year loaded "
            f"({', '.join(str(y) for y in used)}).")


def garwood_interval(count, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood, 1936) confidence limits for a Poisson count.

    lower = chi2.ppf(alpha/2, 2k) / 2 (0 when k = 0), upper = chi2.ppf(1 - alpha/2, 2k + 2) / 2.
    """
    k = np.asarray(count, dtype=float)
    lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return lower, upper


def lsoa_rates(crimes: pd.DataFrame, lsoa_codes, groups: dict[str, tuple[str, ...]],
               years: pd.Series | None) -> pd.DataFrame:
    """Counts and rates per LSOA and group.

    ``crimes`` are already cut to the months (and categories) wanted; records without an
    LSOA are ignored. Returns one row per LSOA and group: ``lsoa_code``, ``group``,
    ``count``, ``person_years`` (NaN without population) and ``rate`` (per 1,000 residents
    per year).
    """
    codes = sorted(set(lsoa_codes))
    placed = crimes[crimes["lsoa_code"].isin(codes)]
    by_cat = placed.groupby(["lsoa_code", "category"], observed=True).size().unstack("category", fill_value=0)
    by_cat = by_cat.reindex(codes, fill_value=0)
    frames = []
    py = (years.reindex(codes) if years is not None else pd.Series(np.nan, index=codes)).to_numpy(dtype=float)
    for name, cats in groups.items():
        present = [c for c in cats if c in by_cat.columns]
        count = by_cat[present].sum(axis=1).to_numpy(dtype="int64") if present else np.zeros(len(codes), "int64")
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(py > 0, count / py * 1000, np.nan)
        frames.append(pd.DataFrame({"lsoa_code": codes, "group": name, "count": count,
                                    "person_years": py, "rate": rate}))
    if not frames:
        return pd.DataFrame({"lsoa_code": pd.Series(dtype="str"), "group": pd.Series(dtype="str"),
                             "count": pd.Series(dtype="int64"), "person_years": pd.Series(dtype=float),
                             "rate": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


def rates_by_decile(rates: pd.DataFrame, deprivation: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Crime per 1,000 residents per year in each national IMD decile, with exact
    Poisson confidence limits.

    One row per group and decile 1-10, deciles with no LSOA included as empty rows
    (``lsoas`` 0, rate NaN). ``count`` is every record in the decile's LSOAs; the rate uses
    ``rated_count``, the records of LSOAs with a population, over their ``person_years``.
    LSOAs without a decile are left out (``unranked`` names them).
    """
    decile = deprivation.set_index("lsoa_code")["imd_decile"]
    df = rates.assign(decile=rates["lsoa_code"].map(decile)).dropna(subset=["decile"])
    df = df.assign(decile=df["decile"].astype("int64"),
                   rated_count=np.where(df["person_years"].notna(), df["count"], 0))
    rows = []
    for group in dict.fromkeys(rates["group"]):
        g = df[df["group"] == group].groupby("decile").agg(
            lsoas=("lsoa_code", "size"), count=("count", "sum"), rated_count=("rated_count", "sum"),
            person_years=("person_years", lambda s: s.sum(min_count=1)))
        g = g.reindex(DECILES)
        g["lsoas"] = g["lsoas"].fillna(0).astype("int64")
        g["count"] = g["count"].fillna(0).astype("int64")
        g["rated_count"] = g["rated_count"].fillna(0).astype("int64")
        g.insert(0, "group", group)
        rows.append(g.rename_axis("decile").reset_index())
    if not rows:
        return pd.DataFrame(columns=["group", "decile", "band", "lsoas", "count", "rated_count", "person_years",
                                     "rate", "lower", "upper"])
    out = pd.concat(rows, ignore_index=True)
    out.insert(2, "band", [decile_band(d) for d in out["decile"]])
    py = out["person_years"].to_numpy(dtype=float)
    lo, hi = garwood_interval(out["rated_count"], alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        valid = py > 0
        out["rate"] = np.where(valid, out["rated_count"] / py * 1000, np.nan)
        out["lower"] = np.where(valid, lo / py * 1000, np.nan)
        out["upper"] = np.where(valid, hi / py * 1000, np.nan)
    return out


def fifth_share(by_decile: pd.DataFrame) -> pd.DataFrame:
    """The most deprived fifth (national deciles 1 and 2) against the rest, per group.

    Returns ``group``, ``lsoas``/``lsoas_total``/``lsoa_share``, ``count``/``count_total``/
    ``count_share`` (records), ``residents``/``residents_total``/``resident_share``
    (resident-years, NaN without population) and ``ratio`` = record share / resident share
    (above 1: more than the fifth's share of the population).
    """
    rows = []
    for group, g in by_decile.groupby("group", sort=False):
        fifth = g["decile"].isin(MOST_DEPRIVED_FIFTH)
        lsoas, lsoas_total = int(g.loc[fifth, "lsoas"].sum()), int(g["lsoas"].sum())
        count, count_total = int(g.loc[fifth, "count"].sum()), int(g["count"].sum())
        res = g.loc[fifth, "person_years"].sum()
        res_total = g["person_years"].sum(min_count=1)
        rated, rated_total = int(g.loc[fifth, "rated_count"].sum()), int(g["rated_count"].sum())
        resident_share = res / res_total if res_total and not np.isnan(res_total) else np.nan
        # The ratio compares like with like: records and residents of the LSOAs with a population.
        rated_share = rated / rated_total if rated_total else np.nan
        rows.append({
            "group": group,
            "lsoas": lsoas, "lsoas_total": lsoas_total,
            "lsoa_share": lsoas / lsoas_total if lsoas_total else np.nan,
            "count": count, "count_total": count_total,
            "count_share": count / count_total if count_total else np.nan,
            "residents": res if not np.isnan(resident_share) else np.nan,
            "residents_total": res_total,
            "resident_share": resident_share,
            "ratio": rated_share / resident_share if resident_share else np.nan,
        })
    return pd.DataFrame(rows)


# -- domains ----------------------------------------------------------------------------

def available_domains(deprivation: pd.DataFrame) -> list[str]:
    """The domains (of the seven) with at least one decile loaded."""
    return [d for d in SEVEN_DOMAINS if f"{d}_decile" in deprivation and deprivation[f"{d}_decile"].notna().any()]


def domain_deciles(deprivation: pd.DataFrame, lsoa_codes) -> pd.DataFrame:
    """Each LSOA's IMD rank and decile and its seven domain deciles, most deprived first."""
    cols = ["lsoa_code", "lsoa_name", "imd_rank", "imd_decile"] + [f"{d}_decile" for d in SEVEN_DOMAINS]
    scoped = in_scope(deprivation, lsoa_codes)
    out = scoped.reindex(columns=cols)
    return out.sort_values(["imd_rank", "lsoa_code"], kind="stable", na_position="last").reset_index(drop=True)


@dataclass(frozen=True)
class Correlation:
    rho: float
    p: float
    n: int


def spearman(x, y) -> Correlation:
    """Spearman's rank correlation over the pairs where both are known (NaN when n < 3 or
    either side is constant)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = int(ok.sum())
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(np.nan, np.nan, n)
    res = stats.spearmanr(x, y)
    return Correlation(float(res.statistic), float(res.pvalue), n)


def domain_correlations(rates: pd.DataFrame, deprivation: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Spearman correlation between each LSOA's rate and its deprivation on the IMD and on
    each domain, per group.

    Deprivation is the national rank turned round (``-rank``), so rho > 0 means LSOAs more
    deprived on that domain have higher rates; where a domain has no ranks, its decile is
    used the same way. The interval is Fisher's z with the Fieller, Hartley and Pearson
    (1957) standard error sqrt(1.06 / (n - 3)), an approximation. LSOAs without a rate (no
    population) are left out.
    """
    dep = deprivation.set_index("lsoa_code")
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for group in dict.fromkeys(rates["group"]):
        g = rates[(rates["group"] == group) & rates["rate"].notna()]
        for domain, label in DOMAINS.items():
            measure = next((m for m in ("rank", "decile")
                            if f"{domain}_{m}" in dep and dep[f"{domain}_{m}"].reindex(g["lsoa_code"]).notna().any()),
                           None)
            if measure is None:
                continue
            level = -dep[f"{domain}_{measure}"].reindex(g["lsoa_code"]).astype("float64").to_numpy()
            r = spearman(g["rate"].to_numpy(), level)
            lo = hi = np.nan
            if r.n > 3 and not np.isnan(r.rho):
                fz, se = np.arctanh(np.clip(r.rho, -0.999999, 0.999999)), np.sqrt(1.06 / (r.n - 3))
                lo, hi = np.tanh(fz - z * se), np.tanh(fz + z * se)
            rows.append({"group": group, "domain": domain, "label": label, "measure": measure,
                         "rho": r.rho, "lower": lo, "upper": hi, "p": r.p, "n": r.n})
    return pd.DataFrame(rows, columns=["group", "domain", "label", "measure", "rho", "lower", "upper", "p", "n"])


# -- everything a page shows ------------------------------------------------------------

@dataclass(frozen=True)
class DeprivationView:
    """Every table the Deprivation page draws, for one choice of filters."""

    counts: pd.DataFrame
    statement: str
    unranked: list[str]
    lsoa_rates: pd.DataFrame
    by_decile: pd.DataFrame
    fifth: pd.DataFrame
    domains: pd.DataFrame
    correlations: pd.DataFrame
    has_population: bool
    lsoas_without_population: list[str]
    records_without_lsoa: int
    months: int  # months held in the period: the rates' exposure
    coverage: Coverage | None = None
    population_text: str = ""

    @property
    def months_text(self) -> str:
        """"17 months held of 43" or "12 months"."""
        if self.coverage is not None and not self.coverage.complete:
            return f"{self.months} months held of {len(self.coverage.months)}"
        return f"{self.months} months"


def deprivation_view(crimes: pd.DataFrame, deprivation: pd.DataFrame, population: pd.DataFrame | None,
                     lsoa_codes, months: Coverage | pd.DatetimeIndex, groups: dict[str, tuple[str, ...]],
                     place: str | None) -> DeprivationView:
    """All of the page's analysis for the crimes already cut by the filters.

    ``lsoa_codes`` are the LSOAs in scope, ``months`` the period's coverage (its held months
    are the rates' exposure; a DatetimeIndex is taken as months all held) and ``groups`` what
    ``rate_groups`` returns.
    """
    cover = months if isinstance(months, Coverage) else Coverage(pd.DatetimeIndex(months), pd.DatetimeIndex(months))
    months = cover.held
    codes = sorted(set(lsoa_codes))
    counts = decile_counts(deprivation, codes)
    missing = unranked(deprivation, codes)
    years = person_years(population, codes, months)
    rates = lsoa_rates(crimes, codes, groups, years)
    by_decile = rates_by_decile(rates, deprivation)
    no_pop = codes if years is None else sorted(years.index[years.isna()])
    in_groups = crimes["category"].isin({c for cats in groups.values() for c in cats})
    return DeprivationView(
        counts=counts,
        statement=deprivation_statement(counts, len(codes), place),
        unranked=missing,
        lsoa_rates=rates,
        by_decile=by_decile,
        fifth=fifth_share(by_decile),
        domains=domain_deciles(deprivation, codes),
        correlations=domain_correlations(rates, deprivation) if years is not None else
        pd.DataFrame(columns=["group", "domain", "label", "measure", "rho", "lower", "upper", "p", "n"]),
        has_population=years is not None and bool(years.notna().any()),
        lsoas_without_population=list(no_pop),
        records_without_lsoa=int((crimes["lsoa_code"].isna() & in_groups).sum()),
        months=len(months),
        coverage=cover,
        population_text=population_years_text(population, months),
    )
