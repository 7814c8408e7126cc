"""Browser tests: Debian's chromium, driven by Playwright (sync API), against a live server.

Each test serves its own `app` (its own database) on a free port; one chromium serves the
whole test session; each test gets a fresh browser context (Japanese locale, Tokyo time).
Never `playwright install`: it cannot download here; the system chromium is used instead.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test (`-m "not browser"` leaves them out)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def live_server(app):
    """The test's app, served over HTTP from a daemon thread; yields its base URL.

    Requests run in the server's threads, each in its own app context and database session:
    the test must commit what it sets up before the browser acts.
    """
    from relq.db import db

    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole test session; skips when it cannot run here."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import Error, sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Error as error:
        playwright.stop()
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        pytest.skip(f"{CHROMIUM} cannot start: {first_line}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context and page for one test, pointed at the live server.

    On a failure the last screen is saved to test-artifacts/<test name>.png.
    """
    context = browser.new_context(base_url=live_server, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if request.node.stash.get(_CALL_FAILED, False):
        artifacts = request.config.rootpath / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
        except Exception as error:  # the test's own failure matters more
            print(f"no screenshot for {request.node.nodeid}: {error}")
    context.close()
