"""The board pack: one PDF of the overview, the priorities and the key charts at the current
filters, built with fpdf2 (pure Python) and charts drawn by kaleido (``report.render``).

Pages, in order (landscape A4):

1. "Board pack": partnership, strategy, the filters in words, the date generated and the data
   vintage (latest month in the store and the store's updated stamp).
2. "Overview": the headline tiles as a table, and what changed.
3. "Priorities" (as many pages as it takes): the red/amber/green summary, then each
   priority's indicators with their status and reason, and its actions. Every figure is the
   display string the Priorities page shows, so a suppressed count stays suppressed.
4. One page per key chart, titled with the chart's title; a clear note in place of the image
   when it could not be drawn.
5. "Notes on method".

Every page carries the demo label when the store is the demo's. ``build_pdf`` returns bytes
and writes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from csp_dash.analysis import rag
from csp_dash.analysis.overview import Priorities, Tile, rag_summary
from csp_dash.charts.overview import KeyChart
from csp_dash.report.render import Rendered, render_png

DEMO_LABEL = "Demo data: synthetic, for illustration"
REAL_LABEL = "Real data: from the files loaded into the dashboard"
TITLE_PACK, TITLE_OVERVIEW, TITLE_PRIORITIES, TITLE_NOTES = "Board pack", "Overview", "Priorities", "Notes on method"

# Fonts with the symbols the statuses and arrows use (✓ ✕ ▲ ▼ ⚠); Debian's fonts-dejavu-core,
# which Chromium's packages bring. Without them the core Helvetica is used and the symbols
# become words.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts"))
ASCII_SYMBOLS = {"✕": "x", "✓": "ok", "▲": "up", "▼": "down", "▶": "=", "⚠": "!", "○": "o", "–": "-",
                 "—": "-", "’": "'", "‘": "'", "“": '"', "”": '"', "…": "..."}

INK = (17, 17, 17)
MUTED = (85, 85, 85)
BAND = (230, 236, 242)
DEMO_FILL = (255, 236, 179)  # pale amber behind black text: the label is read by its words, not its colour
STATUS_FILL = {rag.RED: (251, 219, 199), rag.AMBER: (255, 236, 179), rag.GREEN: (204, 236, 223),
               rag.MONITOR: (210, 228, 245), rag.NOT_RATED: (235, 235, 235)}


@dataclass(frozen=True)
class BoardPack:
    """Everything the pack says, already worked out by the analysis layer."""

    partnership: str
    strategy: str
    area_name: str
    filters_text: str
    generated: pd.Timestamp
    vintage: str
    demo: bool
    tiles: list[Tile]
    sentences: list[str]
    priorities: Priorities | None
    charts: list[KeyChart]
    disclosure_note: str = ""
    notes: list[str] = field(default_factory=list)


def find_font(name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            return path
    return None


class _Pdf(FPDF):
    """Landscape A4 with the pack's header (partnership, demo label, page title) and footer."""

    def __init__(self, pack: BoardPack):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack = pack
        self.page_title = ""
        regular, bold = find_font("DejaVuSans.ttf"), find_font("DejaVuSans-Bold.ttf")
        if regular is not None and bold is not None:
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.body_font = "Body"
            self.has_unicode = True
        else:
            self.body_font = "helvetica"
            self.has_unicode = False
        self.set_margins(14, 12, 14)
        self.set_auto_page_break(True, margin=16)
        self.set_title(f"{pack.partnership} board pack")
        self.set_author(pack.partnership)
        self.set_creator("csp_dash")

    def t(self, text: str) -> str:
        """Text the current font can draw."""
        text = str(text)
        if self.has_unicode:
            return text
        for symbol, word in ASCII_SYMBOLS.items():
            text = text.replace(symbol, word)
        return text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, colour=INK) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)
        self.set_text_color(*colour)

    def header(self) -> None:
        self.font(9, colour=MUTED)
        self.cell(0, 6, self.t(f"{self.pack.partnership} · {self.pack.strategy} · board pack"),
                  new_x=XPos.LMARGIN, new_y=YPos.TOP)
        # Every page says whose data it shows: a page torn out of the pack still tells a
        # reader whether its figures are real.
        self.font(10, bold=True)
        label = DEMO_LABEL if self.pack.demo else REAL_LABEL
        self.set_fill_color(*(DEMO_FILL if self.pack.demo else (255, 255, 255)))
        width = self.get_string_width(label) + 8
        self.set_x(self.w - self.r_margin - width)
        self.cell(width, 7, label, border=1, fill=True, align="C")
        self.set_fill_color(255, 255, 255)
        self.set_xy(self.l_margin, self.t_margin + 9)
        self.font(20, bold=True)
        self.cell(0, 10, self.t(self.page_title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8, colour=MUTED)
        self.cell(0, 5, self.t(f"Generated {self.pack.generated:%d %b %Y %H:%M} · data: {self.pack.vintage}"),
                  new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")

    def new_page(self, title: str) -> None:
        self.page_title = title
        self.add_page()

    def heading(self, text: str, size: float = 13) -> None:
        if self.will_page_break(20):
            self.add_page()
        self.ln(1)
        self.font(size, bold=True)
        self.multi_cell(0, 7, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, size: float = 11, bold: bool = False, colour=INK, height: float = 5.5) -> None:
        self.font(size, bold=bold, colour=colour)
        self.multi_cell(0, height, self.t(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, items: list[str], size: float = 11) -> None:
        self.font(size)
        for item in items:
            self.set_x(self.l_margin + 2)
            self.cell(5, 6, self.t("•") if self.has_unicode else "-")
            self.multi_cell(0, 6, self.t(item), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.8)

    def grid(self, header: list[str], rows: list[list[str]], widths: list[float], size: float = 9.5,
             fills: list[tuple | None] | None = None) -> None:
        """A table with a bold heading row, repeated on each page it runs over."""
        self.font(size)
        self.set_fill_color(255, 255, 255)  # a cell without a style of its own takes the current fill
        heading = FontFace(emphasis="BOLD", fill_color=BAND)
        with self.table(col_widths=widths, width=sum(widths), align="LEFT", text_align="LEFT",
                        headings_style=heading, line_height=size * 0.5, padding=1.2,
                        repeat_headings=1) as table:
            row = table.row()
            for h in header:
                row.cell(self.t(h))
            for i, values in enumerate(rows):
                fill = fills[i] if fills else None
                row = table.row()
                for j, v in enumerate(values):
                    style = FontFace(fill_color=fill) if (fill is not None and j == 0) else None
                    row.cell(self.t(v), style=style)
        self.ln(3)


def build_pdf(pack: BoardPack, render: Callable[[list], Rendered] = render_png) -> bytes:
    """The board pack as PDF bytes. ``render`` draws the key charts (kaleido by default)."""
    pdf = _Pdf(pack)
    _cover(pdf, pack)
    _overview(pdf, pack)
    _priorities(pdf, pack)
    _charts(pdf, pack, render([c.figure for c in pack.charts]) if pack.charts else Rendered([], None))
    _notes(pdf, pack)
    return bytes(pdf.output())


def _cover(pdf: _Pdf, pack: BoardPack) -> None:
    pdf.new_page(TITLE_PACK)
    pdf.ln(6)
    pdf.para(pack.partnership, size=28, bold=True, height=13)
    pdf.para(f"{pack.strategy} · {pack.area_name}", size=16, height=9)
    pdf.ln(6)
    for label, value in (("Filters", pack.filters_text),
                         ("Date generated", f"{pack.generated:%d %B %Y, %H:%M}"),
                         ("Data vintage", pack.vintage)):
        pdf.para(label, size=12, bold=True, height=6.5)
        pdf.para(value, size=12, height=6.5)
        pdf.ln(2)
    pdf.para("Contents", size=12, bold=True, height=6.5)
    contents = [TITLE_OVERVIEW + ": the headline figures and what changed",
                TITLE_PRIORITIES + ": each priority's indicators with their status, and its actions"]
    contents += [f"Chart: {c.title}" for c in pack.charts] + [TITLE_NOTES]
    pdf.bullets(contents, size=11)
    if pack.demo:
        pdf.ln(4)
        pdf.font(12, bold=True)
        pdf.set_fill_color(*DEMO_FILL)
        pdf.multi_cell(0, 8, pdf.t(f"{DEMO_LABEL}. Every figure in this pack comes from the dashboard's synthetic "
                                   f"demo data, not from real records."), border=1, fill=True,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, padding=2)


def _overview(pdf: _Pdf, pack: BoardPack) -> None:
    pdf.new_page(TITLE_OVERVIEW)
    rows = [[t.title, t.value, t.period, t.change_text, t.signal] for t in pack.tiles]
    pdf.grid(["Measure", "Latest", "Period", "Change (with its test)", "Control-chart signal, latest 3 months"],
             rows, [44, 24, 56, 90, 55], size=9.5)
    if pack.sentences:
        pdf.heading("What changed, and what is unusual")
        pdf.bullets(pack.sentences, size=10.5)


def _priorities(pdf: _Pdf, pack: BoardPack) -> None:
    pdf.new_page(TITLE_PRIORITIES)
    p = pack.priorities
    if p is None or not p.sections:
        pdf.para("No priorities are configured and no indicators or actions are loaded.")
        return
    as_of = f"{p.as_of:%d %B %Y}" if p.as_of is not None else "unknown"
    pdf.para(f"Status of each indicator by the dashboard's rule (control limits where there are 12 or more "
             f"periods, else a test against the target or baseline). As of {as_of}: the end of the latest "
             f"indicator period or action update. {pack.disclosure_note}", size=9.5, colour=MUTED, height=5)
    pdf.ln(2)
    summary = rag_summary(p)
    header = ["Priority"] + [f"{rag.SYMBOLS[r]} {r}" for r in rag.RATINGS] + ["⚠ Overdue actions"]
    rows = [[r["priority"]] + [str(int(r[k])) for k in rag.RATINGS] + [f"{int(r['overdue'])} of {int(r['actions'])}"]
            for r in summary.to_dict("records")]
    pdf.grid(header, rows, [95, 22, 22, 22, 24, 24, 40])
    for section in p.sections:
        # A section running over a page break names itself in the next page's title.
        pdf.page_title = f"{TITLE_PRIORITIES}: {section.name}"
        pdf.heading(section.name)
        views = p.views[section.name]
        if views:
            rows, fills = [], []
            for v in views:
                rows.append([f"{v.status.symbol} {v.status.rating}", v.name,
                             f"{v.latest} ({v.latest_period})" if v.latest_period else (v.latest or "–"),
                             v.target or "none", v.status.reason])
                fills.append(STATUS_FILL.get(v.status.rating))
            pdf.grid(["Status", "Indicator", "Latest", "Target", "Why"], rows, [24, 62, 32, 18, 133], size=8.5,
                     fills=fills)
        else:
            pdf.para("No indicators for this priority.", size=10)
        plan = p.actions_of(section.name)
        if len(plan):
            pdf.heading("What we will do", size=11)
            rows = [[a["action"], a["owner"], a["due"], a["status"],
                     f"⚠ overdue by {a['overdue by']}" if a["overdue"] else ""] for a in plan.to_dict("records")]
            pdf.grid(["Action", "Owner", "Due", "Status", "Overdue"], rows, [128, 50, 24, 26, 41], size=8.5)


def _charts(pdf: _Pdf, pack: BoardPack, rendered: Rendered) -> None:
    for chart, image in zip(pack.charts, rendered.images):
        pdf.new_page(chart.title)
        width = pdf.w - pdf.l_margin - pdf.r_margin
        if image is not None:
            height = width * chart.figure.layout.height / chart.figure.layout.width
            pdf.image(io.BytesIO(image), x=pdf.l_margin, w=width, h=height,
                      alt_text=f"{chart.title}. {chart.caption}")
            pdf.ln(3)
        else:
            pdf.ln(10)
            pdf.font(13, bold=True)
            pdf.set_fill_color(245, 245, 245)
            pdf.multi_cell(0, 8, pdf.t(rendered.note or "Chart not drawn."), border=1, fill=True, padding=6,
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(6)
        pdf.para(chart.caption, size=10.5)


def _notes(pdf: _Pdf, pack: BoardPack) -> None:
    pdf.new_page(TITLE_NOTES)
    items = [
        "Latest figure: the months held among the latest 12 chosen (a month not held is never a zero). Change: "
        "against the same months a year before, only months held in both years; exact Poisson test, or quasi-Poisson "
        "when the monthly counts vary more than Poisson counts; 'unlikely to be chance' means p < 0.05.",
        "Signal: each series' one control chart (as on the Trends page), limits from at least 12 consecutive held "
        "months before the latest 12, never across a gap; a Laney chart when those counts are overdispersed, else a "
        "c-chart. A signal touches the latest 3 months (beyond 3 sigma, 7 on one side, 6 rising or falling, 2 of 3 "
        "beyond 2 sigma). Seasonality is not removed: read a signal as a prompt to look.",
        "Domestic abuse and exploitation: partner indicators from the indicators file, added up over their latest "
        "12 months of figures. A total that would give back a hidden small count is withheld.",
        "Feel safe: the share of survey respondents agreeing that the area is a safe place to live, with its "
        "Wilson 95% interval; the change on the previous wave by a two-proportion test.",
        "Crime figures are police.uk records (Open Government Licence v3.0); police.uk's categories stand in for "
        "the strategy's groups as the overview table's notes say.",
    ] + list(pack.notes)
    pdf.bullets(items, size=10.5)
    if pack.tiles:
        pdf.heading("What each measure counts")
        pdf.grid(["Measure", "Counts"], [[t.title, t.note] for t in pack.tiles], [50, 219], size=9)
