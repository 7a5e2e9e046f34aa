"""The demo dataset: synthetic raw files in the real public formats, loaded by the real ingest.

``python -m csp_dash demo`` writes, from a fixed seed, police.uk street-level CSVs, IoD2019
Files 1, 2 and 5, ONS SAPE21DT11 population tables, a survey export and the indicator and
action files for the configured area's real LSOAs, then loads them with ``run_ingest`` (as
``demo=True``) exactly as a user's files would be. docs/demo.md lists what the data holds
and the strategy's story numbers it reproduces.

The store is built in a sibling folder and swapped in whole, so a failed build leaves the
previous demo store as it was.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from csp_dash.config import Config
from csp_dash.demo.common import stream
from csp_dash.demo.crime import build_street_tables, lsoa_weights, monthly_counts, write_street_files
from csp_dash.demo.deprivation import assign_deprivation, write_deprivation
from csp_dash.demo.geography import build_places
from csp_dash.demo.outcomes import build_actions, build_indicators, write_outcomes
from csp_dash.demo.population import BASE_YEAR, assign_population, write_population
from csp_dash.demo.survey import build_survey, write_survey
from csp_dash.errors import CspError
from csp_dash.ingest import IngestOutcome, run_ingest
from csp_dash.store import Store

DEFAULT_SEED = 20190401

# The file that marks a folder as the demo's own: only such a folder is ever emptied.
MARKER = "DEMO-README.txt"
SUBFOLDERS = ("police_uk", "imd", "population", "survey", "outcomes")


def demo_paths(config: Config) -> tuple[Path, Path]:
    """(raw folder, store folder) of the demo, beside the configuration file."""
    return config.base_dir / "data/demo/raw", config.base_dir / "data/demo/cleaned"


@dataclass
class RawFiles:
    """The synthetic files written, by kind of source."""

    crime: list[Path] = field(default_factory=list)
    imd: list[Path] = field(default_factory=list)
    population: list[Path] = field(default_factory=list)
    survey: list[Path] = field(default_factory=list)
    outcomes: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def write_raw(config: Config, lsoas: pd.DataFrame, raw_dir: Path, seed: int = DEFAULT_SEED) -> RawFiles:
    """Write every synthetic raw file into ``raw_dir``; the same seed gives the same bytes.

    Parameters
    ----------
    config : Config
        The area (code, name, force, towns) the files describe.
    lsoas : DataFrame
        The store's ``lsoas`` table (the area's real LSOA polygons and their neighbours).
    raw_dir : Path
        Folder to write into (subfolders police_uk, imd, population, survey, outcomes).
    seed : int
        Random seed; each generator draws from its own stream of it.
    """
    raw_dir = Path(raw_dir)
    places = build_places(lsoas, config, stream(seed, "places"))
    area = places.lsoas[places.lsoas["in_area"]]
    deprivation = assign_deprivation(area, stream(seed, "deprivation"))
    population = assign_population(area, stream(seed, "population"))
    counts = monthly_counts(stream(seed, "crime-months"))
    weights = lsoa_weights(places, deprivation.set_index("code")["imd_decile"],
                           population.set_index("code")[BASE_YEAR])
    by_month = build_street_tables(places, counts, weights, config, stream(seed, "crime-records"))
    survey = build_survey(places, stream(seed, "survey"))
    indicators = build_indicators(config, counts, stream(seed, "outcomes"))
    actions = build_actions(config)

    files = RawFiles()
    files.crime = write_street_files(by_month, config, raw_dir / "police_uk")
    files.imd = write_deprivation(deprivation, config, raw_dir / "imd")
    files.population = write_population(population, raw_dir / "population")
    files.survey = [write_survey(survey, raw_dir / "survey")]
    files.outcomes = write_outcomes(indicators, actions, raw_dir / "outcomes")
    files.rows = {"crime": sum(len(t) for t in by_month.values()), "imd": len(deprivation),
                  "population": len(population) * (len(population.columns) - 3), "survey": len(survey),
                  "outcomes": len(indicators) + len(actions)}
    return files


def build_demo(config: Config, store: Store, raw_dir: Path, seed: int = DEFAULT_SEED,
               progress: Callable[[str], None] | None = None) -> list[IngestOutcome]:
    """Write the synthetic raw files and load them into ``store``, replacing it whole.

    Parameters
    ----------
    config : Config
        The configured area.
    store : Store
        The demo store. One holding real data is refused, never replaced.
    raw_dir : Path
        Where the raw files go; refused if it holds files the demo did not write.
    seed : int
        Random seed (``DEFAULT_SEED`` for the documented story numbers).
    progress : callable, optional
        Called with one message string per step.

    Returns
    -------
    list of IngestOutcome
        One per ingest: boundaries, crime, imd, population, survey, outcomes.
    """
    say = progress or (lambda message: None)
    started = time.perf_counter()
    raw_dir = Path(raw_dir)
    _check_store(store)
    _prepare_raw(raw_dir, seed)

    building = Store(store.path.parent / f".{store.path.name}.demo-build-{os.getpid()}")
    shutil.rmtree(building.path, ignore_errors=True)
    outcomes: list[IngestOutcome] = []
    try:
        say("Loading the LSOA boundaries")
        outcomes.append(run_ingest("boundaries", [], config, building, demo=True))
        lsoas = building.read("lsoas")
        say(f"Writing synthetic raw files for {config.area.name} (seed {seed}) into {raw_dir}")
        files = write_raw(config, lsoas, raw_dir, seed)
        say(f"Wrote {len(files.crime)} monthly police.uk files ({files.rows['crime']:,} rows), "
            f"{len(files.imd)} IoD2019 files, {len(files.population)} population files, a survey export "
            f"({files.rows['survey']:,} responses) and the indicator and action files")
        steps = [("crime", [raw_dir / "police_uk"]), ("imd", files.imd), ("population", files.population),
                 ("survey", files.survey), ("outcomes", files.outcomes)]
        for kind, paths in steps:
            say(f"Loading {kind}")
            outcomes.append(run_ingest(kind, paths, config, building, demo=True))
        _swap_in(building, store)
    except BaseException:
        shutil.rmtree(building.path, ignore_errors=True)
        raise
    finally:
        building.path.with_name(f".{building.path.name}.lock").unlink(missing_ok=True)
    say(f"Demo built in {time.perf_counter() - started:.1f} s")
    return outcomes


def _check_store(store: Store) -> None:
    manifest = store.manifest()
    if manifest.get("sources") and not manifest.get("demo"):
        raise CspError(
            "the store holds real data; the demo never replaces it",
            file=store.path,
            hint="Build the demo in its own folder: leave out --store to use data/demo/cleaned.",
        )


def _prepare_raw(raw_dir: Path, seed: int) -> None:
    """Empty the demo's own subfolders; refuse a folder holding anything else."""
    if raw_dir.exists() and any(raw_dir.iterdir()) and not (raw_dir / MARKER).exists():
        raise CspError(
            "the folder holds files the demo did not write",
            file=raw_dir,
            expected=f"an empty folder, or one the demo wrote before (it has a {MARKER})",
            hint="Give the demo its own folder with --raw, or leave it out to use data/demo/raw.",
        )
    for sub in SUBFOLDERS:
        shutil.rmtree(raw_dir / sub, ignore_errors=True)
    raw_dir.mkdir(parents=True, exist_ok=True)
    (raw_dir / MARKER).write_text(
        "Synthetic demo data written by `python -m csp_dash demo` "
        f"(seed {seed}). Every record is invented; see docs/demo.md.\n"
        "This folder is rewritten each time the demo is built: keep no other files here.\n",
        encoding="utf-8",
    )


def _swap_in(building: Store, store: Store) -> None:
    """Replace ``store``'s folder with the freshly built one, holding its lock meanwhile."""
    with store.transaction(dry_run=True):
        # Store recovers ".<name>.old" if a crash falls between the two renames.
        old = store.path.parent / f".{store.path.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if store.path.exists():
            store.path.rename(old)
        building.path.rename(store.path)
        shutil.rmtree(old, ignore_errors=True)
