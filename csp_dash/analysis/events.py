"""Dated events (csp.toml ``[[events]]``): when each one happened within the data, which
months stand for it, which months it is compared with, and the comparison itself.

police.uk publishes months, not days, so an event is represented by whole months: the
months it covers for at least ``MIN_DAYS`` days (or, for a shorter event, the month holding
most of it). Its comparable months are:

- a one-off event: the same calendar months one year before and one year after, so a steady
  trend cancels out (a year is left out when another one-off event touches those months, or
  when the data do not hold all of its months);
- a recurring event: the month before and the month after the months it touches, in the same
  year, pooled over every year the data hold (a year is left out when a one-off event
  touches the recurring event's months, as the 2018 World Cup does the 2018 summer holidays;
  a comparison month touched by one is left out).

The counts are compared as daily rates (``significance.compare_counts``, the exposure ratio
being the event months' days over the comparison months' days): an exact Poisson test, or a
quasi-Poisson test when the monthly counts behind the two totals (the event months one group,
the comparison months another, each month's days its exposure) vary more than Poisson counts
would (``dispersion.pearson_dispersion``). A month without data (NaN) is never used: an
occurrence needs all its months held, a comparison block all of its months.

Pure functions: the config's events and monthly Series in, dataclasses and DataFrames out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_dash.analysis.dispersion import Dispersion, pearson_dispersion
from csp_dash.analysis.significance import compare_counts

MIN_DAYS = 7  # a month stands for an event when the event fills a week of it or more

COLUMNS = ["event", "kind", "dates", "event_months", "comparison_months", "event_records", "event_days",
           "comparison_records", "comparison_days", "event_per_day", "comparison_per_day", "change_pct",
           "ci_low", "ci_high", "p_value", "significant", "words", "method"]


@dataclass(frozen=True)
class Occurrence:
    """One event on one set of dates, with the months standing for it and its comparison months."""

    name: str
    recurring: bool
    start: pd.Timestamp  # first day
    end: pd.Timestamp  # last day
    months: tuple[pd.Timestamp, ...]  # months covered for MIN_DAYS days or more
    touched: tuple[pd.Timestamp, ...]  # every month with at least one day of the event
    comparisons: tuple[tuple[pd.Timestamp, ...], ...]  # candidate blocks of comparable months

    @property
    def label(self) -> str:
        return f"{self.name} {self.start.year}" if self.recurring else self.name

    @property
    def days(self) -> str:
        """The day span without years: "20 Dec to 5 Jan"."""
        return f"{self.start:%-d %b} to {self.end:%-d %b}"

    @property
    def dates(self) -> str:
        if self.start.year == self.end.year:
            return f"{self.start:%-d %b} to {self.end:%-d %b %Y}"
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(start.to_period("M").to_timestamp(), end.to_period("M").to_timestamp(), freq="MS"))


def _days_in(start: pd.Timestamp, end: pd.Timestamp, month: pd.Timestamp) -> int:
    last = month + pd.offsets.MonthEnd(0)
    return max(0, (min(end, last) - max(start, month)).days + 1)


def _shift(months, years: int) -> tuple[pd.Timestamp, ...]:
    return tuple(m + pd.DateOffset(years=years) for m in months)


def _date(text: str, year: int | None = None) -> pd.Timestamp:
    d = datetime.date.fromisoformat(text)
    if year is None:
        return pd.Timestamp(d)
    # A recurring 29 February falls on the 28th in other years.
    day = min(d.day, 28) if (d.month, d.day) == (2, 29) else d.day
    return pd.Timestamp(year=year, month=d.month, day=day)


def _occurrence(name: str, recurring: bool, start: pd.Timestamp, end: pd.Timestamp) -> Occurrence:
    touched = _months_between(start, end)
    days = [_days_in(start, end, m) for m in touched]
    months = [m for m, d in zip(touched, days) if d >= MIN_DAYS] or [touched[int(np.argmax(days))]]
    if recurring:
        before = (touched[0] - pd.offsets.MonthBegin(1),)
        after = (touched[-1] + pd.offsets.MonthBegin(1),)
        comparisons = (before, after)
    else:
        comparisons = (_shift(months, -1), _shift(months, 1))
    return Occurrence(name, recurring, start, end, tuple(months), tuple(touched), comparisons)


def occurrences(events, first: pd.Timestamp, last: pd.Timestamp) -> list[Occurrence]:
    """Every occurrence of the events whose months overlap the months ``first`` to ``last``.

    ``events`` are config ``Event``s (name, start, end as YYYY-MM-DD, recurring). A recurring
    event takes the month and day of its dates in every year; an end earlier in the year than
    its start runs into the next year.
    """
    out: list[Occurrence] = []
    for event in events:
        if event.recurring:
            s, e = _date(event.start), _date(event.end)
            wraps = (e.month, e.day) < (s.month, s.day)
            for year in range(first.year - 1, last.year + 1):
                start = _date(event.start, year)
                end = _date(event.end, year + 1 if wraps else year)
                out.append(_occurrence(event.name, True, start, end))
        else:
            out.append(_occurrence(event.name, False, _date(event.start), _date(event.end)))
    return [o for o in out if o.touched[-1] >= first and o.touched[0] <= last]


def _blocks(occurrence: Occurrence, one_offs: list[Occurrence], present: set) -> list[tuple[pd.Timestamp, ...]]:
    """The comparison blocks that can be used: wholly in the data, and clear of other one-off
    events. None at all for a recurring event's year whose own months hold a one-off event."""
    taken = {m for o in one_offs if o.name != occurrence.name for m in o.touched}
    if occurrence.recurring and set(occurrence.months) & taken:
        return []
    return [b for b in occurrence.comparisons if set(b) <= present and not (set(b) & taken)]


