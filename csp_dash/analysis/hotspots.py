"""Where crime concentrates: per-LSOA counts and rates, change on the previous period, Getis-Ord
Gi* hot and cold spots, concentration in the busiest places, repeat locations, and one LSOA's
profile.

Method (docs/methods.md "Hotspots"). Pure functions: DataFrames in, DataFrames out; no
Streamlit, no I/O. Spatial weights come from libpysal, Gi* from esda.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from csp_dash.analysis import coverage as CV
from csp_dash.analysis import series as S
from csp_dash.analysis.dispersion import NOT_ESTIMABLE, Dispersion, pearson_dispersion
from csp_dash.analysis.significance import compare_counts

# 9,999 rather than the usual 999: with 999 the smallest two-sided p-value is 0.002, and after the
# false-discovery-rate correction across ~150 LSOAs no LSOA could reach 99% unless a fifth of them
# sat at that floor. 9,999 permutations take about 0.2 s of CPU for a district, once per filter.
PERMUTATIONS = 9_999
SEED = 20190401  # fixed, so the same data always gives the same hot spots
CONFIDENCES = (0.99, 0.95, 0.90)
NOT_SIGNIFICANT = "Not significant"
NO_NEIGHBOUR = "No neighbour (not tested)"
HOTSPOT_CLASSES = ("Hot spot, 99%", "Hot spot, 95%", "Hot spot, 90%", NOT_SIGNIFICANT,
                   "Cold spot, 90%", "Cold spot, 95%", "Cold spot, 99%")
MIN_GI_LSOAS = 20  # fewer areas than this give too few neighbourhoods for a meaningful test
TOP_SHARES = (0.05, 0.10, 0.20)
METHOD = (
    "Getis-Ord Gi* compares the {what} summed over each LSOA and its neighbours (queen contiguity: LSOAs "
    "sharing an edge or a corner, the LSOA itself included) with what the whole area's values would give. "
    "Its significance comes from {permutations:,} random permutations of the other LSOAs' values (conditional "
    "randomisation, fixed seed {seed}, so the same data always gives the same answer); the two-sided p-value "
    "is twice esda's one-sided pseudo p-value, so the smallest possible is 2 / ({permutations:,} + 1). Because "
    "every LSOA is tested, the false-discovery rate is controlled (Benjamini-Hochberg, esda.fdr) at 10%, 5% "
    "and 1%, giving the 90%, 95% and 99% classes; a hot spot has z > 0, a cold spot z < 0. A hot spot is a "
    "cluster of high values, not one high LSOA: a busy LSOA among quiet neighbours need not be one. It uses "
    "{permutations:,} permutations, not the customary 999, because with 999 the smallest two-sided p-value is "
    "0.002, and after the false-discovery-rate correction across the area's LSOAs no LSOA could then reach 99% "
    "unless about a fifth of them sat at that floor. Computed with esda and libpysal; see docs/methods.md, "
    "\"Hotspots\"."
)


# --- counts, rates, change ------------------------------------------------------------------


def lsoa_counts(crimes: pd.DataFrame, lsoa_codes) -> pd.Series:
    """Records per LSOA for every code given (zero where none); records of other LSOAs are ignored."""
    codes = pd.Index(list(lsoa_codes), name="code")
    counts = crimes["lsoa_code"].value_counts()
    return counts.reindex(codes, fill_value=0).astype("int64").rename("count")


def lsoa_rates(counts: pd.Series, population: pd.DataFrame | None, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Count, residents and crimes per 1,000 residents per year, per LSOA.

    ``months`` are the months the store *holds* in the period (``coverage.Coverage.held``):
    they are the rate's exposure, so a period with a gap is not diluted by months with no
    data. Residents are the mean over those months of each LSOA's mid-year estimate for the
    month's year, or the nearest year the LSOA has (earlier on a tie): ``series.denominators``
    applied to each LSOA on its own, done for all at once. An LSOA without a population
    figure, or with a figure of 0 or less, gets no rate (NaN) and so no rank: a denominator is
    never invented.
    """
    out = pd.DataFrame({"count": counts})
    out["residents"] = np.nan
    if population is not None and not population.empty and len(months):
        scoped = population[population["lsoa_code"].isin(counts.index)]
        if not scoped.empty:
            table = scoped.pivot_table(index="lsoa_code", columns="year", values="population", aggfunc="sum")
            years = table.columns.to_numpy(dtype=int)
            have = table.notna().to_numpy()
            values = table.to_numpy(dtype=float)
            month_years, weights = np.unique(months.year.to_numpy(), return_counts=True)
            total = np.zeros(len(table))
            for year, weight in zip(month_years, weights):
                distance = np.abs(years - year) * 2 + (years > year)  # nearest, earlier on a tie
                distance = np.where(have, distance[None, :], np.iinfo(np.int64).max)
                chosen = distance.argmin(axis=1)
                total += weight * values[np.arange(len(table)), chosen]
            residents = total / weights.sum()
            out.loc[table.index, "residents"] = np.where(residents > 0, residents, np.nan)
    years = len(months) / 12 if len(months) else np.nan
    out["rate"] = out["count"] / out["residents"] * 1000 / years
    return out


