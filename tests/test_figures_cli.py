"""``python -m csp_dash figures``: the JSON contract, its filters and its figures on the demo
store and on the real store with its 26-month gap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from csp_dash.cli import main

ROOT = Path(__file__).resolve().parent.parent


def figures(store, *args, capsys) -> dict:
    capsys.readouterr()  # whatever a fixture printed before
    assert main(["figures", "--store", str(store.path), *args]) == 0
    return json.loads(capsys.readouterr().out)


def refused(store, *args, capsys) -> str:
    assert main(["figures", "--store", str(store.path), *args]) == 2
    return capsys.readouterr().err.strip()


def keys(obj, prefix="") -> set[str]:
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(prefix + k)
            out |= keys(v, f"{prefix}{k}.")
    elif isinstance(obj, list):
        for item in obj:
            out |= keys(item, prefix)
    return out


def test_every_key_is_documented(demo_store, real_full_store, capsys):
    doc = (ROOT / "docs" / "figures.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9]+)`", doc))
    seen = keys(figures(demo_store, "--from", "2019-04", capsys=capsys))
    seen |= keys(figures(real_full_store, "--from", "2022-01", capsys=capsys))
    missing = sorted(k for k in seen if k.split(".")[-1] not in documented)
    assert not missing, f"undocumented keys in docs/figures.md: {missing}"


@pytest.mark.parametrize("args,message", [
    (["--from", "2021-13"], "--from '2021-13' is not a month; expected YYYY-MM, such as 2021-05"),
    (["--to", "May 2021"], "--to 'May 2021' is not a month; expected YYYY-MM, such as 2021-05"),
    (["--from", "2022-01", "--to", "2021-12"], "--from 2022-01 is after --to 2021-12"),
    (["--category", "Piracy"], "unknown category 'Piracy'; expected one of Anti-social behaviour, "),
    (["--town", "Atlantis"], "unknown town 'Atlantis'; expected one of Dunstable, "),
    (["--lsoa", "E01000001"], "LSOA 'E01000001' is not one of the 157 LSOAs of Central Bedfordshire; expected a code "
                              "such as E01017371"),
    (["--town", "Dunstable", "--lsoa", "E01017371"], "give --town or --lsoa, not both"),
])
def test_a_bad_filter_exits_2_naming_it(real_store, args, message, capsys):
    assert refused(real_store, *args, capsys=capsys).startswith(message)


def test_real_store_coverage_and_gap(real_full_store, capsys):
    out = figures(real_full_store, capsys=capsys)
    assert out["coverage"]["months_in_range"] == 43 and out["coverage"]["months_held"] == 17
    assert out["coverage"]["months_missing"] == 26
    assert out["coverage"]["missing_ranges"] == ["Mar 2019 to Apr 2021 (26 months)"]
    # The 12 months before the latest 12 lie in the gap: no tile may show a change or a chart.
    for tile in out["tiles"][:4]:
        assert tile["comparison"]["withheld"].startswith("no change shown: only 0 of 12 months are held in both")
        assert tile["signal"] is None
    # Rates: records / 17 held months x 12 / residents (mid-2018, the nearest year to every month) x 1,000.
    crimes = real_full_store.read("crimes", columns=["lsoa_code"])
    population = real_full_store.read("population").query("year == 2018").set_index("lsoa_code")["population"]
    for row in out["lsoas"]:
        records = int((crimes["lsoa_code"] == row["code"]).sum())
        assert row["records"] == records and row["months_held"] == 17 and row["population_year"] == "2018"
        assert row["rate_per_1000_a_year"] == pytest.approx(records / 17 * 12 / population[row["code"]] * 1000)
        assert row["change"] is None and row["change_reason"] == (
            "withheld: the store holds no month of the previous period (Mar 2015 to Sep 2018)")


def test_a_period_whose_previous_period_is_not_held_has_no_change(real_full_store, capsys):
    out = figures(real_full_store, "--from", "2021-05", "--to", "2022-04", capsys=capsys)
    assert all(row["change"] is None for row in out["lsoas"])
    # Jan-Apr 2022 against Sep-Dec 2021: all held, so every LSOA has a change, tested.
    out = figures(real_full_store, "--from", "2022-01", "--to", "2022-04", capsys=capsys)
    changes = [row["change"] for row in out["lsoas"]]
    assert all(c is not None and c["months_compared"] == 4 for c in changes)
    assert {c["previous_period"] for c in changes} == {"Sep 2021 to Dec 2021"}
    crimes = real_full_store.read("crimes", columns=["month", "lsoa_code"])
    code = out["lsoas"][0]["code"]
    before = crimes[(crimes["lsoa_code"] == code) & crimes["month"].between("2021-09-01", "2021-12-01")]
    assert out["lsoas"][0]["change"]["previous_records"] == len(before)


def test_financial_years_on_the_real_store(real_full_store, capsys):
    fy = figures(real_full_store, capsys=capsys)["financial_years"]
    crimes = real_full_store.read("crimes", columns=["month", "category"])
    recorded = crimes[crimes["category"] != "Anti-social behaviour"]
    years = {y["year"]: y for y in fy["years"]}
    assert years["2021/22"] == {"year": "2021/22", "months_held": 11, "complete": False,
                                "records": int(recorded["month"].between("2021-04-01", "2022-03-01").sum())}
    assert years["2019/20"]["months_held"] == 0 and years["2019/20"]["records"] == 0
    assert fy["comparisons"][0]["current"] is None and fy["comparisons"][0]["words"].startswith("withheld: only 0")


def test_town_scope_and_district_wide_tiles(demo_store, capsys):
    out = figures(demo_store, "--town", "Dunstable", capsys=capsys)
    assert out["filters"]["scope"] == "town" and out["filters"]["town"] == "Dunstable"
    by_key = {t["key"]: t for t in out["tiles"]}
    assert by_key["total"]["scope_note"] is None
    assert by_key["domestic_abuse"]["scope_note"].startswith("District-wide: Central Bedfordshire, not Dunstable")
    assert by_key["feel_safe"]["scope_note"].startswith("District-wide")
    assert len(out["lsoas"]) < 157 and {row["town"] for row in out["lsoas"]} == {"Dunstable"}
