"""A community survey export with two waves, in the layout of docs/data/survey.md.

The 2018 wave reproduces the strategy's "What you told us" percentages exactly (within
rounding): for each question the number answering and the number giving the positive
answer are fixed first, then given to respondents in order of a latent "worry" score, so
answers correlate as real ones do. Free text answers "What can we do to make you feel
safer?" with the strategy's themes; a few comments carry personal data (from reserved
example domains and Ofcom's drama number ranges, so no real person is named) for
redaction to catch.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csp_dash.demo.geography import STREET_KINDS, STREET_STEMS, Places


@dataclass(frozen=True)
class Wave:
    name: str
    first: dt.date
    last: dt.date
    responses: int
    first_id: int
    # Percent giving the positive answer, of those answering (docs/data/survey.md "Percentages").
    targets: dict[str, float]


# Items not quoted in the strategy take plausible values.
_OTHER_ISSUES_2018 = {"issue_drugs": 78, "issue_asb": 74, "issue_speeding": 84, "issue_litter": 71,
                      "issue_graffiti_vandalism": 38, "issue_nuisance_motorcycles": 41}
WAVES = [
    Wave("2018", dt.date(2018, 5, 24), dt.date(2018, 11, 30), 693, 84_115_203, {
        "get_on_well_together": 88, "concerned_about_crime": 90, "safe_place_to_live": 54,
        "issue_fly_tipping": 83, "issue_drinking_rowdy": 45, "issue_dog_fouling": 80,
        "issue_violent_crime": 59, "issue_vehicle_crime": 86, "issue_burglary": 92, **_OTHER_ISSUES_2018}),
    Wave("2019", dt.date(2019, 5, 20), dt.date(2019, 11, 29), 708, 97_406_871, {
        "get_on_well_together": 86, "concerned_about_crime": 87, "safe_place_to_live": 58,
        "issue_fly_tipping": 81, "issue_drinking_rowdy": 43, "issue_dog_fouling": 77,
        "issue_violent_crime": 55, "issue_vehicle_crime": 83, "issue_burglary": 88, "issue_drugs": 80,
        "issue_asb": 71, "issue_speeding": 86, "issue_litter": 70, "issue_graffiti_vandalism": 35,
        "issue_nuisance_motorcycles": 37}),
]

ISSUE_COLUMNS = ["issue_fly_tipping", "issue_drinking_rowdy", "issue_dog_fouling", "issue_violent_crime",
                 "issue_vehicle_crime", "issue_burglary", "issue_drugs", "issue_asb", "issue_speeding",
                 "issue_litter", "issue_graffiti_vandalism", "issue_nuisance_motorcycles"]
COLUMNS = ["response_id", "date_submitted", "wave", "area", "age_band", "gender", "get_on_well_together",
           "safe_place_to_live", "concerned_about_crime", *ISSUE_COLUMNS, "feel_safer_text", "comments_text",
           "heard_about"]

AGE_BANDS = {"16-24": 4, "25-34": 11, "35-44": 17, "45-54": 22, "55-64": 21, "65-74": 16, "75+": 6,
             "Prefer not to say": 2, "": 1}
GENDERS = {"Female": 56, "Male": 40.5, "In another way": 0.5, "Prefer not to say": 2, "": 1}
HEARD = {"Facebook": 38, "Council website": 17, "Town or parish council": 14, "Twitter": 6,
         "Word of mouth": 9, "Email newsletter": 10, "": 6}

# "What can we do to make you feel safer?": the strategy's themes, in residents' words.
THEMES = {
    "visibility": [
        "More police on the streets, especially in the evenings.",
        "Greater visibility, more proactive steps to engage with the community.",
        "A visible police presence in {place}. We never see a PCSO any more.",
        "Regular foot patrols around the shops and the park.",
        "Bring back a local bobby who knows the area and the people.",
    ],
    "communication": [
        "Improve communications!\nWhat crimes have happened in your area this week? As locals what we can do to "
        "help. What we need to look out for.",
        "Let residents know what happens after we report something, otherwise why bother.",
        "A monthly update on local crime on Facebook would help us keep an eye out.",
        "More community participation, looking out for individuals and one another.",
    ],
    "drugs": [
        "Follow up on drug dealers, everyone knows which houses they use.",
        "Deal with the drug dealing by the {spot}, it happens in broad daylight.",
        "Cars pull up, a quick exchange and off they go. Please do something about the drugs.",
    ],
    "dog_fouling": [
        "Simple things - signs up where dogs aren't allowed, empty litter bins, fines for owners who don't pick up.",
        "Dog fouling on the footpath to the school is disgusting.",
        "More dog bins and a warden to enforce.",
    ],
    "litter_fly_tipping": [
        "Clear the fly-tipping in the lanes quicker and catch the people doing it.",
        "Fly-tipping on the farm tracks is getting worse every month.",
        "Cameras at the fly-tipping hot spots and empty the litter bins more often.",
    ],
    "speeding": [
        "Speed cameras on the main road, cars race through at 50 in a 30.",
        "Community Speedwatch needs more support. Speeding is the biggest danger here.",
        "Traffic calming outside the primary school before a child is hurt.",
    ],
    "street_lighting": [
        "Keep the street lights on all night, it is pitch black after midnight.",
        "Better lighting on the path to the station.",
        "Fix the broken street lights on our estate.",
    ],
    "youth_provision": [
        "Somewhere for teenagers to go in the evenings, a youth club would keep them off the streets.",
        "More activities for young people in the school holidays.",
        "The skate park needs lights and supervision, the kids have nowhere else to go.",
    ],
}
THEME_WEIGHTS = {"visibility": 30, "communication": 18, "drugs": 14, "dog_fouling": 9, "litter_fly_tipping": 10,
                 "speeding": 9, "street_lighting": 5, "youth_provision": 7}
SPOTS = ["shops", "park", "station car park", "recreation ground", "community centre", "chip shop"]
COMMENTS = [
    "Burglary, stolen bikes and theft from cars has definitely increased over the last 12 months.",
    "Fairly safe as a place to live, generally low crime rate and good community spirit.",
    "I feel relatively safe as we live in a quiet area off the beaten track but am concerned to read about "
    "crime and drugs in other parts of town.",
    "Nuisance motorbikes on the bridleway every weekend, nobody does anything.",
    "Thank you for asking our views.",
    "Rural crime gets ignored, we have had three thefts from the farm this year.",
    "Travellers on the recreation ground again this summer and the mess they left.",
    "Scam phone calls to my elderly mother are a real worry.",
    "The 101 number takes far too long to answer.",
    "Young people hanging around the shops at night can be intimidating.",
]


def _counts(n: int, pct: float, rng: np.random.Generator, dk_rate: float, blank_rate: float):
    n_blank = int(rng.binomial(n, blank_rate))
    n_dk = int(rng.binomial(n - n_blank, dk_rate))
    base = n - n_blank - n_dk
    return n_blank, n_dk, base, int(round(pct / 100 * base))


def _assign(latent: np.ndarray, pct: float, positive: tuple[list[str], list[float]],
            negative: tuple[list[str], list[float]], dont_know: str | None, rng: np.random.Generator,
            dk_rate: float, blank_rate: float) -> np.ndarray:
    """Answers with exactly round(pct% of those answering) positive, given to the most worried
    (or, with a negative latent, the least)."""
    n = len(latent)
    n_blank, n_dk, base, n_pos = _counts(n, pct, rng, dk_rate if dont_know else 0.0, blank_rate)
    order = rng.permutation(n)
    out = np.full(n, "", dtype=object)
    dk = order[n_blank: n_blank + n_dk]
    if dont_know:
        # A few exports carry a typographic apostrophe; it counts as "Don't know".
        out[dk] = np.where(rng.random(len(dk)) < 0.1, dont_know.replace("'", "\u2019"), dont_know)
    answering = order[n_blank + n_dk:]
    noisy = latent[answering] + rng.normal(0, 0.8, len(answering))
    ranked = answering[np.argsort(-noisy, kind="stable")]
    pos, neg = ranked[:n_pos], ranked[n_pos:]
    for idx, (labels, weights) in ((pos, positive), (neg, negative)):
        p = np.array(weights, dtype=float)
        out[idx] = np.array(labels, dtype=object)[rng.choice(len(labels), size=len(idx), p=p / p.sum())]
    return out


AGREE = (["Strongly agree", "Agree"], [30, 70])
DISAGREE = (["Neither agree nor disagree", "Disagree", "Strongly disagree"], [45, 37, 18])
CONCERNED = (["Very concerned", "Fairly concerned"], [42, 58])
UNCONCERNED = (["Not very concerned", "Not at all concerned"], [80, 20])


def _pick(table: dict[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    p = np.array(list(table.values()), dtype=float)
    return np.array(list(table), dtype=object)[rng.choice(len(p), size=n, p=p / p.sum())]


def _dates(wave: Wave, rng: np.random.Generator) -> list[str]:
    """Submission times: a launch peak, then a steady trickle, between 07:00 and 23:00."""
    days = (wave.last - wave.first).days + 1
    launch = rng.exponential(9.0, wave.responses)
    steady = rng.uniform(0, days, wave.responses)
    day = np.where(rng.random(wave.responses) < 0.45, launch, steady).astype(int) % days
    seconds = rng.integers(7 * 3600, 23 * 3600, wave.responses)
    stamps = sorted(dt.datetime.combine(wave.first, dt.time()) + dt.timedelta(days=int(d), seconds=int(s))
                    for d, s in zip(day, seconds))
    return [s.strftime("%d/%m/%Y %H:%M:%S") for s in stamps]


def _personal_details(rng: np.random.Generator) -> list[str]:
    """Comments with the personal data redaction must catch: email, phone, postcode, registration, address."""
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    street = f"{rng.choice(STREET_STEMS)} {rng.choice(STREET_KINDS)}"
    house = int(rng.integers(2, 120))
    reg = (f"{rng.choice(list(letters))}{rng.choice(list(letters))}{rng.integers(15, 19)} "
           f"{''.join(rng.choice(list(letters), 3))}")
    postcode = (f"{''.join(rng.choice(list(letters), 2))}{rng.integers(1, 20)} "
                f"{rng.integers(1, 10)}{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}")
    first = rng.choice(["karen", "dave", "j", "sue", "mark", "helen", "paul"])
    last = rng.choice(["smith", "walker", "patel", "brown", "o.neill", "hughes"])
    email = f"{first}.{last}{rng.integers(50, 99)}@example.com"
    mobile = f"07700 900{rng.integers(100, 999)}"
    landline = f"01632 960{rng.integers(100, 999)}"
    return [
        f"I have reported the same problem three times, please contact me on {email}",
        f"The van parked outside {house} {street} every night is dealing, reg {reg}.",
        f"Please call me on {mobile}, I have information about the break-ins.",
        f"Speeding on our road is terrible, we live at {postcode} and nobody has ever come out.",
        f"Cars are broken into on {street} most weeks. I am at number {house}, ring {landline} any evening.",
        f"A silver car, registration {reg}, keeps doing wheelspins in the car park by the shops.",
        f"My email is {email} if you want details of the fly-tipping behind {postcode}.",
    ]


def build_survey(places: Places, rng: np.random.Generator) -> pd.DataFrame:
    """Both waves' responses as text columns, in COLUMNS order."""
    area = places.lsoas[places.lsoas["in_area"]]
    towns = area.loc[area["town"] != "", "town"].value_counts().sort_index()  # name order: no hash order
    places_weights = {t: float(n) for t, n in towns.items()} | {"Rural": float((area["town"] == "").sum()), "": 3.0}
    frames = []
    for wave in WAVES:
        n = wave.responses
        worry = rng.normal(0, 1, n)
        df = pd.DataFrame({"response_id": [str(wave.first_id + i * 7 + int(j)) for i, j in
                                           enumerate(rng.integers(0, 7, n))]})
        df["date_submitted"] = _dates(wave, rng)
        df["wave"] = wave.name
        df["area"] = _pick(places_weights, n, rng)
        df["age_band"] = _pick(AGE_BANDS, n, rng)
        df["gender"] = _pick(GENDERS, n, rng)
        t = wave.targets
        df["get_on_well_together"] = _assign(-worry, t["get_on_well_together"], AGREE, DISAGREE, "Don't know",
                                             rng, 0.03, 0.01)
        df["safe_place_to_live"] = _assign(-worry, t["safe_place_to_live"], AGREE, DISAGREE, "Don't know",
                                           rng, 0.04, 0.01)
        df["concerned_about_crime"] = _assign(worry, t["concerned_about_crime"], CONCERNED, UNCONCERNED,
                                              "Don't know", rng, 0.02, 0.01)
        for col in ISSUE_COLUMNS:
            df[col] = _assign(worry, t[col], (["Yes"], [1]), (["No"], [1]), None, rng, 0.0, 0.05)
        feel_safer = _feel_safer(df["area"].to_numpy(), rng)
        comments = np.where(rng.random(n) < 0.3, _pick({c: 1 for c in COMMENTS}, n, rng), "").astype(object)
        # Personal details in a few answers of each wave, in both free-text columns.
        details = _personal_details(rng)
        who = rng.choice(n, size=len(details), replace=False)
        for k, (i, text) in enumerate(zip(who, details)):
            (comments if k % 2 else feel_safer)[i] = text
        df["feel_safer_text"] = feel_safer
        df["comments_text"] = comments
        df["heard_about"] = _pick(HEARD, n, rng)
        frames.append(df[COLUMNS])
    return pd.concat(frames, ignore_index=True)


def _feel_safer(areas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    names = list(THEME_WEIGHTS)
    p = np.array(list(THEME_WEIGHTS.values()), dtype=float)
    out = np.full(len(areas), "", dtype=object)
    for i, where in enumerate(areas):
        if rng.random() > 0.62:
            continue
        k = 1 + int(rng.random() < 0.3)
        picked = rng.choice(len(names), size=k, replace=False, p=p / p.sum())
        place = f"{where} town centre" if where not in ("", "Rural") else "the village"
        parts = [str(rng.choice(THEMES[names[j]])).format(place=place, spot=rng.choice(SPOTS)) for j in picked]
        out[i] = " ".join(parts)
    return out


def write_survey(table: pd.DataFrame, folder: Path) -> Path:
    """The export as the survey tool writes it: UTF-8 with a BOM (Excel's "CSV UTF-8"), CRLF."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "safer-survey-responses.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(table[COLUMNS].itertuples(index=False))
    return path