def benjamini_hochberg(p_values, alpha: float = 0.05) -> np.ndarray:
    """True where a p-value is significant at false-discovery rate ``alpha`` (step-up; NaN never)."""
    p = np.asarray(p_values, dtype=float)
    ok = ~np.isnan(p)
    result = np.zeros(p.shape, dtype=bool)
    m = int(ok.sum())
    if m == 0:
        return result
    order = np.argsort(p[ok])
    ranked = p[ok][order]
    passed = np.nonzero(ranked <= alpha * np.arange(1, m + 1) / m)[0]
    if passed.size:
        cutoff = ranked[passed[-1]]
        result[ok] = p[ok] <= cutoff
    return result


def period_change(current: pd.Series, previous: pd.Series, alpha: float = 0.05,
                  dispersion: Dispersion | None = None) -> pd.DataFrame:
    """Each LSOA's count against the previous period's, by ``significance.compare_counts``.

    The counts must cover the same months on both sides (``coverage.paired_months``), and
    each LSOA's population is taken as unchanged between them (exposure ratio 1).
    ``dispersion`` is the LSOAs' pooled monthly dispersion (``lsoa_dispersion``): when the
    counts are overdispersed the quasi-Poisson test is used, else the exact Poisson test.
    ``significant`` is compare_counts' own verdict (p < alpha); ``significant_fdr`` also
    survives a Benjamini-Hochberg correction across the LSOAs, so about ``alpha`` of the
    flagged areas, not of all areas, are expected to be chance.
    """
    rows = []
    for code in current.index:
        c = compare_counts(int(current[code]), int(previous.get(code, 0)), 1.0, label=str(code), alpha=alpha,
                           dispersion=dispersion)
        rows.append((code, c.current, c.baseline, c.change_pct, c.p_value, c.significant, c.words, c.method))
    out = pd.DataFrame(rows, columns=["code", "current", "previous", "change_pct", "p_value", "significant",
                                      "words", "method"]).set_index("code")
    out["significant_fdr"] = benjamini_hochberg(out["p_value"].to_numpy(), alpha) & out["significant"]
    return out


def lsoa_dispersion(current: pd.DataFrame, previous: pd.DataFrame, codes,
                    paired: CV.PairedMonths) -> Dispersion:
    """The LSOAs' pooled Pearson dispersion of monthly counts within each period compared.

    Each LSOA's months of one period form a group of constant rate (``dispersion``), so the
    estimate measures month-to-month variation beyond Poisson inside an LSOA and period, not
    differences between LSOAs or between the periods. Needs at least two paired months.
    """
    if len(paired.current) < 2:
        return NOT_ESTIMABLE
    codes = list(codes)

    def grid(crimes: pd.DataFrame, months: pd.DatetimeIndex) -> np.ndarray:
        rows = crimes[crimes["lsoa_code"].isin(codes) & crimes["month"].isin(months)]
        table = rows.groupby(["lsoa_code", "month"], observed=True).size().unstack("month", fill_value=0)
        return table.reindex(index=codes, columns=months, fill_value=0).to_numpy(dtype="float64")

    now, before = grid(current, paired.current), grid(previous, paired.baseline)
    return pearson_dispersion(list(now) + list(before))


