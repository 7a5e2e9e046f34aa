"""Shared test fixtures: the real files in ../shared/data, and stores to ingest into."""

from __future__ import annotations

import ast
import os
import shutil
import time
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest

from csp_dash.config import Config, load_config
from csp_dash.ingest import run_ingest
from csp_dash.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CSP_SHARED_DATA", ROOT.parent / "shared" / "data"))


def shared(*parts: str) -> Path:
    """A path in ../shared/data: required under CI=true, otherwise skipped when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"real data not found at {path} (set CSP_SHARED_DATA to the shared data folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


# -- the real_data marker ---------------------------------------------------------------------

REAL_DATA_FIXTURES = frozenset({"real_store", "real_full_store"})


@cache
def _module_reads_real_data(source_file: str) -> tuple[bool, frozenset[str]]:
    """Whether a test module calls ``shared()`` at module level (a parametrize list, a constant),
    and the names of its module-level functions (tests, fixtures, helpers) that call it, directly
    or through one another."""
    tree = ast.parse(Path(source_file).read_text(encoding="utf-8"))
    refs: dict[str, set[str]] = {}
    at_module_level: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            refs[node.name] = {n.id for part in node.body for n in ast.walk(part) if isinstance(n, ast.Name)}
            # Decorators and default values run when the module is imported.
            outside = [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]
            at_module_level |= {n.id for part in outside if part for n in ast.walk(part) if isinstance(n, ast.Name)}
        else:
            at_module_level |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    reading = {"shared"}
    while True:
        more = {name for name, used in refs.items() if name not in reading and used & reading}
        if not more:
            break
        reading |= more
    return bool(at_module_level & reading), frozenset(reading - {"shared"})


def pytest_collection_modifyitems(config, items):
    """Mark ``real_data`` every test that reads the real files in ../shared/data: through the
    ``real_store`` or ``real_full_store`` fixtures (also when a parameter names one for
    ``request.getfixturevalue``), or through ``shared()`` in the test, in a fixture or helper of its
    module, or at its module level. ``-m "not real_data"`` leaves them out."""
    for item in items:
        module = getattr(item, "module", None)
        source = getattr(module, "__file__", None)
        at_module_level, functions = _module_reads_real_data(source) if source else (False, frozenset())
        params = getattr(getattr(item, "callspec", None), "params", {})
        uses = (set(getattr(item, "fixturenames", ())) | {getattr(item, "originalname", item.name)}
                | {value for value in params.values() if isinstance(value, str)})
        if at_module_level or uses & (REAL_DATA_FIXTURES | functions):
            item.add_marker(pytest.mark.real_data)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "csp.toml")


@pytest.fixture(scope="session")
def _boundaries_store(tmp_path_factory, config) -> Path:
    """A store holding only the packaged LSOA boundaries, built once per session."""
    path = tmp_path_factory.mktemp("boundaries") / "cleaned"
    run_ingest("boundaries", [], config, Store(path))
    return path


@pytest.fixture
def store(tmp_path, _boundaries_store) -> Store:
    """A fresh store with the boundaries already loaded (copied from the session's)."""
    path = tmp_path / "cleaned"
    shutil.copytree(_boundaries_store, path)
    return Store(path)


@pytest.fixture
def empty_store(tmp_path) -> Store:
    return Store(tmp_path / "empty" / "cleaned")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, config) -> SimpleNamespace:
    """The demo dataset, generated and ingested once per test session, with what the build said."""
    from csp_dash.demo import DEFAULT_SEED, build_demo

    root = tmp_path_factory.mktemp("demo")
    store = Store(root / "cleaned")
    messages: list[str] = []
    started = time.perf_counter()
    outcomes = build_demo(config, store, root / "raw", seed=DEFAULT_SEED, progress=messages.append)
    seconds = time.perf_counter() - started
    print(f"\ndemo build (generation + ingest): {seconds:.1f} s")
    return SimpleNamespace(root=root, store=store, raw=root / "raw", outcomes=outcomes, messages=messages,
                           seconds=seconds)


@pytest.fixture(scope="session")
def demo_store(demo_build) -> Store:
    return demo_build.store


@pytest.fixture(scope="session")
def real_store(tmp_path_factory, _boundaries_store, config) -> Store:
    """The 17 real Bedfordshire months, ingested once per test session."""
    path = tmp_path_factory.mktemp("real") / "cleaned"
    shutil.copytree(_boundaries_store, path)
    store = Store(path)
    run_ingest("crime", [shared("police_uk", "bedfordshire")], config, store)
    return store


@pytest.fixture(scope="session")
def real_full_store(tmp_path_factory, _boundaries_store, config) -> Store:
    """Every real source at once, ingested once per test session: the packaged boundaries, the
    17 police.uk Bedfordshire months (2018-10..2019-02 and 2021-05..2022-04, a 26-month gap
    from 2019-03 to 2021-04), IoD2019 Files 1 and 2 (deprivation), and two population years.

    What the store then holds (checked when the fixture was written):

    - ``crimes``: 28,835 records placed in Central Bedfordshire over 17 months (6,797 of them
      anti-social behaviour), every one on one of the area's 157 LSOAs (2011), none with a null
      ``lsoa_code``; between 1,216 (Dec 2021) and 2,262 (Oct 2018) a month.
      ``unlocated``: 1,504 force records with neither coordinates nor an LSOA (2021-05 on).
    - ``lsoas``: 34,753 LSOAs (2011), 157 flagged ``area``.
    - ``deprivation``: the 157 LSOAs, IMD rank and decile (deciles 2-10; none in decile 1)
      and the seven domains.
    - ``population``: 314 rows, two years side by side (a year replaces only that year):
      2015 from IoD2019 File 6 ("IoD2019 File 6 (mid-2015)", 157 LSOAs, 272,421 residents, with
      age groups) and 2018 from ONS SAPE21DT11 ("ONS SAPE21DT11 mid-2018", 157 LSOAs, 283,606
      residents, age-group columns null).
    """
    path = tmp_path_factory.mktemp("real_full") / "cleaned"
    shutil.copytree(_boundaries_store, path)
    store = Store(path)
    run_ingest("crime", [shared("police_uk", "bedfordshire")], config, store)
    run_ingest("imd", [shared("imd2019", "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"),
                       shared("imd2019", "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz")], config, store)
    run_ingest("population", [shared("imd2019", "File_6_-_IoD2019_Population_Denominators.csv.gz"),
                              shared("population",
                                     "ons_sape21dt11_mid2018_lsoa_population_density_central_bedfordshire.csv")],
               config, store)
    return store
