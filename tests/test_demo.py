"""The demo dataset: built once through the real ingest, its story numbers checked from the store.

Every number here is recomputed with plain pandas from the tables the dashboard reads, not
taken from the generator, so a change in the generator or in an ingest that breaks the
story fails here. Run with ``-s`` to see the numbers each check found.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import csp_dash.demo as demo_module
from csp_dash.demo import DEFAULT_SEED, MARKER, build_demo, demo_paths, write_raw
from csp_dash.analysis.geography import RURAL, assign_towns
from csp_dash.errors import CspError
from csp_dash.ingest.police_uk import STREET_COLUMNS
from csp_dash.store import Store

ASB = "Anti-social behaviour"
SAC = ("Burglary", "Robbery", "Vehicle crime")
VSO = "Violence and sexual offences"


@pytest.fixture(scope="module")
def demo(demo_build):
    """The session's demo build (tests/conftest.py), shared with the app and browser tests."""
    return demo_build


@pytest.fixture(scope="module")
def crimes(demo) -> pd.DataFrame:
    df = demo.store.read("crimes", columns=["month", "category", "lsoa_code", "reported_lsoa_code", "longitude",
                                            "latitude", "location", "placement", "crime_id", "outcome"])
    df["fy"] = df["month"].dt.year - (df["month"].dt.month < 4)
    return df


def fy_totals(df: pd.DataFrame) -> pd.Series:
    return df.groupby("fy").size()


def change(totals: pd.Series, later: int, earlier: int) -> float:
    return (totals[later] / totals[earlier] - 1) * 100


def monthly(df: pd.DataFrame) -> pd.Series:
    return df.groupby("month").size()


# -- the build ---------------------------------------------------------------------------------

def test_the_demo_is_loaded_by_every_ingest_and_marked_as_demo(demo):
    assert [o.kind for o in demo.outcomes] == ["boundaries", "crime", "imd", "population", "survey", "outcomes"]
    assert all(r.balanced() for o in demo.outcomes for r in o.reports)
    manifest = demo.store.manifest()
    assert manifest["demo"] is True
    assert {"crimes", "unlocated", "crime_aggregate", "lsoas", "deprivation", "population", "survey_responses",
            "survey_answers", "indicators", "actions"} <= set(manifest["tables"])
    assert demo.messages[0] == "Loading the LSOA boundaries"
    assert demo.messages[-1].startswith("Demo built in ")
    # Nothing is left beside the store: no build folder, no lock of the build folder.
    assert sorted(p.name for p in demo.root.iterdir()) == [".cleaned.lock", "cleaned", "raw"]


def test_demo_paths_sit_beside_the_configuration(config):
    raw, store = demo_paths(config)
    assert raw == config.base_dir / "data" / "demo" / "raw"
    assert store == config.base_dir / "data" / "demo" / "cleaned"


