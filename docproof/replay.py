"""A reader's replay: what the published site's copy buttons give, pasted in order, nothing hidden.

The normal run proves each page with its hidden setup, check and clean-up blocks. A reader sees
none of those: they copy each visible block, in order, into a fresh terminal, with a pause
between blocks. `pytest --replay --replay-site build/site docs` does exactly that:
- hidden blocks do not run, and the page starts in an empty folder (the chapter's download
  command on the page fetches its files);
- each visible block runs what its copy button copies in the built site (`copy_texts`), which
  must be what the page shows;
- a block waits `--replay-pause` seconds first, as a reader reading the page would;
- an exit status other than the page's fails the block; an output that differs from the page is
  reported at the end (`Replay.differences`), with the block's file and line, not failed:
  a reader's output legitimately varies where the page does not say so, and the report is what
  an author reads to decide.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

_STAMP = re.compile(r'<p\b[^>]*\bdata-docproof-digest="(?P<digest>[0-9a-f]+)"')
_BLOCK = re.compile(
    r'<div class="language-(?P<lang>console|bash|sh|shell) highlight"(?P<attrs>[^>]*)>(?P<body>.*?)</div>', re.S
)
_COPY = re.compile(r'data-copy="(?P<text>[^"]*)"')
_CODE = re.compile(r"<code[^>]*>(?P<code>.*?)</code>", re.S)
_TAG = re.compile(r"<[^>]+>")


def copy_texts(page_html: str) -> dict[str, str]:
    """digest of each stamped block -> what its copy button copies (data-copy, else the code)."""
    texts, last = {}, 0
    for stamp in _STAMP.finditer(page_html):
        blocks = list(_BLOCK.finditer(page_html, last, stamp.start()))
        last = stamp.end()
        if not blocks:
            continue
        block = blocks[-1]
        copy = _COPY.search(block.group("attrs"))
        if copy:
            text = html.unescape(copy.group("text"))
        else:
            code = _CODE.search(block.group("body"))
            text = html.unescape(_TAG.sub("", code.group("code"))) if code else ""
        texts[stamp.group("digest")] = text.rstrip("\n")
    return texts


def site_page(site: Path, page: str) -> Path:
    """The built HTML of docs/NAME.md (MkDocs' directory URLs: NAME/index.html)."""
    name = Path(page).stem
    return site / ("index.html" if name == "index" else f"{name}/index.html")


@dataclass
class Difference:
    where: str  # file:line of the command
    command: str
    diff: str


@dataclass
class Replay:
    site: Path | None
    pause: float
    commands: int = 0
    differences: list[Difference] = field(default_factory=list)
    _pages: dict[str, dict[str, str] | None] = field(default_factory=dict)

    def copy_text(self, page: str, digest: str) -> str | None:
        """What the site's copy button gives for that block; None when the site has no such page."""
        if page not in self._pages:
            built = site_page(self.site, page) if self.site else None
            self._pages[page] = copy_texts(built.read_text()) if built and built.is_file() else None
        texts = self._pages[page]
        return None if texts is None else texts.get(digest, "")

    def summary(self) -> str:
        lines = [f"replay: {self.commands} commands replayed as a reader pastes them; "
                 f"{len(self.differences)} outputs differ from the page"]
        for d in self.differences:
            lines.append(f"{d.where}: output differs from the page\n  $ {d.command}\n{d.diff}")
        return "\n".join(lines)
