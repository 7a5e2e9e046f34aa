"""The Deprivation page through AppTest: on the demo store, with the sidebar filters changed,
and on the real Bedfordshire months without IoD2019, with it, and with the population."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from csp_dash.analysis import deprivation as D
from csp_dash.analysis import series as S
from csp_dash.ingest import run_ingest
from csp_dash.store import Store
from tests.conftest import shared

PAGE = "pages/deprivation.py"
SECTIONS = ["Crime and ASB by deprivation", "The most deprived fifth", "The seven domains"]
FILE_1 = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"
FILE_2 = "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
SAPE_AREA = "ons_sape21dt11_mid2018_lsoa_population_density_central_bedfordshire.csv"


def deprivation_page(app_for, store, **query):
    at = app_for(store.path, **query).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def markdown(at) -> str:
    return "\n".join(m.value for m in at.main.markdown)


def captions(at) -> str:
    return "\n".join(c.value for c in at.caption)


def table_with(at, column: str) -> pd.DataFrame:
    """The first 'Show data' table on the page that has ``column``."""
    return next(d.value for d in at.main.dataframe if column in d.value.columns)


def test_the_page_on_the_demo_store(app_for, demo_store):
    at = deprivation_page(app_for, demo_store)
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Deprivation"
    assert [h.value for h in at.subheader] == SECTIONS
    text = markdown(at)
    assert ("Out of a total of 157 LSOAs in Central Bedfordshire, five are in the most deprived 10-20% in England "
            "and a further eight are in the most deprived 20-30%.") in text
    # The legend names every decile with its band and count, the empty decile 1 included.
    assert "IMD 2019 decile, national (LSOAs)" in text
    assert "1 · most deprived 10% (0)" in text and "2 · most deprived 10-20% (5)" in text
    assert "10 · least deprived 10% (26)" in text
    assert "The five LSOAs in the most deprived fifth of England (deciles 1 and 2) are 3.2% of the 157 LSOAs" in text
    assert "over Apr 2015 to Mar 2021 (72 months)" in captions(at)
    rates = table_with(at, "rate_per_1000_a_year")
    assert set(rates["group"]) == {S.ALL_CRIME, S.ASB} and len(rates) == 20
    assert rates.loc[rates["decile"] == 1, "lsoas"].eq(0).all()
    assert len(at.get("deck_gl_json_chart")) == 1
    assert len(at.get("plotly_chart")) == 4  # rates, the fifth, the domain strips, the correlations


def test_sidebar_filters_change_the_page(app_for, demo_store):
    at = deprivation_page(app_for, demo_store)
    at.sidebar.radio(key="f_scope").set_value("town").run()
    at.sidebar.selectbox(key="f_town").set_value("Dunstable").run()
    assert not at.exception, at.exception
    dep = demo_store.read("deprivation")
    lsoas = demo_store.read("lsoas", columns=["code", "name", "area", "centroid_lon", "centroid_lat"])
    from csp_dash.analysis.geography import assign_towns
    from csp_dash.config import load_config
    from tests.conftest import ROOT

    area = lsoas[lsoas["area"]].reset_index(drop=True)
    towns = assign_towns(area, load_config(ROOT / "csp.toml").area.towns)
    dunstable = area.loc[towns.to_numpy() == "Dunstable", "code"]
    expected = D.deprivation_statement(D.decile_counts(dep, dunstable), len(dunstable), "Dunstable")
    assert expected.startswith(f"Out of a total of {len(dunstable)} LSOAs in Dunstable")
    assert expected in markdown(at)
    rates = table_with(at, "rate_per_1000_a_year")
    assert rates.groupby("group")["lsoas"].sum().eq(len(dunstable)).all()

    at.sidebar.multiselect(key="f_cats").set_value(["Burglary"]).run()
    assert not at.exception, at.exception
    rates = table_with(at, "rate_per_1000_a_year")
    assert set(rates["group"]) == {D.SELECTED_CRIME}
    assert "of the chosen crime" in markdown(at) and "of ASB" not in markdown(at)

    at.sidebar.radio(key="f_scope").set_value("district").run()
    at.sidebar.select_slider(key="f_months").set_value((pd.Timestamp("2019-04-01"), pd.Timestamp("2020-03-01"))).run()
    assert not at.exception, at.exception
    assert "over Apr 2019 to Mar 2020 (12 months)" in captions(at)
    crimes = demo_store.read("crimes", columns=["month", "category", "lsoa_code"])
    year = crimes[(crimes["month"] >= "2019-04-01") & (crimes["month"] <= "2020-03-01")
                  & (crimes["category"] == "Burglary") & crimes["lsoa_code"].notna()]
    assert table_with(at, "rate_per_1000_a_year")["count"].sum() == len(year)


def test_lsoas_chosen_one_by_one_are_not_named_as_the_town_they_match(app_for, demo_store):
    # Results are kept per store version and key, shared between sessions: the key must hold the
    # scope, or the LSOAs of Dunstable chosen one by one would get the town's sentence.
    at = deprivation_page(app_for, demo_store, scope="town", town="dunstable")
    assert "LSOAs in Dunstable" in markdown(at)
    from csp_dash.analysis.geography import assign_towns
    from csp_dash.config import load_config
    from tests.conftest import ROOT

    area = demo_store.read("lsoas", columns=["code", "area", "centroid_lon", "centroid_lat"]).query("area")
    area = area.reset_index(drop=True)
    codes = area.loc[assign_towns(area, load_config(ROOT / "csp.toml").area.towns).to_numpy() == "Dunstable", "code"]
    at = deprivation_page(app_for, demo_store, scope="lsoas", lsoa=",".join(codes))
    expected = D.deprivation_statement(D.decile_counts(demo_store.read("deprivation"), codes), len(codes), None)
    assert expected.startswith(f"Out of a total of {len(codes)} LSOAs chosen")
    assert expected in markdown(at) and "Dunstable" not in markdown(at)


@pytest.fixture(scope="module")
def real_with_imd(tmp_path_factory, real_store, config) -> Store:
    path = tmp_path_factory.mktemp("real_imd_page") / "cleaned"
    shutil.copytree(real_store.path, path)
    store = Store(path)
    run_ingest("imd", [shared("imd2019", FILE_1), shared("imd2019", FILE_2)], config, store)
    return store


def test_without_iod2019_the_page_says_what_to_load(app_for, real_store):
    at = deprivation_page(app_for, real_store)
    (box,) = at.error
    assert "the store has no 'deprivation' table" in box.value
    assert "python -m csp_dash ingest imd PATH" in box.value


def test_real_iod2019_without_population_shows_counts_only(app_for, real_with_imd):
    at = deprivation_page(app_for, real_with_imd)
    text = markdown(at)
    assert ("Out of a total of 157 LSOAs in Central Bedfordshire, three are in the most deprived 10-20% in England "
            "and a further 10 are in the most deprived 20-30%.") in text
    (warning,) = [w.value for w in at.warning if "No population" in w.value]
    assert "rates (and the intervals around them) are not shown" in warning
    rates = table_with(at, "rate_per_1000_a_year")
    assert rates["rate_per_1000_a_year"].isna().all() and rates["count"].sum() > 0
    assert "of residents" not in text
    assert len(at.get("plotly_chart")) == 3  # counts, the fifth, the domain strips; no correlations without rates


def test_real_iod2019_with_population_shows_rates(app_for, real_with_imd, config, tmp_path):
    path = tmp_path / "cleaned"
    shutil.copytree(real_with_imd.path, path)
    run_ingest("population", [shared("population", SAPE_AREA)], config, Store(path))
    at = deprivation_page(app_for, Store(path))
    assert not [w for w in at.warning if "No population" in w.value]
    rates = table_with(at, "rate_per_1000_a_year")
    assert rates.loc[rates["lsoas"] > 0, "rate_per_1000_a_year"].notna().all()
    assert rates.loc[rates["lsoas"] == 0, "rate_per_1000_a_year"].isna().all()
    corr = table_with(at, "rho")
    assert len(corr) == 16 and (corr["n"] == 157).all()
    assert "The three LSOAs in the most deprived fifth of England" in markdown(at)
