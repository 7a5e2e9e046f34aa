"""The executive overview: headline tiles, the priorities' red/amber/green summary, and a few
generated sentences on what changed and what is unusual (docs/methods.md, "Overview and
board pack").

A crime tile reads the latest 12 months of the chosen range, compares them with the 12
months before by ``significance.compare_counts``, and looks for a control-chart signal in
the latest 3 months of the series' one chart (``spc.series_chart``).
Months the store does not hold are NaN throughout: the change compares only months held in
both years (``coverage.paired_months``), with a quasi-Poisson test when the monthly counts are
overdispersed (``significance.compare_counts``), and the signal comes from the series' one
control chart (``spc.series_chart``: its kind chosen by the dispersion of a gap-free baseline).
The partner tiles (domestic abuse, exploitation) sum count indicators from the indicators
file, with disclosure control; the survey tile is the latest wave's "safe place to live". Both
are district-wide whatever the sidebar's scope, and say so.

Pure functions: DataFrames in, dataclasses and DataFrames out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from csp_dash.analysis import coverage as CV
from csp_dash.analysis import outcomes as O
from csp_dash.analysis import rag
from csp_dash.analysis import spc
from csp_dash.analysis import series as S
from csp_dash.analysis import survey as V
from csp_dash.analysis.disclosure import SECONDARY_LABEL, suppress, suppressed_mask
from csp_dash.analysis.filters import Filters, apply_filters
from csp_dash.analysis.dispersion import pearson_dispersion
from csp_dash.analysis.significance import compare_counts, format_p
from csp_dash.analysis.spc import BEYOND, TWO_OF_THREE

YEAR = 12  # months in "the latest 12 months" and in "the 12 months before"
SIGNAL_WINDOW = 3  # a signal counts when it touches one of the latest 3 months
MIN_BASELINE = 12  # months before the latest 12 needed to set control limits

NO_DATA = "no data loaded"
NO_SIGNAL = "no signal"
NOT_MONTHLY = "no monthly series to chart"

# The crime tiles: (key, title, series name in analysis.series).
CRIME_TILES = (
    ("total", "Total recorded crime", S.ALL_CRIME),
    ("asb", "Anti-social behaviour", S.ASB),
    ("sac", "Serious acquisitive crime", S.SAC),
    ("violence", "Violence and sexual offences", S.VSO),
)

# The partner tiles: which indicators of the indicators file each one adds up, matched on the
# indicator's name (case ignored). Only counts whose polarity is not "higher is better" are
# taken: those measure harm recorded or identified, while "higher is better" counts (staff
# trained, county lines disrupted) measure the partnership's own work and would not add up
# with them.
INDICATOR_TILES = (
    ("domestic_abuse", "Domestic abuse", r"\bdomestic abuse\b.*\b(?:crimes?|incidents?)\b"),
    ("exploitation", "Exploitation", r"exploitation|modern slavery|trafficking|national referral mechanism"),
)

SAFE_QUESTION = "safe_place_to_live"


@dataclass(frozen=True)
class Tile:
    """One headline figure, ready to show: every field is text a reader can quote.

    ``direction`` is "up", "down", "same" or None (no comparison); ``signal`` is "no
    signal", the rule(s) found, or why there is no chart. ``available`` is False when the
    data behind the tile is not loaded (the value then says so, never zero).
    """

    key: str
    title: str
    value: str
    period: str
    change: str
    direction: str | None
    significant: bool
    signal: str
    has_signal: bool
    note: str
    available: bool = True
    against: str = ""  # what the change is measured against: "the 12 months before (Apr 2019 to Mar 2020)"
    change_pct: float | None = None  # for ordering the sentences; None without a comparison
    current: float | None = None  # the number behind ``value`` (None when hidden or absent)
    chart: pd.DataFrame | None = field(default=None, compare=False, repr=False)  # the control chart, if drawn
    monthly: pd.Series | None = field(default=None, compare=False, repr=False)  # crime tiles: the counts
    comparison: dict | None = None  # the change as numbers (figures JSON); see ``comparison_dict``
    control: dict | None = None  # the control chart as numbers: chart, rules, sentence; None without one
    scope_note: str = ""  # "district-wide: ..." when the tile ignores the sidebar's scope
    signal_detail: str = ""  # without a chart: the full reason (``signal`` says it in a tile's few words)

    @property
    def verdict(self) -> str:
        """One sentence saying both the year's change and the recent months' signal, in words that
        cannot contradict each other: the year as a whole against the latest 3 months."""
        year = self.change_text if self.direction is not None else self.change
        if not self.has_signal:
            return year[0].upper() + year[1:] + "." if year else ""
        recent = self.signal.removeprefix("signal: ")
        return f"{year[0].upper() + year[1:]}; in the latest 3 months: {recent}."

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "▶"}.get(self.direction, "")

    def row(self) -> dict:
        """The tile as a table row (the board pack and the page's download)."""
        withheld = (self.comparison or {}).get("withheld")
        return {"measure": self.title, "latest": self.value, "period": self.period,
                "change": withheld or self.change_text, "signal": self.signal_detail or self.signal,
                "note": self.note}

    def as_dict(self) -> dict:
        """The tile as the figures JSON gives it (docs/figures.md, ``tiles``)."""
        return {"key": self.key, "name": self.title, "value": self.current, "value_text": self.value,
                "period": self.period, "available": self.available, "scope_note": self.scope_note or None,
                "change_text": self.change,
                "comparison": self.comparison, "signal": self.control,
                "signal_note": None if self.control is not None else (self.signal_detail or self.signal),
                "verdict": self.verdict}

    @property
    def change_text(self) -> str:
        """The change in full: arrow, words, test, and what it is against."""
        against = f" on {self.against}" if self.against else ""
        return f"{self.arrow} {self.change}{against}".strip()


def _span(months: pd.DatetimeIndex) -> str:
    return f"{months[0]:%b %Y} to {months[-1]:%b %Y}" if len(months) > 1 else f"{months[0]:%b %Y}"


def _direction(change_pct: float) -> str | None:
    if not math.isfinite(change_pct):
        return None
    return "same" if abs(change_pct) < 1e-9 else ("up" if change_pct > 0 else "down")


# -- crime tiles ------------------------------------------------------------------------------

def crime_counts(crimes: pd.DataFrame, filters: Filters, months: pd.DatetimeIndex,
                 gaps: list[pd.Timestamp] | tuple = ()) -> pd.DataFrame:
    """Monthly counts of each crime tile's series in the filters' area and months.

    The category filter does not apply: each tile is its own group of categories. A month
    in ``gaps`` (no records in the store at all) is NaN, never zero.
    """
    scoped = apply_filters(crimes, filters, categories=False)
    counts = S.monthly_counts(scoped, months)
    out = pd.DataFrame({name: S.group_series(counts, name) for _, _, name in CRIME_TILES}, index=months)
    out = out.astype("float64")
    out.loc[out.index.isin(pd.DatetimeIndex(list(gaps))), :] = np.nan
    return out.rename_axis("month")


def count_tile(key: str, title: str, series: pd.Series, note: str = "") -> Tile:
    """A tile for a monthly count series (NaN = a month the store does not hold).

    The latest figure is the sum of the held months among the latest 12; the change compares
    the months held in both the latest 12 and the 12 before (month by month, so like with
    like), by the exact Poisson test or, when those months' counts are overdispersed, the
    quasi-Poisson test; the signal is any signal touching the latest 3 months of the series'
    control chart (``spc.series_chart``: limits from a gap-free run of held months before the
    latest 12).
    """
    series = series.astype("float64")
    if series.notna().sum() == 0:
        return Tile(key, title, "no records", "in the months chosen", "no change to show", None, False,
                    "not charted", False, note, available=False)
    latest = series.iloc[-YEAR:]
    present = int(latest.notna().sum())
    current = int(latest.sum())
    months = pd.DatetimeIndex(latest.index)
    period = f"latest 12 months to {months[-1]:%b %Y}" if len(latest) == YEAR else \
        f"all {len(latest)} months chosen, {_span(months)} (fewer than 12)"
    if present < len(latest):
        missing = CV.month_ranges(list(months[latest.isna().to_numpy()]))
        period += f"; {present} held (no data for {'; '.join(missing)})"

    change, direction, significant, pct, against, comparison = _year_change(series)
    signal, has_signal, chart, control = _signal(series, months[0])
    detail = ""
    if control is None and signal.startswith("not charted: they need"):
        # "they need 12 consecutive months ... before May 2021, and the longest run there is 5 (...)": the
        # tile keeps the first half, the figures JSON and the table keep it all.
        detail, signal = signal, signal.split(", and the longest run")[0].replace("they need", "needs") + "."
    return Tile(key, title, f"{current:,}", period, change, direction, significant, signal, has_signal, note,
                against=against, change_pct=pct, current=float(current), chart=chart, monthly=series,
                comparison=comparison, control=control, signal_detail=detail)


def _year_change(series: pd.Series) -> tuple[str, str | None, bool, float | None, str, dict]:
    if len(series) < 2 * YEAR:
        reason = (f"no change shown: the months chosen hold {len(series)}, and a change on the year before "
                  f"needs {2 * YEAR}")
        return reason, None, False, None, "", {"withheld": reason}
    index = pd.DatetimeIndex(series.index)
    paired = CV.paired_months(index[-YEAR:], index[-2 * YEAR:-YEAR], index[series.notna().to_numpy()])
    if not paired.enough:
        reason = "no change shown: " + paired.note().removeprefix("withheld: ")
        # The tile says it in a line a room can read; the full reason is in the numbers and the table.
        short = (f"no change shown: the year before ({_span(index[-2 * YEAR:-YEAR])}) is not held" if not len(
            paired.current) else f"no change shown: only {len(paired.current)} of 12 months held in both years")
        return short, None, False, None, "", {"withheld": reason, "months_compared": len(paired.current)}
    now, before = series.reindex(paired.current), series.reindex(paired.baseline)
    dispersion = pearson_dispersion([now.to_numpy(), before.to_numpy()])
    result = compare_counts(int(now.sum()), int(before.sum()), dispersion=dispersion)
    words = result.words
    if not paired.complete:
        words += (f" (the {len(paired.current)} months held in both years: {int(now.sum()):,} against "
                  f"{int(before.sum()):,})")
    against = f"the 12 months before ({_span(index[-2 * YEAR:-YEAR])})"
    comparison = {
        "current": int(now.sum()), "previous": int(before.sum()), "months_compared": len(paired.current),
        "change_pct": _finite(result.change_pct), "p_value": _finite(result.p_value),
        "test": result.method, "dispersion": dispersion.as_dict(),
        "verdict": "unlikely to be chance" if result.significant else "within normal variation",
        "significant": bool(result.significant), "against": against, "note": paired.note() or None,
        "withheld": None,
    }
    return (words, _direction(result.change_pct), bool(result.significant), _finite(result.change_pct),
            against, comparison)


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _signal(series: pd.Series, window_start: pd.Timestamp) -> tuple[str, bool, pd.DataFrame | None, dict | None]:
    sc = spc.series_chart(series, window_start=window_start)
    if sc.chart is None:
        why = sc.note.removeprefix("No control limits: ")
        return "not charted: " + why[0].lower() + why[1:], False, None, None
    recent = sc.chart.iloc[-SIGNAL_WINDOW:]
    if recent["ucl"].isna().all():
        # The limits stop at the gap after their run: the latest months were never judged against them.
        last = sc.chart.index[sc.chart["ucl"].notna().to_numpy()][-1]
        return (f"not charted: the control limits hold only to {last:%b %Y}, and a gap in the data lies between "
                f"them and the latest months", False, None, None)
    episodes = spc.recent_signals(sc, SIGNAL_WINDOW)
    words = []
    for r in episodes.itertuples(index=False):
        what = signal_words(str(r.rule), str(r.direction))
        if what not in words:
            words.append(what)
    control = {"chart": sc.choice.name, "reason": sc.choice.reason,
               "baseline": [f"{sc.baseline[0]:%Y-%m}", f"{sc.baseline[1]:%Y-%m}"],
               "dispersion": sc.choice.dispersion.as_dict(),
               "rules": [str(r.rule) for r in episodes.itertuples(index=False)],
               "sentence": ("; ".join(words) if words else NO_SIGNAL)}
    if not words:
        return NO_SIGNAL, False, sc.chart, control
    return "signal: " + "; ".join(words), True, sc.chart, control


def signal_words(rule: str, direction: str) -> str:
    """A ``describe_signals`` rule and direction in a tile's few words: "above the usual range
    (run of 8 above the centre)"."""
    high = direction in ("high", "rising")
    if rule == BEYOND:
        what = "above the upper control limit" if high else "below the lower control limit"
    elif rule.startswith("run of"):
        what = rule.replace("on one side", "above the centre" if high else "below the centre")
    elif rule == TWO_OF_THREE:
        what = f"2 of 3 beyond the {'upper' if high else 'lower'} warning line"
    else:
        what = rule  # "trend of 6 rising" says it all
    if rule.startswith("trend"):
        return f"{'rising' if high else 'falling'} steadily ({what})"
    return f"{'above' if high else 'below'} the usual range ({what})"


def crime_tiles(counts: pd.DataFrame) -> list[Tile]:
    """The four crime tiles from ``crime_counts``."""
    return [count_tile(key, title, counts[name], note=f"police.uk records: {S.GROUP_NOTES[name]}")
            for key, title, name in CRIME_TILES]


# -- partner indicator tiles --------------------------------------------------------------------

def select_indicators(indicators: pd.DataFrame | None, pattern: str) -> list[str]:
    """The ids of the count indicators (not "higher is better") whose name matches ``pattern``."""
    if indicators is None or indicators.empty:
        return []
    first = indicators.drop_duplicates("indicator_id")
    keep = (first["unit"].astype(str) == "count") & (first["polarity"].astype(str) != "higher is better") \
        & first["name"].astype(str).str.contains(pattern, flags=re.IGNORECASE, regex=True)
    return list(first.loc[keep, "indicator_id"].astype(str))


def _months_of(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _window(series: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame | None:
    """The periods making up exactly the 12 months ending on ``end``; None if they don't."""
    first = (end + pd.Timedelta(days=1)) - pd.DateOffset(months=YEAR)
    inside = series[(series["period_start"] >= first) & (series["period_end"] <= end)]
    months = sum(_months_of(s, e) for s, e in zip(inside["period_start"], inside["period_end"]))
    if months != YEAR or inside["value"].isna().any():
        return None
    return inside


def indicator_tile(key: str, title: str, indicators: pd.DataFrame | None, pattern: str, threshold: int,
                   label: str) -> Tile:
    """A tile adding up the matching count indicators over their latest 12 months against the
    12 before.

    Disclosure: a total that adds up a hidden small count of a sensitive indicator is
    withheld (``SECONDARY_LABEL``), since the figures shown on the Priorities page would give
    that count back; a small sensitive total is shown as ``label``; a change is shown only
    when neither year hides anything.
    """
    ids = select_indicators(indicators, pattern)
    if not ids:
        why = ("no indicators file is loaded" if indicators is None or indicators.empty
               else "no count indicator in the indicators file matches this measure")
        return Tile(key, title, NO_DATA, why, "no change to show", None, False, "not charted", False,
                    f"Add a count indicator whose name matches /{pattern}/ to the indicators file.",
                    available=False)
    parts = []
    for i in ids:
        rows = indicators[indicators["indicator_id"] == i]
        series, _ = O.indicator_series(rows)
        parts.append((str(rows["name"].iloc[0]), bool(rows["sensitive"].iloc[0]), series.dropna(subset=["value"])))
    end = min(s["period_end"].max() for _, _, s in parts if len(s))
    names = ", ".join(name for name, _, _ in parts)
    note = f"Sum of {len(parts)} indicator{'s' if len(parts) != 1 else ''} from the indicators file: {names}."
    current = [(_window(s, end), sensitive) for _, sensitive, s in parts]
    previous = [(_window(s, end - pd.DateOffset(months=YEAR)), sensitive) for _, sensitive, s in parts]
    first = (end + pd.Timedelta(days=1)) - pd.DateOffset(months=YEAR)
    period = f"12 months of figures to {end:%b %Y}"
    if any(w is None for w, _ in current):
        return Tile(key, title, "incomplete", period, "no change to show", None, False,
                    NOT_MONTHLY, False,
                    note + " Not every indicator has figures for all of these months.", available=False)

    def total(windows) -> tuple[int, bool, bool]:
        cells = pd.concat([w["value"] for w, _ in windows], ignore_index=True)
        flags = pd.concat([pd.Series(s, index=w.index) for w, s in windows], ignore_index=True)
        hidden = bool(suppressed_mask(cells, flags, threshold).any())
        return int(cells.sum()), hidden, bool(flags.any())

    now, hidden_now, sensitive = total(current)
    if hidden_now:
        value = SECONDARY_LABEL
    else:
        value = suppress(pd.Series([float(now)]), sensitive, threshold, label).iloc[0]
    shown_now = value not in (SECONDARY_LABEL, label)
    signal = NOT_MONTHLY
    pct, against = None, ""
    if any(w is None for w, _ in previous):
        change, direction, significant = "no change shown: the year before is incomplete", None, False
    else:
        before, hidden_before, _ = total(previous)
        before_text = suppress(pd.Series([float(before)]), sensitive, threshold, label).iloc[0]
        if not shown_now or hidden_before or before_text == label:
            change, direction, significant = "change withheld: small numbers", None, False
        else:
            result = compare_counts(now, before)
            change = result.words
            before_first = first - pd.DateOffset(months=YEAR)
            against = f"the 12 months before ({before_first:%b %Y} to {first - pd.Timedelta(days=1):%b %Y})"
            direction, significant = _direction(result.change_pct), bool(result.significant)
            pct = _finite(result.change_pct)
    if value == SECONDARY_LABEL:
        note += (f" Withheld ({SECONDARY_LABEL}): the total adds up counts of 1 to {threshold} that the Priorities "
                 f"page hides, and would give them back.")
    return Tile(key, title, value, period, change, direction, significant, signal, False, note,
                against=against, change_pct=pct, current=float(now) if shown_now else None)


def indicator_tiles(indicators: pd.DataFrame | None, threshold: int, label: str) -> list[Tile]:
    return [indicator_tile(key, title, indicators, pattern, threshold, label)
            for key, title, pattern in INDICATOR_TILES]


def district_wide(tiles: list[Tile], filters: Filters) -> list[Tile]:
    """The partner and survey tiles marked as district-wide when the sidebar narrows the area:
    indicators and survey waves are reported for the whole district, not by town or LSOA."""
    if filters.scope == "district":
        return tiles
    crime = {k for k, _, _ in CRIME_TILES}
    why = {"domestic_abuse": "partner indicators are reported for the whole district",
           "exploitation": "partner indicators are reported for the whole district",
           "feel_safe": "the survey's headline is for the whole district"}
    out = []
    for t in tiles:
        if t.key in crime:
            out.append(t)
            continue
        note = (f"District-wide: {filters.area_name}, not {filters.scope_label}; "
                f"{why.get(t.key, 'this measure is not split by town or LSOA')}.")
        out.append(replace(t, scope_note=note, period=f"{t.period} · district-wide"))
    return out


# -- survey tile --------------------------------------------------------------------------------

def survey_tile(responses: pd.DataFrame | None, answers: pd.DataFrame | None, area_name: str,
                min_n: int) -> Tile:
    """The latest wave's "safe place to live" percentage, its Wilson interval, and the change
    on the previous wave (``survey.wave_change``)."""
    key, title = "feel_safe", "Feel safe (survey)"
    held = V.waves(responses) if responses is not None and len(responses) else []
    if not held or answers is None:
        return Tile(key, title, NO_DATA, "no survey loaded", "no change to show", None, False, "", False,
                    "Load a survey export with `python -m csp_dash ingest survey`.", available=False)
    wave = held[-1]
    table = V.headline(responses, answers, wave, area_name)
    row = table[table["question"] == SAFE_QUESTION]
    statement = V.statement_label(SAFE_QUESTION, area_name)
    if row.empty or int(row["n"].iloc[0]) < min_n:
        return Tile(key, title, "not shown", f"wave {wave}: fewer than {min_n} answered", "no change to show",
                    None, False, "", False, f"'{statement}': agree or strongly agree.", available=False)
    r = row.iloc[0]
    period = f"wave {wave}: {int(r['n']):,} answering, 95% interval {r['ci_low']:.0f}% to {r['ci_high']:.0f}%"
    previous = V.previous_wave(held, wave)
    change, direction, significant, pct, against = "no earlier wave to compare", None, False, None, ""
    if previous is not None:
        both = V.wave_change(responses, answers, wave, previous, area_name)
        c = both[both["question"] == SAFE_QUESTION]
        if len(c) and int(c["n_before"].iloc[0]) >= min_n:
            c = c.iloc[0]
            change, against = str(c["words"]), f"wave {previous}"
            size = math.floor(abs(c["difference"]) + 0.5)
            direction = "same" if size == 0 else ("up" if c["difference"] > 0 else "down")
            significant = bool(c["significant"])
            pct = float(c["difference"])
    return Tile(key, title, f"{r['pct']:.0f}%", period, change, direction, significant,
                "no control chart for survey waves", False,
                f"'{statement}': agree or strongly agree, of those answering (don't know left out); "
                f"Wilson 95% interval.", against=against, change_pct=pct, current=float(r["pct"]))


# -- priorities ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Priorities:
    """The priorities as the Priorities page shows them: sections, indicator views, actions."""

    sections: list  # outcomes.Section, configured first, then the files' others
    views: dict  # section name -> list[outcomes.IndicatorView]
    actions: pd.DataFrame  # outcomes.actions_view
    as_of: pd.Timestamp | None
    notes: tuple[str, ...] = ()

    def actions_of(self, name: str) -> pd.DataFrame:
        return self.actions[self.actions["priority"] == name].drop(columns="priority").reset_index(drop=True)


def priorities(indicators: pd.DataFrame | None, actions: pd.DataFrame | None, crimes: pd.DataFrame | None,
               config_priorities, filters: Filters, threshold: int, label: str) -> Priorities:
    """Every priority's indicator views (the file's and those counted from police.uk) and
    actions, built by ``analysis.outcomes`` exactly as the Priorities page builds them."""
    file_views = O.indicator_views(indicators, threshold, label)
    months = pd.DatetimeIndex(sorted(crimes["month"].unique())) if crimes is not None else pd.DatetimeIndex([])
    rows, notes = O.police_uk_indicators(crimes, config_priorities, filters, months)
    police_views = O.indicator_views(rows, threshold, label)
    configured, others = O.sections(config_priorities, indicators, actions)
    by_id = {v.indicator_id: v for v in file_views}
    views = {s.name: [by_id[i] for i in s.indicator_ids] + [v for v in police_views if v.priority == s.name]
             for s in configured + others}
    as_of = O.as_of_date(indicators, actions)
    return Priorities(configured + others, views, O.actions_view(actions, as_of), as_of, tuple(notes))


def rag_summary(p: Priorities) -> pd.DataFrame:
    """One row per priority: how many of its indicators are at each rating, and its overdue actions."""
    rows = []
    for section in p.sections:
        ratings = [v.status.rating for v in p.views[section.name]]
        plan = p.actions_of(section.name)
        row = {"priority": section.name}
        row.update({r: ratings.count(r) for r in rag.RATINGS})
        row["overdue"] = int(plan["overdue"].sum()) if len(plan) else 0
        row["actions"] = len(plan)
        rows.append(row)
    return pd.DataFrame(rows, columns=["priority", *rag.RATINGS, "overdue", "actions"])


def rag_words(row) -> str:
    """"✕ 1 Red · ! 2 Amber · ○ 3 Monitor · ⚠ 1 of 4 actions overdue": symbol, number and word."""
    parts = [f"{rag.SYMBOLS[r]} {int(row[r])} {r}" for r in rag.RATINGS if int(row[r])]
    if not parts:
        parts = ["no indicators"]
    if int(row["actions"]):
        parts.append(f"⚠ {int(row['overdue'])} of {int(row['actions'])} actions overdue" if int(row["overdue"])
                     else f"no action overdue of {int(row['actions'])}")
    return " · ".join(parts)


# -- generated sentences ------------------------------------------------------------------------

# How a sentence names each tile's measure.
PHRASES = {"total": "total recorded crime", "asb": "anti-social behaviour", "sac": "serious acquisitive crime",
           "violence": "violence and sexual offences", "domestic_abuse": "domestic abuse",
           "exploitation": "exploitation", "feel_safe": "the share feeling safe"}


def _phrase(t: Tile) -> str:
    return PHRASES.get(t.key, t.title.lower())


def _size(t: Tile) -> str:
    # "down 16%" or "up 4 points": the head of the change words, which say the size already.
    return t.change.split(",")[0]


def sentences(tiles: list[Tile], p: Priorities | None, max_red: int = 3) -> list[str]:
    """A few plain sentences on what changed and what is unusual this period.

    In order: the changes unlikely to be chance (largest first), the measures whose change is
    within normal variation, the control-chart signals in the latest 3 months, the red
    indicators, and the overdue actions. Each sentence carries its numbers, so it can be
    quoted as it stands.
    """
    out: list[str] = []
    changed = sorted((t for t in tiles if t.significant and t.direction in ("up", "down")),
                     key=lambda t: -abs(t.change_pct or 0.0))
    steady = [t for t in tiles if t.available and t.direction is not None and not t.significant]
    if changed:
        out.append("Changed by more than chance on the year before: "
                   + ", ".join(f"{_phrase(t)} {_size(t)}" for t in changed) + ".")
        if steady:
            out.append("Within normal variation: " + ", ".join(_phrase(t) for t in steady) + ".")
    elif steady:
        out.append("No headline measure changed by more than chance would explain on the year before.")
    else:
        # Say why nothing is compared rather than leave the section empty: a gap is a finding too.
        withheld = [t.comparison["withheld"] for t in tiles if t.comparison and t.comparison.get("withheld")]
        if withheld:
            out.append("No change on the year before can be shown: " + withheld[0].removeprefix("no change shown: ")
                       + ".")
    signalled = [t for t in tiles if t.has_signal]
    if signalled:
        out.append("Unusual in the latest 3 months (control charts): " + "; ".join(
            f"{_phrase(t)} ({t.signal.removeprefix('signal: ')})" for t in signalled) + ".")
    elif any(t.chart is not None for t in tiles):
        out.append("No control-chart signal in the latest 3 months.")
    else:
        uncharted = [t.signal_detail or t.signal for t in tiles
                     if t.monthly is not None and t.signal.startswith("not charted: ")]
        if uncharted:
            why = uncharted[0].removeprefix("not charted: ")
            out.append(f"No control chart: {why.rstrip('.')}.")
    if p is not None:
        red = [v for s in p.sections for v in p.views[s.name] if v.status.rating == rag.RED]
        if red:
            names = "; ".join(v.name for v in red[:max_red])
            more = f" and {len(red) - max_red} more" if len(red) > max_red else ""
            out.append(f"{rag.SYMBOLS[rag.RED]} {len(red)} priority indicator{'s are' if len(red) != 1 else ' is'} "
                       f"Red: {names}{more}.")
        overdue = int(p.actions["overdue"].sum()) if len(p.actions) else 0
        if overdue:
            as_of = f" as of {p.as_of:%d %B %Y}" if p.as_of is not None else ""
            out.append(f"⚠ {overdue} of {len(p.actions)} actions in the plan {'are' if overdue != 1 else 'is'} "
                       f"overdue{as_of}.")
    return out


def tiles_table(tiles: list[Tile]) -> pd.DataFrame:
    """The tiles as a table: measure, latest, period, change, signal, note."""
    return pd.DataFrame([t.row() for t in tiles], columns=["measure", "latest", "period", "change", "signal", "note"])


def filters_in_words(f: Filters) -> str:
    """The filters as a sentence for a report's cover: area, months, and what the categories do."""
    if f.scope == "town" and f.town:
        area = f"the town of {f.town} ({len(f.lsoa_codes)} LSOAs)"
    elif f.scope == "lsoas":
        area = f"{f.scope_label} in {f.area_name}"
    else:
        area = f"the whole of {f.area_name}"
    cats = ("every category" if not f.categories else
            f"{f.categories_label} (this choice narrows no tile or chart: each covers its own categories)")
    return f"Area: {area}. Months: {f.period_label}. Crime categories: {cats}."


def data_vintage(months: list[pd.Timestamp] | pd.DatetimeIndex, updated: str | None,
                 indicators_to: pd.Timestamp | None = None, survey_wave: str | None = None) -> str:
    """"crime records to Mar 2021; partner indicators to Mar 2021; survey wave 2019; store
    updated 25 Nov 2026 09:23 UTC": how recent each kind of data behind the figures is."""
    parts = [f"crime records to {pd.Timestamp(max(months)):%b %Y}" if len(months) else "no crime records"]
    if indicators_to is not None and not pd.isna(indicators_to):
        parts.append(f"partner indicators to {pd.Timestamp(indicators_to):%b %Y}")
    if survey_wave:
        parts.append(f"survey wave {survey_wave}")
    if not updated:
        return "; ".join(parts + ["store never updated"])
    try:
        stamp = pd.Timestamp(updated)
        when = f"{stamp:%d %b %Y %H:%M} UTC" if stamp.tzinfo is not None else f"{stamp:%d %b %Y %H:%M}"
    except (ValueError, TypeError):
        when = str(updated)
    return "; ".join(parts + [f"store updated {when}"])
