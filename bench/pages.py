"""Benchmark: every page of the app through AppTest, on the demo store and a 10x store; cold start.

Targets (from the app-shell issue): a warm page run takes <= 0.5 s on the demo store and
<= 1 s on a store ten times larger (ten years, force-wide: bench/big_store.py); a cold
start, from process start to the first page rendered in Chromium, takes <= 10 s.

- Pages are read from app.py's ``st.Page("pages/x.py", ..., title="...")`` calls (parsed,
  not imported), so a page added later is benchmarked without editing this file.
- Warm page time: one AppTest of app.py per store (``CSP_STORE`` names the store);
  for each page, ``at.switch_page(path)``, one untimed ``at.run()``, then ``--reps`` timed
  ``at.run()`` calls; the median is reported with every run. Every run must end with no
  exception (``at.exception``) and no error box (``at.error``), else the script stops.
- Cold start: ``python -m streamlit run app.py`` on a free port reading the demo store,
  timed from Popen until headless Chromium (already running; a fresh browser context each
  time, so nothing is cached) shows the first page finished: the app's script state is
  "notRunning" and an h1 holds the page's title. A fresh server process for each run.

Usage::

    python bench/pages.py [--reps 5] [--big] [--out bench/out] [--cold-reps 3] [--no-cold]
                          [--rebuild-big] [--profile] [--no-docs]

The demo store is built afresh with ``build_demo`` into ``<out>/pages-demo/``; the 10x store
is built once into ``<out>/big/`` (reused on later runs unless ``--rebuild-big``). Results go
to ``<out>/pages.json`` and, unless ``--no-docs``, to the "Pages" section of docs/benchmarks.md.
For a page over its target, a cProfile of one warm run goes to ``<out>/pages-profile-*.txt``
(``--profile`` profiles every page).
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import platform
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script from anywhere: the package is not installed, so import it from the checkout.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

APP = ROOT / "app.py"
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "Pages"
DEMO_TARGET_S, BIG_TARGET_S, COLD_TARGET_S = 0.5, 1.0, 10.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# The first page is finished when the script has stopped and its title is drawn; both must hold
# at once (the title is drawn while the script still runs; the state is idle before it starts).
RENDERED_JS = """(title) => !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    && [...document.querySelectorAll('h1')].some(h => h.innerText.trim().startsWith(title))"""


# -- the pages -------------------------------------------------------------------------------

def discover_pages(app: Path = APP) -> list[tuple[str, str]]:
    """(script path, title) of every ``st.Page(...)`` in app.py, in the order written."""
    found = []
    for node in ast.walk(ast.parse(app.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            title = next((k.value.value for k in node.keywords
                          if k.arg == "title" and isinstance(k.value, ast.Constant)), None)
            found.append((node.lineno, node.col_offset, node.args[0].value,
                          title or Path(node.args[0].value).stem.replace("_", " ").capitalize()))
    return [(path, title) for _, _, path, title in sorted(found)]


def navigation_as_served() -> None:
    """Streamlit 1.67's AppTest resets PagesManager.uses_pages_directory before each run; with
    a pages/ folder beside app.py, switch_page would then run a page without app.py. A served
    app sets the flag to False through st.navigation: do the same once the PagesManager exists
    (as tests/app/conftest.py does)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "_bench_patched", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._bench_patched = True
    PagesManager.__init__ = init


# -- warm page runs --------------------------------------------------------------------------

class PageFailed(RuntimeError):
    pass


def _check(at, path: str, title: str, which: str) -> str:
    """Fail on an exception or an error box; return the page's h1 (to confirm the switch)."""
    if at.exception:
        raise PageFailed(f"{path} ({which}): exception {[e.value for e in at.exception]}")
    if at.error:
        raise PageFailed(f"{path} ({which}): error box {[e.value for e in at.error]}")
    heading = at.title[0].value if len(at.title) else ""
    if not str(heading).startswith(title):
        raise PageFailed(f"{path} ({which}): expected the page titled {title!r}, got {heading!r}")
    return heading


