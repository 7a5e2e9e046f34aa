"""The cleaned store: Parquet tables, rejects CSVs and manifest.json in one folder.

This is the only module that reads or writes ``data/cleaned/``. Writes go through a
``Transaction``: changed tables are held in memory until ``commit()``, which builds a
complete new folder beside the store (unchanged files hard-linked, changed ones written
fresh) and swaps it in with two renames. An ingest that fails before the swap leaves the
previous store byte for byte as it was; a crash between the two renames is repaired the
next time the store is opened.

Layout::

    cleaned/
      manifest.json          what is here, from which sources (see docs/data-model.md)
      <table>.parquet        one file per table; lsoas.parquet is GeoParquet
      rejects/<table>.csv    every rejected row with its file, line, column and reason
"""

from __future__ import annotations

import copy
import datetime as dt
import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow.parquet as pq

from csp_dash.errors import CspError, MissingDataError

MANIFEST = "manifest.json"
REJECTS_DIR = "rejects"
SCHEMA_VERSION = 1


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def empty_manifest() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "created": None, "updated": None, "demo": False,
            "config": {}, "tables": {}, "sources": []}


class Store:
    """Read access to a store folder, and the entry point for transactions."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._recover()

    # -- paths -------------------------------------------------------------------------
    def _sibling(self, tag: str) -> Path:
        return self.path.parent / f".{self.path.name}.{tag}"

    def table_path(self, table: str) -> Path:
        return self.path / f"{table}.parquet"

    def rejects_path(self, table: str) -> Path:
        return self.path / REJECTS_DIR / f"{table}.csv"

    def _recover(self) -> None:
        """Finish a swap that was interrupted between its two renames."""
        old = self._sibling("old")
        if not self.path.exists() and old.exists():
            old.rename(self.path)

    # -- reading -----------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.path / MANIFEST).exists()

    def manifest(self) -> dict[str, Any]:
        p = self.path / MANIFEST
        if not p.exists():
            return empty_manifest()
        return json.loads(p.read_text(encoding="utf-8"))

    def has(self, table: str) -> bool:
        return self.table_path(table).exists()

    def read(self, table: str, columns: list[str] | None = None, filters: Any = None) -> pd.DataFrame:
        """Read a table; raise MissingDataError naming the ingest that provides it."""
        p = self.table_path(table)
        if not p.exists():
            raise MissingDataError(
                f"the store has no '{table}' table",
                file=self.path,
                hint=f"Load it with: python -m csp_dash ingest {TABLE_SOURCES.get(table, table)} PATH",
            )
        if (columns is None or "geometry" in columns) and is_geo_table(p):
            import geopandas as gpd

            return gpd.read_parquet(p, columns=columns, filters=filters)
        # date_as_object=False: date32 columns (month, due dates) arrive as datetime64.
        return pq.read_table(p, columns=columns, filters=filters).to_pandas(date_as_object=False)

    def read_optional(self, table: str, **kwargs: Any) -> pd.DataFrame | None:
        return self.read(table, **kwargs) if self.has(table) else None

    def read_arrow(self, table: str, columns: list[str] | None = None, filters: Any = None):
        """A table as a pyarrow Table, geometry left as WKB: for ingest code that needs speed."""
        p = self.table_path(table)
        if not p.exists():
            return self.read(table)  # raises MissingDataError with the usual hint
        return pq.read_table(p, columns=columns, filters=filters)

    def read_rejects(self, table: str) -> pd.DataFrame:
        p = self.rejects_path(table)
        if not p.exists():
            return pd.DataFrame(columns=REJECT_COLUMNS)
        return pd.read_csv(p, dtype=str, keep_default_na=False)

    def reject_tables(self) -> list[str]:
        d = self.path / REJECTS_DIR
        return sorted(p.stem for p in d.glob("*.csv")) if d.exists() else []

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def transaction(self, dry_run: bool = False) -> Iterator["Transaction"]:
        """Hold the store's lock; commit on a clean exit unless ``dry_run``.

        Any exception inside the block discards every change.
        """
        if self.path.is_dir() and not self.exists() and any(self.path.iterdir()):
            # A commit swaps the whole folder: never do that to a folder that isn't a store.
            raise CspError(
                "is a folder with files in it but no manifest.json, so it is not a store",
                file=self.path,
                hint="Give --store an empty or new folder, or an existing store.",
            )
        lock_path = self._sibling("lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(lock_path, "a")
        except OSError as exc:  # a read-only folder, or a path running through a file
            raise CspError(
                f"the store's folder cannot be written ({exc.strerror}: {exc.filename})",
                file=self.path,
                hint="Choose another folder with --store, or [store] path in csp.toml.",
            ) from None
        with lock_file as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CspError(
                    "another ingest is writing to this store",
                    file=self.path,
                    hint="Wait for it to finish, then run this command again.",
                ) from None
            tx = Transaction(self)
            yield tx
            if not dry_run:
                tx.commit()


# Which ingest command provides each table, for "load it with" hints.
TABLE_SOURCES = {
    "crimes": "crime", "unlocated": "crime", "crime_aggregate": "crime",
    "lsoas": "boundaries", "deprivation": "imd", "population": "population",
    "survey_responses": "survey", "survey_answers": "survey",
    "indicators": "outcomes", "actions": "outcomes",
}

# Every rejects CSV starts with these columns, then the raw fields of the row as read.
REJECT_COLUMNS = ["source_file", "line", "column", "value", "reason"]


def is_geo_table(path: Path) -> bool:
    return b"geo" in (pq.read_metadata(path).metadata or {})


class Transaction:
    """Pending changes to a store: tables, rejects and manifest, applied at commit."""

    def __init__(self, store: Store):
        self.store = store
        self.manifest = copy.deepcopy(store.manifest())
        self._tables: dict[str, pd.DataFrame] = {}
        self._rejects: dict[str, pd.DataFrame] = {}

    def read(self, table: str, **kwargs: Any) -> pd.DataFrame:
        """The table as it will be after commit: staged if changed, else the stored one."""
        if table in self._tables:
            if kwargs.get("filters") is not None:
                # Parquet filters only apply to a stored file; ignoring them here would
                # silently hand back every row.
                raise ValueError(f"filters cannot be applied to '{table}', which this transaction has changed")
            df = self._tables[table]
            return df[kwargs["columns"]] if kwargs.get("columns") else df
        return self.store.read(table, **kwargs)

    def read_optional(self, table: str, **kwargs: Any) -> pd.DataFrame | None:
        if table in self._tables or self.store.has(table):
            return self.read(table, **kwargs)
        return None

    def write(self, table: str, df: pd.DataFrame) -> None:
        self._tables[table] = df

    def read_rejects(self, table: str) -> pd.DataFrame:
        if table in self._rejects:
            return self._rejects[table]
        return self.store.read_rejects(table)

    def write_rejects(self, table: str, df: pd.DataFrame) -> None:
        missing = [c for c in REJECT_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"rejects for {table} lack columns {missing}")
        self._rejects[table] = df

    def staged_tables(self) -> dict[str, pd.DataFrame]:
        return dict(self._tables)

    def commit(self) -> None:
        store = self.store
        staging = store._sibling(f"staging-{os.getpid()}")
        if staging.exists():
            shutil.rmtree(staging)
        try:
            _link_tree(store.path, staging)
            for table, df in self._tables.items():
                _replace_file(staging / f"{table}.parquet", lambda p, df=df: _write_parquet(df, p))
            (staging / REJECTS_DIR).mkdir(exist_ok=True)
            for table, df in self._rejects.items():
                _replace_file(staging / REJECTS_DIR / f"{table}.csv",
                              lambda p, df=df: df.to_csv(p, index=False))
            stamp = now_iso()
            self.manifest["created"] = self.manifest.get("created") or stamp
            self.manifest["updated"] = stamp
            self.manifest["tables"] = _describe_tables(staging)
            _replace_file(staging / MANIFEST, lambda p: p.write_text(
                json.dumps(self.manifest, indent=2, default=str), encoding="utf-8"))
            _swap(staging, store.path, store._sibling("old"))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a folder as hard links: cheap, and safe because files are only ever replaced."""
    dst.mkdir(parents=True)
    if not src.exists():
        return
    for item in src.rglob("*"):
        target = dst / item.relative_to(src)
        if item.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(item, target)
            except OSError:
                shutil.copy2(item, target)


