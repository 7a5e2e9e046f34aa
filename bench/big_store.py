"""The 10x store for the page benchmark: ten years of force-wide crime, loaded by the real ingest.

The demo store holds six financial years (April 2015 to March 2021) and about 143,000
records in the area. This builds a store about ten times larger, the way a user's store
would grow: 120 monthly police.uk street-level files, April 2011 to March 2021, each
holding ``COPIES`` times a demo month's rows (about a force's whole monthly volume), then
``run_ingest("crime", ...)`` exactly as for real files.

How the files are made, from the demo's own raw files (``build_demo`` writes them):

- Each target month takes the demo month of the same calendar month: itself from 2015-04
  on, the one four years later before that (so 2011-04 copies 2015-04), keeping seasonality.
- Each of its rows is written ``COPIES`` times. Every copy gets a fresh unique 64-hex Crime ID
  (blank ASB IDs stay blank) and a point moved at random, at most ``JITTER_DEG`` degrees each
  way, but kept inside the polygon of the row's own LSOA (the store's ``lsoas`` geometry,
  tested after rounding to police.uk's six decimals); a row whose every try falls outside
  keeps the demo's point. Rows without a location stay without one.
- Month is rewritten; every other field (category, outcome, location text, LSOA) is kept.

The store itself is first built with ``build_demo`` (boundaries, IoD, population, survey,
outcomes and the demo's crime months), then the 120 files are ingested into it: crime is
replaced by force-month, so the demo's 72 months are replaced and 48 earlier ones added.

Usage::

    python bench/big_store.py [--out bench/out] [--copies 6] [--seed 20110401]

writes ``<out>/big/cleaned`` (the store), ``<out>/big/police_uk`` (the 120 files),
``<out>/big/demo-raw`` (the demo's raw files) and ``<out>/big/build.json`` (what was built
and how long it took). bench/out/ is ignored by git.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
# Run as a script from anywhere: the package is not installed, so import it from the checkout.
sys.path.insert(0, str(ROOT))

from csp_dash.config import load_config  # noqa: E402
from csp_dash.demo import DEFAULT_SEED, build_demo  # noqa: E402
from csp_dash.demo.crime import force_slug  # noqa: E402
from csp_dash.ingest import run_ingest  # noqa: E402
from csp_dash.store import Store  # noqa: E402

SEED = 20110401
COPIES = 6            # 6 x (the 72 demo months + 48 of them again) ~ 10x the demo's area records
FIRST_YEAR, YEARS = 2011, 10
JITTER_DEG = 0.002    # about 220 m north-south, 140 m east-west at 52 degrees north
TRIES = 8             # each try halves the step, so a small LSOA still gets moved points


def target_months() -> list[str]:
    """April 2011 to March 2021, as YYYY-MM."""
    return [f"{FIRST_YEAR + i + (m < 4)}-{m:02d}" for i in range(YEARS)
            for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def source_month(month: str) -> str:
    """The demo month a target month copies: itself from 2015-04, else the same month four years on."""
    return month if month >= "2015-04" else f"{int(month[:4]) + 4}{month[4:]}"


def _crime_ids(n: int, rng: np.random.Generator) -> np.ndarray:
    blob = rng.bytes(32 * n).hex()
    return np.array([blob[64 * i: 64 * i + 64] for i in range(n)], dtype=object)


def _jitter(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, int]:
    """Points moved at random but kept inside their polygon, at six decimals; and how many could not move."""
    out_lon, out_lat = lon.copy(), lat.copy()
    todo = np.arange(len(lon))
    step = JITTER_DEG
    for _ in range(TRIES):
        if not len(todo):
            break
        cand_lon = np.round(lon[todo] + rng.uniform(-step, step, len(todo)), 6)
        cand_lat = np.round(lat[todo] + rng.uniform(-step, step, len(todo)), 6)
        inside = shapely.contains_xy(polygons[todo], cand_lon, cand_lat)
        out_lon[todo[inside]], out_lat[todo[inside]] = cand_lon[inside], cand_lat[inside]
        todo = todo[~inside]
        step /= 2
    return out_lon, out_lat, len(todo)


def write_month(demo_file: Path, month: str, copies: int, geometry: pd.Series, rng: np.random.Generator,
                folder: Path, slug: str) -> dict:
    """One target month's file from a demo month's; returns its counts."""
    demo = pd.read_csv(demo_file, dtype=str, keep_default_na=False)
    rows = pd.concat([demo] * copies, ignore_index=True)
    rows["Month"] = month
    has_id = rows["Crime ID"].ne("").to_numpy()
    ids = rows["Crime ID"].to_numpy(dtype=object).copy()
    ids[has_id] = _crime_ids(int(has_id.sum()), rng)
    rows["Crime ID"] = ids

    located = rows["Longitude"].ne("").to_numpy()
    polygons = geometry.reindex(rows.loc[located, "LSOA code"]).to_numpy()
    known = pd.notna(polygons)
    lon = rows.loc[located, "Longitude"].astype(float).to_numpy()
    lat = rows.loc[located, "Latitude"].astype(float).to_numpy()
    new_lon, new_lat, stuck = lon.copy(), lat.copy(), 0
    if known.any():
        j_lon, j_lat, stuck = _jitter(lon[known], lat[known], polygons[known], rng)
        new_lon[known], new_lat[known] = j_lon, j_lat
    lon_text, lat_text = rows["Longitude"].to_numpy(dtype=object), rows["Latitude"].to_numpy(dtype=object)
    lon_text[located] = np.char.mod("%.6f", new_lon).astype(object)
    lat_text[located] = np.char.mod("%.6f", new_lat).astype(object)
    rows["Longitude"], rows["Latitude"] = lon_text, lat_text

    path = folder / month / f"{month}-{slug}-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False, lineterminator="\n")
    return {"rows": len(rows), "located": int(located.sum()), "moved": int(known.sum()) - stuck,
            "kept_point": stuck + int((~known).sum()), "with_id": int(has_id.sum()), "bytes": path.stat().st_size}


def build(out: Path, copies: int = COPIES, seed: int = SEED, say=print) -> dict:
    """Build the 10x store under ``out``/big; returns what build.json records."""
    config = load_config(ROOT / "csp.toml")
    base = Path(out) / "big"
    store_path, demo_raw, street = base / "cleaned", base / "demo-raw", base / "police_uk"
    started = time.perf_counter()

    say(f"Building the demo store into {store_path}")
    t0 = time.perf_counter()
    build_demo(config, Store(store_path), raw_dir=demo_raw, seed=DEFAULT_SEED)
    demo_s = time.perf_counter() - t0
    demo_manifest = Store(store_path).manifest()
    demo_crimes = demo_manifest["tables"]["crimes"]["rows"]

    say(f"Writing 120 monthly files, {copies} copies of each demo month's rows, into {street}")
    t0 = time.perf_counter()
    shutil.rmtree(street, ignore_errors=True)
    lsoas = Store(store_path).read("lsoas", columns=["code", "geometry"])
    polygons = lsoas.geometry.to_numpy()
    shapely.prepare(polygons)
    geometry = pd.Series(polygons, index=lsoas["code"].to_numpy(dtype=object))
    slug = force_slug(config.area.force)
    rng = np.random.default_rng(seed)
    files = {}
    for month in target_months():
        src = source_month(month)
        files[month] = write_month(demo_raw / "police_uk" / src / f"{src}-{slug}-street.csv", month, copies,
                                   geometry, rng, street, slug)
    generate_s = time.perf_counter() - t0
    totals = {k: sum(f[k] for f in files.values()) for k in ("rows", "located", "moved", "kept_point",
                                                              "with_id", "bytes")}
    say(f"  {totals['rows']:,} rows ({totals['bytes'] / 1e6:.0f} MB) in {generate_s:.1f} s; "
        f"{totals['moved']:,} points moved, {totals['kept_point']:,} kept the demo's point")

    say("Ingesting them (run_ingest crime, demo=True)")
    t0 = time.perf_counter()
    outcome = run_ingest("crime", [street], config, Store(store_path), demo=True)
    ingest_s = time.perf_counter() - t0
    reports = [r for r in outcome.reports if r.kind == "crime"]
    manifest = Store(store_path).manifest()
    rows = {name: info["rows"] for name, info in manifest["tables"].items()}
    in_area = sum(r.details["in_area"] for r in reports)
    crimes = Store(store_path).read("crimes", columns=["month"])["month"]
    result = {
        "seed": seed, "demo_seed": DEFAULT_SEED, "copies": copies, "jitter_deg": JITTER_DEG,
        "months": len(files), "first_month": min(files), "last_month": max(files),
        "files": totals,
        "ingest": {"read": sum(r.rows_read for r in reports), "accepted": sum(r.rows_accepted for r in reports),
                   "rejected": sum(r.rows_rejected for r in reports), "in_area": in_area,
                   "outside_area": sum(r.details["outside_area"] for r in reports),
                   "unlocated": sum(r.details["unlocated"] for r in reports)},
        "tables": rows,
        "crime_months_in_store": int(crimes.nunique()),
        "store_first_month": f"{crimes.min():%Y-%m}", "store_last_month": f"{crimes.max():%Y-%m}",
        "demo_crimes": demo_crimes, "ratio_to_demo": rows["crimes"] / demo_crimes,
        "seconds": {"demo": demo_s, "generate": generate_s, "ingest": ingest_s,
                    "total": time.perf_counter() - started},
        "store_mb": sum(p.stat().st_size for p in store_path.rglob("*") if p.is_file()) / 1e6,
    }
    # The ingest replaces the demo's months by force-month: the store must hold exactly what it placed.
    if rows["crimes"] != in_area:
        raise SystemExit(f"crimes table holds {rows['crimes']:,} rows but the ingest placed {in_area:,} in the area")
    if result["ingest"]["read"] != totals["rows"] or result["ingest"]["rejected"]:
        raise SystemExit(f"ingest read {result['ingest']['read']:,} of {totals['rows']:,} rows, "
                         f"rejected {result['ingest']['rejected']:,}")
    (base / "build.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    say(f"  crimes table: {rows['crimes']:,} rows ({result['ratio_to_demo']:.1f}x the demo's {demo_crimes:,}), "
        f"{result['crime_months_in_store']} months {result['store_first_month']}..{result['store_last_month']}; "
        f"ingest {ingest_s:.1f} s, whole build {result['seconds']['total']:.1f} s")
    return result


def load_or_build(out: Path, rebuild: bool = False, say=print) -> dict:
    """build.json of an existing 10x store under ``out``, building it first if absent (or asked)."""
    info = Path(out) / "big" / "build.json"
    if not rebuild and info.exists() and (info.parent / "cleaned" / "manifest.json").exists():
        return json.loads(info.read_text(encoding="utf-8"))
    return build(out, say=say)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--copies", type=int, default=COPIES)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    build(args.out, copies=args.copies, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
