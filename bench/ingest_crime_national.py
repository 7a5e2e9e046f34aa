"""Benchmark: `ingest crime` on a national-scale month against pyarrow's plain CSV read.

Builds one month of police.uk street-level files for the 43 territorial forces of
England and Wales (550,000 rows, resampled from the real files in ../shared/data; see
MIXES for which real rows feed which force), then times, in one run:

(a) ``pyarrow.csv.read_csv`` of each file with default options, summed over the files;
(b) ``run_ingest("crime", [folder], config, Store(tmp))`` into a fresh copy of a store
    that already holds the boundaries (the copy is made outside the timed region);
(c) the end-to-end CLI, ``python -m csp_dash ingest crime <folder> --store <tmp>``,
    which adds interpreter start-up, imports and the summary table.

Peak memory is the peak resident set size (ru_maxrss) of a fresh process doing (a) once,
(b) once, and of each CLI run. Unless ``--no-stress``, (a) and (b) are repeated on a
stress mix that puts about a quarter of the rows in the configured area. Targets (from
the issue): ingest takes no more than 3x the plain read, and peak memory stays under 2 GB.
The figures go into docs/benchmarks.md.

Usage::

    python bench/ingest_crime_national.py [--reps 5] [--out bench/out] [--seed 20220101]
                                          [--cli-reps 3] [--no-stress] [--no-docs] [--profile]

The generated files go to ``<out>/national/`` and ``<out>/national-uniform/`` (bench/out/
is ignored by git); stores go to a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Kept light on purpose: the child that measures the plain read's memory imports only
# pyarrow, so heavy imports (pandas, csp_dash) happen inside the functions that need them.

ROOT = Path(__file__).resolve().parent.parent
# Run as a script from anywhere: the package is not installed, so import it from the checkout.
sys.path.insert(0, str(ROOT))
SHARED_DATA = Path(os.environ.get("CSP_SHARED_DATA", ROOT.parent / "shared" / "data"))
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "Crime ingest at national scale"

MONTH = "2022-01"
TOTAL_ROWS = 550_000
RATIO_TARGET = 3.0
MEMORY_TARGET_MB = 2000  # "2 GB", read as 2,000 MB (10^6 bytes); 2 GiB would be 2,147 MB

# The 43 territorial forces of England and Wales: police.uk's file slug, the name police.uk
# writes in "Reported by", and a rough monthly volume of street-level records (crime and
# ASB) around 2022. Only the proportions matter: they are scaled to TOTAL_ROWS.
FORCES = [
    ("avon-and-somerset", "Avon and Somerset Constabulary", 14_000),
    ("bedfordshire", "Bedfordshire Police", 5_000),
    ("cambridgeshire", "Cambridgeshire Constabulary", 7_000),
    ("cheshire", "Cheshire Constabulary", 8_500),
    ("city-of-london", "City of London Police", 900),
    ("cleveland", "Cleveland Police", 8_000),
    ("cumbria", "Cumbria Constabulary", 3_800),
    ("derbyshire", "Derbyshire Constabulary", 8_500),
    ("devon-and-cornwall", "Devon & Cornwall Police", 11_000),
    ("dorset", "Dorset Police", 5_000),
    ("durham", "Durham Constabulary", 6_000),
    ("dyfed-powys", "Dyfed-Powys Police", 3_500),
    ("essex", "Essex Police", 15_000),
    ("gloucestershire", "Gloucestershire Constabulary", 4_500),
    ("greater-manchester", "Greater Manchester Police", 32_000),
    ("gwent", "Gwent Police", 5_000),
    ("hampshire", "Hampshire Constabulary", 15_000),
    ("hertfordshire", "Hertfordshire Constabulary", 8_500),
    ("humberside", "Humberside Police", 9_500),
    ("kent", "Kent Police", 17_000),
    ("lancashire", "Lancashire Constabulary", 14_500),
    ("leicestershire", "Leicestershire Police", 8_000),
    ("lincolnshire", "Lincolnshire Police", 5_500),
    ("merseyside", "Merseyside Police", 13_500),
    ("metropolitan", "Metropolitan Police Service", 90_000),
    ("norfolk", "Norfolk Constabulary", 6_000),
    ("north-wales", "North Wales Police", 5_000),
    ("north-yorkshire", "North Yorkshire Police", 5_500),
    ("northamptonshire", "Northamptonshire Police", 6_500),
    ("northumbria", "Northumbria Police", 15_000),
    ("nottinghamshire", "Nottinghamshire Police", 9_500),
    ("south-wales", "South Wales Police", 12_000),
    ("south-yorkshire", "South Yorkshire Police", 15_000),
    ("staffordshire", "Staffordshire Police", 8_500),
    ("suffolk", "Suffolk Constabulary", 5_000),
    ("surrey", "Surrey Police", 7_000),
    ("sussex", "Sussex Police", 13_000),
    ("thames-valley", "Thames Valley Police", 17_500),
    ("warwickshire", "Warwickshire Police", 4_500),
    ("west-mercia", "West Mercia Police", 10_000),
    ("west-midlands", "West Midlands Police", 30_000),
    ("west-yorkshire", "West Yorkshire Police", 27_000),
    ("wiltshire", "Wiltshire Police", 4_800),
]
assert len(FORCES) == 43


# -- the synthetic month --------------------------------------------------------------------

def real_files() -> tuple[list[Path], list[Path]]:
    """The real street-level files the rows are resampled from: (Bedfordshire, West Yorkshire)."""
    beds = sorted((SHARED_DATA / "police_uk" / "bedfordshire").glob("*/*-street.csv"))
    # data/README.md and the shared folder disagree on where West Yorkshire lives; take either.
    wy = [p for p in [SHARED_DATA / "police_uk" / "2016-07-west-yorkshire-street.csv",
                      SHARED_DATA / "police_uk" / "west-yorkshire" / "2016-07" / "2016-07-west-yorkshire-street.csv"]
          if p.exists()][:1]
    if not beds or not wy:
        sys.exit(f"real police.uk files not found under {SHARED_DATA / 'police_uk'} (set CSP_SHARED_DATA)")
    return beds, wy


def force_sizes(total: int) -> list[int]:
    """Scale the rough volumes to exactly ``total`` rows (largest remainder)."""
    weights = [w for _, _, w in FORCES]
    exact = [total * w / sum(weights) for w in weights]
    sizes = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - sizes[i], reverse=True)[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


MIXES = {
    # What a national month looks like from Central Bedfordshire: only Bedfordshire Police's
    # file holds records near the area (a few tenths of a percent of the month lie in it).
    "realistic": "Bedfordshire Police's file resampled from the 17 real Bedfordshire months, every other"
                 " force's from the real West Yorkshire month",
    # A stress test: about a quarter of all rows land in the area and 74% lie inside its
    # bounding box (0.9% in the realistic mix, seed 20220101), so point-in-polygon and the
    # crimes table carry far more than they would.
    "uniform": "every force's file resampled from all the real rows (Bedfordshire and West Yorkshire pooled)",
}


def generate(folder: Path, seed: int, mix: str = "realistic", total: int = TOTAL_ROWS) -> dict:
    """Write the 43 force files for MONTH into ``folder``/MONTH/ and describe what was written.

    Each row is drawn (with replacement) from real rows (which ones: see MIXES), so it keeps
    its own coordinates, location, LSOA code and name, category and outcome, blanks
    included. Month, Reported by and Falls within become the force's; every non-ASB row gets
    a fresh 64-hex Crime ID and ASB rows keep theirs blank, as police.uk publishes them.
    """
    import numpy as np
    import pandas as pd

    def read(paths: list[Path]) -> pd.DataFrame:
        return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths], ignore_index=True)

    beds_files, wy_files = real_files()
    beds, wy = read(beds_files), read(wy_files)
    everything = pd.concat([beds, wy], ignore_index=True)
    rng = np.random.default_rng(seed)
    sizes = force_sizes(total)

    if folder.exists():
        shutil.rmtree(folder)
    month_dir = folder / MONTH
    month_dir.mkdir(parents=True)
    digest = hashlib.sha256()
    ids_seen = 0
    asb = blank_coords = 0
    for (slug, name, _), n in zip(FORCES, sizes):
        pool = everything if mix == "uniform" else beds if slug == "bedfordshire" else wy
        rows = pool.iloc[rng.integers(0, len(pool), n)].reset_index(drop=True)
        rows["Month"] = MONTH
        rows["Reported by"] = name
        rows["Falls within"] = name
        is_asb = (rows["Crime type"] == "Anti-social behaviour").to_numpy()
        raw = rng.bytes(32 * n)
        ids = np.array([raw[i * 32:(i + 1) * 32].hex() for i in range(n)], dtype=object)
        ids[is_asb] = ""
        rows["Crime ID"] = ids
        ids_seen += int((~is_asb).sum())
        asb += int(is_asb.sum())
        blank_coords += int((rows["Longitude"] == "").sum())
        path = month_dir / f"{MONTH}-{slug}-street.csv"
        # CRLF and minimal quoting, as police.uk writes its current files.
        rows.to_csv(path, index=False, lineterminator="\r\n")
        digest.update(path.read_bytes())
    files = sorted(month_dir.glob("*-street.csv"))
    return {
        "files": len(files),
        "rows": total,
        "bytes": sum(p.stat().st_size for p in files),
        "asb_rows": asb,
        "crime_ids": ids_seen,
        "blank_coordinate_rows": blank_coords,
        "largest": max(sizes),
        "smallest": min(sizes),
        "mix": mix,
        "beds_rows": len(beds),
        "beds_files": len(beds_files),
        "wy_rows": len(wy),
        "sha256": digest.hexdigest()[:16],
    }


# -- the measurements ---------------------------------------------------------------------

def street_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*-street.csv"))


def time_plain_read(files: list[Path], use_threads: bool = True) -> tuple[float, float]:
    """pyarrow.csv.read_csv of each file with default options; (wall, CPU) seconds summed.

    ``use_threads=False`` is only for the single-threaded reference line.
    """
    import pyarrow.csv as pacsv

    options = None if use_threads else pacsv.ReadOptions(use_threads=False)
    wall = cpu = 0.0
    for f in files:
        t0, c0 = time.perf_counter(), time.process_time()
        table = pacsv.read_csv(f, read_options=options)
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
        del table
    return wall, cpu


def load_config():
    from csp_dash.config import load_config as load

    return load(ROOT / "csp.toml")


def build_boundaries_store(path: Path, config) -> None:
    from csp_dash.ingest import run_ingest
    from csp_dash.store import Store

    run_ingest("boundaries", [], config, Store(path))


def fresh_store(base: Path, work: Path, tag: str) -> Path:
    path = work / f"store-{tag}" / "cleaned"
    if path.parent.exists():
        shutil.rmtree(path.parent)
    shutil.copytree(base, path)
    return path


def time_ingest(folder: Path, config, store_path: Path):
    """run_ingest("crime") into ``store_path``; returns (wall, CPU) seconds and the outcome."""
    from csp_dash.ingest import run_ingest
    from csp_dash.store import Store

    t0, c0 = time.perf_counter(), time.process_time()
    outcome = run_ingest("crime", [folder], config, Store(store_path))
    return (time.perf_counter() - t0, time.process_time() - c0), outcome


# A tiny launcher between this (large) process and each measured one. Linux carries the
# parent's resident high-water mark into ru_maxrss across vfork/fork + exec, so a child
# spawned directly from here would report at least this process's size. Forked from a
# small interpreter instead, the measured process starts clean.
LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss, "rc": os.waitstatus_to_exitcode(status)}, f)
"""


