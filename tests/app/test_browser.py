"""End to end in a real browser: Playwright drives Debian's chromium against the app on loopback.

An analyst signs in, claims the next alert with the "n" key, builds a case, opens the graph (and
saves its picture to the case) and the flow map, proposes to file; an approver gives the second
approval and downloads the SAR, which passes the schema check. Screenshots are kept in a temporary
folder (or CF_SCREENSHOT_DIR). Where chromium is missing the tests skip, except under CI, where
they fail: CI installs it (.ci/run).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from counterflow.app.reports import sar
from tests.app.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]


@pytest.fixture()
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it with apt (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI runs these tests")
    sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else __import__(
        "playwright.sync_api", fromlist=["sync_playwright"])
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                              args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(os.environ.get("CF_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))


def _sign_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url(f"{base}/queue")


def test_analyst_to_approved_report(browser, live, shots):
    base = live
    dialogs: list[str] = []
    ctx = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = ctx.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else outside.append(r.url))

    _sign_in(page, base, "analyst")
    page.screenshot(path=str(shots / "queue.png"))
    page.keyboard.press("n")  # claims the top alert
    page.wait_for_url(f"{base}/alerts/*")
    assert "claimed by" in page.inner_text(".status")
    page.wait_for_selector("#feature-table, #features p.muted:not(:has-text('Computing'))", timeout=30_000)
    page.screenshot(path=str(shots / "alert.png"), full_page=False)

    page.click("#to-case")
    page.wait_for_url(f"{base}/cases/*")
    case_url = page.url
    case_id = case_url.rsplit("/", 1)[1]

    page.click("#open-graph")
    page.wait_for_selector("body[data-graph-ready='1']", timeout=20_000)
    nodes = page.evaluate("window.cfGraph.nodes().length")
    assert nodes >= 2
    page.screenshot(path=str(shots / "graph.png"))
    page.click("#graph-save")
    page.wait_for_selector("#graph-info:has-text('Saved to the case')", timeout=20_000)

    page.goto(case_url)
    page.click("#open-map")
    page.wait_for_selector("body[data-map-ready='1']", timeout=20_000)
    assert int(page.get_attribute("#map", "data-flows")) >= 1
    assert page.locator("#map path.shape").count() > 100
    page.screenshot(path=str(shots / "map.png"))

    page.goto(case_url)
    assert f"graph-case-{case_id}.png" in page.inner_text("#attachments")
    page.select_option("#decide-form select[name=outcome]", "confirmed")
    page.check("#decide-form input[name=file_report]")
    page.fill("#decide-form input[name=reason]", "Mirror-swap legs within minutes")
    page.click("#propose")
    page.wait_for_selector("text=Waiting for a second person")
    page.screenshot(path=str(shots / "case.png"), full_page=True)
    assert page.locator("#approve").count() == 0  # the preparer cannot approve

    approver = browser.new_context(accept_downloads=True).new_page()
    _sign_in(approver, base, "approver")
    approver.goto(case_url)
    approver.fill("#review-form input[name=reason]", "Agree: file")
    approver.click("#approve")
    approver.wait_for_selector("#case-status:has-text('closed')")
    approver.goto(f"{case_url}/report/sar")
    assert approver.locator("#report-ok").count() == 1
    approver.screenshot(path=str(shots / "report.png"))
    with approver.expect_download() as dl:
        approver.click("#download")
    body = Path(dl.value.path()).read_bytes()
    assert sar.validate(body) == [] and b"<fc2:FormTypeCode>SARX</fc2:FormTypeCode>" in body
    assert dialogs == [], f"a script ran from data: {dialogs}"
    assert outside == [], f"requests left the machine: {outside}"
