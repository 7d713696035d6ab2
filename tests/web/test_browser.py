"""End-to-end tests in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

The server is the app ``fentrace serve`` runs (service + web), started by the test in a uvicorn
thread on 127.0.0.1 and a free port, on a fresh SQLite database. Every page visited collects
console errors, uncaught exceptions, CSP violations and dialogs; each test ends by asserting
there were none. Screenshots of the main pages go to ``build/screenshots/`` (git-ignored).

Without Chromium these tests are skipped on a developer's machine and FAIL in CI (``CI=true``),
where ``.ci/run`` installs the Debian package.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fentrace.service import Service, Settings, create_app
from fentrace.web import mount_web

from .conftest import PASSWORD, ROLES, SCRIPT_NAME, script_manifest, wait_for_job

CHROMIUM = os.environ.get("FENTRACE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[2] / "build" / "screenshots"
#: Records every CSP violation on the page, for the test to read back.
CSP_PROBE = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def _chromium() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).is_file():
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message + ": in CI the browser tests must run")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    service: Service
    folder: Path
    demo: Path
    jobs: dict[str, str] = field(default_factory=dict)

    def demo_job(self) -> str:
        """The demo manifest's job: the one the upload test made, else one submitted here."""
        if "demo" not in self.jobs:
            principal = self.service.verify_user_password("admin", PASSWORD)
            assert principal is not None
            job = self.service.submit_job(principal, [self.demo.read_bytes()], self.demo.name)
            self.jobs["demo"] = job["id"]
        assert wait_for_job(self.service, self.jobs["demo"], 240)["state"] == "succeeded"
        return self.jobs["demo"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from fentrace.simulation import run_scenario, write_outputs

    _chromium()
    folder = tmp_path_factory.mktemp("browser")
    # The demo's manifest: one simulated year of the baseline scenario (1,957 shipments).
    from fentrace.cli.demo import DEMO_END, DEMO_SEED, DEMO_START, DEMO_VOLUME

    result = run_scenario("baseline", DEMO_START, DEMO_END, DEMO_SEED, volume=DEMO_VOLUME)
    write_outputs(result, folder / "simulation")
    demo = folder / "simulation" / "shipments.parquet"
    settings = Settings(data_dir=folder / "data", job_chunk_rows=200, key_cache_seconds=0.0)
    app = mount_web(create_app(settings))
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, ws="none"
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not runner.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    service: Service = app.state.service
    for role in ROLES:
        service.create_user(role, role, PASSWORD, actor="cli:test")
    principal = service.verify_user_password("admin", PASSWORD)
    assert principal is not None
    path = script_manifest(folder)
    job = service.submit_job(principal, [path.read_bytes()], path.name)
    assert wait_for_job(service, job["id"])["state"] == "succeeded"
    try:
        yield Server(f"http://127.0.0.1:{port}", service, folder, demo, {"script": job["id"]})
    finally:
        runner.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page whose console errors, uncaught errors, CSP violations and dialogs are kept."""

    def __init__(self, browser: Any, base: str, width: int = 1280) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.add_init_script(CSP_PROBE)
        self.page = self.context.new_page()
        self.base = base
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on(
            "dialog",
            lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()),
        )

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.check_csp()
        return self.page

    def check_csp(self) -> None:
        """Read the page's recorded CSP violations, after any navigation in flight has loaded.

        A page can navigate on its own (the job page moves on when its progress bar is full);
        reading while it does finds no execution context, so wait for the load and read again.
        Chromium also logs each violation as a console error, which the console handler keeps.
        """
        from playwright.sync_api import Error as PlaywrightError

        for _attempt in range(10):
            self.page.wait_for_load_state("load")
            try:
                violations = self.page.evaluate("window.__csp || []")
            except PlaywrightError as error:
                if "context was destroyed" not in str(error):
                    raise
                continue
            self.problems.extend(f"CSP violation: {v}" for v in violations)
            return
        raise AssertionError("the page kept navigating: its CSP violations could not be read")

    def sign_in(self, role: str) -> None:
        self.go("/login")
        self.page.fill("#username", role)
        self.page.fill("#password", PASSWORD)
        self.page.click("form:has(#username) button[type=submit]")
        self.page.wait_for_url(self.base + "/")

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    def close(self) -> None:
        self.check_csp()
        self.context.close()
        assert self.problems == []


@pytest.fixture
def analyst(browser: Any, server: Server) -> Iterator[Watched]:
    watched = Watched(browser, server.url)
    watched.sign_in("analyst")
    yield watched
    watched.close()


def test_upload_the_demo_manifest_and_watch_the_progress_bar(
    analyst: Watched, server: Server
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    page = analyst.go("/upload")
    page.set_input_files("#file", str(server.demo))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]+$"))
    server.jobs["demo"] = page.url.rsplit("/", 1)[1]
    seen: list[float] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            state = page.evaluate(
                "(() => { const b = document.getElementById('job-progress');"
                " const s = document.getElementById('job-state');"
                " return b && s ? [b.value, b.max, s.textContent] : null; })()"
            )
        except PlaywrightError:  # the page reloads itself when the job ends
            continue
        if state:
            seen.append(state[0])
            if state[2] == "succeeded":
                break
        time.sleep(0.2)
    page.wait_for_selector("#job[data-state=succeeded]")
    page.wait_for_load_state()
    value, maximum = page.evaluate(
        "[document.getElementById('job-progress').value, document.getElementById('job-progress').max]"
    )
    assert maximum > 1000
    assert value == maximum
    assert seen == sorted(seen)  # the bar only moves forward
    assert page.locator("#rejections, #no-rejections").count() == 1
    analyst.shot("job")


def test_open_the_highest_alert_and_mark_it_false_positive(
    analyst: Watched, server: Server
) -> None:
    job = server.demo_job()
    page = analyst.go(f"/alerts?job={job}")
    analyst.shot("queue")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/alerts/\d+$"))
    assert page.locator("#reasons tbody tr").count() >= 1
    image = page.locator("img.structure")
    image.wait_for()
    assert page.evaluate("document.querySelector('img.structure').naturalWidth") > 0
    assert page.locator("#world circle").count() >= 2
    analyst.shot("alert")
    page.fill("#note", "Known buyer; paperwork checked")
    page.click("#review-form button[value=false_positive]")
    page.wait_for_load_state()
    history = page.locator("#history").inner_text()
    assert "false positive" in history
    assert "Known buyer; paperwork checked" in history
    assert page.locator("#disposition").inner_text() == "false positive"


def test_filter_the_queue(analyst: Watched, server: Server) -> None:
    server.demo_job()
    page = analyst.go("/alerts")
    page.check("#level-high")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*level=high.*"))
    levels = page.locator("#queue tbody .badge").all_inner_texts()
    assert levels
    assert set(levels) == {"high"}


def test_keyboard_marks_the_current_alert(analyst: Watched, server: Server) -> None:
    job = server.demo_job()
    page = analyst.go(f"/alerts?job={job}&sort=score")
    first = page.locator("#queue tbody tr").first.get_attribute("data-id")
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("e")
    page.wait_for_selector(f"#queue tbody tr[data-id='{first}'] td.disp")
    assert page.locator(f"#queue tbody tr[data-id='{first}'] td.disp").inner_text() == "escalated"
    assert server.service.get_alert(int(str(first)))["disposition"] == "escalated"


def test_look_up_4ap_and_read_its_controls(analyst: Watched) -> None:
    page = analyst.go("/chem")
    page.fill("#queries", "4-AP")
    page.click("form.lookup button[type=submit]")
    page.wait_for_selector("#chem-results")
    table = page.locator("table.controls").first.inner_text()
    assert "US" in table
    assert "CN" in table
    page.click("#chem-results a[href^='/substances/']")
    page.wait_for_selector("svg.timeline")
    assert page.locator("ul.citations li").count() >= 1
    analyst.shot("substance")


def test_a_script_party_name_renders_as_text(analyst: Watched) -> None:
    page = analyst.go("/alerts?party=script")
    assert SCRIPT_NAME in page.locator("#queue").inner_text()
    page.click("#queue tbody tr a")
    page.wait_for_url(re.compile(r".*/alerts/\d+$"))
    assert SCRIPT_NAME in page.locator("#shipment").inner_text()


def test_a_viewer_is_refused_a_disposition_change(browser: Any, server: Server) -> None:
    job = server.demo_job()
    viewer = Watched(browser, server.url)
    viewer.sign_in("viewer")
    page = viewer.go(f"/alerts?job={job}")
    page.click("#queue tbody tr a")
    page.wait_for_url(re.compile(r".*/alerts/\d+$"))
    assert page.locator("#review-form").count() == 0
    alert_id = int(page.url.rsplit("/", 1)[1])
    before = server.service.get_alert(alert_id)
    status = page.evaluate(
        """(id) => fetch('/alerts/' + id + '/review', {method: 'POST', body: new URLSearchParams({
             csrf: document.querySelector('input[name=csrf]').value, disposition: 'true_positive'})})
           .then(r => r.status)""",
        alert_id,
    )
    assert status == 403
    assert server.service.get_alert(alert_id)["history"] == before["history"]
    # the refused fetch logs a console error for its 403: that one is expected
    viewer.problems = [p for p in viewer.problems if "403" not in p]
    viewer.close()


def test_every_page_loads_without_errors_at_desktop_and_phone_width(
    browser: Any, server: Server
) -> None:
    server.demo_job()
    for width in (1280, 390):
        admin = Watched(browser, server.url, width=width)
        admin.sign_in("admin")
        for path in (
            "/",
            "/alerts",
            "/upload",
            "/chem",
            "/parties",
            "/gaps",
            "/timeline",
            "/substances/NPP",
            "/simulate",
            "/admin",
        ):
            page = admin.go(path)
            # nothing wider than the screen except inside a scrolling table
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, width, overflow)
            if width == 1280 and path == "/":
                admin.shot("dashboard")
            if width == 390 and path == "/alerts":
                admin.shot("queue-phone")
        admin.close()
