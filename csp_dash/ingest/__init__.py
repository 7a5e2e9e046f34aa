"""Ingest: raw files in, cleaned tables out, every row accounted for.

``run_ingest`` is the one entry point the CLI, the demo and the tests use. It opens a
store transaction, hands it to the module for the kind of source, records each file's
report in the manifest, and commits only if everything succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from csp_dash.config import Config
from csp_dash.errors import CspError
from csp_dash.ingest.common import SourceReport
from csp_dash.store import Store

Progress = Callable[[str, int, int], None]


def _crime(paths, config, tx, progress):
    from csp_dash.ingest.police_uk import ingest_crime

    reports = []
    if tx.read_optional("lsoas", columns=["code"]) is None:
        # Crimes are placed on the configured boundaries; load them first if the store lacks them.
        from csp_dash.ingest.boundaries import ingest_boundaries

        reports += ingest_boundaries([], config, tx)
    return reports + ingest_crime(paths, config, tx, progress)


def _boundaries(paths, config, tx, progress):
    from csp_dash.ingest.boundaries import ingest_boundaries

    return ingest_boundaries(paths, config, tx)


def _imd(paths, config, tx, progress):
    from csp_dash.ingest.imd import ingest_imd

    return ingest_imd(paths, config, tx)


def _population(paths, config, tx, progress):
    from csp_dash.ingest.population import ingest_population

    return ingest_population(paths, config, tx)


def _survey(paths, config, tx, progress):
    from csp_dash.ingest.survey import ingest_survey

    return ingest_survey(paths, config, tx)


def _outcomes(paths, config, tx, progress):
    from csp_dash.ingest.outcomes import ingest_outcomes

    return ingest_outcomes(paths, config, tx)


INGESTERS: dict[str, Callable] = {
    "crime": _crime,
    "boundaries": _boundaries,
    "imd": _imd,
    "population": _population,
    "survey": _survey,
    "outcomes": _outcomes,
}
KINDS = tuple(INGESTERS)


@dataclass
class IngestOutcome:
    kind: str
    reports: list[SourceReport]
    committed: bool
    tables: dict[str, int] = field(default_factory=dict)  # rows in each table written


def run_ingest(kind: str, paths: list[Path], config: Config, store: Store, *, dry_run: bool = False,
               demo: bool = False, progress: Progress | None = None) -> IngestOutcome:
    """Ingest ``paths`` as ``kind`` into ``store``; with ``dry_run``, check and write nothing."""
    if kind not in INGESTERS:
        raise CspError(f"unknown kind of source '{kind}'", expected=f"one of {', '.join(KINDS)}")
    with store.transaction(dry_run=dry_run) as tx:
        _check_store_matches(tx.manifest, config, store, demo)
        reports = INGESTERS[kind]([Path(p) for p in paths], config, tx, progress)
        for report in reports:
            if not report.balanced():  # a bug, not bad input: fail loudly and write nothing
                raise AssertionError(f"{report.path}: read {report.rows_read} != accepted "
                                     f"{report.rows_accepted} + rejected {report.rows_rejected}")
            tx.manifest["sources"].append(report.to_manifest())
        tx.manifest["demo"] = demo
        tx.manifest["config"].update(area_code=config.area.code, area_name=config.area.name)
        tables = {name: len(df) for name, df in tx.staged_tables().items()}
    return IngestOutcome(kind=kind, reports=reports, committed=not dry_run, tables=tables)


def _check_store_matches(manifest: dict, config: Config, store: Store, demo: bool) -> None:
    """Refuse to mix areas, or synthetic demo data with real data, in one store."""
    held = manifest.get("config", {}).get("area_code")
    if held and held != config.area.code:
        raise CspError(
            f"the store holds {manifest['config'].get('area_name')} ({held}), "
            f"but the configuration is for {config.area.name} ({config.area.code})",
            file=store.path,
            hint="Use another store folder (--store) or delete this one to start again.",
        )
    if manifest.get("sources") and bool(manifest.get("demo")) != demo:
        what = "synthetic demo data" if manifest.get("demo") else "real data"
        raise CspError(
            f"the store holds {what}; demo and real data are never mixed",
            file=store.path,
            hint="Load real data into the configured store (data/cleaned), not the demo store.",
        )
