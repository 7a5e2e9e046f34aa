"""Benchmark: STL for all 14 police.uk categories. Target (seasonal-patterns issue): under 1 s.

What is timed, each the median of ``--reps`` runs after one untimed warm-up (so statsmodels
is imported and the code is warm; the cold import is timed once, on its own):

(a) ``seasonality.decompose`` of each of the 14 categories' monthly counts: STL (period 12,
    seasonal 13, robust) plus the seasonal strength and amplitude - the target;
(b) the same, starting from the crimes table: monthly counts by category (gap months NaN),
    then (a);
(c) the page's summary, ``strongest_patterns`` over every series on offer (the four
    strategy groups and the categories): STL and seasonal index each.

On the demo store (72 months) and, if built, the 10x store (120 months, bench/big_store.py).

Usage::

    python bench/stl.py [--reps 5] [--store DIR] [--big DIR] [--no-docs]

The demo store is ``bench/out/pages-demo/cleaned`` when bench/pages.py has built it,
otherwise it is built into ``bench/out/stl-demo/``. Results go to ``bench/out/stl.json`` and,
unless ``--no-docs``, to the "STL for all categories" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the package is not installed

DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "STL for all categories"
TARGET_S = 1.0


def _bench_pages():
    """bench/pages.py's machine and load helpers, loaded by path (a pages/ folder shadows the name)."""
    spec = importlib.util.spec_from_file_location("bench_pages", ROOT / "bench" / "pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cold_import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import statsmodels.tsa.seasonal; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def demo_store(out: Path) -> Path:
    shared = out / "pages-demo" / "cleaned"
    if (shared / "manifest.json").exists():
        return shared
    from csp_dash.config import load_config
    from csp_dash.demo import DEFAULT_SEED, build_demo
    from csp_dash.store import Store

    base = out / "stl-demo"
    build_demo(load_config(ROOT / "csp.toml"), Store(base / "cleaned"), raw_dir=base / "raw", seed=DEFAULT_SEED)
    return base / "cleaned"


def timed(fn, reps: int) -> dict[str, list[float]]:
    """Wall-clock and CPU seconds of each repetition, after one untimed warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"wall": wall, "cpu": cpu}


def measure(store_path: Path, reps: int) -> dict:
    from csp_dash.analysis import seasonality as SE
    from csp_dash.analysis import trends
    from csp_dash.analysis.coverage import all_months, missing_months
    from csp_dash.store import Store

    crimes = Store(store_path).read("crimes", columns=["month", "category"])

    def counts():
        return trends.category_counts(crimes, all_months(crimes["month"]), missing_months(crimes))

    table = counts()
    categories = list(table.columns)
    monthly = trends.monthly_series(table, trends.series_options(categories))

    def stl_all(t=table):
        return [SE.decompose(t[c]) for c in categories]

    results = stl_all()
    assert all(r is not None for r in results), "every category needs 24 consecutive months"
    return {
        "store": str(store_path.relative_to(ROOT)) if store_path.is_relative_to(ROOT) else str(store_path),
        "records": len(crimes), "months": len(table), "categories": len(categories), "series": monthly.shape[1],
        "stl": timed(stl_all, reps),
        "from_crimes": timed(lambda: stl_all(counts()), reps),
        "summary": timed(lambda: SE.strongest_patterns(monthly), reps),
    }


def render(r: dict) -> str:
    m = r["machine"]
    lines = [
        f"## {SECTION}",
        "",
        "STL decomposition (`csp_dash.analysis.seasonality.decompose`: statsmodels STL, period 12, seasonal 13, "
        f"robust, plus seasonal strength and amplitude) of every police.uk category's monthly counts. Target "
        f"(seasonal-patterns issue): all 14 categories in under {TARGET_S:g} s.",
        "",
        f"Reproduce, from the repository root with `.venv` active: `python bench/stl.py --reps {r['reps']}` "
        "(full results in bench/out/stl.json).",
        "",
        f"- Run: {m['date']}, commit {m['commit']}.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}; Python {m['python']}, "
        f"statsmodels {r['statsmodels']}, pandas {m['pandas']}. Load average {r['load_before']} before, "
        f"{r['load_after']} after; other processes used {r['others']:.0%} of the machine's CPU meanwhile.",
        f"- Importing statsmodels' STL in a fresh process (paid once per server process, on the first "
        f"Seasonal patterns page): {r['import_s']:.2f} s, not counted below.",
        "",
        "| store | months | (a) STL, 14 categories: median wall | all runs (s) | median CPU | "
        "(b) from the crimes table | (c) page summary, every series | target (a) < 1 s |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for s in r["stores"]:
        med = statistics.median(s["stl"]["wall"])
        lines.append(
            f"| {s['store']} ({s['records']:,} records, {s['categories']} categories) | {s['months']} | "
            f"**{med:.3f} s** | {', '.join(f'{v:.3f}' for v in s['stl']['wall'])} | "
            f"{statistics.median(s['stl']['cpu']):.3f} s | {statistics.median(s['from_crimes']['wall']):.3f} s | "
            f"{statistics.median(s['summary']['wall']):.3f} s ({s['series']} series) | "
            f"{'met' if med < TARGET_S else '**missed**'} |")
    worst = max(statistics.median(s["stl"]["wall"]) for s in r["stores"])
    lines += [
        "",
        f"Target {'met' if worst < TARGET_S else '**missed**'}: {worst:.3f} s at most against {TARGET_S:g} s. "
        "Times are `time.perf_counter` medians (CPU: `time.process_time`) of the repetitions after one untimed "
        "warm-up. On the page these "
        "results are computed once per filter choice and store version (`data.memo`), so a warm page run does "
        "not repeat them.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str) -> None:
    """Replace this benchmark's section in docs/benchmarks.md, leaving the others alone."""
    doc = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    found = re.compile(rf"^## {re.escape(SECTION)}\s*$", re.M).search(doc)
    if found:
        nxt = re.compile(r"^## ", re.M).search(doc, found.end())
        end = nxt.start() if nxt else len(doc)
        doc = doc[: found.start()] + text + ("\n" if nxt else "") + doc[end:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOCS.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--store", type=Path, help="the demo store to use (default: built or reused under --out)")
    parser.add_argument("--big", type=Path, default=None, help="the 10x store (default: <out>/big/cleaned if built)")
    parser.add_argument("--no-docs", action="store_true", help="print the section without writing it")
    args = parser.parse_args(argv)

    helpers = _bench_pages()
    import statsmodels

    import_s = cold_import_seconds()
    stores = [args.store or demo_store(args.out)]
    big = args.big or args.out / "big" / "cleaned"
    if (big / "manifest.json").exists():
        stores.append(big)
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    cpu_before, own_before = helpers.cpu_jiffies(), time.process_time()
    measured = [measure(s, args.reps) for s in stores]
    others = helpers.others_share(cpu_before, helpers.cpu_jiffies(), time.process_time() - own_before)
    result = {"machine": helpers.machine(), "statsmodels": statsmodels.__version__, "reps": args.reps,
              "import_s": import_s, "stores": measured, "others": others, "load_before": load_before,
              "load_after": " ".join(Path("/proc/loadavg").read_text().split()[:3])}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "stl.json").write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    text = render(result)
    print(text)
    if not args.no_docs:
        write_section(text)
        print(f"Wrote the '{SECTION}' section of {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