def ranks(values: pd.Series, ascending: bool = False) -> pd.Series:
    """Rank 1 = highest value (lowest with ``ascending``); ties share the better rank; NaN gets no rank."""
    as_float = values.astype("Float64").astype(float)
    return as_float.rank(ascending=ascending, method="min").astype("Int64")


# --- Getis-Ord Gi* ---------------------------------------------------------------------------


def queen_weights(lsoas):
    """Queen-contiguity weights (sharing an edge or a corner) over LSOAs indexed by code."""
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are reported by the caller, not as a warning
        return Queen.from_dataframe(lsoas, use_index=True)


@dataclass(frozen=True)
class GiResult:
    table: pd.DataFrame  # per LSOA: value, gi_z, p_sim, p_value, hot_cold, significant at 90/95/99
    thresholds: dict  # confidence -> FDR p-value cut-off
    n: int
    islands: tuple[str, ...]
    note: str


def getis_ord(values: pd.Series, weights, permutations: int = PERMUTATIONS, seed: int = SEED) -> GiResult:
    """Getis-Ord Gi* hot and cold spots with permutation inference and FDR control.

    Parameters
    ----------
    values : the measure per LSOA (e.g. the rate), indexed by code. LSOAs with NaN are left out
        of the test, and the weights are cut down to the rest.
    weights : libpysal W whose ids are the LSOA codes (``queen_weights``); binary, with each
        LSOA counted in its own neighbourhood (the star in Gi*).
    permutations, seed : conditional randomisation in esda; the seed makes it repeatable.

    Returns
    -------
    GiResult. ``p_sim`` is esda's folded one-sided pseudo p-value; ``p_value`` the two-sided
    one, min(1, 2 p_sim). At each confidence c the Benjamini-Hochberg cut-off at 1 - c (esda.fdr)
    decides significance; ``hot_cold`` is the highest confidence reached, hot where z > 0.
    """
    import esda
    from libpysal.weights import w_subset

    y = values.dropna().astype(float)
    ids = [i for i in weights.id_order if i in y.index]
    w = weights if len(ids) == weights.n else w_subset(weights, ids, silence_warnings=True)
    # An LSOA with no neighbour (or none with a value) would be its own whole neighbourhood: Gi*
    # would test one value, not a cluster, so it is left out. Dropping it takes no one's neighbour.
    islands = tuple(str(i) for i in w.islands)
    if islands:
        ids = [i for i in ids if str(i) not in islands]
        w = w_subset(weights, ids, silence_warnings=True)
    if len(ids) < MIN_GI_LSOAS:
        return GiResult(_empty_gi(values, islands), {}, len(ids), islands,
                        f"needs at least {MIN_GI_LSOAS} LSOAs with a value and a neighbour; {len(ids)} have them"
                        if islands else f"needs at least {MIN_GI_LSOAS} LSOAs with a value; {len(ids)} have one")
    y = y.reindex(w.id_order)
    if float(y.var()) == 0.0:
        return GiResult(_empty_gi(values, islands), {}, len(ids), islands, "every LSOA has the same value")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y.to_numpy(), w, transform="B", permutations=permutations, star=True, seed=seed,
                         n_jobs=1, keep_simulations=False)
    z = np.asarray(g.Zs, dtype=float)
    p_sim = np.asarray(g.p_sim, dtype=float)
    # An LSOA whose neighbourhood is the whole area has a fixed statistic (z undefined); esda
    # still reports the smallest p for it, so it is left out of the test.
    p_sim[~np.isfinite(z)] = np.nan
    p_two = np.minimum(1.0, 2 * p_sim)
    tested = ~np.isnan(p_two)
    table = pd.DataFrame({"value": y.to_numpy(), "gi_z": z, "p_sim": p_sim, "p_value": p_two},
                         index=pd.Index(w.id_order, name="code"))
    thresholds, label = {}, np.full(len(table), NOT_SIGNIFICANT, dtype=object)
    for conf in sorted(CONFIDENCES):  # 90, 95, 99: a higher confidence overwrites a lower one
        cut = float(esda.fdr(p_two[tested], 1 - conf)) if tested.any() else 0.0
        thresholds[conf] = cut
        sig = tested & (np.nan_to_num(p_two, nan=1.0) < cut)
        table[f"sig_{round(conf * 100)}"] = sig
        side = np.where(table["gi_z"] > 0, "Hot spot", "Cold spot")
        label = np.where(sig, np.char.add(side.astype(str), f", {round(conf * 100)}%"), label)
    table["hot_cold"] = label
    table = table.reindex(values.index)
    table["hot_cold"] = table["hot_cold"].fillna("No value")
    table.loc[table.index.isin(islands), "hot_cold"] = NO_NEIGHBOUR
    for conf in CONFIDENCES:
        table[f"sig_{round(conf * 100)}"] = table[f"sig_{round(conf * 100)}"].fillna(False).astype(bool)
    return GiResult(table, thresholds, len(ids), islands, "")


