"""What the store holds, as one plain dict: the contract behind ``status --json``.

The shape is documented in docs/data-model.md ("status --json"); add keys, never rename
or remove them, and bump ``STATUS_VERSION`` if a change cannot be additive.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from csp_dash.store import Store

STATUS_VERSION = 1


def month_span(months: pd.Series) -> dict[str, Any]:
    """First, last and count of months present, and the calendar months missing between."""
    if months.empty:
        return {"first": None, "last": None, "count": 0, "missing": []}
    present = pd.PeriodIndex(months.dropna().unique(), freq="M").sort_values()
    full = pd.period_range(present[0], present[-1], freq="M")
    return {
        "first": str(present[0]),
        "last": str(present[-1]),
        "count": len(present),
        "missing": [str(p) for p in full.difference(present)],
    }


def store_status(store: Store) -> dict[str, Any]:
    manifest = store.manifest()
    status: dict[str, Any] = {
        "status_version": STATUS_VERSION,
        "store": str(store.path.resolve()),
        "exists": store.exists(),
        "demo": bool(manifest.get("demo")),
        "area": {"code": manifest.get("config", {}).get("area_code"),
                 "name": manifest.get("config", {}).get("area_name")},
        "updated": manifest.get("updated"),
        "tables": {name: {"rows": t["rows"]} for name, t in manifest.get("tables", {}).items()},
        "crimes": None,
        "rejected": {t: len(store.read_rejects(t)) for t in store.reject_tables()},
        "sources": [],
        "superseded_sources": [],
    }
    if store.has("crimes"):
        crimes = store.read("crimes", columns=["month", "force", "placement"])
        unlocated = store.read_optional("unlocated", columns=["month"])
        status["crimes"] = {
            "rows": len(crimes),
            "months": month_span(crimes["month"]),
            "forces": sorted(crimes["force"].unique().tolist()),
            "placed_by": {k: int(v) for k, v in crimes["placement"].value_counts().sort_index().items()},
            "unlocated": 0 if unlocated is None else len(unlocated),
        }
    for entry in manifest.get("sources", []):
        brief = {k: entry.get(k) for k in ("kind", "path", "size", "sha256", "rows_read", "rows_accepted",
                                          "rows_rejected", "ingested_at")}
        if entry.get("superseded_by"):
            brief["superseded_by"] = entry["superseded_by"]
            status["superseded_sources"].append(brief)
        else:
            status["sources"].append(brief)
    return status
