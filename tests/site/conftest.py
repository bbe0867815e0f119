"""Fixtures for the site tests: real builds of the site, a static server, a real Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitebuild  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = sitebuild.ROOT / "build" / "screenshots"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: opens the built site in Debian's Chromium through Playwright "
        "(never skipped: without Chromium it fails and says `make setup`)",
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> sitebuild.Build:
    """The real site, as in the repository, built with --strict. Its record (build/
    verification.json from `make test`) is used when there is one, so the pages show what
    readers will see."""
    out = tmp_path_factory.mktemp("site") / "site"
    record = sitebuild.ROOT / "build" / "verification.json"
    built = sitebuild.build(sitebuild.ROOT, out, record=record if record.is_file() else None)
    assert built.ok, f"mkdocs build --strict of the real site failed:\n{built.output}"
    return built


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> sitebuild.Build:
    """A copy of the site plus tests/site/fixtures/sample-chapter.md (blocks in tabs, an
    admonition, a list, with annotations, a skipped and hidden blocks), built against a record
    in which every runnable block passed. Chapters the guide does not have yet are tested here."""
    root = sitebuild.copy_site(tmp_path_factory.mktemp("sample"))
    sitebuild.add_page(root, "sample-chapter.md", (sitebuild.FIXTURES / "sample-chapter.md").read_text(), "Sample chapter")
    record = sitebuild.write_record(root / "build" / "verification.json", root, sitebuild.chapters(root))
    built = sitebuild.build(root, root / "site", record=record)
    assert built.ok, built.output
    return built


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def _serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="session")
def served(site: sitebuild.Build):
    """The real site served as static files on 127.0.0.1, as GitHub Pages serves it."""
    server, url = _serve(site.site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def sample_served(sample_site: sitebuild.Build):
    server, url = _serve(sample_site.site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, through Playwright (no browser download of Playwright's own)."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (it installs Debian's chromium package)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile that may use the clipboard; any request to a host other than
    127.0.0.1 is blocked and recorded in context.outside."""
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1280, "height": 900})
    ctx.outside = []

    def route(route):
        if route.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            ctx.outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", route)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
