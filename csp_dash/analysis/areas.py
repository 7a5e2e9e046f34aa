"""The area against other areas, from ``crime_aggregate`` (every record read, counted by
district of the reported LSOA name, force, month and category), each line indexed to 100
over a baseline period.

A line only has months its force files were ingested for: a month with no rows for any of
the line's forces is missing (NaN), while a month the force covered but the district had no
record is a true zero.
"""

from __future__ import annotations

import pandas as pd

# England and Wales has 43 territorial forces (plus British Transport Police on police.uk).
# Below this many, a national line would be a handful of forces under a national name.
ALL_FORCES_MIN = 40
ENGLAND_AND_WALES = "England and Wales"


def districts(aggregate: pd.DataFrame) -> list[str]:
    """Named districts present in the aggregate (records with no LSOA name have none)."""
    names = aggregate["district"].dropna().unique()
    return sorted(str(d) for d in names if str(d))


def forces(aggregate: pd.DataFrame) -> list[str]:
    return sorted(str(f) for f in aggregate["force"].dropna().unique())


def comparison_lines(aggregate: pd.DataFrame, area_name: str, force: str, chosen_districts: list[str] = (),
                     categories: tuple[str, ...] | list[str] | None = None,
                     start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Monthly records of the area, its force, England and Wales (when enough forces are
    held) and each chosen district: one column per line, every calendar month from
    ``start`` to ``end`` as rows.

    The area and each district are their own rows of the aggregate (``district``); the
    force is every row of ``force`` whatever its district, including records with no
    location; England and Wales is every row. ``categories`` (None: all) limits what is
    counted.
    """
    agg = aggregate
    if categories is not None:
        agg = agg[agg["category"].isin(list(categories))]
    covered = aggregate.groupby("force", observed=True)["month"].unique()  # months each force's files cover

    def district_forces(d: str) -> list[str]:
        return list(aggregate.loc[aggregate["district"] == d, "force"].unique())

    # name -> (rows counted, forces whose files decide which months the line has)
    lines: dict[str, tuple[pd.DataFrame, list[str]]] = {
        area_name: (agg[agg["district"] == area_name], district_forces(area_name))}
    if force in covered.index:
        lines[force] = (agg[agg["force"] == force], [force])
    if len(covered) >= ALL_FORCES_MIN:
        lines[ENGLAND_AND_WALES] = (agg, list(covered.index))
    for d in chosen_districts:
        if d not in lines:
            lines[d] = (agg[agg["district"] == d], district_forces(d))

    lo = start if start is not None else aggregate["month"].min()
    hi = end if end is not None else aggregate["month"].max()
    months = pd.date_range(lo, hi, freq="MS")
    out = {}
    for name, (rows, line_forces) in lines.items():
        held = {m for f in line_forces for m in covered[f]}
        counts = rows.groupby("month")["crimes"].sum().reindex(months, fill_value=0).astype("float64")
        out[name] = counts.where(months.isin(list(held)))
    return pd.DataFrame(out, index=months).rename_axis("month")


def default_baseline(lines: pd.DataFrame, months: int = 12) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first ``months`` consecutive months in which every line has data: the first run of
    at least that many, or else the longest run (the latest of equal ones). Never across a gap."""
    from csp_dash.analysis.coverage import runs

    complete = runs(lines.index[lines.notna().all(axis=1)])
    if not complete:
        return None
    long_enough = [r for r in complete if len(r) >= months]
    chosen = long_enough[0][:months] if long_enough else max(reversed(complete), key=len)
    return chosen[0], chosen[-1]


def index_to_baseline(lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Each line as an index: 100 = its average month over ``start``..``end`` (months with
    data only). A line with no data, or none at all in the baseline, stays NaN."""
    base = lines.loc[(lines.index >= start) & (lines.index <= end)].mean(axis=0)
    return (lines / base.where(base > 0) * 100).round(1)


def tidy(lines: pd.DataFrame, index: pd.DataFrame) -> pd.DataFrame:
    """The long table behind the comparison chart: month, area, records, index."""
    records = lines.reset_index().melt("month", var_name="area", value_name="records")
    idx = index.reset_index().melt("month", var_name="area", value_name="index")
    records["records"] = records["records"].astype("Int64")
    records["index_baseline_100"] = idx["index"].to_numpy()
    records["month"] = records["month"].dt.strftime("%Y-%m")
    return records
