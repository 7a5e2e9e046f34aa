"""``python -m csp_dash``: ingest, validate, status, figures and demo.

Expected failures (a file that can't be used, a bad config) print one or two lines and
exit 2. Each command ends with a summary table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from csp_dash.config import load_config
from csp_dash.errors import CspError
from csp_dash.ingest import KINDS, IngestOutcome, run_ingest
from csp_dash.status import store_status
from csp_dash.store import Store

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", type=Path, help="store folder (default: [store] path in csp.toml)")
    common.add_argument("--config", type=Path, help="configuration file (default: csp.toml)")

    p = argparse.ArgumentParser(prog="python -m csp_dash", description="Community safety dashboard data tools.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, helptext in [("ingest", "load raw files into the cleaned store"),
                           ("validate", "check raw files as ingest would, writing nothing")]:
        s = sub.add_parser(name, parents=[common], help=helptext)
        s.add_argument("kind", choices=KINDS, help="kind of source")
        s.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="files, folders or .zip archives (boundaries: none means the configured boundaries)")
    s = sub.add_parser("status", parents=[common], help="what the store holds")
    s.add_argument("--json", action="store_true", help="print the status as JSON (a documented, stable contract)")
    s = sub.add_parser("figures", parents=[common],
                       help="the figures the pages show, as JSON, for given filters (docs/figures.md)")
    s.add_argument("--from", dest="start", metavar="YYYY-MM", help="first month (default: the first held)")
    s.add_argument("--to", dest="end", metavar="YYYY-MM", help="last month (default: the last held)")
    s.add_argument("--category", action="append", default=[], metavar="NAME",
                   help="a police.uk category, as police.uk names it (repeatable; default: all)")
    s.add_argument("--town", metavar="NAME", help="a town from csp.toml's [[area.towns]]")
    s.add_argument("--lsoa", action="append", default=[], metavar="CODE", help="an LSOA code of the area (repeatable)")
    s = sub.add_parser("demo", parents=[common], help="write the synthetic demo data and load it")
    s.add_argument("--raw", type=Path, help="folder for the synthetic raw files (default: data/demo/raw)")
    s.add_argument("--seed", type=int, default=None, help="random seed (default: the fixed demo seed)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console()
    try:
        config = load_config(args.config)
        if args.command == "demo":
            return _demo(args, config, console)
        store = Store(args.store or config.store_path)
        if args.command == "status":
            return _status(store, args.json, console)
        if args.command == "figures":
            return _figures(args, store, config)
        if args.kind != "boundaries" and not args.paths:
            print(f"{args.command} {args.kind} needs at least one PATH", file=sys.stderr)
            return EXIT_BAD_INPUT
        outcome = _with_progress(console, lambda progress: run_ingest(
            args.kind, args.paths, config, store, dry_run=args.command == "validate", progress=progress))
        print_summary(outcome, store, console)
        return EXIT_OK
    except CspError as exc:
        # Plain print: a rich console would hard-wrap the message at the terminal width,
        # breaking the one-or-two-line promise and any grep for the exact text.
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT


def _with_progress(console: Console, work):
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("Reading", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"Reading {Path(name.split('!')[-1]).name}", completed=done, total=total)

        return work(progress)


def print_summary(outcome: IngestOutcome, store: Store, console: Console) -> None:
    verb = "Ingested" if outcome.committed else "Checked (dry run, nothing written)"
    table = Table(title=f"{verb}: {outcome.kind}", title_justify="left")
    extra = outcome.kind == "crime"
    for col in ["file", "read", "accepted", "rejected"] + (["in area", "outside", "unlocated"] if extra else []):
        if col == "file":
            table.add_column(col, overflow="fold")
        else:
            table.add_column(col, justify="right", no_wrap=True)
    totals = [0, 0, 0, 0, 0, 0]
    reasons: dict[str, int] = {}
    own = [r for r in outcome.reports if r.kind == outcome.kind]
    for r in outcome.reports:
        d = r.details
        row = [r.rows_read, r.rows_accepted, r.rows_rejected]
        if extra and r.kind == "crime":
            row += [d.get("in_area", 0), d.get("outside_area", 0), d.get("unlocated", 0)]
        cells = [f"{v:,}" for v in row] + ["-"] * ((6 if extra else 3) - len(row))
        if r.kind == outcome.kind:
            # Boundaries loaded on the way are listed but not totalled: LSOAs are not crimes.
            totals = [a + b for a, b in zip(totals, row + [0] * (6 - len(row)))]
        table.add_row(_short(r.path), *cells)
        for k, v in r.reject_reasons.items():
            reasons[k] = reasons.get(k, 0) + v
    if len(own) > 1:
        table.add_row("[bold]total[/]", *[f"[bold]{v:,}[/]" for v in totals[: 6 if extra else 3]])
    console.print(table)
    balanced = all(r.balanced() for r in outcome.reports)
    console.print(f"read = accepted + rejected for all {len(outcome.reports)} files: "
                  f"{'yes' if balanced else 'NO'}")
    if reasons:
        why = Table(title="Rejected rows by reason", title_justify="left")
        why.add_column("reason")
        why.add_column("rows", justify="right")
        for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]):
            why.add_row(k, f"{v:,}")
        console.print(why)
        if outcome.committed:
            console.print(f"Rejected rows and their reasons are in {store.path / 'rejects'}/")
    for r in outcome.reports:
        for note in r.notes:
            console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _short(path: str) -> str:
    archive, _, member = path.partition("!")
    return f"{Path(archive).name}!{member}" if member else Path(path).name


def _status(store: Store, as_json: bool, console: Console) -> int:
    status = store_status(store)
    if as_json:
        print(json.dumps(status, indent=2))
        return EXIT_OK
    if not status["exists"]:
        console.print(f"The store at {store.path} is empty. Load data with: python -m csp_dash ingest KIND PATH")
        return EXIT_OK
    label = " (synthetic demo data)" if status["demo"] else ""
    console.print(f"Store {status['store']}{label}: {status['area']['name']} ({status['area']['code']}), "
                  f"updated {status['updated']}")
    t = Table(title="Tables", title_justify="left")
    t.add_column("table")
    t.add_column("rows", justify="right")
    t.add_column("rejected rows", justify="right")
    for name, info in status["tables"].items():
        t.add_row(name, f"{info['rows']:,}", f"{status['rejected'].get(name, 0):,}")
    console.print(t)
    c = status["crimes"]
    if c:
        m = c["months"]
        gap = f"; missing: {', '.join(m['missing'])}" if m["missing"] else ""
        console.print(f"Crimes: {c['rows']:,} records in the area, {m['count']} months from {m['first']} to "
                      f"{m['last']}{gap}; {c['unlocated']:,} records of the force(s) could not be placed.")
    s = Table(title="Sources", title_justify="left")
    for col in ("kind", "file", "read", "accepted", "rejected", "ingested"):
        s.add_column(col, justify="right" if col in ("read", "accepted", "rejected") else "left")
    for src in status["sources"]:
        s.add_row(src["kind"], _short(src["path"]), f"{src['rows_read']:,}", f"{src['rows_accepted']:,}",
                  f"{src['rows_rejected']:,}", src["ingested_at"])
    console.print(s)
    if status["superseded_sources"]:
        console.print(f"{len(status['superseded_sources'])} earlier source files were replaced by re-issued months.")
    return EXIT_OK


def _figures(args, store: Store, config) -> int:
    from csp_dash.figures import export

    inputs = export.read_inputs(store, config)
    filters = export.build_filters(inputs, config, start=args.start, end=args.end, categories=args.category,
                                   town=args.town, lsoas=args.lsoa)
    print(json.dumps(export.figures(inputs, config, filters), indent=2, ensure_ascii=False))
    return EXIT_OK


def _demo(args, config, console: Console) -> int:
    from csp_dash.demo import DEFAULT_SEED, build_demo, demo_paths

    raw, store_path = demo_paths(config)
    store = Store(args.store or store_path)
    outcomes = build_demo(config, store, raw_dir=args.raw or raw,
                          seed=DEFAULT_SEED if args.seed is None else args.seed,
                          progress=lambda msg: console.print(msg, markup=False, highlight=False))
    for outcome in outcomes:
        print_summary(outcome, store, console)
    console.print(f"Demo store ready at {store.path}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