def test_the_raw_files_are_in_the_real_layouts(demo, config):
    months = sorted(p.name for p in (demo.raw / "police_uk").iterdir())
    assert len(months) == 72 and months[0] == "2015-04" and months[-1] == "2021-03"
    first = (demo.raw / "police_uk" / "2015-04" / "2015-04-bedfordshire-street.csv").read_bytes()
    assert first.startswith(",".join(STREET_COLUMNS).encode() + b"\n")
    imd = (demo.raw / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv").read_bytes()
    assert imd.startswith(b"\xef\xbb\xbfLSOA code (2011),LSOA name (2011),Local Authority District code (2019)")
    assert b"\r\n" in imd and re.search(rb',"\d{1,2},\d{3}",\d+\r\n', imd)
    scores = (demo.raw / "imd" / "File_5_-_IoD2019_Scores.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert scores.endswith('Index of Multiple Deprivation (IMD) Score,Income Score (rate),Employment Score (rate),'
                           '"Education, Skills and Training Score",Health Deprivation and Disability Score,'
                           'Crime Score,Barriers to Housing and Services Score,Living Environment Score')
    pop = (demo.raw / "population" / "sape21dt11-mid-2017-lsoa-population-density.csv").read_bytes()
    assert pop.startswith(b"LSOA11CD,LSOA11NM,Mid-2017 population,Area Sq Km,People per Sq Km\r\n")
    assert (demo.raw / MARKER).exists()


# -- crime: the strategy's story ---------------------------------------------------------------

def test_recorded_crime_2017_18_is_14_percent_up_on_2016_17(crimes):
    totals = fy_totals(crimes[crimes["category"] != ASB])
    pct = change(totals, 2017, 2016)
    print(f"\nrecorded crime FY2016/17 {totals[2016]:,} -> FY2017/18 {totals[2017]:,}: {pct:+.2f}%")
    assert pct == pytest.approx(14, abs=0.5)


def test_serious_acquisitive_crime_is_30_percent_up_over_three_years(crimes):
    totals = fy_totals(crimes[crimes["category"].isin(SAC)])
    pct = change(totals, 2017, 2015)
    print(f"\nserious acquisitive crime FY2015/16 {totals[2015]:,} -> FY2017/18 {totals[2017]:,}: {pct:+.2f}%")
    assert pct == pytest.approx(30, abs=1)


def test_violence_is_22_percent_up_over_three_years(crimes):
    totals = fy_totals(crimes[crimes["category"] == VSO])
    pct = change(totals, 2017, 2015)
    print(f"\nviolence and sexual offences FY2015/16 {totals[2015]:,} -> FY2017/18 {totals[2017]:,}: {pct:+.2f}%")
    assert pct == pytest.approx(22, abs=1)


def test_asb_is_11_percent_down_over_three_years(crimes):
    totals = fy_totals(crimes[crimes["category"] == ASB])
    pct = change(totals, 2017, 2015)
    print(f"\nASB FY2015/16 {totals[2015]:,} -> FY2017/18 {totals[2017]:,}: {pct:+.2f}%")
    assert pct == pytest.approx(-11, abs=1)


def _season_ratios(df: pd.DataFrame, months: tuple[int, ...]) -> pd.Series:
    """Per financial year, the mean of the given calendar months over the mean of all twelve."""
    counts = monthly(df).rename("n").reset_index()
    counts["fy"] = counts["month"].dt.year - (counts["month"].dt.month < 4)
    season = counts[counts["month"].dt.month.isin(months)].groupby("fy")["n"].mean()
    return season / counts.groupby("fy")["n"].mean()


def test_burglary_peaks_in_winter_and_asb_in_summer_every_year(crimes):
    winter = _season_ratios(crimes[crimes["category"] == "Burglary"], (12, 1, 2))
    summer = _season_ratios(crimes[crimes["category"] == ASB], (6, 7, 8))
    print(f"\nburglary Dec-Feb / annual monthly mean by FY: {winter.round(3).to_dict()}")
    print(f"ASB Jun-Aug / annual monthly mean by FY: {summer.round(3).to_dict()}")
    assert len(winter) == len(summer) == 6
    assert (winter > 1.1).all()
    assert (summer > 1.1).all()


def test_violence_rises_during_the_2018_world_cup(crimes):
    vso = monthly(crimes[crimes["category"] == VSO])
    june_july = {y: int(vso[pd.Timestamp(f"{y}-06-01")] + vso[pd.Timestamp(f"{y}-07-01")]) for y in (2017, 2018, 2019)}
    print(f"\nviolence in June+July: {june_july}")
    assert june_july[2018] >= 1.10 * june_july[2017]
    assert june_july[2018] >= 1.10 * june_july[2019]


def test_monthly_volumes_look_like_the_real_area(crimes):
    # Expected values lie inside 1,200-1,700 and 400-800 by construction; multinomial noise
    # may take a month or two a little outside, as real months do.
    recorded = monthly(crimes[crimes["category"] != ASB])
    asb = monthly(crimes[crimes["category"] == ASB])
    lockdown = recorded.index.isin(pd.to_datetime(["2020-04-01", "2020-05-01"]))
    usual = recorded[~lockdown]
    print(f"\nrecorded crime a month: {usual.min()}-{usual.max()} ({usual.between(1200, 1700).mean():.0%} "
          f"within 1,200-1,700), lockdown April-May 2020: {recorded[lockdown].tolist()}; "
          f"ASB a month: {asb.min()}-{asb.max()} ({asb.between(400, 800).mean():.0%} within 400-800)")
    assert len(recorded) == len(asb) == 72
    assert usual.between(1150, 1750).all() and usual.between(1200, 1700).mean() >= 0.9
    assert asb.between(370, 830).all() and asb.between(400, 800).mean() >= 0.9
    assert recorded[lockdown].between(900, 1300).all()


# -- crime: the shape of a real force file ---------------------------------------------------------

def test_every_record_lies_inside_the_lsoa_it_reports(crimes):
    # Points are placed by point in polygon on the store's boundaries; the reported LSOA must agree.
    assert (crimes["placement"] == "point").all()
    assert (crimes["lsoa_code"] == crimes["reported_lsoa_code"]).all()
    assert crimes["lsoa_code"].nunique() == 157


def test_records_repeat_at_fixed_snap_points(crimes):
    points = crimes.groupby(["longitude", "latitude"]).size()
    assert crimes["location"].str.startswith("On or near ").all()
    print(f"\n{len(points):,} distinct snap points in the area, {points.mean():.0f} records each on average")
    assert len(points) < 4000
    assert points.max() > 200
    assert {"On or near Supermarket", "On or near Parking Area"} <= set(crimes["location"])


def test_asb_has_no_crime_id_and_other_records_a_unique_one(crimes):
    asb = crimes[crimes["category"] == ASB]
    other = crimes[crimes["category"] != ASB]
    assert asb["crime_id"].isna().all() and asb["outcome"].isna().all()
    assert other["crime_id"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert other["crime_id"].is_unique
    outcomes = other["outcome"].value_counts(normalize=True)
    assert outcomes.index[0] == "Investigation complete; no suspect identified"
    assert "Unable to prosecute suspect" in outcomes.index[:3]
    assert other["outcome"].notna().all() and len(outcomes) >= 15


def test_the_force_file_also_holds_neighbours_unlocated_records_and_duplicates(demo, config):
    agg = demo.store.read("crime_aggregate")
    area = agg.loc[agg["district"] == config.area.name, "crimes"].sum()
    force = agg["crimes"].sum()
    neighbours = agg.loc[~agg["district"].isin([config.area.name, ""]), "district"].unique()
    print(f"\nforce records {force:,}, in {config.area.name} {area:,} ({force / area - 1:+.1%}); "
          f"{len(neighbours)} neighbouring districts")
    assert 1.35 <= force / area <= 1.5
    assert len(neighbours) >= 5

    unlocated = demo.store.read("unlocated")
    last_year = agg[agg["month"] >= "2020-04-01"]
    share = len(unlocated) / last_year["crimes"].sum()
    print(f"unlocated records: {len(unlocated):,}, {share:.2%} of the force's last twelve months")
    assert unlocated["month"].min() == pd.Timestamp("2020-04-01")
    assert 0.015 <= share <= 0.025

    rejects = demo.store.read_rejects("crimes")
    print(f"rejected rows: {rejects['reason'].value_counts().to_dict()}")
    assert 3 <= len(rejects) <= 6
    assert set(rejects["reason"]) == {"duplicate Crime ID within the month"}
    assert rejects["Month"].nunique() == 1


def test_towns_and_deprived_lsoas_carry_more_crime(demo, crimes, config):
    lsoas = demo.store.read("lsoas", columns=["code", "area", "area_km2", "centroid_lon", "centroid_lat"])
    lsoas = lsoas[lsoas["area"]].reset_index(drop=True)
    town = assign_towns(lsoas, config.area.towns).to_numpy()  # the app's town scopes
    per_lsoa = crimes.groupby("lsoa_code").size()
    lsoas["crimes"] = lsoas["code"].map(per_lsoa).fillna(0)
    in_town = lsoas.loc[town != RURAL, "crimes"].mean()
    village = lsoas.loc[town == RURAL, "crimes"].mean()

    dep = demo.store.read("deprivation")[["lsoa_code", "imd_decile"]]
    pop = demo.store.read("population")
    pop = pop[pop["year"] == 2017].set_index("lsoa_code")["population"]
    dep["rate"] = dep["lsoa_code"].map(per_lsoa) / dep["lsoa_code"].map(pop) * 1000 / 6
    deprived = dep.loc[dep["imd_decile"].isin([2, 3]), "rate"].mean()
    others = dep.loc[dep["imd_decile"] >= 4, "rate"].mean()
    print(f"\nrecords per LSOA: towns {in_town:,.0f}, villages {village:,.0f}; a year per 1,000 people: "
          f"deciles 2-3 {deprived:.0f}, deciles 4-10 {others:.0f}")
    assert in_town > 1.5 * village
    assert deprived > 1.5 * others


# -- deprivation and population ---------------------------------------------------------------

def test_five_lsoas_in_decile_2_and_eight_in_decile_3(demo):
    dep = demo.store.read("deprivation")
    deciles = dep["imd_decile"].value_counts().sort_index()
    print(f"\nIMD deciles: { {int(k): int(v) for k, v in deciles.items()} }")
    assert len(dep) == 157
    assert deciles[2] == 5 and deciles[3] == 8
    assert 1 not in deciles.index
    for domain in ("imd", "income", "crime", "barriers"):
        rank = dep[f"{domain}_rank"].astype(int)
        assert (dep[f"{domain}_decile"] == np.ceil(rank * 10 / 32844)).all()
        assert rank.is_unique
    # Scores fall as ranks rise (1 = most deprived).
    ordered = dep.sort_values("imd_rank")
    assert ordered["imd_score"].is_monotonic_decreasing


def test_population_is_about_280000_in_2017_and_grows_toward_295800(demo):
    totals = demo.store.read("population").groupby("year")["population"].sum()
    print(f"\npopulation by mid-year: {totals.to_dict()}")
    assert list(totals.index) == [2015, 2016, 2017, 2018, 2019, 2020]
    assert totals[2017] == pytest.approx(280_000, rel=0.01)
    assert 290_000 <= totals[2020] <= 295_800
    assert totals.is_monotonic_increasing


# -- survey ------------------------------------------------------------------------------------

SURVEY_2018 = {
    "get_on_well_together": 88, "concerned_about_crime": 90, "safe_place_to_live": 54, "fly_tipping": 83,
    "drinking_rowdy": 45, "dog_fouling": 80, "violent_crime": 59, "vehicle_crime": 86, "burglary": 92,
}


def _percentages(responses: pd.DataFrame, answers: pd.DataFrame) -> dict[str, float]:
    """docs/data/survey.md "Percentages": positive answers over those answering, Don't know left out."""
    positive = {"get_on_well_together": ("Strongly agree", "Agree"), "safe_place_to_live": ("Strongly agree", "Agree"),
                "concerned_about_crime": ("Very concerned", "Fairly concerned")}
    out = {}
    for column, yes in positive.items():
        given = responses[column].dropna()
        given = given[~given.str.replace("\u2019", "'").isin(["Don't know", ""])]
        out[column] = given.isin(yes).mean() * 100
    for item, group in answers.groupby("item"):
        out[item] = (group["answer"] == "Yes").mean() * 100
    return out


def test_the_2018_survey_wave_gives_the_strategys_percentages(demo):
    responses = demo.store.read("survey_responses")
    answers = demo.store.read("survey_answers")
    wave = responses[responses["wave"] == "2018"]
    found = _percentages(wave, answers[answers["wave"] == "2018"])
    print(f"\n2018 wave, {len(wave)} responses: " + ", ".join(f"{k} {found[k]:.1f}%" for k in SURVEY_2018))
    assert 650 <= len(wave) < 700
    assert wave["date_submitted"].min() >= pd.Timestamp("2018-05-20")
    assert wave["date_submitted"].max() <= pd.Timestamp("2018-11-30")
    for key, target in SURVEY_2018.items():
        assert found[key] == pytest.approx(target, abs=2), key
    later = responses[responses["wave"] == "2019"]
    assert 650 <= len(later) <= 750


def test_survey_free_text_carries_the_themes_and_personal_data_to_redact(demo):
    responses = demo.store.read("survey_responses")
    text = pd.concat([responses["feel_safer_text"], responses["comments_text"]]).dropna()
    themes = {"visibility": r"visib|patrol|police presence|PCSO|bobby", "communication": r"communicat|update",
              "drugs": r"drug", "dog fouling": r"dog", "litter and fly-tipping": r"litter|fly-tip",
              "speeding": r"speed", "street lighting": r"light", "youth provision": r"young people|youth|teenager"}
    counts = {name: int(text.str.contains(p, case=False).sum()) for name, p in themes.items()}
    personal = {
        "email": r"[\w.]+@[\w.]+\.\w+", "phone": r"\b0\d{4} ?\d{6}\b", "postcode": r"\b[A-Z]{1,2}\d{1,2} \d[A-Z]{2}\b",
        "registration": r"\b[A-Z]{2}\d{2} [A-Z]{3}\b", "house number and street": r"\b\d{1,3} [A-Z][a-z]+ [A-Z][a-z]+\b",
    }
    found = {name: int(text.str.contains(p).sum()) for name, p in personal.items()}
    print(f"\nfeel-safer themes: {counts}\npersonal data found: {found}")
    assert all(n >= 10 for n in counts.values())
    assert all(1 <= n <= 12 for n in found.values())


# -- indicators and actions ------------------------------------------------------------------------

def test_indicators_tell_the_strategys_story(demo, config):
    ind = demo.store.read("indicators")

    def fy(indicator_id: str) -> pd.Series:
        return ind[ind["indicator_id"] == indicator_id].set_index("period")["value"]

    share = fy("motorcycle_asb_share")
    da = fy("da_crimes")
    repeat = fy("da_repeat_victims")
    da_pct = (da["2017/18"] / da["2015/16"] - 1) * 100
    repeat_pct = (repeat["2017/18"] / repeat["2016/17"] - 1) * 100
    print(f"\nnuisance motorcycle share of ASB {share['2015/16']}% -> {share['2017/18']}%; domestic abuse crimes "
          f"{da_pct:+.1f}%; repeat victims {repeat_pct:+.1f}%")
    assert share["2015/16"] == 29 and share["2017/18"] == 16
    assert da_pct == pytest.approx(33, abs=0.5)
    assert repeat_pct == pytest.approx(10, abs=0.5)
    assert {"Priority One: Ending Exploitation", "Priority Two: Domestic and Sexual Abuse",
            "Knowledge Gap: Substance Misuse"} <= set(ind["priority"])
    # Sensitive small counts that disclosure control must suppress.
    small = ind[ind["sensitive"] & ind["value"].between(1, config.disclosure.threshold)]
    print(f"sensitive values from 1 to {config.disclosure.threshold}: {len(small)} in "
          f"{small['indicator_id'].nunique()} indicators")
    assert len(small) >= 20 and small["indicator_id"].nunique() >= 4
    assert ind["period_start"].min() == pd.Timestamp("2015-04-01")
    assert ind["period_end"].max() == pd.Timestamp("2021-03-31")


def test_actions_come_from_the_plan_with_some_running_late(demo):
    actions = demo.store.read("actions")
    overdue = actions[(actions["due_date"] < "2021-03-31") & (actions["status"] != "Complete")]
    print(f"\nactions: {actions['status'].value_counts().to_dict()}; overdue at March 2021: {len(overdue)}")
    assert len(actions) >= 15
    assert actions["due_date"].dt.year.between(2019, 2021).all()
    assert {"Complete", "On track", "At risk", "Delayed", "Not started"} == set(actions["status"])
    assert 3 <= len(overdue) <= 6


# -- reproducibility and safety -------------------------------------------------------------------

def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_same_seed_writes_byte_identical_files(demo, config, tmp_path):
    lsoas = demo.store.read("lsoas")
    write_raw(config, lsoas, tmp_path / "again", seed=DEFAULT_SEED)
    original = _digests(demo.raw)
    original.pop(MARKER)
    assert _digests(tmp_path / "again") == original

    write_raw(config, lsoas, tmp_path / "other", seed=DEFAULT_SEED + 1)
    other = _digests(tmp_path / "other")
    month, survey = "police_uk/2019-08/2019-08-bedfordshire-street.csv", "survey/safer-survey-responses.csv"
    assert other[month] != original[month] and other[survey] != original[survey]


def test_a_failed_build_leaves_the_previous_store_as_it_was(demo, config, tmp_path, monkeypatch):
    previous = tmp_path / "cleaned"
    shutil.copytree(demo.store.path, previous, copy_function=os.link)
    before = _digests(previous)

    def broken(*args, **kwargs):
        raise RuntimeError("generator failed")

    monkeypatch.setattr(demo_module, "write_raw", broken)
    with pytest.raises(RuntimeError, match="generator failed"):
        build_demo(config, Store(previous), tmp_path / "raw")
    assert _digests(previous) == before
    # The half-built folder and its lock are gone; the live store was never locked or touched.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cleaned", "raw"]


def test_a_store_of_real_data_is_never_replaced(store, config, tmp_path):
    before = _digests(store.path)
    with pytest.raises(CspError) as info:
        build_demo(config, store, tmp_path / "raw")
    assert str(info.value) == (f"{store.path}: the store holds real data; the demo never replaces it\n"
                               "Build the demo in its own folder: leave out --store to use data/demo/cleaned.")
    assert _digests(store.path) == before
    assert not (tmp_path / "raw").exists()


def test_a_raw_folder_with_other_files_is_refused(empty_store, config, tmp_path):
    raw = tmp_path / "mine"
    raw.mkdir()
    (raw / "2019-01-bedfordshire-street.csv").write_text("my real download\n")
    with pytest.raises(CspError) as info:
        build_demo(config, empty_store, raw)
    assert str(info.value).startswith(f"{raw}: the folder holds files the demo did not write; expected an empty "
                                      f"folder, or one the demo wrote before (it has a {MARKER})")
    assert (raw / "2019-01-bedfordshire-street.csv").read_text() == "my real download\n"
    assert not empty_store.path.exists()


def test_a_rebuild_swaps_the_new_store_in_whole(tmp_path):
    live, built = Store(tmp_path / "cleaned"), Store(tmp_path / ".cleaned.demo-build-1")
    live.path.mkdir()
    (live.path / "old.parquet").write_text("old")
    (live.path / "manifest.json").write_text("{}")  # an earlier store, not just any folder
    built.path.mkdir()
    (built.path / "new.parquet").write_text("new")
    demo_module._swap_in(built, live)
    assert [p.name for p in live.path.iterdir()] == ["new.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cleaned.lock", "cleaned"]