def _empty_gi(values: pd.Series, islands: tuple[str, ...] = ()) -> pd.DataFrame:
    t = pd.DataFrame(index=values.index, columns=["value", "gi_z", "p_sim", "p_value"], dtype=float)
    for conf in CONFIDENCES:
        t[f"sig_{round(conf * 100)}"] = False
    t["hot_cold"] = NOT_SIGNIFICANT
    t.loc[t.index.isin(islands), "hot_cold"] = NO_NEIGHBOUR
    return t


def method_text(what: str, islands: list[str] | tuple[str, ...] = (), permutations: int = PERMUTATIONS,
                seed: int = SEED) -> str:
    """The page's statement of the Gi* method, naming the LSOAs left out as islands.

    ``islands`` are the left-out LSOAs as they should be named (e.g. "Name (code)").
    """
    text = METHOD.format(what=what, permutations=permutations, seed=seed)
    if not islands:
        return text + " No LSOA here lacks a neighbour, so none is left out as an island."
    return (text + f" {len(islands)} LSOA{'s' if len(islands) != 1 else ''} with no neighbouring LSOA (an island, "
            f"whose neighbourhood would be itself alone) {'are' if len(islands) != 1 else 'is'} left out of the "
            f"test: {', '.join(islands)}.")


# --- concentration and repeat locations ----------------------------------------------------------


def _top_n(n: int, share: float) -> int:
    return max(1, min(n, int(math.floor(n * share + 0.5))))


def concentration(counts: pd.Series, shares=TOP_SHARES) -> pd.DataFrame:
    """Share of all records held by the busiest 5%, 10% and 20% of places.

    The top p% is the round(p * n) places (at least one) with the most records, n counting
    every place given, those with none included.
    """
    values = np.sort(np.asarray(counts, dtype=float))[::-1]
    n, total = len(values), float(values.sum())
    rows = []
    for share in shares:
        k = _top_n(n, share) if n else 0
        held = float(values[:k].sum())
        rows.append({"top": f"{share:.0%}", "places": k, "of_places": n, "records": int(held),
                     "share_of_records": held / total if total else np.nan})
    return pd.DataFrame(rows)


def lorenz(counts: pd.Series, points: int | None = 201) -> pd.DataFrame:
    """Cumulative share of records against cumulative share of places, busiest first, from (0, 0).

    With ``points``, the curve is read at that many evenly spaced shares of places (each the
    exact share held by the round(x * n) busiest places), so a million locations still make a
    small chart; None gives every place.
    """
    values = np.sort(np.asarray(counts, dtype=float))[::-1]
    n, total = len(values), values.sum()
    held = np.concatenate([[0.0], np.cumsum(values) / total]) if total else np.zeros(n + 1)
    if points is None or n + 1 <= points:
        places = np.arange(0, n + 1) / n if n else np.array([0.0])
        return pd.DataFrame({"share_of_places": places, "share_of_records": held})
    k = np.unique(np.floor(np.linspace(0, 1, points) * n + 0.5).astype(int))
    return pd.DataFrame({"share_of_places": k / n, "share_of_records": held[k]})


