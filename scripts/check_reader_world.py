"""Nothing of the test rig may show on a page: its paths, names, addresses, Debian build suffixes.

A reader runs Docker from Docker's packages on a default installation; a page that shows
`/var/lib/docproof/docker` or `28.5.2+dfsg4` shows the suite's machine instead. This gate reads
what a reader can see:
- the chapters' Markdown, outside docproof directives (which readers never see), and the
  snippet files pages include;
- with --site DIR, the text of every built HTML page (outputs there are filled in with what the
  commands printed, so a path or version that leaked through a wildcard is caught too) and of
  every terminal recording the players play.
Each finding is reported as file:line. Exit status 1 when anything is found.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (pattern, what it is). Kept in step with docproof/engine.py and docproof/rig.py.
RIG = [
    (re.compile(r"/run/docproof|/var/lib/docproof|/opt/docproof"), "a path of the suite's engine"),
    (re.compile(r"docproof-(page|scratch|catalog)-"), "a working directory of the harness"),
    (re.compile(r"\bdp-(ns|host|lan\d+|l\d+-[a-z0-9]+)\b"), "an interface name of the suite's network"),
    (re.compile(r"\bdocproof-\d+-[a-z]"), "a namespace of a page's extra host (docproof/hosts.py)"),
    (re.compile(r"10\.213\.77\.|10\.0\.\d\.2:5999"), "an address of the suite's network or catalog registry"),
    (re.compile(r"\+dfsg\d|\d\+ds\d|\d\+unknown\b"), "a Debian build suffix of a version"),
    (re.compile(r"the engine that (tests|ran|proves) this (guide|page)", re.I), "a reference to the test rig's engine"),
]
DIRECTIVE = re.compile(r"<!--\s*docproof:.*?-->", re.S)
INVISIBLE_HTML = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def findings(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for pattern, what in RIG:
            hit = pattern.search(line)
            if hit:
                found.append(f"{name}:{number}: {what}: {hit.group(0)!r} in {line.strip()[:120]!r}")
    return found


def blank_out(text: str, pattern: re.Pattern) -> str:
    """The text with each match replaced by as many newlines as it held, so lines keep their numbers."""
    return pattern.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def check_sources(root: Path) -> list[str]:
    found = []
    for page in sorted((root / "docs").glob("*.md")):
        found += findings(str(page.relative_to(root)), blank_out(page.read_text(), DIRECTIVE))
    for snippet in sorted(p for p in (root / "snippets").rglob("*") if p.is_file()):
        try:
            text = snippet.read_text()
        except UnicodeDecodeError:
            continue
        found += findings(str(snippet.relative_to(root)), text)
    return found


def visible_text(page_html: str) -> str:
    """What a browser shows of a page, line for line: no scripts, styles, comments or markup."""
    return html.unescape(TAG.sub("", blank_out(page_html, INVISIBLE_HTML)))


def check_site(site: Path) -> list[str]:
    found = []
    for page in sorted(site.rglob("*.html")):
        found += findings(str(page), visible_text(page.read_text(errors="replace")))
    for cast in sorted(site.rglob("*.cast")):  # the players' terminal recordings (docproof/recording.py)
        events = [json.loads(line) for line in cast.read_text().splitlines()[1:] if line.strip()]
        found += findings(str(cast), "".join(event[2] for event in events if event[1] == "o"))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="also check the text of the site built in this folder")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    found = check_sources(args.root)
    if args.site:
        found += check_site(args.site)
    for line in found:
        print(line)
    if found:
        print(f"check_reader_world: {len(found)} place(s) show the test rig instead of a reader's machine", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