def launch(cmd: list[str]) -> tuple[dict, str]:
    """Run ``cmd`` through the launcher; returns {seconds, maxrss_kib, rc} and the command's output."""
    with tempfile.TemporaryDirectory() as tmp:
        result, output = Path(tmp) / "result.json", Path(tmp) / "output.txt"
        with open(output, "wb") as out:
            subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(result), *cmd], cwd=ROOT, stdout=out,
                           stderr=subprocess.STDOUT, check=True)
        return json.loads(result.read_text()), output.read_text(errors="replace")


def run_cli(folder: Path, store_path: Path) -> tuple[float, int]:
    """The CLI end to end; returns (seconds, peak RSS in KiB).

    The clock runs from the fork to the exit, so the launcher's own start-up is not counted.
    """
    cmd = [sys.executable, "-m", "csp_dash", "ingest", "crime", str(folder), "--store", str(store_path)]
    run, output = launch(cmd)
    if run["rc"] != 0:
        sys.exit(f"CLI failed ({run['rc']}): {' '.join(cmd)}\n{output[-3000:]}")
    return run["seconds"], run["maxrss_kib"]


def child(mode: str, folder: Path, store_path: Path | None) -> None:
    """Run (a) or (b) once in this fresh process and print its peak RSS as JSON."""
    if mode == "plain":
        import pyarrow.csv  # noqa: F401 - the baseline includes the import, as for the ingest

        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = time_plain_read(street_files(folder))[0]
    else:
        from csp_dash.ingest import police_uk  # noqa: F401 - imports count as baseline, not as work

        config = load_config()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        seconds = time_ingest(folder, config, store_path)[0][0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mode": mode, "baseline_kib": baseline, "peak_kib": peak, "seconds": seconds}))


def measure_memory(mode: str, folder: Path, store_path: Path | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--folder", str(folder)]
    if store_path:
        cmd += ["--store", str(store_path)]
    run, output = launch(cmd)
    if run["rc"] != 0:
        sys.exit(f"memory child '{mode}' failed:\n{output[-3000:]}")
    measured = json.loads(output.strip().splitlines()[-1])
    measured["wait4_kib"] = run["maxrss_kib"]  # the same peak seen from outside, as a cross-check
    return measured


def profile_ingest(folder: Path, config, store_path: Path, top: int = 15) -> str:
    import cProfile
    import io
    import pstats

    from csp_dash.ingest import run_ingest
    from csp_dash.store import Store

    prof = cProfile.Profile()
    prof.enable()
    run_ingest("crime", [folder], config, Store(store_path))
    prof.disable()
    out = io.StringIO()
    for key in ("tottime", "cumulative"):
        out.write(f"\n--- top {top} by {key} ---\n")
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(top)
    return out.getvalue()


# -- the machine and the report ---------------------------------------------------------------

def machine() -> dict:
    import pandas as pd
    import pyarrow as pa

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram_gib = kib / 1024 ** 2
    except (OSError, AttributeError):
        pass
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    # Several people share the working tree: name what differs from the commit in the code measured.
    changed = _git("diff", "--name-only", "HEAD", "--", "csp_dash").split()
    if changed:
        diff = hashlib.sha256(_git("diff", "HEAD", "--", "csp_dash").encode()).hexdigest()[:12]
        commit += (f" plus uncommitted changes to {', '.join(changed)}"
                   f" (`git diff HEAD -- csp_dash` sha256 {diff})")
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram": f"{ram_gib:.1f} GiB" if ram_gib else "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "pandas": pd.__version__,
        "commit": commit,
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def cpu_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def own_cpu() -> float:
    """CPU seconds of this process and its waited-for children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _s(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _mb(kib: int) -> float:
    return kib * 1024 / 1e6


def render(r: dict) -> str:
    m, d, o = r["machine"], r["data"]["realistic"], r["outcome"]
    med = statistics.median
    plain, ingest = med(r["plain"]), med(r["ingest"])
    ratio = ingest / plain
    cpu_ratio = med(r["ingest_cpu"]) / med(r["plain_cpu"])
    mem_mb = {k: _mb(v["peak_kib"]) for k, v in r["mem"].items()}
    base_mb = {k: _mb(v["baseline_kib"]) for k, v in r["mem"].items()}
    cli_mb = _mb(max(r["cli_rss_kib"]))
    peak_mb = max(mem_mb["ingest"], cli_mb)
    ok = lambda met: "met" if met else "**missed**"  # noqa: E731
    busy = r["others_busy"]
    lines = [
        f"## {SECTION}",
        "",
        "`ingest crime` on one national-scale month (43 force files) against pyarrow's plain CSV read of the",
        f"same files. Targets: ingest takes no more than {RATIO_TARGET:g}x the plain read, and peak memory stays",
        f"under 2 GB (taken as {MEMORY_TARGET_MB:,} MB).",
        "",
        "Reproduce, from the repository root with `.venv` active:"
        f" `python bench/ingest_crime_national.py --reps {r['reps']} --cli-reps {r['cli_reps']}`"
        f" (seed {r['seed']}; files go to bench/out/national/ and bench/out/national-uniform/, the full"
        " results to bench/out/ingest_crime_national.json).",
        "",
        f"- Run: {m['date']}, commit {m['commit']}.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}; Python {m['python']},"
        f" pyarrow {m['pyarrow']}, pandas {m['pandas']}. Load average {r['load'][0]:.2f} before,"
        f" {r['load'][1]:.2f} after; other processes used {busy:.0%} of the machine's CPU during the timed"
        " repetitions below.",
        f"- Data: {d['files']} files for {MONTH}, {d['rows']:,} rows ({d['bytes'] / 1e6:.0f} MB of CSV; largest"
        f" file {d['largest']:,} rows (Metropolitan), smallest {d['smallest']:,} (City of London)), resampled"
        f" with replacement from the real files in ../shared/data: {MIXES['realistic']}"
        f" ({d['beds_rows']:,} and {d['wy_rows']:,} real rows). Rows keep their own coordinates, location, LSOA,"
        " category and outcome; Month, Reported by and Falls within are the force's;"
        f" {d['crime_ids']:,} fresh 64-hex Crime IDs, {d['asb_rows']:,} ASB rows with a blank ID,"
        f" {d['blank_coordinate_rows']:,} rows without coordinates or LSOA. The files' sha256 (all, in order)"
        f" starts {d['sha256']}.",
        f"- Ingest result: {o['read']:,} read = {o['accepted']:,} accepted + {o['rejected']:,} rejected;"
        f" {o['in_area']:,} placed in {o['area']} ({o['in_area'] / o['read']:.1%}), {o['outside']:,} outside,"
        f" {o['unlocated']:,} unlocated.",
        "",
        "| measure | median wall | all runs (s) | median CPU | target |",
        "| --- | ---: | --- | ---: | --- |",
        f"| (a) `pyarrow.csv.read_csv`, each file, defaults, summed | {plain:.2f} s | {_s(r['plain'])} |"
        f" {med(r['plain_cpu']):.2f} s | |",
        f"| (b) `run_ingest(\"crime\", [folder], config, store)` in-process | {ingest:.2f} s | {_s(r['ingest'])} |"
        f" {med(r['ingest_cpu']):.2f} s | |",
        f"| **ratio (b) / (a)** | **{ratio:.1f}x** | | {cpu_ratio:.1f}x |"
        f" <= {RATIO_TARGET:g}x: {ok(ratio <= RATIO_TARGET)} |",
        f"| reference: (a) with `use_threads=False` | {med(r['plain_single']):.2f} s | {_s(r['plain_single'])} |"
        f" | (b) is {ingest / med(r['plain_single']):.1f}x this |",
        f"| (c) CLI `python -m csp_dash ingest crime` end to end | {med(r['cli']):.2f} s | {_s(r['cli'])} | |"
        " includes start-up, imports, summary |",
        "",
        "| peak resident memory (ru_maxrss) | peak | before the work (imports) | target |",
        "| --- | ---: | ---: | --- |",
        f"| (a) plain read, fresh process | {mem_mb['plain']:,.0f} MB | {base_mb['plain']:,.0f} MB | |",
        f"| (b) ingest, fresh process | {mem_mb['ingest']:,.0f} MB | {base_mb['ingest']:,.0f} MB |"
        f" < {MEMORY_TARGET_MB:,} MB: {ok(mem_mb['ingest'] < MEMORY_TARGET_MB)} |",
        f"| (c) CLI, highest of {len(r['cli_rss_kib'])} runs | {cli_mb:,.0f} MB | |"
        f" < {MEMORY_TARGET_MB:,} MB: {ok(cli_mb < MEMORY_TARGET_MB)} |",
        "",
        f"Targets: ratio {ok(ratio <= RATIO_TARGET)} ({ratio:.1f}x against <= {RATIO_TARGET:g}x); peak memory"
        f" {ok(peak_mb < MEMORY_TARGET_MB)} ({peak_mb:,.0f} MB against < {MEMORY_TARGET_MB:,} MB).",
        "",
        *stress_lines(r, ok),
        "How it is measured. Times are `time.perf_counter` medians (CPU: `time.process_time`, all threads) of"
        " the repetitions, after one untimed warm-up of each, so the files are in the page cache for both."
        " (a) and (b) alternate within each repetition. (b) covers everything `run_ingest` does: reading the"
        " boundaries from the store, parsing and checking every row, placing every point, building the tables"
        " and committing the store; each repetition starts from a fresh copy of a store holding only the"
        " boundaries, copied outside the timed region. (c) runs from fork to exit. Memory is"
        " `resource.getrusage(RUSAGE_SELF).ru_maxrss` at the end of a fresh process that did the work once"
        " (the second column is the figure just before the work began); the CLI's comes from `os.wait4`."
        " Every measured process is forked from a small launcher, because Linux carries a parent's"
        " high-water mark into a child's ru_maxrss across fork and exec.",
        "",
    ]
    return "\n".join(lines)


def stress_lines(r: dict, ok) -> list[str]:
    """The stress mix, in a few lines (no CLI runs)."""
    st = r.get("stress")
    if not st:
        return []
    med = statistics.median
    d, o = r["data"]["uniform"], st["outcome"]
    ratio = med(st["ingest"]) / med(st["plain"])
    return [
        f"Stress mix: {MIXES['uniform']}, with the same seed (files' sha256 starts {d['sha256']})."
        f" {o['in_area']:,} rows ({o['in_area'] / o['read']:.0%}) land in {o['area']}, about a hundred times a"
        " real month's share, and most rows lie inside its bounding box (with seed 20220101, 74% against"
        " 0.9% in the main mix), so point-in-polygon tests and the crimes table carry far more. Other"
        f" processes used {st['others_busy']:.0%} of the CPU meanwhile.",
        "",
        "| stress mix | median wall | all runs (s) | median CPU |",
        "| --- | ---: | --- | ---: |",
        f"| (a) plain read | {med(st['plain']):.2f} s | {_s(st['plain'])} | {med(st['plain_cpu']):.2f} s |",
        f"| (b) ingest in-process | {med(st['ingest']):.2f} s | {_s(st['ingest'])} | {med(st['ingest_cpu']):.2f} s |",
        f"| ratio (b) / (a) | {ratio:.1f}x | | {med(st['ingest_cpu']) / med(st['plain_cpu']):.1f}x |",
        f"| peak memory of (b), fresh process | {_mb(st['mem']['peak_kib']):,.0f} MB | | |",
        "",
    ]


def write_section(text: str) -> None:
    """Replace this benchmark's section in docs/benchmarks.md, leaving the others alone."""
    if DOCS.exists():
        doc = DOCS.read_text(encoding="utf-8")
    else:
        doc = ("# Benchmarks\n\n"
               "Timings and memory of the data tools on realistic inputs, run by hand with the scripts in\n"
               "`bench/` (never as timed tests). Each section says how to reproduce it, on which machine, date\n"
               "and commit it was run, and whether its target is met. Generated inputs go to `bench/out/`,\n"
               "which git ignores.\n\n")
    heading = re.compile(rf"^## {re.escape(SECTION)}\s*$", re.M)
    found = heading.search(doc)
    if found:
        nxt = re.compile(r"^## ", re.M).search(doc, found.end())
        end = nxt.start() if nxt else len(doc)
        doc = doc[: found.start()] + text + ("\n" if nxt else "") + doc[end:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOCS.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


# -- main -------------------------------------------------------------------------------------

def summarise(outcome, config) -> dict:
    crime = [r for r in outcome.reports if r.kind == "crime"]
    return {
        "read": sum(r.rows_read for r in crime),
        "accepted": sum(r.rows_accepted for r in crime),
        "rejected": sum(r.rows_rejected for r in crime),
        "in_area": sum(r.details["in_area"] for r in crime),
        "outside": sum(r.details["outside_area"] for r in crime),
        "unlocated": sum(r.details["unlocated"] for r in crime),
        "files": len(crime),
        "area": config.area.name,
    }


def time_reps(folder: Path, config, base: Path, work: Path, reps: int, tag: str) -> dict:
    """Warm up, then alternate (a), (b) and the single-threaded reference ``reps`` times."""
    files = street_files(folder)
    print(f"[{tag}] warm-up (untimed) ...", flush=True)
    time_plain_read(files)
    time_plain_read(files, use_threads=False)
    _, outcome = time_ingest(folder, config, fresh_store(base, work, f"{tag}-warm"))
    summary = summarise(outcome, config)
    assert summary["read"] == TOTAL_ROWS == summary["accepted"] + summary["rejected"], summary
    assert summary["files"] == len(FORCES), summary

    r = {"outcome": summary, "plain": [], "plain_cpu": [], "ingest": [], "ingest_cpu": [], "plain_single": []}
    # How much of the machine other processes used meanwhile: a shared machine skews wall times.
    busy0, total0, own0 = *cpu_jiffies(), own_cpu()
    for i in range(reps):
        store = fresh_store(base, work, f"{tag}-rep{i}")
        wall, cpu = time_plain_read(files)
        r["plain"].append(wall)
        r["plain_cpu"].append(cpu)
        (wall, cpu), _ = time_ingest(folder, config, store)
        r["ingest"].append(wall)
        r["ingest_cpu"].append(cpu)
        r["plain_single"].append(time_plain_read(files, use_threads=False)[0])
        print(f"[{tag}] rep {i + 1}/{reps}: plain {r['plain'][-1]:.2f} s (CPU {r['plain_cpu'][-1]:.2f}),"
              f" ingest {r['ingest'][-1]:.2f} s (CPU {r['ingest_cpu'][-1]:.2f}),"
              f" plain single-threaded {r['plain_single'][-1]:.2f} s", flush=True)
    busy1, total1, own1 = *cpu_jiffies(), own_cpu()
    hz = os.sysconf("SC_CLK_TCK")
    r["others_busy"] = max(0.0, ((busy1 - busy0) / hz - (own1 - own0)) / ((total1 - total0) / hz))
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5, help="timed repetitions of (a) and (b) (default 5)")
    p.add_argument("--cli-reps", type=int, default=3, help="timed runs of the CLI (default 3)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="folder for generated files")
    p.add_argument("--seed", type=int, default=20220101, help="seed of the resampling (default 20220101)")
    p.add_argument("--no-stress", action="store_true", help="skip the stress mix (every force from all real rows)")
    p.add_argument("--no-docs", action="store_true", help="print the section but do not write docs/benchmarks.md")
    p.add_argument("--profile", action="store_true", help="also print a cProfile top-15 of one in-process ingest")
    p.add_argument("--child", choices=["plain", "ingest"], help=argparse.SUPPRESS)
    p.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.folder, args.store)
        return 0

    load_before = os.getloadavg()
    out = args.out.resolve()
    folders = {"realistic": out / "national"}
    if not args.no_stress:
        folders["uniform"] = out / "national-uniform"
    data = {}
    for mix, folder in folders.items():
        print(f"Generating {len(FORCES)} force files, {TOTAL_ROWS:,} rows ({mix} mix), into {folder} ...", flush=True)
        data[mix] = generate(folder, args.seed, mix)
        d = data[mix]
        print(f"  {d['files']} files, {d['rows']:,} rows, {d['bytes'] / 1e6:.0f} MB, sha256 {d['sha256']}")

    config = load_config()
    folder = folders["realistic"]
    with tempfile.TemporaryDirectory(prefix="bench-crime-") as tmp:
        work = Path(tmp)
        base = work / "boundaries" / "cleaned"
        print("Building the boundaries store once ...", flush=True)
        build_boundaries_store(base, config)

        main_run = time_reps(folder, config, base, work, args.reps, "realistic")

        cli, cli_rss = [], []
        for i in range(args.cli_reps):
            seconds, rss = run_cli(folder, fresh_store(base, work, f"cli{i}"))
            cli.append(seconds)
            cli_rss.append(rss)
            print(f"  CLI {i + 1}/{args.cli_reps}: {seconds:.2f} s, peak {_mb(rss):,.0f} MB", flush=True)

        print("Peak memory in fresh processes ...", flush=True)
        mem = {"plain": measure_memory("plain", folder),
               "ingest": measure_memory("ingest", folder, fresh_store(base, work, "mem"))}

        stress = None
        if "uniform" in folders:
            stress = time_reps(folders["uniform"], config, base, work, args.reps, "uniform")
            stress["mem"] = measure_memory("ingest", folders["uniform"], fresh_store(base, work, "mem-u"))

        profile = profile_ingest(folder, config, fresh_store(base, work, "prof")) if args.profile else ""

    load_after = os.getloadavg()
    result = {"reps": args.reps, "cli_reps": args.cli_reps, "seed": args.seed, "machine": machine(),
              "data": data, **main_run, "cli": cli, "cli_rss_kib": cli_rss, "mem": mem, "stress": stress,
              "load": [load_before[0], load_after[0]]}
    section = render(result)
    print()
    print(section)
    if profile:
        print(profile)
    (out / "ingest_crime_national.json").write_text(json.dumps(result, indent=2))
    if not args.no_docs:
        write_section(section)
        print(f"Wrote the section '{SECTION}' in {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