def locations(crimes: pd.DataFrame) -> pd.DataFrame:
    """Records per police.uk snap point (longitude, latitude and its "On or near ..." label),
    busiest first, with the LSOA and the commonest category there. Records without a point are
    left out (they have no location to repeat at)."""
    pts = crimes.dropna(subset=["longitude", "latitude"])
    if pts.empty:
        return pd.DataFrame(columns=["location", "lsoa_code", "longitude", "latitude", "records", "top_category"])
    keys = ["longitude", "latitude", "location"]
    grouped = pts.groupby(keys, sort=False, observed=True, dropna=False)
    out = grouped.agg(records=("category", "size"), lsoa_code=("lsoa_code", "first")).reset_index()
    top = (pts.groupby(keys + ["category"], sort=False, observed=True, dropna=False).size()
           .reset_index(name="n").sort_values(["n", "category"], ascending=[False, True])
           .drop_duplicates(keys))
    out = out.merge(top[keys + ["category"]], on=keys, how="left").rename(columns={"category": "top_category"})
    out = out.sort_values(["records", "location"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[["location", "lsoa_code", "longitude", "latitude", "records", "top_category"]]


def repeat_locations_by_lsoa(locs: pd.DataFrame, per_lsoa: int = 10) -> pd.DataFrame:
    """Each LSOA's repeat locations: snap points with 2 or more records (``locations`` rows),
    busiest first, at most ``per_lsoa`` per LSOA."""
    repeats = locs[locs["records"] >= 2]
    return repeats.groupby("lsoa_code", sort=False).head(per_lsoa).reset_index(drop=True)


# --- points and grid -------------------------------------------------------------------------


def grid_cells(x: np.ndarray, y: np.ndarray, cell_m: float) -> pd.DataFrame:
    """Points (British National Grid metres) counted in square cells of ``cell_m``; one row per
    non-empty cell with its south-west corner (x0, y0) and ``records``."""
    if len(x) == 0:
        return pd.DataFrame(columns=["x0", "y0", "records"])
    ix = np.floor(np.asarray(x) / cell_m).astype(np.int64)
    iy = np.floor(np.asarray(y) / cell_m).astype(np.int64)
    key = ix * 10_000_000 + iy
    uniq, counts = np.unique(key, return_counts=True)
    return pd.DataFrame({"x0": (uniq // 10_000_000) * cell_m, "y0": (uniq % 10_000_000) * cell_m,
                         "records": counts.astype("int64")})


# --- one LSOA's profile ----------------------------------------------------------------------


def crime_mix(by_lsoa: pd.DataFrame, area_totals: pd.Series, code: str, n_lsoas: int) -> pd.DataFrame:
    """The LSOA's records by category against the area's.

    Parameters
    ----------
    by_lsoa : records by LSOA (index) and category (columns), as in ``MapView.by_category``.
    area_totals : the area's records by category (records with no LSOA included).
    n_lsoas : LSOAs in the area, for the area's mean count per LSOA.

    Returns
    -------
    category, lsoa_records, area_records, lsoa_share, area_share, area_mean_per_lsoa; busiest
    in the LSOA first.
    """
    mine = by_lsoa.loc[code] if code in by_lsoa.index else pd.Series(0, index=by_lsoa.columns)
    out = pd.DataFrame({"lsoa_records": mine.reindex(area_totals.index, fill_value=0).astype("int64"),
                        "area_records": area_totals.astype("int64")})
    total = out["lsoa_records"].sum()
    out["lsoa_share"] = out["lsoa_records"] / total if total else 0.0
    out["area_share"] = out["area_records"] / out["area_records"].sum()
    out["area_mean_per_lsoa"] = out["area_records"] / n_lsoas if n_lsoas else np.nan
    out = out.rename_axis("category").reset_index()
    return out.sort_values(["lsoa_records", "area_records", "category"], ascending=[False, False, True],
                           kind="stable").reset_index(drop=True)


def trend_months(end: pd.Timestamp, first: pd.Timestamp, months: int = 24) -> pd.DatetimeIndex:
    """The ``months`` months ending at ``end``, not starting before ``first``."""
    start = max(first, end - pd.DateOffset(months=months - 1))
    return S.month_index(start, end)


def monthly_lsoa_counts(crimes: pd.DataFrame, code: str, months: pd.DatetimeIndex) -> pd.Series:
    """The LSOA's records per month over ``months`` (zeros included)."""
    mine = crimes.loc[crimes["lsoa_code"] == code, "month"]
    return mine.value_counts().reindex(months, fill_value=0).rename_axis("month").astype("int64").rename("records")


def deprivation_profile(deprivation: pd.DataFrame | None, code: str) -> pd.DataFrame | None:
    """The LSOA's IMD rank and decile and each domain's rank and decile (rank 1 = most deprived)."""
    if deprivation is None:
        return None
    row = deprivation[deprivation["lsoa_code"] == code]
    if row.empty:
        return None
    row = row.iloc[0]
    rows = []
    for col in deprivation.columns:
        if col.endswith("_decile"):
            stem = col[: -len("_decile")]
            rank = row.get(f"{stem}_rank")
            rows.append({"measure": DOMAIN_NAMES.get(stem, stem.replace("_", " ").capitalize()),
                         "rank": None if pd.isna(rank) else int(rank),
                         "decile": None if pd.isna(row[col]) else int(row[col])})
    return pd.DataFrame(rows, columns=["measure", "rank", "decile"])


DOMAIN_NAMES = {
    "imd": "Index of Multiple Deprivation", "income": "Income", "employment": "Employment",
    "education": "Education, skills and training", "health": "Health and disability", "crime": "Crime",
    "barriers": "Barriers to housing and services", "living_environment": "Living environment",
}


def latest_population(population: pd.DataFrame | None, code: str) -> tuple[int, int] | None:
    """(residents, year) of the LSOA's latest mid-year estimate, or None."""
    if population is None:
        return None
    rows = population[population["lsoa_code"] == code]
    if rows.empty:
        return None
    last = rows.sort_values("year").iloc[-1]
    return int(last["population"]), int(last["year"])


# --- the page's per-LSOA table ---------------------------------------------------------------


def lsoa_table(crimes: pd.DataFrame, scope: pd.DataFrame, months: pd.DatetimeIndex,
               population: pd.DataFrame | None, deprivation: pd.DataFrame | None,
               change: pd.DataFrame | None) -> pd.DataFrame:
    """Everything the map can show, one row per LSOA in scope (indexed by code).

    Parameters
    ----------
    crimes : the filtered records (months, categories and scope applied).
    scope : the LSOAs in scope (``code``, ``name``, ``town``).
    months : the months of the filter that the store holds: the rate's exposure and residents.
    change : ``period_change`` on the months held in both periods, or None when there is no
        comparison to show.

    Returns
    -------
    name, town, count, count_rank, residents, rate, rate_rank, imd_rank, imd_decile, imd_area_rank
    and, when ``change`` is given, current_compared (the records in the months compared, which
    may be fewer than ``count``), previous, change_pct, p_value, significant, significant_fdr,
    words, method, change_rank. Ranks are within the LSOAs given, 1 = most records, highest rate,
    most deprived (``imd_area_rank``; ``imd_rank`` is England's) or biggest rise (an LSOA up
    from none ranks above any percentage; one with no records in either period gets no rank).
    """
    codes = list(scope["code"])
    out = pd.DataFrame({"name": scope["name"].to_numpy(), "town": scope["town"].to_numpy()},
                       index=pd.Index(codes, name="code"))
    rates = lsoa_rates(lsoa_counts(crimes, codes), population, months)
    out = out.join(rates)
    out["count_rank"] = ranks(out["count"])
    out["rate_rank"] = ranks(out["rate"])
    if deprivation is not None and "imd_decile" in deprivation.columns:
        dep = deprivation.set_index("lsoa_code")
        out["imd_rank"] = dep["imd_rank"].reindex(out.index).astype("Int64")
        out["imd_decile"] = dep["imd_decile"].reindex(out.index).astype("Int64")
    else:
        out["imd_rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["imd_decile"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["imd_area_rank"] = ranks(out["imd_rank"], ascending=True)
    if change is not None:
        out = out.join(change.rename(columns={"current": "current_compared"}))
        rise = out["change_pct"].where(~((out["previous"] == 0) & (out["current_compared"] > 0)), math.inf)
        out["change_rank"] = ranks(rise)
    return out


@dataclass(frozen=True)
class PeriodChange:
    """The change on the previous period as the map shows it: which months were compared."""

    paired: CV.PairedMonths  # current months kept and their partners in the previous period
    dispersion: Dispersion  # pooled over the LSOAs, within each period
    shown: bool  # False when too few months are held in both periods
    last_month: pd.Timestamp | None = None  # the chosen period's last month

    @property
    def label(self) -> str:
        """"Jan 2022 to Apr 2022" (the previous period's months compared), with the count when some were left out."""
        months = self.paired.baseline
        if not len(months):
            return ""
        span = f"{months[0]:%b %Y} to {months[-1]:%b %Y}" if len(months) > 1 else f"{months[0]:%b %Y}"
        return span if self.paired.complete else f"the {len(months)} held months of {span}"

    @property
    def note(self) -> str:
        """Why there is no change, or which months it compares; '' for a full comparison."""
        if not self.paired.length:
            return ""
        if len(self.paired.missing) and not self.shown and set(self.paired.missing) >= set(self.previous_months):
            first, last = self.previous_months[0], self.previous_months[-1]
            span = f"{first:%b %Y}" if first == last else f"{first:%b %Y} to {last:%b %Y}"
            return f"withheld: the store holds no month of the previous period ({span})"
        return self.paired.note()

    @property
    def previous_months(self) -> pd.DatetimeIndex:
        """Every month of the previous period, held or not."""
        return CV.previous_months(pd.date_range(end=self.last_month, periods=self.paired.length, freq="MS"))

    @property
    def method(self) -> str:
        if self.dispersion.overdispersed:
            return (f"quasi-Poisson test: the LSOAs' monthly counts vary {self.dispersion.phi:.2f} times as much as "
                    f"Poisson counts (dispersion test on {self.dispersion.months:,} LSOA-months)")
        return "exact Poisson test: the LSOAs' monthly counts vary as Poisson counts do" + (
            f" (dispersion {self.dispersion.phi:.2f}, {self.dispersion.words().split('(')[-1].rstrip(')')})"
            if self.dispersion.df else "")


@dataclass(frozen=True)
class MapView:
    """What the page needs from the filtered records, small enough to keep per filter."""

    table: pd.DataFrame  # lsoa_table
    coverage: CV.Coverage  # the chosen months and those the store holds
    comparison: PeriodChange  # the change on the previous period, or (``shown`` False) why there is none
    records: int
    located: int  # records with a snap point
    by_category: pd.DataFrame  # records by LSOA (index) and category (columns)
    area_totals: pd.Series  # records by category in the scope (records with no LSOA included)
    repeats: pd.DataFrame  # the busiest locations with 2+ records, up to ``repeat_rows``
    lsoa_locations: pd.DataFrame  # each LSOA's repeat locations (2+ records), busiest first, up to 10 each
    concentration_lsoas: pd.DataFrame
    concentration_locations: pd.DataFrame
    lorenz_lsoas: pd.DataFrame
    lorenz_locations: pd.DataFrame
    points: pd.DataFrame | None  # every snap point, when the records are few enough to draw
    cells: pd.DataFrame | None  # else records per grid square (British National Grid)
    cell_m: float | None
    locations: int  # distinct snap points

    @property
    def previous(self) -> bool:
        """True when the map can show a change on the previous period."""
        return self.comparison.shown


def compare_previous(crimes: pd.DataFrame, filters, codes, held) -> tuple[PeriodChange, pd.DataFrame | None]:
    """Each LSOA's records in the chosen months against the period just before, on the months
    held in both (``coverage.paired_months``); the change table is None when too few are."""
    from csp_dash.analysis.filters import apply_filters

    months = S.month_index(filters.start, filters.end)
    paired = CV.paired_months(months, CV.previous_months(months), held)
    if not paired.enough:
        return PeriodChange(paired, NOT_ESTIMABLE, False, months[-1]), None
    now = apply_filters(crimes, filters)
    now = now[now["month"].isin(paired.current)]
    before = apply_filters(crimes, replace(filters, start=paired.baseline[0], end=paired.baseline[-1]))
    before = before[before["month"].isin(paired.baseline)]
    dispersion = lsoa_dispersion(now, before, codes, paired)
    change = period_change(lsoa_counts(now, codes), lsoa_counts(before, codes), dispersion=dispersion)
    return PeriodChange(paired, dispersion, True, months[-1]), change


def map_view(crimes: pd.DataFrame, filters, scope: pd.DataFrame, population: pd.DataFrame | None,
             deprivation: pd.DataFrame | None, held, xy: tuple | None = None,
             point_limit: int = 5_000, repeat_rows: int = 1_000) -> MapView:
    """Everything the Hotspot map shows for one set of filters.

    ``held`` is the months the store holds (``coverage.held_months``): rates use the held
    months of the filter, and the change on the previous period compares only months held in
    both periods. ``xy`` is the records' British National Grid coordinates (aligned with
    ``crimes`` by position), needed only when more than ``point_limit`` records have a point:
    they are then counted in squares of 250 m (a scope under 15 km across) or 500 m.
    """
    from csp_dash.analysis.filters import apply_filters

    current = apply_filters(crimes, filters)
    cover = CV.coverage(held, filters.start, filters.end)
    codes = list(scope["code"])
    comparison, change = compare_previous(crimes, filters, codes, held)
    table = lsoa_table(current, scope, cover.held, population, deprivation, change)
    located = current.dropna(subset=["longitude", "latitude"])
    locs = locations(current)
    points = cells = cell_m = None
    if len(located) <= point_limit:
        points = locs
    else:
        if xy is None:
            raise ValueError("more records than point_limit: pass their British National Grid coordinates (xy)")
        rows = crimes.index.get_indexer(located.index)
        x, y = xy[0][rows], xy[1][rows]
        cell_m = 250.0 if float(np.ptp(x)) < 15_000 else 500.0
        cells = grid_cells(x, y, cell_m)
    by_category = (current.groupby(["lsoa_code", "category"], observed=True).size()
                   .unstack("category", fill_value=0))
    return MapView(
        table=table, coverage=cover, comparison=comparison, records=len(current),
        located=len(located), by_category=by_category, area_totals=current["category"].value_counts(),
        repeats=locs[locs["records"] >= 2].head(repeat_rows).reset_index(drop=True),
        lsoa_locations=repeat_locations_by_lsoa(locs),
        concentration_lsoas=concentration(table["count"]), concentration_locations=concentration(locs["records"]),
        lorenz_lsoas=lorenz(table["count"]), lorenz_locations=lorenz(locs["records"]),
        points=points, cells=cells, cell_m=cell_m, locations=len(locs),
    )


def lsoa_trend(crimes: pd.DataFrame, code: str, categories: tuple[str, ...], end: pd.Timestamp,
               held, months: int = 24) -> tuple[pd.Series, "SeriesChart"]:
    """(records a month, their chart): the LSOA's records a month over the ``months`` months ending at ``end`` (not before the
    first held month) as ``spc.series_chart``: months the store does not hold are NaN (gaps,
    never zeros), and the chart, its baseline and its limits follow the same rule as every
    other series (the latest 12 months against a gap-free run of held months before them)."""
    from csp_dash.analysis.spc import SeriesChart, series_chart  # noqa: F401  (SeriesChart: the return type)

    held = pd.DatetimeIndex(held)
    window = trend_months(end, held[0], months)
    rows = crimes[(crimes["lsoa_code"] == code) & (crimes["month"] >= window[0]) & (crimes["month"] <= window[-1])]
    if categories:
        rows = rows[rows["category"].isin(categories)]
    counts = monthly_lsoa_counts(rows, code, window).astype("float64")
    counts[~window.isin(held)] = np.nan
    return counts, series_chart(counts, window_start=window[-12] if len(window) > 12 else window[0])
