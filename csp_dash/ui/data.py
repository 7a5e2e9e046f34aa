"""Which store the app shows, and cached reads of its tables.

The app shows, in order of preference: the store named by the CSP_STORE environment
variable; the configured store (csp.toml [store] path) if it holds data; otherwise the
demo store, built on first use. Tables are read once per process and kept until the
store's manifest changes (every ingest stamps it), so pages never re-read Parquet.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from csp_dash.analysis.coverage import all_months, held_months as _held_months
from csp_dash.analysis.geography import assign_towns
from csp_dash.config import DEFAULT_CONFIG_PATH, Config, load_config
from csp_dash.store import Store


@st.cache_resource(show_spinner=False)
def _config(path: str, mtime: float) -> Config:
    return load_config(path)


def config() -> Config:
    path = Path(os.environ.get("CSP_CONFIG") or DEFAULT_CONFIG_PATH)
    return _config(str(path), path.stat().st_mtime if path.exists() else 0.0)


def current_store(cfg: Config) -> Store:
    if os.environ.get("CSP_STORE"):
        return Store(os.environ["CSP_STORE"])
    configured = Store(cfg.store_path)
    if configured.exists():
        return configured
    from csp_dash.demo import demo_paths

    return Store(demo_paths(cfg)[1])


def demo_raw_dir(cfg: Config, store: Store) -> Path:
    """Where the demo's raw files go: data/demo/raw, or beside a store named by CSP_STORE
    (so a test or a second copy never writes into the working copy's data/)."""
    from csp_dash.demo import demo_paths

    raw, default_store = demo_paths(cfg)
    return raw if store.path.resolve() == Path(default_store).resolve() else store.path.parent / "demo-raw"


@st.cache_resource(show_spinner=False)
def build_lock() -> threading.Lock:
    """One demo build per process, however many browser sessions ask for it."""
    return threading.Lock()


@st.cache_resource(show_spinner=False)
def _manifest(path: str, mtime: float) -> dict:
    return Store(path).manifest()


def manifest(store: Store) -> dict:
    p = store.path / "manifest.json"
    return _manifest(str(store.path), p.stat().st_mtime if p.exists() else 0.0)


def stamp(store: Store) -> str:
    return str(manifest(store).get("updated"))


@st.cache_resource(show_spinner=False, max_entries=64)
def _table(path: str, stamp: str, name: str, columns: tuple[str, ...] | None) -> pd.DataFrame | None:
    return Store(path).read_optional(name, columns=list(columns) if columns else None)


def table(store: Store, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """A store table (shared, read-only: copy before changing it), or None if absent."""
    return _table(str(store.path), stamp(store), name, tuple(columns) if columns else None)


def require(store: Store, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A store table, raising MissingDataError (shown as a box saying what to load) if absent."""
    df = table(store, name, columns)
    if df is None:
        store.read(name)  # raises MissingDataError naming the ingest that provides the table
    return df


@st.cache_resource(show_spinner=False)
def _area_lsoas(path: str, stamp: str, towns: tuple) -> pd.DataFrame:
    lsoas = Store(path).read("lsoas", filters=[("area", "==", True)])
    lsoas = lsoas.reset_index(drop=True)
    lsoas["town"] = assign_towns(lsoas, towns).to_numpy()
    return lsoas


def area_lsoas(store: Store, cfg: Config) -> pd.DataFrame:
    """The area's LSOAs (GeoDataFrame) with the configured town each belongs to."""
    return _area_lsoas(str(store.path), stamp(store), cfg.area.towns)


# Everything of the lsoas table but the polygons: what the sidebar and the non-map pages need.
AREA_COLUMNS = ["code", "name", "district", "area", "area_km2", "centroid_lon", "centroid_lat", "vintage"]


@st.cache_resource(show_spinner=False)
def _area_table(path: str, stamp: str, towns: tuple) -> pd.DataFrame:
    lsoas = Store(path).read("lsoas", columns=AREA_COLUMNS, filters=[("area", "==", True)]).reset_index(drop=True)
    lsoas["town"] = assign_towns(lsoas, towns).to_numpy()
    return lsoas


def area_table(store: Store, cfg: Config) -> pd.DataFrame:
    """The area's LSOAs with their town, without geometry: reading the polygons would import
    geopandas (over a second of a cold start) for pages that draw no map."""
    return _area_table(str(store.path), stamp(store), cfg.area.towns)


@st.cache_resource(show_spinner=False)
def _rejects(path: str, stamp: str) -> dict[str, pd.DataFrame]:
    store = Store(path)
    return {t: store.read_rejects(t) for t in store.reject_tables()}


def rejects(store: Store) -> dict[str, pd.DataFrame]:
    return _rejects(str(store.path), stamp(store))


@st.cache_resource(show_spinner=False)
def _months_and_categories(path: str, stamp: str) -> tuple[list[pd.Timestamp], list[str]]:
    crimes = Store(path).read_optional("crimes", columns=["month", "category"])
    if crimes is None or crimes.empty:
        return [], []
    # Every calendar month from first to last, so a gap month can still bound a range.
    months = list(all_months(crimes["month"]))
    return months, sorted(crimes["category"].unique())


def crime_months_and_categories(store: Store) -> tuple[list[pd.Timestamp], list[str]]:
    """Every month present in the crimes table and every category, for the filters."""
    return _months_and_categories(str(store.path), stamp(store))


@st.cache_resource(show_spinner=False)
def _held(path: str, stamp: str) -> pd.DatetimeIndex:
    crimes = Store(path).read_optional("crimes", columns=["month"])
    return _held_months(crimes["month"] if crimes is not None else [])


def held_months(store: Store) -> pd.DatetimeIndex:
    """The months the store holds police.uk data for (``coverage.held_months``): the one list
    every figure's coverage, exposure, pairing and baseline is taken from."""
    return _held(str(store.path), stamp(store))


@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(path: str, stamp: str, key: str, _compute: Callable[[], Any]) -> Any:
    return _compute()


def memo(store: Store, key: str, compute: Callable[[], Any]) -> Any:
    """A result derived from the store, computed once per version of the store.

    ``key`` must name the computation and every input it depends on (filters included);
    the result is shared between sessions, so treat it as read-only.
    """
    return _memo(str(store.path), stamp(store), key, compute)


@st.cache_data(ttl=600, show_spinner=False)
def _chromium_found(path_env: str, named: str) -> bool:
    from csp_dash.report.render import chromium_path

    return chromium_path() is not None


def chromium_missing() -> bool:
    """True when the board pack cannot draw its charts (no Chromium for kaleido). A lookup on the
    PATH, kept for each PATH and CSP_CHROMIUM for ten minutes: installing Chromium shows up
    without a restart."""
    return not _chromium_found(os.environ.get("PATH", ""), os.environ.get("CSP_CHROMIUM", ""))
