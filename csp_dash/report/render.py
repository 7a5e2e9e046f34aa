"""Static images of plotly figures for the board pack, drawn by kaleido in Chromium.

kaleido 1.x drives a Chromium it finds on the machine (Debian's /usr/bin/chromium here). One
browser draws every figure of a pack: starting it and loading plotly.js takes most of the
time (seconds), each figure after that well under a second. Without Chromium, or when
drawing fails, the pack is still built and says so where each chart would be.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
from dataclasses import dataclass

import plotly.graph_objects as go

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT_S = 120

# What to do, said the same way in the pack and on the Overview page.
NEEDS_CHROMIUM = ("Charts need Chromium: install it with `apt-get install chromium` (Debian/Ubuntu); without it "
                  "the pack has a note in place of each chart.")
NO_BROWSER = ("Chart not drawn: no Chromium browser was found on this computer. Charts need Chromium: install "
              "it with apt-get install chromium (Debian/Ubuntu), or name a browser in CSP_CHROMIUM, then make "
              "the board pack again. The figures behind this chart are in the overview table.")


@dataclass(frozen=True)
class Rendered:
    """PNG bytes for each figure (None where it could not be drawn) and why, if any failed."""

    images: list[bytes | None]
    note: str | None


def chromium_path() -> str | None:
    """The browser kaleido will use: CSP_CHROMIUM if set (and present), else the first of
    ``BROWSER_NAMES`` on the PATH; None when there is none."""
    named = os.environ.get("CSP_CHROMIUM")
    if named:
        return named if os.path.isfile(named) and os.access(named, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def render_png(figures: list[go.Figure], scale: float = 1.5) -> Rendered:
    """Draw each figure as a PNG at its own layout width and height (times ``scale``).

    Never raises for a missing or failing browser: the images are then None and ``note``
    says what to do.
    """
    if not figures:
        return Rendered([], None)
    browser = chromium_path()
    if browser is None:
        return Rendered([None] * len(figures), NO_BROWSER)
    try:
        # A thread of its own: kaleido is asyncio, and the caller (a Streamlit script thread,
        # a test) may or may not already run an event loop.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            images = pool.submit(asyncio.run, _render(figures, scale, browser)).result(timeout=TIMEOUT_S * 2)
    except Exception as error:  # noqa: BLE001 - any failure of the browser leaves a note, not a broken pack
        return Rendered([None] * len(figures),
                        f"Chart not drawn: kaleido could not draw it with {browser} ({type(error).__name__}: "
                        f"{str(error)[:200]}). The figures behind this chart are in the overview table.")
    return Rendered(images, None)


async def _render(figures: list[go.Figure], scale: float, browser: str) -> list[bytes]:
    import kaleido

    # mathjax=False: kaleido would otherwise fetch MathJax from a CDN for every page it opens.
    async with kaleido.Kaleido(n=1, timeout=TIMEOUT_S, mathjax=False, path=browser) as k:
        out = []
        for fig in figures:
            width = int(fig.layout.width or 1200)
            height = int(fig.layout.height or 600)
            out.append(await k.calc_fig(fig, opts=dict(format="png", width=width, height=height, scale=scale)))
        return out