def _days(months) -> int:
    return int(sum(m.days_in_month for m in months))


def _month_list(months) -> str:
    """Months in words, a year at a time: "Jun and Jul 2017; Jun and Jul 2019"."""
    by_year: dict[int, list[pd.Timestamp]] = {}
    for m in sorted(months):
        by_year.setdefault(m.year, []).append(m)
    parts = []
    for year, ms in by_year.items():
        names = [f"{m:%b}" for m in ms]
        parts.append(f"{' and '.join([', '.join(names[:-1]), names[-1]] if len(names) > 1 else names)} {year}")
    return "; ".join(parts)


def _months_text(months, per_year: bool) -> str:
    """The months themselves ("Jun and Jul 2018", "Nov 2018; Feb 2019"), or for a recurring
    event over more than four months a summary: "Nov and Feb, 2015 to 2021 (12 months)"."""
    if not per_year or len(months) <= 4:
        return _month_list(months)
    names = list(dict.fromkeys(m.month for m in sorted(months)))  # calendar order of first appearance
    years = sorted({m.year for m in months})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]} to {years[-1]}"
    label = " and ".join(pd.Timestamp(2000, k, 1).strftime("%b") for k in names)
    return f"{label}, {span} ({len(months)} months)"


def _matched(series: pd.Series, events) -> list[tuple[object, list[Occurrence], list[pd.Timestamp],
                                                     list[pd.Timestamp]]]:
    """For each event that can be compared: (event, its occurrences used, their months, their
    comparison months). Only months with data (not NaN) are ever used."""
    present = set(series.index[series.notna()])
    if not present:
        return []
    found = occurrences(events, min(present), max(present))
    one_offs = [o for o in found if not o.recurring]
    out = []
    for event in events:
        event_months: list[pd.Timestamp] = []
        comparison_months: list[pd.Timestamp] = []
        mine = []
        for occ in (o for o in found if o.name == event.name):
            if not set(occ.months) <= present:
                continue
            blocks = _blocks(occ, one_offs, present)
            if not blocks:
                continue
            event_months.extend(occ.months)
            comparison_months.extend(m for b in blocks for m in b)
            mine.append(occ)
        if mine:
            out.append((event, mine, event_months, comparison_months))
    return out


def months_dispersion(series: pd.Series, event_months, comparison_months) -> Dispersion:
    """Pearson dispersion of the monthly counts behind an event comparison: the event months
    one group and the comparison months another, each month's exposure its days."""
    groups = [series.reindex(list(ms)).to_numpy("float64") for ms in (event_months, comparison_months)]
    days = [np.array([m.days_in_month for m in ms], dtype="float64") for ms in (event_months, comparison_months)]
    return pearson_dispersion(groups, days)


def pooled_months(series: pd.Series, events) -> tuple[list[pd.Timestamp], list[pd.Timestamp]]:
    """Every compared event's months and every comparison month, pooled over the events (as
    the strategy's claim about sporting events pools them)."""
    matched = _matched(series, events)
    return ([m for *_, ms, _ in matched for m in ms], [m for *_, cs in matched for m in cs])


def compare_events(series: pd.Series, events) -> tuple[pd.DataFrame, list[Occurrence]]:
    """Records in each event's months against its comparable months, as daily rates.

    Parameters
    ----------
    series : monthly counts indexed by month start; NaN is a month without data.
    events : the config's events.

    Returns
    -------
    (table, used): one row per event that could be compared (COLUMNS; a recurring event
    pooled over its years), and the occurrences that went into it. An event is left out
    when none of its occurrences has all its months and at least one comparison block in
    the data.
    """
    rows, used = [], []
    for event, mine, event_months, comparison_months in _matched(series, events):
        used.extend(mine)
        current = int(series.loc[event_months].sum())
        baseline = int(series.loc[comparison_months].sum())
        days, base_days = _days(event_months), _days(comparison_months)
        c = compare_counts(current, baseline, exposure_ratio=days / base_days, label=event.name,
                           dispersion=months_dispersion(series, event_months, comparison_months))
        rows.append({
            "event": event.name,
            "kind": "every year" if event.recurring else "one-off",
            "dates": mine[0].days if event.recurring else mine[0].dates,
            "event_months": _months_text(event_months, event.recurring),
            "comparison_months": _months_text(comparison_months, event.recurring),
            "event_records": current, "event_days": days,
            "comparison_records": baseline, "comparison_days": base_days,
            "event_per_day": current / days, "comparison_per_day": baseline / base_days,
            "change_pct": c.change_pct, "ci_low": c.ci_low, "ci_high": c.ci_high,
            "p_value": c.p_value, "significant": c.significant, "words": c.words, "method": c.method,
        })
    return pd.DataFrame(rows, columns=COLUMNS), used
