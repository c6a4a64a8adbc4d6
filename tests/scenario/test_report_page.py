"""The shared report page, as a reader's browser shows it: real headless Chromium, no script.

`/postmortem share` prints the link; the real bot serves the page; Chromium, with
JavaScript turned off, renders it: sections in order, the timeline chart drawn,
typed markup shown as text, printable. Revoking the link makes it a 404.
Needs Debian's chromium (`apt-get install -y chromium`); skipped without it unless CI=true.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.core.report import SECTIONS
from bot.sandbox import Sandbox
from bot.sandbox.bot_process import BotProcess
from bot.sandbox.driver import Driver
from storage.db import make_engine, make_sessionmaker
from tests.scenario.conftest import INCIDENT_CHANNEL as CHANNEL
from tests.scenario.report_seed import ALICE, TIMELINE, seed_postmortem

try:
    from playwright import sync_api
except ImportError:  # the `dev` extra installs it; the fixture says what is missing
    sync_api = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL = "apt-get update && apt-get install -y chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium; skipped without one, except under CI=true where it must run."""
    in_ci = os.environ.get("CI") == "true"
    if not CHROMIUM.exists():
        if in_ci:
            pytest.fail(f"CI=true needs {CHROMIUM}: {INSTALL}")
        pytest.skip(f"{CHROMIUM} is not installed ({INSTALL}); CI=true makes this a failure")
    if sync_api is None:
        pytest.fail("playwright is not installed: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def share_link(sandbox: Sandbox, driver: Driver, user: str, seen: int) -> str:
    driver.slash_command(user, CHANNEL, "share")
    answers = sandbox.wait_for(lambda: _links(sandbox)[seen:])
    return answers[0]


def _links(sandbox: Sandbox) -> list[str]:
    texts = [r["body"].get("text") or "" for r in sandbox.slack.responses]
    return [m.group(0) for t in texts if (m := re.search(r"http://\S+/postmortems/\S+", t))]


def test_the_shared_page_renders_in_chromium_without_script_and_revoking_makes_it_404(
    sandbox: Sandbox, bot: BotProcess, driver: Driver, chromium: Any, tmp_path: Path
) -> None:
    root = sandbox.slack.post_as_user(CHANNEL, ALICE, "Post-mortem thread")
    engine = make_engine(bot.database_url)
    try:
        seed_postmortem(make_sessionmaker(engine), CHANNEL, root["ts"])
    finally:
        engine.dispose()

    link = share_link(sandbox, driver, ALICE, 0)
    assert link.startswith("http://localhost:"), "PUBLIC_URL unset: this host and port"
    url = bot.url + urlsplit(link).path
    served = httpx.get(url)
    assert served.status_code == 200
    assert served.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in served.headers["content-security-policy"]

    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 900}
    )
    page = context.new_page()
    assert page.goto(url).status == 200
    read_the_page(page)
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 50_000
    print_it(page, tmp_path)

    driver.slash_command(ALICE, CHANNEL, "share revoke")  # the lead: README "Who may do what"
    sandbox.wait_for(
        lambda: [r for r in sandbox.slack.responses if "revoked" in r["body"].get("text", "")]
    )
    assert httpx.get(url).status_code == 404
    assert page.goto(url).status == 404
    assert "no report at this address" in page.inner_text("body")

    again = share_link(sandbox, driver, ALICE, 1)
    assert again != link and httpx.get(bot.url + urlsplit(again).path).status_code == 200
    assert httpx.get(url).status_code == 404, "a revoked link stays dead"
    assert httpx.get(f"{bot.url}/postmortems/not-a-token-at-all-0000").status_code == 404
    context.close()


def read_the_page(page: Any) -> None:
    """What a reader sees: the title, the facts, the sections in order, the chart, the tables."""
    assert page.title() == "Post-mortem: Checkout 500s (2026-11-24)"
    assert page.locator("h2").all_inner_texts() == list(SECTIONS)
    facts = page.locator("dl.facts").inner_text()
    assert "2026-11-24 13:50–14:30 UTC (40 min)" in facts and "P1" in facts
    assert "Alice Ng, Bob Diaz" in facts
    summary = page.locator("#summary").inner_text()
    assert "<script>alert(1)</script> @channel" in summary, "typed markup is shown as text"
    chart = page.locator("svg.chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 800 and box["height"] > 150
    key_events = sum(1 for *_, key, kind in TIMELINE if key or kind)
    assert chart.locator("circle").count() == key_events
    assert chart.locator("rect[class^=phase-]").count() == 4
    assert page.locator("#timeline tbody tr").count() == key_events
    rows = page.locator("#action-items tbody tr").all_inner_texts()
    assert rows[0].split("\t")[:3] == [
        "AI-001",
        "add a connection-pool saturation alert to the checkout-api dashboard",
        "Bob Diaz",
    ]
    assert "add a pool-size range check | to deploy.sh" in rows[1]


def print_it(page: Any, folder: Path) -> None:
    """Printable: the print stylesheet applies and Chromium makes a PDF of it."""
    page.emulate_media(media="print")
    assert page.locator("main").evaluate("m => getComputedStyle(m).borderTopWidth") == "0px"
    pdf = folder / "report.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert pdf.read_bytes().startswith(b"%PDF")