def _replace_file(path: Path, write) -> None:
    """Write to a temporary name, then rename over ``path``.

    Never write into an existing file: it may be a hard link shared with the live store.
    """
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


# Columns held as datetime64 in memory and written as Parquet dates (no time of day), so
# that DuckDB and Power BI see a date rather than a timestamp.
DATE_COLUMNS = {"month", "date_submitted", "due_date", "last_update", "period_start", "period_end"}


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    if type(df).__name__ == "GeoDataFrame":
        # Small row groups let a filtered read skip most of a national boundary file.
        df.to_parquet(path, index=False, row_group_size=1024)
        return
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    for name in DATE_COLUMNS.intersection(table.column_names):
        i = table.column_names.index(name)
        if pa.types.is_timestamp(table.schema.field(i).type):
            table = table.set_column(i, name, table.column(i).cast(pa.date32()))
    pq.write_table(table, path)


def _describe_tables(folder: Path) -> dict[str, Any]:
    out = {}
    for p in sorted(folder.glob("*.parquet")):
        meta = pq.read_metadata(p)
        out[p.stem] = {"rows": meta.num_rows, "columns": meta.schema.to_arrow_schema().names,
                       "bytes": p.stat().st_size}
    return out


def _swap(staging: Path, live: Path, old: Path) -> None:
    if old.exists():
        shutil.rmtree(old)
    if live.exists():
        live.rename(old)
    staging.rename(live)
    shutil.rmtree(old, ignore_errors=True)