def run_pages(store: Path, pages: list[tuple[str, str]], reps: int, timeout: float = 600) -> dict:
    """Time every page on ``store``: the app's first run, then per page a first run after switching
    to it, one untimed warm-up and ``reps`` timed runs."""
    from streamlit.testing.v1 import AppTest

    navigation_as_served()
    os.environ["CSP_STORE"] = str(store)
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    # switch_page resolves a path through the pages st.navigation registered: run once first.
    t0 = time.perf_counter()
    at.run()
    app_first = time.perf_counter() - t0
    print(f"  app's first run (default page, this store's tables not yet cached): {app_first:.2f} s", flush=True)
    out = {}
    for path, title in pages:
        at.switch_page(path)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        _check(at, path, title, "first run")
        at.run()  # the warm-up the spec leaves untimed (the first run above already warmed the caches)
        _check(at, path, title, "warm-up")
        wall, cpu = [], []
        for i in range(reps):
            c0, t0 = time.process_time(), time.perf_counter()
            at.run()
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            _check(at, path, title, f"timed run {i + 1}")
        out[path] = {"title": title, "first_run": first, "runs": wall, "median": statistics.median(wall),
                     "cpu_runs": cpu, "cpu_median": statistics.median(cpu), "exceptions": 0, "errors": 0,
                     "at": at}
        print(f"  {title:<24} median {out[path]['median']:.3f} s  runs {_s(wall, 3)}  "
              f"(first run {first:.2f} s, CPU median {out[path]['cpu_median']:.3f} s)", flush=True)
    return {"app_first_run": app_first, "pages": out}


def profile_page(at, path: str, top: int = 15) -> str:
    """cProfile of one warm ``at.run()`` of ``path``. AppTest runs the script in its own thread,
    and a profiler only sees the thread that enabled it: enable it inside that thread."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    prof = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread

    def traced(self):
        prof.enable()
        try:
            original(self)
        finally:
            prof.disable()

    LocalScriptRunner._run_script_thread = traced
    try:
        at.switch_page(path)
        t0 = time.perf_counter()
        at.run()
        wall = time.perf_counter() - t0
    finally:
        LocalScriptRunner._run_script_thread = original
    text = io.StringIO()
    text.write(f"{path}: one warm run, {wall:.3f} s under the profiler\n")
    for key in ("cumulative", "tottime"):
        text.write(f"\n--- top {top} by {key} ---\n")
        pstats.Stats(prof, stream=text).strip_dirs().sort_stats(key).print_stats(top)
    return text.getvalue()


# -- cold start ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cold_starts(store: Path, title: str, reps: int, logs: Path) -> list[dict]:
    """Seconds from Popen to: the server healthy, the browser's load event, the first h1 drawn and
    the first page rendered (finished), for ``reps`` fresh servers."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is not installed (apt-get install -y chromium); or pass --no-cold")
    logs.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for i in range(reps):
                port = free_port()
                url = f"http://127.0.0.1:{port}"
                log = open(logs / f"cold-start-{i + 1}.log", "w")
                # Nothing of ours runs for this second: what the machine does meanwhile is other people's.
                before = cpu_jiffies()
                time.sleep(1)
                background = others_share(before, cpu_jiffies(), 0.0)
                t0 = time.perf_counter()
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                     "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                    cwd=ROOT, env=dict(os.environ, CSP_STORE=str(store)), stdout=log, stderr=subprocess.STDOUT)
                try:
                    healthy = _wait_healthy(url, proc, t0)
                    context = browser.new_context(viewport={"width": 1280, "height": 720})
                    page = context.new_page()
                    page.goto(url, wait_until="load", timeout=120_000)
                    loaded = time.perf_counter() - t0
                    page.wait_for_selector("h1", timeout=120_000)
                    titled = time.perf_counter() - t0
                    page.wait_for_function(RENDERED_JS, arg=title, timeout=120_000, polling=20)
                    rendered = time.perf_counter() - t0
                    server_cpu = process_cpu(proc.pid)
                    heading = page.locator("h1").first.inner_text().strip()
                    context.close()
                finally:
                    proc.terminate()
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                    log.close()
                results.append({"healthy": healthy, "loaded": loaded, "titled": titled, "rendered": rendered,
                                "server_cpu": server_cpu, "background": background, "h1": heading})
                print(f"  cold start {i + 1}: healthy {healthy:.2f} s, front end loaded {loaded:.2f} s, "
                      f"title drawn {titled:.2f} s, first page rendered {rendered:.2f} s (h1 {heading!r}); "
                      f"server CPU {server_cpu:.2f} s; others used {background * 100:.0f}% of the CPU just before",
                      flush=True)
        finally:
            browser.close()
    return results


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_healthy(url: str, proc: subprocess.Popen, t0: float, timeout: float = 120) -> float:
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().decode().strip() == "ok":
                    return time.perf_counter() - t0
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > timeout:
            raise SystemExit(f"streamlit did not become healthy at {url} (exit code {proc.poll()})")
        time.sleep(0.02)


