"""The built site in a real browser: Debian's Chromium, headless, driven by Playwright.

The site is served as static files on 127.0.0.1, as GitHub Pages will serve it. Every test here
is marked `browser`; none is skipped: without Chromium they fail and say `make setup`.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe

import sitebuild
from docproof.blocks import split_console

pytestmark = pytest.mark.browser

CHAPTER = "docs/getting-started.md"  # the chapter the browser tests prefer, once it exists


def _urls(built: sitebuild.Build, base: str) -> list[str]:
    pages = sorted(p.relative_to(built.site) for p in built.site.rglob("index.html"))
    return [base + ("" if p.parent == Path(".") else p.parent.as_posix() + "/") for p in pages]


def _chapter_url(base: str, page: str) -> str:
    slug = page.removeprefix("docs/").removesuffix(".md")
    return base if slug == "index" else f"{base}{slug}/"


def _open(context, url: str):
    """A page at url, with console errors, page errors and failed requests collected."""
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")  # networkidle alone can come before the scripts ran
    return page


def test_every_page_opens_without_console_errors_or_outside_requests(context, site, served, sample_site, sample_served):
    urls = _urls(site, served) + [sample_served + "sample-chapter/"]
    assert len(urls) >= 3
    problems = []
    for url in urls:
        page = _open(context, url)
        assert page.locator("h1").count() >= 1, f"{url} has no title"
        problems += [f"{url}: {p}" for p in page.problems]
        page.close()
    problems += [f"request to another host: {u}" for u in context.outside]
    assert not problems, "\n".join(problems)


def _check(url: str, cache: dict) -> str | None:
    """None if url (same origin) answers 200 and has its #fragment, else what is wrong."""
    target, fragment = urldefrag(url)
    if target not in cache:
        try:
            with urllib.request.urlopen(target, timeout=10) as response:
                cache[target] = (response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            cache[target] = (error.code, "")
    status, body = cache[target]
    if status != 200:
        return f"HTTP {status}"
    if fragment and not re.search(rf'\b(?:id|name)="{re.escape(fragment)}"', body):
        return f"no element with id {fragment!r}"
    return None


def test_no_internal_link_or_image_is_broken(context, site, served):
    cache: dict = {}
    broken, checked = [], 0
    for url in _urls(site, served):
        page = _open(context, url)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        images = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
        for target in links + images:
            if not target.startswith(served):
                continue
            checked += 1
            if (problem := _check(target, cache)) is not None:
                broken.append(f"{url} -> {target}: {problem}")
        page.close()
    assert checked > 20, f"only {checked} internal links found: the crawl is not looking"
    assert not broken, "\n".join(broken)


def _unique_word(root: Path, page: str) -> str:
    """A word of the page's text found on no other page, for the search test."""
    text = (root / page).read_text()
    others = " ".join(p.read_text().lower() for p in (root / "docs").rglob("*.md") if p != root / page)
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)  # front matter is not indexed
    prose = re.sub(r"```.*?```|<!--.*?-->|<[^>]+>|`[^`]*`|\[[^\]]*\]\([^)]*\)", " ", text, flags=re.DOTALL)
    for word in re.findall(r"\b[a-z]{7,}\b", prose):
        if word not in others:
            return word
    pytest.fail(f"{page} has no word of its own to search for")


def _search(context, base: str, word: str) -> list[str]:
    page = _open(context, base)
    box = page.locator("input[data-md-component='search-query']")
    box.click()  # the reader's way in: the search box in the header
    box.type(word, delay=30)
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10000)
    hrefs = results.evaluate_all("els => els.map(e => e.href)")
    page.close()
    return hrefs


def test_search_finds_a_chapter_by_a_word_from_it(context, site, served, sample_site, sample_served):
    root = sitebuild.ROOT
    chapter = CHAPTER if (root / CHAPTER).is_file() else "docs/how-this-guide-is-tested.md"
    word = _unique_word(root, chapter)
    hrefs = _search(context, served, word)
    assert any(h.startswith(_chapter_url(served, chapter)) for h in hrefs), f"searching {word!r} gave {hrefs}"
    hrefs = _search(context, sample_served, "zephyrquokka")
    assert any(h.startswith(sample_served + "sample-chapter/") for h in hrefs), hrefs


def _copied(page, block) -> str:
    block.scroll_into_view_if_needed()
    block.hover()
    block.locator("button[data-md-type='copy']").click()
    return page.evaluate("navigator.clipboard.readText()")


def test_the_copy_button_copies_commands_without_prompt_or_output(context, sample_site, sample_served):
    page = _open(context, sample_served + "sample-chapter/")
    root = sample_site.site.parent
    consoles = [b for b in sitebuild.blocks_of(root, "docs/sample-chapter.md") if b.kind == "console" and not b.hidden]
    shown = page.locator("div.language-console")
    assert shown.count() == len(consoles)
    for i, block in enumerate(consoles):
        if not shown.nth(i).is_visible():  # in a tab not selected
            continue
        expected = "\n".join(c.text for c in split_console(block))
        assert _copied(page, shown.nth(i)) == expected
    first = _copied(page, shown.first)
    assert "$ " not in first and "hello\n" not in first.replace("echo hello\n", "")
    # A script block copies as it stands.
    page.locator("label", has_text="A script").click()
    script = page.locator("div.language-bash").first
    assert _copied(page, script) == "docker network create sample-net\ndocker network rm sample-net"


