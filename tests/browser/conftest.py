"""Browser tests: the real server (``python -m api serve``) on demo data, driven by Debian's Chromium.

The server runs as a child process on a free port of 127.0.0.1, on a temporary SQLite file seeded with
``seed_demo`` (its keys are kept for signing in), and on a copy of the standards in which the council overlay asks
the shared practice statement (``tests/councils.py``); the demo audits answer the national versions as before.
Chromium is Debian's ``/usr/bin/chromium`` launched by Playwright; nothing is downloaded at test time. Every page a
test opens can be checked with axe-core and is saved as a screenshot under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from api.service.demo import seed_demo
from api.storage.db import make_engine
from api.storage.migrate import upgrade
from tests.councils import STATEMENT_QUESTIONS, STATEMENT_RULE, council_standards

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
HOST = "127.0.0.1"
CHROMIUM = os.environ.get("OAP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The rules axe-core runs: WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Settings the server must not inherit from the shell running the tests.
CLEARED = ("OAP_HOST", "OAP_PORT", "OAP_WORKERS", "OAP_DATABASE_URL", "OAP_LOG_LEVEL", "OAP_ENVIRONMENT")


@dataclass(frozen=True)
class DemoServer:
    """The running server and the demo keys made for it."""

    base_url: str
    keys: dict[str, str]  # role -> key
    school_urn: str  # the school of the school and governor keys
    other_urns: tuple[str, ...]  # schools of the demo trusts the school key cannot see
    outside_urn: str  # a school of the other demo trust: what is submitted for it leaves the DEMO trust's pages be


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: IO[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read().decode('utf-8', 'replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
                last = f"GET /healthz answered {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = repr(error)
        time.sleep(0.05)
    log.seek(0)
    raise RuntimeError(f"the server did not start in {timeout} s ({last}):\n{log.read().decode('utf-8', 'replace')}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """``python -m api serve`` on a temporary SQLite file of demo data; stopped at the end of the session."""
    folder = tmp_path_factory.mktemp("browser-db")
    standards = council_standards(folder, rules=STATEMENT_RULE, questions=STATEMENT_QUESTIONS)
    database_url = f"sqlite:///{folder}/demo.db"
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        summary = seed_demo(engine=engine, standards_dir=standards, schools_per_trust=3)
    finally:
        engine.dispose()
    keys = {role: key for role, _, key in summary.keys}
    school_urn = next(scope for role, scope, _ in summary.keys if role == "school")
    reader = make_engine(database_url)
    try:
        with reader.connect() as connection:
            rows = connection.execute(sa.text("SELECT urn, trust_id FROM schools ORDER BY urn")).all()
            urns = [str(row[0]) for row in rows]
            outside = next(str(row[0]) for row in rows if row[1] != summary.trust_id)
    finally:
        reader.dispose()
    port = _free_port()
    base_url = f"http://{HOST}:{port}"
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        OAP_DATABASE_URL=database_url,
        OAP_ENVIRONMENT="test",
        OAP_LOG_LEVEL="WARNING",
        OAP_SECRET_KEY="browser-tests-secret-" + os.urandom(8).hex(),
        OAP_STANDARDS_DIR=str(standards),
        PYTHONUNBUFFERED="1",
    )
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", HOST, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(process, base_url, log)
            yield DemoServer(
                base_url=base_url,
                keys=keys,
                school_urn=school_urn,
                other_urns=tuple(urn for urn in urns if urn != school_urn),
                outside_urn=outside,
            )
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh temporary profile (Playwright makes one per launch)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium and chromium-driver packages")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether a test failed, so its pages are saved as screenshots for the artefacts."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


def new_context(browser: Browser, server: DemoServer, **options: Any) -> BrowserContext:
    """A fresh browser context (no cookies) on the server, at a laptop-sized window."""
    made = browser.new_context(
        base_url=server.base_url, viewport={"width": 1024, "height": 768}, locale="en-GB", **options
    )
    made.set_default_timeout(10_000)
    return made


@pytest.fixture
def context(request: pytest.FixtureRequest, browser: Browser, server: DemoServer) -> Iterator[BrowserContext]:
    """A fresh browser context; when the test fails, each of its open pages is saved as a screenshot."""
    made = new_context(browser, server)
    yield made
    if request.node.stash.get(FAILED, False):
        for index, open_page in enumerate(made.pages):
            screenshot(open_page, f"FAILED-{request.node.name}-{index}")
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of the WCAG 2.2 A and AA rules on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_SOURCE)
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """The violations as readable text: rule, impact, help, and each offending element with axe's summary."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"      {summary[:400]}")
    return "\n".join(lines)


def check_page(page: Page, name: str) -> None:
    """Screenshot the page, then assert axe-core finds no WCAG 2.2 A/AA violation on it."""
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"axe-core found {len(violations)} violation(s) on {name} ({page.url}):\n" + (
        describe_violations(violations)
    )