# -- the stores ------------------------------------------------------------------------------

def build_demo_store(out: Path) -> tuple[Path, float]:
    """A fresh demo store under ``out``/pages-demo; returns its path and the build time."""
    from csp_dash.config import load_config
    from csp_dash.demo import DEFAULT_SEED, build_demo
    from csp_dash.store import Store

    base = out / "pages-demo"
    shutil.rmtree(base / "cleaned", ignore_errors=True)
    t0 = time.perf_counter()
    build_demo(load_config(ROOT / "csp.toml"), Store(base / "cleaned"), raw_dir=base / "raw", seed=DEFAULT_SEED)
    return base / "cleaned", time.perf_counter() - t0


def store_rows(store: Path) -> dict[str, int]:
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    return {name: info["rows"] for name, info in manifest["tables"].items()}


# -- the machine and the report ----------------------------------------------------------------

def machine() -> dict:
    import pandas as pd
    import streamlit

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    # Several people share the working tree: name what differs from the commit in the code measured.
    code = ["app.py", "pages", "csp_dash"]
    changed = _git("diff", "--name-only", "HEAD", "--", *code).split()
    untracked = _git("ls-files", "--others", "--exclude-standard", "--", *code).split()
    if changed or untracked:
        diff = hashlib.sha256(_git("diff", "HEAD", "--", *code).encode()).hexdigest()[:12]
        commit += (f" plus uncommitted changes to {', '.join(changed + untracked)}"
                   f" (`git diff HEAD -- app.py pages csp_dash` sha256 {diff})")
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip() \
        if Path(CHROMIUM).exists() else "not installed"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "ram": f"{kib / 1024 ** 2:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "pandas": pd.__version__,
        "chromium": chromium,
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
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def others_share(before: tuple[int, int], after: tuple[int, int], own_cpu_s: float) -> float:
    """Share of the machine's CPU that other processes used between two /proc/stat readings."""
    hz = os.sysconf("SC_CLK_TCK")
    busy, total = after[0] - before[0], after[1] - before[1]
    return max(0.0, (busy - own_cpu_s * hz) / total) if total else 0.0


