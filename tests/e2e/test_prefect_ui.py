"""A KAM starts a dry run of `kam-cycle` from the Prefect UI that `kamsync serve` serves,
in headless Chromium: Deployments → kam-cycle → Run → Custom run → dry_run on → Submit,
then follows the run to Completed and opens its artifacts.

Chromium is Debian's `/usr/bin/chromium` (`.ci/run` installs it); Playwright's own
browser download does not work on a closed network, and is not needed.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Route, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import Served

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
# As root Chromium needs --no-sandbox; the rest keep it off the (closed) network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
]
RUN_SECONDS = 180
ARTIFACT_KEYS = ("kam-cycle-summary", "kamsync-salesforce-pulls", "kamsync-mailboxes")
RUN_STATE = re.compile(r"^(Completed|Failed|Crashed|Cancelled)$")


class Screenshots:
    """Full-page screenshots in the test's folder, copied to $KAMSYNC_SCREENSHOT_DIR if set."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.copy_to = os.environ.get("KAMSYNC_SCREENSHOT_DIR")

    def take(self, page: Page, name: str) -> Path:
        path = self.folder / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        print(f"screenshot: {path}")
        if self.copy_to:
            Path(self.copy_to).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, self.copy_to)
        return path


def _only_localhost(route: Route) -> None:
    """The UI's analytics and fonts stay off the network; the served UI and API pass."""
    if route.request.url.startswith(("http://127.0.0.1", "http://localhost")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """Headless Debian Chromium with a fresh profile; skipped without it, except in CI."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `apt-get install chromium` (Debian) to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI never skips it", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(30_000)
        expect.set_options(timeout=15_000)
        context.route("**/*", _only_localhost)
        try:
            yield context
        finally:
            context.close()


def start_dry_run_from_the_form(page: Page, ui_url: str, shots: Screenshots) -> str:
    """Deployments → kam-cycle → Run → Custom run → dry_run on → Submit; the run's id."""
    page.goto(ui_url)
    expect(page, "serve's UI lands on Prefect's v2 UI").to_have_url(re.compile(r"/v2/"))
    page.get_by_role("link", name="Deployments", exact=True).click()
    page.get_by_role("textbox", name="Search deployments").fill("kam-cycle")
    table = page.get_by_role("main").get_by_role("table")
    expect(table.get_by_role("row"), "the header and kam-cycle's row").to_have_count(2)
    table.get_by_role("link", name="kam-cycle", exact=True).first.click()
    page.wait_for_url(re.compile(r"/deployments/deployment/"))
    expect(page.get_by_role("navigation", name="breadcrumb")).to_contain_text("kam-cycle")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Custom run").click()
    dry_run = page.get_by_role("switch", name=re.compile(r"^dry_run\b"))
    expect(dry_run).not_to_be_checked()
    dry_run.click()
    expect(dry_run).to_be_checked()
    shots.take(page, "01-custom-run-form")
    page.get_by_role("button", name="Submit").click()
    page.get_by_role("button", name="View run").click()
    page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]+"))
    return page.url.split("/runs/flow-run/")[1].split("?")[0]


def wait_for_the_run_to_end(page: Page) -> str:
    """The state the run page shows once the run has ended (it updates by itself)."""
    state = page.get_by_role("main").get_by_text(RUN_STATE).first
    expect(state).to_be_visible(timeout=RUN_SECONDS * 1000)
    return state.inner_text().strip()


def open_the_artifacts(page: Page, shots: Screenshots) -> None:
    """The run's Artifacts tab, then its summary, which tells a dry run by its digest."""
    # The run page lists artifacts as they were when it loaded; a fast run can end between
    # two of its refreshes, so look again as a user would (the artifacts exist by now).
    page.reload()
    page.get_by_role("tab", name="Artifacts").click()
    for key in ARTIFACT_KEYS:
        expect(page.get_by_role("heading", name=key, exact=True)).to_be_visible()
    shots.take(page, "02-run-artifacts")
    page.get_by_role("heading", name="kam-cycle-summary", exact=True).click()
    summary = page.get_by_role("tabpanel", name="Artifact")
    expect(summary, "a dry run sends no digest").to_contain_text("digest: would send")
    shots.take(page, "03-cycle-summary")


def _api(info: dict[str, Any], path: str) -> Any:
    answer = requests.get(f"{info['api_url']}{path}", timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_a_dry_run_started_from_the_ui_completes_with_its_artifacts(
    served: Served, browser: BrowserContext, tmp_path: Path
) -> None:
    info, _, _ = served
    ui_api = requests.get(f"{info['ui_url']}/ui-settings", timeout=10).json()["api_url"]
    assert ui_api == info["api_url"], (
        f"the served UI calls its API at {ui_api}, not at {info['api_url']}: the Prefect "
        "server `kamsync serve --port N` starts must be told its UI's API URL"
    )
    shots = Screenshots(tmp_path)
    page = browser.new_page()
    try:
        run_id = start_dry_run_from_the_form(page, info["ui_url"], shots)
        state = wait_for_the_run_to_end(page)
        assert state == "Completed", f"the run page shows {state}"
        open_the_artifacts(page, shots)
    except Exception:
        with contextlib.suppress(PlaywrightError):
            shots.take(page, "failed")
        raise

    run = _api(info, f"/flow_runs/{run_id}")
    assert run["parameters"]["dry_run"] is True, run["parameters"]
    assert run["state_type"] == "COMPLETED", run["state"]
