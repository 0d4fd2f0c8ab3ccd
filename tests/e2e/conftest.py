"""Real-browser test harness: Playwright's sync API driving Debian's chromium (/usr/bin/chromium).

Fixtures:
    browser      one headless chromium per test session (per xdist worker)
    page         a fresh browser context per test: locale zh-CN, Asia/Shanghai, 1280x800
    phone_page   a fresh phone-sized context per test: 390x844, touch, device scale factor 2
    base_url     the URL of pytest-django's live server (implies transactional_db); when a test asks for
                 it, `page` and `phone_page` resolve relative URLs against it: `page.goto("/portal/")`
    assert_accessible
                 the `assert_accessible(page)` helper below, as a fixture

Every test collected under tests/e2e gets the `e2e` marker, and fails (an error at teardown) if chromium
reported a Content-Security-Policy violation on any page of this site during the test: every context made
from `browser`, by these fixtures or by a test itself, is watched.

Playwright's browser download is never used (it cannot be fetched on these machines); chromium comes from
Debian's `chromium` package, which scripts/setup.sh installs.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

# Playwright's sync API runs an event loop in the test thread, which trips Django's async-unsafe guard
# on every ORM call made by the test itself (not by the live server thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Loopback by IP: no surprises from localhost resolving to ::1 first.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

CHROMIUM = Path(os.environ.get("YANGGUANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

E2E_DIR = Path(__file__).parent.resolve()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# --- Content-Security-Policy violations ------------------------------------------------------------------


class CspViolations:
    """CSP violations chromium reported during the current test, one line each.

    Chromium logs each violation to the console as an error naming the "Content Security Policy" (also with
    JavaScript disabled, where a `securitypolicyviolation` listener would never run). Only pages served
    over HTTP count: a page a test writes itself with `set_content` carries the test's own policy, not ours.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def watch(self, context: Any) -> None:
        context.on("console", self._on_console)

    def _on_console(self, message: Any) -> None:
        if message.type != "error" or "Content Security Policy" not in message.text:
            return
        url = message.location.get("url") or (message.page.url if message.page else "")
        if url.startswith(("http://", "https://")):
            self.lines.append(f"- {url}: {message.text}")


CSP_VIOLATIONS = CspViolations()


class WatchedBrowser:
    """The session's chromium, whose every new context reports its CSP violations to `CSP_VIOLATIONS`."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        CSP_VIOLATIONS.watch(context)
        return context

    def new_page(self, **options: Any) -> Any:
        page = self._browser.new_page(**options)
        CSP_VIOLATIONS.watch(page.context)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _fail_on_csp_violation() -> Iterator[None]:
    # Autouse fixtures are set up first, so this teardown runs after `page` has closed its context and
    # chromium has delivered every console message.
    CSP_VIOLATIONS.lines.clear()
    yield
    found, CSP_VIOLATIONS.lines = CSP_VIOLATIONS.lines, []
    if found:
        pytest.fail(f"{len(found)} Content-Security-Policy violation(s):\n" + "\n".join(found), pytrace=False)


# --- browser -------------------------------------------------------------------------------------------


def _no_browser(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run; scripts/setup.sh installs chromium)")
    pytest.skip(f"{reason}; run scripts/setup.sh (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists() or not os.access(CHROMIUM, os.X_OK):
        _no_browser(f"chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is in requirements.txt
        _no_browser("the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield WatchedBrowser(browser)
        finally:
            browser.close()


def _context_base_url(request: pytest.FixtureRequest) -> str | None:
    if "base_url" in request.fixturenames:
        return str(request.getfixturevalue("base_url"))
    return None


@pytest.fixture
def base_url(live_server: Any, transactional_db: None) -> str:
    """Root URL of the Django live server (static files are served by it too)."""
    return str(live_server.url)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 800},
        base_url=_context_base_url(request),
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        screen={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        base_url=_context_base_url(request),
    )
    try:
        yield context.new_page()
    finally:
        context.close()


# --- accessibility ---------------------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Any, *, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Inject the vendored axe-core into `page` and return its violations for the WCAG tags."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol rather than added as a <script> tag, so a page's
        # Content-Security-Policy does not block it (and the test does not need bypass_csp).
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async (tags) => {
            const r = await window.axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                targets: v.nodes.slice(0, 3).map(n => n.target),
                count: v.nodes.length,
            }));
        }""",
        tags or AXE_TAGS,
    )
    return list(result)


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = "; ".join(json.dumps(t, ensure_ascii=False) for t in v["targets"])
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['count']} node(s)): {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any, *, tags: list[str] | None = None) -> None:
    """Fail the test if axe-core reports any WCAG 2.0/2.1/2.2 A or AA violation on the current page."""
    violations = axe_violations(page, tags=tags)
    if violations:
        pytest.fail(
            f"{len(violations)} accessibility violation(s) on {page.url}:\n{format_violations(violations)}",
            pytrace=False,
        )


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture() -> Callable[..., None]:
    """`def test_x(page, assert_accessible): ...; assert_accessible(page)`"""
    return assert_accessible