def _s(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def _met(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def render(r: dict) -> str:
    m, demo, big, cold = r["machine"], r["demo"], r.get("big"), r.get("cold")
    lines = [
        f"## {SECTION}",
        "",
        "Every page of the app run through Streamlit's AppTest, warm, on two stores; and the cold start in a "
        "browser. Targets (app-shell issue): a page takes <= 0.5 s on the demo store and <= 1 s on a store "
        "ten times larger (ten years, force-wide); from process start to the first page rendered in Chromium "
        "takes <= 10 s.",
        "",
        f"Reproduce, from the repository root with `.venv` active: `{r['command']}` (the pages are read from "
        "app.py's `st.Page` calls, so new pages are included; the 10x store is built by "
        "`bench/big_store.py` into bench/out/big/ on first use, the full results go to bench/out/pages.json).",
        "",
        f"- Run: {m['date']}, commit {m['commit']}.",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['os']}; Python {m['python']}, "
        f"streamlit {m['streamlit']}, pandas {m['pandas']}; {m['chromium']}. Load average "
        f"{r['load_before']} before, {r['load_after']} after; other processes used "
        f"{r['demo_others'] * 100:.0f}% of the machine's CPU during the demo-store runs"
        + (f" and {r['big_others'] * 100:.0f}% during the 10x-store runs" if big else "") + ".",
        f"- Demo store: `build_demo` with the default seed into bench/out/pages-demo/ ({demo['build_s']:.0f} s): "
        f"{demo['rows']['crimes']:,} crime records in the area, 72 months (2015-04 to 2021-03).",
    ]
    if big:
        b = big["build"]
        lines.append(
            f"- 10x store: `bench/big_store.py` (seed {b['seed']}): the demo store, then 120 police.uk-format "
            f"monthly files {b['first_month']} to {b['last_month']} ({b['files']['rows']:,} rows, "
            f"{b['files']['bytes'] / 1e6:.0f} MB: each demo month's rows {b['copies']} times over with fresh "
            f"Crime IDs and points jittered within their own LSOA polygon) loaded by `run_ingest(\"crime\", ...)`, "
            f"replacing the demo's months: {b['tables']['crimes']:,} crime records in the area "
            f"({b['ratio_to_demo']:.1f}x the demo's), {b['crime_months_in_store']} months, "
            f"{b['ingest']['unlocated']:,} unlocated; store {b['store_mb']:.0f} MB. Built in "
            f"{b['seconds']['total']:.0f} s (demo {b['seconds']['demo']:.0f} s, files "
            f"{b['seconds']['generate']:.0f} s, ingest {b['seconds']['ingest']:.0f} s).")
    lines += ["", "Warm page runs (AppTest `at.run()`, median of "
              f"{r['reps']} after one untimed run; no run raised an exception or drew an error box):", ""]
    head = "| page | demo store median | all runs (s) | target <= 0.5 s |"
    rule = "| --- | ---: | --- | --- |"
    if big:
        head += " 10x store median | all runs (s) | target <= 1 s |"
        rule += " ---: | --- | --- |"
    lines += [head, rule]
    for path, d in demo["pages"].items():
        row = (f"| {d['title']} (`{path}`) | {d['median']:.3f} s | {_s(d['runs'], 3)} | "
               f"{_met(d['median'], DEMO_TARGET_S)} |")
        if big:
            g = big["pages"][path]
            row += f" {g['median']:.3f} s | {_s(g['runs'], 3)} | {_met(g['median'], BIG_TARGET_S)} |"
        lines.append(row)
    def firsts(d: dict) -> str:
        return f"app {d['app_first_run']:.2f} s, then " + ", ".join(
            f"{p['title']} {p['first_run']:.2f} s" for p in d["pages"].values())

    cpu = "; ".join(f"{d['title']} {d['cpu_median']:.3f} s" for d in demo["pages"].values()) + " on the demo store"
    if big:
        cpu += "; " + "; ".join(f"{g['title']} {g['cpu_median']:.3f} s"
                                for g in big["pages"].values()) + " on the 10x store"
    lines += ["", f"CPU time of the same timed runs (median, `time.process_time`, all threads of the process), "
              f"which other processes on the machine do not inflate: {cpu}."]
    lines += ["", "Untimed for the target, for information: the first run of a fresh AppTest, while the "
              f"store's tables are not yet in Streamlit's caches, and each page's first run after switching to "
              f"it: {firsts(demo)} on the demo store" + (f"; {firsts(big)} on the 10x store" if big else "") + "."]
    if cold:
        lines += ["", f"Cold start on the demo store (median of {len(cold['runs'])}, a fresh server each time):", "",
                  "| measure | median | all runs (s) | target |", "| --- | ---: | --- | --- |",
                  f"| Popen to `/_stcore/health` ok | {cold['healthy_median']:.2f} s | "
                  f"{_s([c['healthy'] for c in cold['runs']])} | |",
                  f"| Popen to the front end loaded (browser `load` event) | "
                  f"{statistics.median(c['loaded'] for c in cold['runs']):.2f} s | "
                  f"{_s([c['loaded'] for c in cold['runs']])} | |",
                  f"| Popen to the page's title drawn (script still running) | "
                  f"{statistics.median(c['titled'] for c in cold['runs']):.2f} s | "
                  f"{_s([c['titled'] for c in cold['runs']])} | |",
                  f"| **Popen to first page rendered** | **{cold['median']:.2f} s** | "
                  f"{_s([c['rendered'] for c in cold['runs']])} | <= 10 s: {_met(cold['median'], COLD_TARGET_S)} |",
                  f"| CPU the server process used until then | "
                  f"{statistics.median(c['server_cpu'] for c in cold['runs']):.2f} s | "
                  f"{_s([c['server_cpu'] for c in cold['runs']])} | |",
                  "", "Other processes used "
                  + ", ".join(f"{c['background'] * 100:.0f}%" for c in cold["runs"])
                  + " of the machine's CPU in the second before each cold start (the server and Chromium "
                  "share the machine's cores with them)."]
    verdicts = [f"demo store {'met' if demo['met'] else 'missed'} (slowest page median "
                f"{max(d['median'] for d in demo['pages'].values()):.3f} s against 0.5 s)"]
    if big:
        verdicts.append(f"10x store {'met' if big['met'] else 'missed'} (slowest "
                        f"{max(g['median'] for g in big['pages'].values()):.3f} s against 1 s)")
    else:
        verdicts.append("10x store not measured in this run (add `--big`)")
    if cold:
        verdicts.append(f"cold start {_met(cold['median'], COLD_TARGET_S)} ({cold['median']:.2f} s against 10 s)")
    else:
        verdicts.append("cold start not measured in this run")
    lines += ["", "Targets: " + "; ".join(verdicts) + "."]
    if r.get("profiles"):
        lines += ["", ("Every page was profiled (`--profile`)" if r.get("profile_all") else
                       "Pages over their target were profiled")
                  + ": cProfile of one warm run, top 15 in " + ", ".join(f"`{p}`" for p in r["profiles"]) + "."]
    lines += [
        "",
        "How it is measured. One `AppTest.from_file(\"app.py\")` per store, with `CSP_STORE` naming the store; "
        "for each page `at.switch_page(...)`, a first run, one untimed warm-up run, then the timed `at.run()` "
        "calls (`time.perf_counter`), each followed by a check that `at.exception` and `at.error` are empty and "
        "the page's h1 is its title. A run is the whole script: app.py (store, manifest, sidebar filters) and "
        "the page, with Streamlit's caches warm in the process, as when a user reruns a page. AppTest is made to "
        "navigate as a served app does (PagesManager.uses_pages_directory set to False, as in "
        "tests/app/conftest.py). Cold start: `python -m streamlit run app.py --server.headless true` on a free "
        "port, timed from `Popen` to the moment the app's `[data-testid=\"stApp\"]` has script state "
        "`notRunning` and an h1 holds the first page's title, in headless Chromium (launched beforehand; a fresh "
        "browser context each run, so the front end's files are fetched afresh); the store is built "
        "beforehand, so the time covers interpreter start-up, imports, reading the store and the first page.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace this benchmark's section in docs/benchmarks.md, leaving the others alone."""
    doc = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\n"
    heading = re.compile(rf"^## {re.escape(SECTION)}\s*$", re.M)
    found = heading.search(doc)
    if found:
        nxt = re.compile(r"^## ", re.M).search(doc, found.end())
        end = nxt.start() if nxt else len(doc)
        doc = doc[: found.start()] + text + ("\n" if nxt else "") + doc[end:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    DOCS.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


# -- main ------------------------------------------------------------------------------------

def _measure(store: Path, pages, reps: int) -> tuple[dict, float]:
    before, c0 = cpu_jiffies(), time.process_time()
    result = run_pages(store, pages, reps)
    return result, others_share(before, cpu_jiffies(), time.process_time() - c0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--big", action="store_true", help="also measure the 10x store (built on first use)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--cold-reps", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold start in Chromium")
    parser.add_argument("--rebuild-big", action="store_true", help="rebuild the 10x store even if present")
    parser.add_argument("--profile", action="store_true", help="profile every page, not only those over target")
    parser.add_argument("--no-docs", action="store_true", help="print the section without writing it")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    pages = discover_pages()
    print(f"Pages in app.py: {', '.join(f'{t} ({p})' for p, t in pages)}", flush=True)
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    print("Building the demo store", flush=True)
    demo_store, demo_build_s = build_demo_store(out)
    big_store = big_build = None
    if args.big:
        import big_store as big_module

        big_build = big_module.load_or_build(out, rebuild=args.rebuild_big)
        big_store = out / "big" / "cleaned"
        print(f"10x store: {big_store} ({big_build['tables']['crimes']:,} crime records)", flush=True)

    result: dict = {"reps": args.reps, "pages": pages}
    print(f"Demo store ({demo_store}):", flush=True)
    demo_run, result["demo_others"] = _measure(demo_store, pages, args.reps)
    demo_pages = demo_run["pages"]
    result["demo"] = {"build_s": demo_build_s, "rows": store_rows(demo_store), "pages": demo_pages,
                      "app_first_run": demo_run["app_first_run"],
                      "met": all(d["median"] <= DEMO_TARGET_S for d in demo_pages.values())}
    over = [(demo_pages, p, "demo") for p, d in demo_pages.items() if args.profile or d["median"] > DEMO_TARGET_S]
    if big_store:
        print(f"10x store ({big_store}):", flush=True)
        big_run, result["big_others"] = _measure(big_store, pages, args.reps)
        big_pages = big_run["pages"]
        result["big"] = {"build": big_build, "rows": store_rows(big_store), "pages": big_pages,
                         "app_first_run": big_run["app_first_run"],
                         "met": all(d["median"] <= BIG_TARGET_S for d in big_pages.values())}
        over += [(big_pages, p, "big") for p, d in big_pages.items() if args.profile or d["median"] > BIG_TARGET_S]

    result["profiles"], result["profile_all"] = [], args.profile
    for table, path, which in over:
        os.environ["CSP_STORE"] = str(demo_store if which == "demo" else big_store)
        text = profile_page(table[path]["at"], path)
        name = out / f"pages-profile-{which}-{Path(path).stem}.txt"
        name.write_text(text, encoding="utf-8")
        result["profiles"].append(str(name.relative_to(ROOT)) if name.is_relative_to(ROOT) else str(name))
        print(f"\nProfile of {path} on the {which} store ({name}):\n{text}", flush=True)

    if not args.no_cold:
        print("Cold start (demo store):", flush=True)
        runs = cold_starts(demo_store, pages[0][1], args.cold_reps, out / "pages-logs")
        result["cold"] = {"runs": runs, "median": statistics.median(c["rendered"] for c in runs),
                          "healthy_median": statistics.median(c["healthy"] for c in runs)}

    result["load_before"] = load_before
    result["load_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    result["machine"] = machine()
    flags = [f"--reps {args.reps}"] + (["--big"] if args.big else []) + \
        ([f"--cold-reps {args.cold_reps}"] if args.cold_reps != 3 else []) + (["--no-cold"] if args.no_cold else [])
    result["command"] = "python bench/pages.py " + " ".join(flags)

    for table in (result["demo"]["pages"], result.get("big", {}).get("pages", {})):
        for d in table.values():
            d.pop("at", None)
    (out / "pages.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    text = render(result)
    print("\n" + text)
    if not args.no_docs:
        write_section(text)
        print(f"Wrote the '{SECTION}' section of {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
