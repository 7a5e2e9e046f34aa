"""The Trends page's reported comparisons for one series: each financial year's records and
whether the store holds all of it, and the comparisons a partnership reports with their tests
(``significance.period_comparisons``: like with like, on months held in both periods)."""

from __future__ import annotations

import math

import pandas as pd

from csp_dash.analysis import series as S
from csp_dash.analysis import significance
from csp_dash.analysis import trends as T


def comparisons(values: pd.Series, base_year: int | None, year: int | None,
                residents: pd.Series | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(counts, per resident): the reported comparisons of a monthly series (NaN = not held),
    the second on person-months when residents are known for every month."""
    plain = significance.period_comparisons(values, base_year, year)
    per_resident = (None if residents is None else
                    significance.period_comparisons(values, base_year, year, population=residents))
    return plain, per_resident


def year_table(values: pd.Series) -> pd.DataFrame:
    """Each financial year the range touches: records in the months held, months held, and
    whether all twelve are held (``complete``)."""
    index = pd.DatetimeIndex(values.index)
    fy = S.financial_year_start(index)
    table = pd.DataFrame({"fy": fy, "value": values.to_numpy(), "held": values.notna().to_numpy()})
    out = table.groupby("fy").agg(records=("value", "sum"), months_held=("held", "sum"))
    out["complete"] = out["months_held"] == 12
    out.index = [S.financial_year_label(int(y)) for y in out.index]
    return out.rename_axis("financial_year").reset_index()


def _number(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return float(x) if isinstance(x, float) else int(x)


def year_choices(values: pd.Series, strategy_start: str, strategy_end: str,
                 store_held=None) -> tuple[list[int], T.YearDefaults]:
    """The financial years the page offers for a series, and its default chosen and baseline
    years (with the notice when the strategy period holds too little data)."""
    years = T.financial_years(values.index, values)
    return years, T.year_defaults(years, values.dropna().index, strategy_start, strategy_end, store_held)


def financial_years(values: pd.Series, strategy_start: str, strategy_end: str, store_held=None,
                    residents: pd.Series | None = None) -> dict:
    """The ``financial_years`` part of the figures JSON (docs/figures.md), at the page's default
    chosen and baseline years."""
    _, defaults = year_choices(values, strategy_start, strategy_end, store_held)
    plain, _ = comparisons(values, defaults.baseline, defaults.chosen, residents)
    years = [{"year": r.financial_year, "records": int(r.records), "months_held": int(r.months_held),
              "complete": bool(r.complete)} for r in year_table(values).itertuples(index=False)]
    rows = []
    for r in plain.to_dict("records"):
        withheld = str(r.get("words", "")).startswith("withheld")
        rows.append({
            "comparison": r["comparison"], "current_label": r["current_label"], "baseline_label": r["baseline_label"],
            "current": _number(r["current"]), "baseline": _number(r["baseline"]),
            "months_compared": _number(r.get("months_compared")),
            "change_pct": _number(r["change_pct"]), "p_value": _number(r["p_value"]),
            "significant": bool(r["significant"]), "test": r.get("method"),
            "verdict": None if withheld else ("unlikely to be chance" if r["significant"] else "within normal variation"),
            "words": r["words"], "note": r.get("note") or None,
        })
    return {"series": values.name, "years": years, "comparisons": rows,
            "chosen_year": None if defaults.chosen is None else S.financial_year_label(defaults.chosen),
            "baseline_year": None if defaults.baseline is None else S.financial_year_label(defaults.baseline),
            "notice": defaults.notice or None}


def default_series(all_categories, chosen_categories) -> tuple[str, tuple[str, ...]]:
    """The series the Trends page compares by default, and its categories."""
    options = T.series_options(all_categories, chosen_categories)
    names = list(options)
    first = next((n for n in (S.ALL_CRIME, S.ASB, S.SAC, S.VSO) if n in options), names[0])
    return first, options[first]
