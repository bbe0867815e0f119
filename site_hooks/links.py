"""Names the Markdown file and line of every broken link between pages.

MkDocs' own validation already fails the strict build on a link to a missing page or heading, but
its message names only the page. This hook reports the same problems as `docs/page.md:LINE`, so a
contributor goes straight to the line to fix. Links inside code are examples, not links.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.links")  # under "mkdocs": a warning fails the strict build

INLINE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`+[^`]*`+")
ID = re.compile(r"""\sid=["']([^"']+)["']""")

_links: list[tuple[str, int, str, str]] = []  # (page's path under docs, line, target page, anchor)
_anchors: dict[str, set[str]] = {}
_known: set[str] = set()


def on_config(config):
    _links.clear()
    _anchors.clear()
    _known.clear()


def on_files(files, config):
    _known.update(f.src_uri for f in files)


def on_page_markdown(markdown, page, config, files):
    source = Path(page.file.abs_src_path).read_text(encoding="utf-8-sig") if page.file.abs_src_path else markdown
    here = page.file.src_uri
    fence = None
    for number, line in enumerate(source.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
            continue
        if fence is not None:
            if opened and opened.group(1) == fence:
                fence = None
            continue
        text = CODE_SPAN.sub("", line)
        for target in [*INLINE.findall(text), *DEFINITION.findall(text)]:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/", target):  # another site, mailto:, site-absolute
                continue
            path, _, anchor = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(here), path)) if path else here
            _links.append((here, number, resolved, anchor))
    return markdown


def on_page_content(html, page, config, files):
    _anchors[page.file.src_uri] = set(ID.findall(html))
    return html


def on_post_build(config):
    docs = Path(config["docs_dir"]).name
    for here, line, target, anchor in _links:
        where = f"{docs}/{here}:{line}"
        if target not in _known:
            log.warning(f"{where}: the link to '{target}' points to no file in {docs}/")
        elif anchor and target in _anchors and anchor not in _anchors[target]:
            log.warning(f"{where}: the link to '{target}#{anchor}' points to no heading or anchor there")
