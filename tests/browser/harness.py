"""Constants and helpers shared by the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORTS = [(1280, 720), (1920, 1080)]


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished, the page has its title and no placeholder
    skeleton is left (the browser draws the last elements a moment after the run ends)."""
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(500)  # let charts finish their first paint before a screenshot
    if page.locator('[data-testid="stDeckGlJsonChart"]').count():
        # deck.gl maps draw into a WebGL canvas after the run ends, a moment after the canvas
        # appears: without this wait a screenshot can catch an empty map.
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')]
                .every(d => { const c = d.querySelector('canvas'); return c && c.width > 0; })""",
            timeout=timeout_ms)
        page.wait_for_timeout(1500)


def full_height_screenshot(page, path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main section, not the
    document, so grow the viewport to the content's height first."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], section.main')]"
        ".map(e => e.scrollHeight), document.body.scrollHeight)")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12000)})
    page.wait_for_timeout(500)
    page.screenshot(path=path)
    page.set_viewport_size(size)


def navigation(page) -> list[tuple[str, str]]:
    """(title, url) of every page in the sidebar navigation; with a single page Streamlit
    draws no navigation, and the current page is the only one."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    # A link's text starts with its material icon's name ("dashboard\nOverview"): keep the title.
    found = [(links.nth(i).inner_text().strip().split("\n")[-1].strip(), links.nth(i).get_attribute("href"))
             for i in range(links.count())]
    return found or [(page.locator("h1").first.inner_text().strip(), page.url)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(store: Path, timeout_s: float = 90):
    """`streamlit run app.py` on a free port reading ``store``; yields its URL once healthy."""
    port = free_port()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "artifacts" / f"streamlit-{port}.log", "w")  # read it when a page fails
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=dict(os.environ, CSP_STORE=str(store)), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not become healthy at {url} (exit code {proc.poll()}); "
                                   f"see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
