"""The HTML report in a real headless Chromium: it loads from file:// with no console errors, fetches
nothing from the network, and every chart is drawn.

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it when absent) and the
``playwright`` Python package (the ``[dev]`` extra), which drives that binary — it downloads no browser.
On a developer's clone it is skipped, with the reason, when either is missing. Under CI (``CI`` set) it
may skip only when Chromium could not be installed (``.ci/run`` then sets ``ZERODISTRICT_NO_CHROMIUM``
to the reason); with Chromium present, a missing playwright or a browser that does not start fails.

Setting ``ZERODISTRICT_SCREENSHOT=1`` also writes ``docs/report-screenshot.png`` (the README's
screenshot) from the Japanese comparison report of Misono and Kuala Lumpur.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from paths import REPO
from zerodistrict.report import write_report
from zerodistrict.scenario import load_scenario
from zerodistrict.pipeline import run

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).is_file()), None)
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = REPO / "docs" / "report-screenshot.png"


def cannot_run(reason: str) -> None:
    """Skip the browser test, or fail it under CI unless Chromium itself could not be installed there."""
    if os.environ.get("CI"):
        no_chromium = os.environ.get("ZERODISTRICT_NO_CHROMIUM")
        if CHROMIUM is not None or not no_chromium:
            pytest.fail(f"CI must run the browser test: {reason}"
                        + (f" (chromium is at {CHROMIUM})" if CHROMIUM else " (and .ci/run reported no install failure)"),
                        pytrace=False)
        pytest.skip(f"{reason}; .ci/run could not install it: {no_chromium}")
    pytest.skip(reason)


def chromium_context(profile: Path, viewport: dict, locale: str):
    """A headless Chromium (Debian's binary driven by Playwright) with a fresh profile, as a generator for a
    fixture: yields the browser context and closes it; skips (or fails under CI) when it cannot run."""
    if CHROMIUM is None:
        cannot_run("no chromium binary (apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        cannot_run("playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as pw:
        try:
            # a persistent context is how Playwright takes a fresh --user-data-dir of our own
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
                viewport=viewport, locale=locale)
        except sync_api.Error as exc:
            cannot_run(f"chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        yield context
        context.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_context(tmp_path_factory.mktemp("chromium-profile"), {"width": 1280, "height": 1400}, "ja-JP")


@pytest.fixture(scope="module")
def compare_report_ja(tmp_path_factory) -> Path:
    results = [run(load_scenario("saitama-misono")), run(load_scenario("kuala-lumpur-wangsa-maju"))]
    return write_report(results, tmp_path_factory.mktemp("report") / "report.html", lang="ja")


def _open(context, path: Path):
    """Open the report; collect console errors, page errors and every request URL."""
    page = context.new_page()
    seen = {"errors": [], "requests": []}
    page.on("console", lambda msg: seen["errors"].append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("request", lambda req: seen["requests"].append(req.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))",
        timeout=30_000)
    return page, seen


def test_compare_report_renders_offline_in_chromium(browser, compare_report_ja):
    page, seen = _open(browser, compare_report_ja)
    try:
        n_divs = page.locator(".plotly-graph-div").count()
        drawn = page.evaluate("() => document.querySelectorAll('.plotly-graph-div .plot-container svg.main-svg').length")
        n_traces = page.evaluate(
            "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => (d.data || []).length)")
        heading = page.locator("h2#compare").inner_text()
        assert seen["errors"] == []
        assert all(url.startswith("file://") for url in seen["requests"]), seen["requests"]
        # 2 comparison charts + per scenario: monthly, typical days, SOC, homes, survival, stations
        assert n_divs == 2 + 2 * 6
        assert drawn >= n_divs
        assert all(n > 0 for n in n_traces)
        assert heading == "シナリオの比較"
        if os.environ.get("ZERODISTRICT_SCREENSHOT"):
            SCREENSHOT.parent.mkdir(exist_ok=True)
            # the top of the page: title, comparison table, explanation and the comparison charts
            page.screenshot(path=str(SCREENSHOT), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 2250})
    finally:
        page.close()
