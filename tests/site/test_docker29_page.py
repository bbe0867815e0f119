""""Docker 29 and this guide" lists every difference a chapter notes, and every note links to it.

A note next to a block says what Docker 29 prints or does differently; the reference page gathers
them so that a reader on 29 knows what to expect. Each of its sections has an id; each chapter
note links to one. The two lists must be the same.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "docker-29.md"
LINK = re.compile(r"\]\(docker-29\.md#([\w-]+)\)")
SECTION = re.compile(r"^##+ .*\{#([\w-]+)\}\s*$", re.M)
NOTE = re.compile(r'^(?P<indent>[ \t]*)!!! note "Docker 29"\n(?P<body>(?:(?P=indent)[ \t]+.*\n|[ \t]*\n)+)', re.M)


def chapter_links() -> dict[str, list[str]]:
    links: dict[str, list[str]] = {}
    for chapter in sorted((ROOT / "docs").glob("*.md")):
        if chapter != PAGE:
            for anchor in LINK.findall(chapter.read_text()):
                links.setdefault(anchor, []).append(chapter.name)
    return links


def test_every_note_links_to_a_section_of_the_reference_page():
    sections = set(SECTION.findall(PAGE.read_text()))
    missing = {a: pages for a, pages in chapter_links().items() if a not in sections}
    assert not missing, f"notes link to sections docker-29.md does not have: {missing}"


def test_every_section_of_the_reference_page_has_a_note_in_a_chapter():
    linked = set(chapter_links())
    orphans = [s for s in SECTION.findall(PAGE.read_text()) if s not in linked]
    assert not orphans, f"docker-29.md lists differences no chapter notes next to its block: {orphans}"


def test_every_docker_29_note_links_to_the_reference_page():
    bare = []
    for chapter in sorted((ROOT / "docs").glob("*.md")):
        text = chapter.read_text()
        for note in NOTE.finditer(text):
            if not LINK.search(note.group("body")):
                line = text.count("\n", 0, note.start()) + 1
                bare.append(f"docs/{chapter.name}:{line}")
    assert not bare, f"Docker 29 notes without a link to docker-29.md: {bare}"

