"""What readers see of the proof: the Markdown and HTML edits the site hook makes to each page.

- a stamp right after every visible runnable fence, with what happened to it:
  "✓ ran on Docker Engine 26.1 · 2026-11-27", "not run here: <reason>", a failure, or
  "not verified";
- a one-line status under the title of each page that has runnable blocks;
- the status page's table of every chapter;
- directives and hidden blocks taken out;
- a console block's copy button copying its commands only (no `$ ` prompt, no output).

The verdicts come from docproof/verdict.py; nothing here decides what is proven.
Imported by site_hooks/verification.py, which puts the repository on sys.path when needed.
"""

from __future__ import annotations

import html
import os
import re

from docproof import blocks as docproof_blocks
from docproof.record import Entry
from docproof.verdict import NO_RECORD, PageReport, Proofs, Verdict

STATUS_MARKER = "<!-- verification-status-table -->"
NO_ENTRY = Entry(page="", digest="", result="")  # what a stamp says of a block the record lacks


def engine_short(version: str | None) -> str:
    match = re.match(r"(\d+)\.(\d+)", version or "")
    return f"{match.group(1)}.{match.group(2)}" if match else (version or "an unknown version")


def _markdown_text(text: str) -> str:
    """Plain text made safe to put in a Markdown paragraph."""
    text = " ".join(str(text).split())
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+!|~])", r"\\\1", text)


def _attribute(text: str) -> str:
    return " ".join(str(text).split()).replace('"', "'").replace("}", ")").replace("{", "(")


def stamp_text(verdict: Verdict) -> tuple[str, str, str]:
    """(class, visible text, tooltip) for a block's stamp."""
    entry = verdict.entry or NO_ENTRY
    engine = engine_short(entry.engine)
    date = entry.date or "an unknown date"
    detail = f"Docker Engine {entry.engine or '?'}, client {entry.client or '?'}"
    if entry.duration is not None:
        detail += f", took {float(entry.duration):.1f} s"
    if verdict.state == "passed":
        return "docproof-passed", f"✓ ran on Docker Engine {engine} · {date}", detail
    if verdict.state == "skipped":
        return "docproof-skipped", f"not run here: {verdict.reason}", "The test suite does not run this block."
    if verdict.state == "failed":
        text = f"✗ failed on Docker Engine {engine} · {date}"
        if verdict.reason:
            text += f": {verdict.reason}"
        return "docproof-failed", text, detail
    return "docproof-unverified", f"⚠ not verified: {verdict.reason}", "This block has no passing test result for its current text."


def rig_note(verdict: Verdict, prefix: str, blank: str) -> str:
    """A note under a block whose output shows a value as a reader's installation prints it,
    saying what the test machine printed there instead (docproof/rig.py)."""
    notes = verdict.entry.rig if verdict.entry and verdict.state == "passed" else None
    if not notes:
        return ""
    # The printed value itself stays out of the page: it is the test rig's, not the reader's.
    whys = list(dict.fromkeys(n["why"] for n in notes))
    text = ("Versions are shown as Docker's own packages print them (" + ", ".join(n["readers"] for n in notes)
            + "). This block ran on Debian's build of Docker: " + "; ".join(whys) + ".")
    return f"\n{_paragraph(prefix, text, '.docproof-rig-note')}\n{blank}"


def page_status_text(report: PageReport) -> tuple[str, str] | None:
    """(class, text) for the line at the top of a page; None for a page without commands."""
    status = report.status
    runnable, passed = report.runnable, report.passed
    if status in {"no-commands", "error"}:
        return None
    if status == "shown-only":
        return "docproof-skipped", "No command on this page is run by the test suite; each one says why."
    if any(v.reason == NO_RECORD for v in runnable):
        return "docproof-unverified", f"⚠ Unverified draft: {NO_RECORD}."
    blocks = "block" if len(runnable) == 1 else "blocks"
    if status == "verified":
        latest = report.latest()
        return (
            "docproof-passed",
            f"✓ All {len(runnable)} runnable {blocks} on this page verified on Docker Engine "
            f"{engine_short(latest and latest.engine)} · {(latest and latest.date) or 'an unknown date'}.",
        )
    if status == "failed":
        return (
            "docproof-failed",
            f"✗ {len(report.failed)} of {len(runnable)} runnable {blocks} on this page failed the last test run.",
        )
    if status == "partial":
        return "docproof-unverified", f"⚠ {len(passed)} of {len(runnable)} runnable {blocks} on this page verified."
    return "docproof-unverified", f"⚠ Unverified: none of the {len(runnable)} runnable {blocks} on this page has a passing test result."


