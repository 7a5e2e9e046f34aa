"""Priority indicators and the action plan, in the layouts of docs/data/outcomes.md.

Indicators follow the strategy: domestic abuse crimes up 33% from 2015/16 to 2017/18,
repeat victims up 10% from 2016/17 to 2017/18, and, from the old strategy, the nuisance
motorcycle share of ASB falling from 29% to 16% (its count derived from the demo's ASB
totals, which makes the strategy's "decreased by 51%" come out too). Several partner
indicators are sensitive small counts, so disclosure control has work to do. Actions are
the strategy's "What we will do" lists, with owners, due dates and a few running late.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.config import Config
from csp_dash.demo.common import FINANCIAL_YEARS, MONTHS, fy_label
from csp_dash.demo.crime import ASB_TOTALS
from csp_dash.demo.survey import WAVES

P1 = "Priority One: Ending Exploitation"
P2 = "Priority Two: Domestic and Sexual Abuse"
KG = "Knowledge Gap: Substance Misuse"
OLD = "Priority Three 2016-2019: Protecting our Communities"
ENGAGE = "What You Told Us: Engagement"

# The story indicators, per financial year 2015/16 ... 2020/21.
DA_CRIMES = [2_130, 2_480, 2_833, 3_050, 3_210, 3_480]          # 2017/18 = 2015/16 x 1.33
DA_REPEAT_VICTIMS = [560, 600, 660, 700, 725, 790]               # 2017/18 = 2016/17 x 1.10
MOTORCYCLE_SHARE = [29.0, 22.4, 16.0, 15.3, 14.6, 13.8]          # % of ASB incidents

INDICATOR_COLUMNS = ["indicator_id", "priority", "name", "unit", "polarity", "period", "value", "baseline",
                     "target", "sensitive", "source"]
ACTION_COLUMNS = ["priority", "action", "owner", "due_date", "status", "last_update", "note"]

QUARTERS = sorted({f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in MONTHS})


def _quarterly(start: float, end: float, rng: np.random.Generator, noise: float) -> np.ndarray:
    trend = np.linspace(start, end, len(QUARTERS))
    return trend * (1 + rng.normal(0, noise, len(QUARTERS)))


def build_indicators(config: Config, monthly: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every indicator row as text, in INDICATOR_COLUMNS order.

    ``monthly`` is the demo's area crime counts by month and category, so that indicators
    derived from police data agree with the crime the dashboard shows.
    """
    force = config.area.force
    rows: list[dict] = []

    def add(ind: str, priority: str, name: str, unit: str, polarity: str, periods, values, source: str,
            sensitive: bool = False, baseline=None, target=None, fmt=lambda v: f"{v:,.0f}") -> None:
        for period, value in zip(periods, values):
            rows.append({"indicator_id": ind, "priority": priority, "name": name, "unit": unit,
                         "polarity": polarity, "period": period, "value": fmt(value),
                         "baseline": "" if baseline is None else str(baseline),
                         "target": "" if target is None else str(target),
                         "sensitive": "yes" if sensitive else "no", "source": source})

    fys = [fy_label(fy) for fy in FINANCIAL_YEARS]
    small = lambda lam: rng.poisson(np.clip(lam, 0.3, None))  # noqa: E731 - a local shorthand

    add("exploitation_nrm_referrals", P1, "Modern slavery referrals to the National Referral Mechanism", "count",
        "neither", QUARTERS, small(np.linspace(1.0, 4.5, len(QUARTERS))), force, sensitive=True)
    add("cse_cases_identified", P1, "Child sexual exploitation cases identified", "count", "neither", QUARTERS,
        small(np.linspace(2.0, 5.0, len(QUARTERS))), "Children's Services", sensitive=True)
    add("county_lines_disrupted", P1, "County lines disrupted", "count", "higher is better", QUARTERS[8:],
        small(np.linspace(1.5, 6.0, len(QUARTERS) - 8)), force)
    add("knife_crime_offences", P1, "Knife crime offences", "count", "higher is worse", QUARTERS,
        np.round(_quarterly(18, 31, rng, 0.12)), force, baseline=27, target=22)
    add("frontline_staff_trained", P1, "Frontline staff trained to spot exploitation", "count", "higher is better",
        fys[3:], [320, 540, 410], "Community Safety Team", target=500)

    add("da_crimes", P2, "Domestic abuse crimes recorded", "count", "neither", fys, DA_CRIMES, force,
        baseline=DA_CRIMES[2])
    add("da_repeat_victims", P2, "Repeat victims of domestic abuse", "count", "higher is worse", fys,
        DA_REPEAT_VICTIMS, force, baseline=DA_REPEAT_VICTIMS[2])
    add("marac_cases", P2, "Cases discussed at MARAC", "count", "neither", QUARTERS,
        np.round(_quarterly(72, 104, rng, 0.08)), "MARAC")
    add("sexual_offences", P2, "Sexual offences recorded", "count", "neither", QUARTERS,
        np.round(_quarterly(95, 150, rng, 0.09)), force)
    add("fm_hbv_referrals", P2, "Forced marriage and honour-based violence referrals", "count", "neither",
        QUARTERS, small(np.full(len(QUARTERS), 1.6)), "Domestic Abuse Partnership", sensitive=True)
    add("dhr_commissioned", P2, "Domestic homicide reviews commissioned", "count", "neither", fys,
        [1, 0, 2, 1, 1, 2], "Community Safety Team", sensitive=True)

    drugs = monthly["Drugs"].groupby([f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in monthly.index]).sum()
    add("drug_offences", KG, "Drug offences recorded", "count", "neither", list(drugs.index), drugs.to_numpy(),
        force)
    add("opiate_treatment_completions", KG, "Successful completions of opiate treatment", "percent",
        "higher is better", QUARTERS, np.clip(_quarterly(5.6, 7.1, rng, 0.06), 0, 100), "Public Health",
        baseline=6.1, target=7.5, fmt=lambda v: f"{v:.1f}")
    add("alcohol_admissions", KG, "Alcohol-related hospital admissions", "rate per 100,000", "higher is worse",
        fys, [563, 571, 584, 590, 602, 611], "Public Health", fmt=lambda v: f"{v:.0f}")
    add("young_people_treatment", KG, "Young people starting substance misuse treatment", "count", "neither",
        QUARTERS, small(np.linspace(4.5, 3.0, len(QUARTERS))), "Public Health", sensitive=True)

    add("motorcycle_asb_share", OLD, "Nuisance motorcycle share of ASB incidents", "percent", "higher is worse",
        fys, MOTORCYCLE_SHARE, force, baseline=MOTORCYCLE_SHARE[0], target=16, fmt=lambda v: f"{v:.1f}%")
    add("motorcycle_asb", OLD, "Nuisance motorcycle ASB incidents", "count", "higher is worse", fys,
        [round(s / 100 * n) for s, n in zip(MOTORCYCLE_SHARE, ASB_TOTALS)], force)
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def build_actions(config: Config) -> pd.DataFrame:
    """The action plan: the strategy's "What we will do" commitments, as at March 2021."""
    force = config.area.force
    council = f"{config.area.name} Council"
    survey = f"{config.area.partnership} Survey"
    cst, comms, lic, ph = "Community Safety Team", "Communications Team", "Licensing Team", "Public Health"
    plan = [
        (P1, "Train frontline staff across the Partnership on the early identification of potential victims",
         cst, "2020-03-31", "Complete", "2020-04-14", "540 staff trained in 2019/20"),
        (P1, "Raise awareness with professionals and the community of the signs of exploitation, how to report "
             "concerns and the support available", cst, "2020-09-30", "Complete", "2020-10-05", ""),
        (P1, "Share information on current exploitation issues between partners in a timely manner", force,
         "2019-12-31", "Complete", "2020-01-20", "Monthly exploitation meeting in place"),
        (P1, "Deliver a communication plan to raise awareness of all forms of exploitation", comms, "2020-06-30",
         "Delayed", "2021-03-10", "Campaign postponed while Covid-19 messages took priority"),
        (P2, f"Work with the Domestic Abuse Partnership and the {council} Domestic Abuse Corporate Board to "
             "deliver community safety actions", "Domestic Abuse Partnership", "2021-03-31", "On track",
         "2021-03-10", ""),
        (P2, "Raise awareness within marginalised groups and increase reporting and access to support services",
         cst, "2020-12-31", "At risk", "2021-03-10", "Outreach sessions paused during lockdown"),
        (P2, "Use every opportunity to raise awareness, including community safety events", cst, "2019-12-31",
         "Complete", "2020-01-08", ""),
        (P2, "Promote the Domestic Abuse Partnership's campaigns through the community safety network", comms,
         "2020-03-31", "Complete", "2020-04-02", ""),
        (P2, "Raise awareness of domestic and sexual abuse and support services through Town and Parish Councils "
             "and community groups", cst, "2020-09-30", "Complete", "2020-10-12", ""),
        (P2, f"Work with {force}, Public Health and the Sexual Assault Referral Centre to increase awareness of "
             "sexual abuse and promote support services", ph, "2021-03-31", "On track", "2021-02-24", ""),
        (P2, "Review and update all Domestic Homicide Review procedures and policies", cst, "2019-09-30",
         "Delayed", "2021-03-10", "Waiting for revised statutory guidance"),
        (KG, f"Work closely with {force} to tackle drug-related issues", force, "2021-03-31", "On track",
         "2021-03-10", ""),
        (KG, "Continue the Community Alcohol Partnership and explore extending it to other areas", lic,
         "2020-12-31", "Complete", "2021-01-15", "Second Community Alcohol Partnership launched"),
        (KG, "Extend the Best Bar None scheme to other areas", lic, "2020-06-30", "Delayed", "2021-03-10",
         "Licensed premises closed under Covid-19 restrictions"),
        (KG, "Establish a partnership approach to early identification of problematic drug and alcohol misuse "
             "and a shared understanding of local service pathways", ph, "2021-06-30", "Not started", "",
         "Follows the needs assessment refresh"),
        (KG, "Improve communications with the community on substance misuse, its impact and the harm caused",
         comms, "2021-03-31", "At risk", "2021-03-10", ""),
        (KG, "Deliver the community safety recommendations of the Drug and Alcohol Health Needs Assessment 2018",
         ph, "2021-03-31", "On track", "2021-02-24", ""),
        (ENGAGE, "Increase communications with residents on community safety issues and activities in their area",
         comms, "2019-12-31", "Complete", "2020-01-08", ""),
        (ENGAGE, "Engage directly with residents, listening to their concerns and offering advice and support",
         cst, "2020-12-31", "Complete", "2021-01-15", ""),
        (ENGAGE, f"Promote the {survey} and increase its accessibility", cst, "2019-11-30", "Complete",
         "2019-12-02", f"{WAVES[-1].responses} responses in the {WAVES[-1].name} wave"),
    ]
    return pd.DataFrame(plan, columns=ACTION_COLUMNS)


def write_outcomes(indicators: pd.DataFrame, actions: pd.DataFrame, folder: Path) -> list[Path]:
    """indicators.csv and actions.csv, as saved from Excel ("CSV UTF-8": BOM, CRLF)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table, columns in (("indicators.csv", indicators, INDICATOR_COLUMNS),
                                 ("actions.csv", actions, ACTION_COLUMNS)):
        path = folder / name
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(columns)
            writer.writerows(table[columns].itertuples(index=False))
        paths.append(path)
    return paths
