"""Checks every link from the built site to another host, naming the page and line of each broken one.

Run by the weekly scheduled workflow (`make links-external`), not on every pull request: other
hosts come and go on their own schedule, and a pull request should not fail because a site far
away is down for an hour. Internal links are checked strictly on every run (the strict build and
tests/site/test_browser.py).

    python scripts/check_external_links.py [--site build/site] [--docs docs]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Example addresses a page shows a reader (their own machine), never a link to check.
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]"}
TIMEOUT = 20


class LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value and value.startswith(("http://", "https://")):
                self.links.append((value, self.getpos()[0]))


def own_site_prefix() -> str:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)  # tags not needed
    return config.get("site_url", "").rstrip("/") + "/"


def external_links(site: Path, own_prefix: str) -> dict[str, tuple[Path, int]]:
    """Each external URL once, with the first built file and line that links to it."""
    found: dict[str, tuple[Path, int]] = {}
    for html in sorted(site.rglob("*.html")):
        finder = LinkFinder()
        finder.feed(html.read_text(errors="replace"))
        for url, line in finder.links:
            url = url.split("#", 1)[0]
            host = urlsplit(url).hostname or ""
            if url.startswith(own_prefix) or host in LOCAL_HOSTS or url in found:
                continue
            found[url] = (html, line)
    return found


def where(url: str, html: Path, line: int, docs: Path) -> str:
    """The Markdown page and line a contributor fixes; else the built file (theme links)."""
    for page in sorted(docs.rglob("*.md")):
        for number, text in enumerate(page.read_text(errors="replace").splitlines(), start=1):
            if url in text:
                return f"{page.relative_to(docs.parent)}:{number}"
    return f"{html}:{line}"


def problem(url: str) -> str | None:
    """None when the URL answers with a success (after redirects), else what went wrong."""
    headers = {"User-Agent": "docker-mastery-guide link check (+weekly scheduled run)"}
    for method in ("HEAD", "GET"):  # some servers refuse HEAD; GET settles it
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT):
                return None
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in (403, 405, 429, 501):
                continue
            return f"HTTP {error.code} {error.reason}"
        except (urllib.error.URLError, OSError) as error:
            return f"unreachable: {getattr(error, 'reason', error)}"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"links: no built site at {args.site}; build it first (make site-release or mkdocs build)", file=sys.stderr)
        return 2
    links = external_links(args.site, own_site_prefix())
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(zip(links, pool.map(problem, links)))
    broken = {url: what for url, what in results.items() if what}
    for url, what in sorted(broken.items()):
        html, line = links[url]
        print(f"{where(url, html, line, args.docs)}: {url} -> {what}")
    print(f"links: {len(links)} external link(s) checked, {len(broken)} broken", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