def _paragraph(prefix: str, text: str, classes: str, extra: str = "") -> str:
    """A Markdown paragraph with attributes, at the given indentation."""
    return f"{prefix}{_markdown_text(text)}\n{prefix}{{: {classes}{extra} }}"


_FENCE_LINE = re.compile(r"^(?P<prefix>[ \t>]*)(?:`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t>]*)\d+\.[ \t]")



def _continuation(prefix: str) -> str:
    """The prefix that keeps a following line inside the fence's container (tab, admonition,
    list item, quote): quote markers stay, everything else becomes spaces."""
    return re.sub(r"[^\s>]", " ", prefix)


def _after_annotations(text: str, offset: int, prefix: str) -> int:
    """Where a code block's annotation list (Material's `1. ...` after the fence) ends."""
    rest = text[offset:]
    lines = rest.split("\n")
    i = 1  # lines[0] is what follows the fence on its own line (nothing)
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        return offset
    item = _LIST_ITEM.match(lines[i])
    if not item or item.group("indent") != prefix:
        return offset
    end = i
    while i < len(lines):
        line = lines[i]
        indent = len(line) - len(line.lstrip())
        if _LIST_ITEM.match(line) and line.startswith(prefix):
            end = i
        elif line.strip() and indent > len(prefix):
            end = i
        elif line.strip():
            break
        i += 1
    return offset + len("\n".join(lines[: end + 1]))


def stamp_markdown(markdown: str, verdicts: list[Verdict], page_status: tuple[str, str] | None,
                   block_edits=()) -> str:
    """The page with a stamp after each visible runnable fence, its status under the title, and
    the docproof directives taken out (readers never see them; left in, a directive inside a
    list item wraps the next block in a stray paragraph).

    `verdicts` hold blocks parsed from this same text, so their offsets point into it."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    line_starts = [0] + [m.end() for m in re.finditer("\n", markdown)]
    for verdict in verdicts:
        block = verdict.block
        edits += _real_output(markdown, line_starts, verdict)
        for more in block_edits:  # e.g. host_label.on_host
            edits += more(markdown, line_starts, block)
        if block.hidden:
            edits.append((block.start, block.end, ""))
            continue
        if block.options.text:
            edits.append((block.start, markdown.index("-->", block.start) + 3, ""))
        line_start = markdown.rfind("\n", 0, block.end) + 1
        fence = _FENCE_LINE.match(markdown[line_start:block.end])
        prefix = _continuation(fence.group("prefix") if fence else "")
        blank = prefix.rstrip(" \t")
        at = _after_annotations(markdown, block.end, prefix)
        css, text, tooltip = stamp_text(verdict)
        stamp = _paragraph(
            prefix, text, f".docproof-stamp .{css}",
            f' data-docproof-digest="{block.digest}" title="{_attribute(tooltip)}"',
        )
        edits.append((at, at, f"\n{blank}\n{stamp}\n{blank}" + rig_note(verdict, prefix, blank)))
    if page_status:
        css, text = page_status
        status = _paragraph("", text, f".docproof-page-status .{css}")
        at = _status_offset(markdown)
        edits.append((at, at, f"\n\n{status}\n" if at else f"{status}\n\n"))
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        markdown = markdown[:start] + text + markdown[end:]
    return markdown


def _real_output(markdown: str, line_starts: list[int], verdict: Verdict) -> list[tuple[int, int, str]]:
    """Edits that show a passed console block's output as the test run printed it: the harness
    records each shown line with its `...` and `{name}` wildcards filled in, so readers see real
    IDs, sizes and times. Lines of only `...` stay: the author left that output out."""
    block, shown = verdict.block, verdict.entry and verdict.entry.shown
    if verdict.state != "passed" or block.kind != "console" or not shown:
        return []
    commands = docproof_blocks.split_console(block)
    if len(commands) != len(shown):
        return []
    edits = []
    for command, lines in zip(commands, shown):
        if lines is None or len(lines) > len(command.expected):
            continue  # recorded from other page text: leave the block as written
        for offset, text in enumerate(lines):
            start = line_starts[command.output_line + offset - 1]  # output_line is 1-based
            end = markdown.find("\n", start)
            end = len(markdown) if end == -1 else end
            original, written = markdown[start:end], command.expected[offset]
            if original.rstrip() == text or not original.endswith(written):
                continue
            edits.append((start, end, original[: len(original) - len(written)] + text))
    return edits


def _status_offset(markdown: str) -> int:
    """Right after the page's `# Title` line, or the top when the title comes from elsewhere."""
    fence = re.search(r"^[ \t]*(?:`{3,}|~{3,})", markdown, re.MULTILINE)
    title = re.search(r"^#[ \t]+.*$", markdown, re.MULTILINE)
    if title and (not fence or title.start() < fence.start()):
        return title.end()
    return 0