def test_the_copy_button_of_each_real_chapter_copies_its_first_command(context, served):
    chapters = [p for p in sitebuild.chapters() if any(b.kind == "console" and not b.hidden
                                                         for b in sitebuild.blocks_of(sitebuild.ROOT, p))]
    for chapter in chapters:
        block = next(b for b in sitebuild.blocks_of(sitebuild.ROOT, chapter) if b.kind == "console" and not b.hidden)
        page = _open(context, _chapter_url(served, chapter))
        shown = page.locator("div.language-console").first
        assert _copied(page, shown) == "\n".join(c.text for c in split_console(block)), chapter
        page.close()


def _scheme(page) -> str:
    return page.evaluate("document.body.getAttribute('data-md-color-scheme')")


def _toggle(page, to: str):
    page.locator(f"label.md-header__button[title='Switch to {to} mode']:visible").click()
    page.wait_for_function(
        "want => document.body.getAttribute('data-md-color-scheme') === want",
        arg="slate" if to == "dark" else "default",
    )


def test_the_palette_toggle_switches_light_and_dark_and_remembers(context, served):
    page = _open(context, served)
    assert _scheme(page) == "default"
    _toggle(page, "dark")
    assert _scheme(page) == "slate"
    page.reload(wait_until="load")
    page.wait_for_load_state("networkidle")
    assert _scheme(page) == "slate", "the reader's choice is not kept across pages"
    _toggle(page, "light")
    assert _scheme(page) == "default"


def _screenshot_targets(served, sample_served):
    if (sitebuild.ROOT / CHAPTER).is_file():
        chapter = ("getting-started", _chapter_url(served, CHAPTER))
    else:
        chapter = ("sample-chapter", sample_served + "sample-chapter/")
    return [("landing", served), chapter]


def test_screenshots_of_the_landing_page_and_a_chapter_in_both_palettes(context, served, sample_served, screenshots):
    written = []
    for name, url in _screenshot_targets(served, sample_served):
        page = _open(context, url)
        for scheme in ("light", "dark"):
            if (scheme == "dark") != (_scheme(page) == "slate"):
                _toggle(page, scheme)
            path = screenshots / f"{name}-{scheme}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000, f"{path} looks empty"
            written.append(path)
        _toggle(page, "light")
        page.close()
    assert len(written) == 4


SEVERE = {"serious", "critical"}


def test_no_serious_or_critical_accessibility_violation(context, site, served, sample_served):
    axe = Axe()
    found = []
    urls = _urls(site, served) + [sample_served + "sample-chapter/"]
    for url in urls:
        page = _open(context, url)
        for scheme in ("light", "dark"):
            if (scheme == "dark") != (_scheme(page) == "slate"):
                _toggle(page, scheme)
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in SEVERE:
                    targets = [" ".join(map(str, n["target"])) for n in violation["nodes"]][:5]
                    found.append(f"{url} ({scheme}): {violation['impact']} {violation['id']}: "
                                 f"{violation['help']} at {targets}")
        _toggle(page, "light")
        page.close()
    assert not found, "\n".join(found)


def test_the_first_page_load_stays_small_and_is_measured(browser, site, served):
    """What a reader's first visit costs: every response of the landing page in a fresh
    profile, as served (uncompressed) and gzip-compressed as GitHub Pages sends it. Written to
    build/site-metrics.json with the built site's size and build time."""
    import gzip
    import json

    context = browser.new_context()
    responses = []
    page = context.new_page()
    page.on("response", lambda r: responses.append(r))
    page.goto(served, wait_until="load")
    page.wait_for_load_state("networkidle")  # networkidle alone can come before the scripts ran
    page.wait_for_timeout(500)
    bodies = {r.url: r.body() for r in responses if r.ok}
    context.close()
    raw = sum(len(b) for b in bodies.values())
    compressed = sum(len(gzip.compress(b)) for b in bodies.values())
    files = [p for p in site.site.rglob("*") if p.is_file()]
    metrics = {
        "first_load_requests": len(bodies),
        "first_load_bytes": raw,
        "first_load_bytes_gzip": compressed,
        "site_files": len(files),
        "site_bytes": sum(p.stat().st_size for p in files),
        "build_seconds": round(site.seconds, 2),
        "pages": len(list(site.site.rglob("index.html"))),
    }
    (sitebuild.ROOT / "build").mkdir(exist_ok=True)
    (sitebuild.ROOT / "build" / "site-metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(metrics)
    assert not any("mermaid" in url for url in bodies), "the landing page has no diagram: no Mermaid"
    assert compressed < 400_000, f"first page load is {compressed} bytes gzip-compressed: {sorted(bodies)}"