def copy_text(block: docproof_blocks.Block) -> str | None:
    """What a console block's copy button gives: its commands, without prompts or output."""
    if block.kind != "console":
        return None
    try:
        commands = docproof_blocks.split_console(block)
    except docproof_blocks.PageError:
        return None
    return "\n".join(command.text for command in commands)


_STAMP_HTML = re.compile(r'<p\b[^>]*\bdata-docproof-digest="(?P<digest>[0-9a-f]+)"')
_CONSOLE_DIV = re.compile(r'<div class="language-console highlight"')


def add_copy_text(page_html: str, copies: dict[str, str]) -> str:
    """Gives each stamped console block a `data-copy` attribute, which Material's copy button
    copies instead of the block's text."""
    pieces, last = [], 0
    for stamp in _STAMP_HTML.finditer(page_html):
        text = copies.get(stamp.group("digest"))
        divs = list(_CONSOLE_DIV.finditer(page_html, last, stamp.start()))
        if text is not None and divs:
            div = divs[-1]
            attribute = html.escape(text, quote=True).replace("\n", "&#10;")
            pieces.append(page_html[last:div.end()])
            pieces.append(f' data-copy="{attribute}"')
            last = div.end()
        pieces.append(page_html[last:stamp.end()])
        last = stamp.end()
    pieces.append(page_html[last:])
    return "".join(pieces)


def status_table(reports: dict[str, PageReport], nav: list[tuple[str, str]], here: str, proofs: Proofs | None) -> str:
    """The Markdown of the status page's table: every chapter of the nav with its state."""
    lines = []
    if proofs is None:
        lines.append(f"**No verification record was found for this build** ({NO_RECORD}): every chapter below is unverified.")
    else:
        pages = {report.page for report in reports.values()}
        entries = [e for e in proofs.entries if e.page in pages]
        dates = sorted({str(e.date) for e in entries if e.date})
        engines = sorted({str(e.engine) for e in entries if e.engine})
        clients = sorted({str(e.client) for e in entries if e.client})
        lines.append(
            f"Record of the last test run: {len(entries)} blocks of these pages, Docker Engine "
            f"{', '.join(engines) or 'unknown'}, client {', '.join(clients) or 'unknown'}, "
            f"run {' to '.join([dates[0], dates[-1]] if len(dates) > 1 else dates) or 'on an unknown date'}."
        )
    lines.append("")
    chapters = [(uri, title) for uri, title in nav if uri in reports and reports[uri].status != "no-commands"]
    if not chapters:
        lines.append("No chapter with commands has been published yet.")
        return "\n".join(lines)
    verified = sum(reports[uri].status == "verified" for uri, _ in chapters)
    lines.append(f"{verified} of {len(chapters)} chapters fully verified.")
    lines.append("")
    lines.append("| chapter | status | runnable blocks verified | shown, not run here | last verified |")
    lines.append("| --- | --- | --- | --- | --- |")
    labels = {
        "verified": "✓ verified", "partial": "⚠ partly verified", "failed": "✗ failed",
        "unverified": "⚠ unverified", "shown-only": "not run here",
        "error": "✗ refused by the test harness",
    }
    base = os.path.dirname(here)
    for uri, title in chapters:
        report = reports[uri]
        link = os.path.relpath(uri, base or ".").replace(os.sep, "/")
        skipped = len(report.verdicts) - len(report.runnable)
        latest = report.latest()
        when = f"{latest.date} on Engine {engine_short(latest.engine)}" if latest and latest.date else "never"
        lines.append(
            f"| [{_markdown_text(title)}]({link}) | {labels[report.status]} | "
            f"{len(report.passed)} of {len(report.runnable)} | {skipped} | {when} |"
        )
    return "\n".join(lines)


