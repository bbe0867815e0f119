"""MkDocs hook: show readers the proof behind each command, and refuse to publish without it.

The test suite writes a verification record (build/verification.json, or the file named by
DOCPROOF_RECORD): one entry per block it ran, keyed by page and content digest. This hook finds
each page's blocks with the harness's own `docproof.blocks.parse_page`, so both sides compute the
same digests, and then:

- stamps every visible runnable block, right after its fence, with what happened to it:
  "✓ ran on Docker Engine 26.1 · 2026-11-27", "not run here: <reason>", a failure, or
  "not verified";
- puts a one-line status at the top of each page that has runnable blocks;
- fills the status page (the `<!-- verification-status-table -->` marker) with every chapter;
- makes a console block's copy button copy its commands only (no `$ ` prompt, no output);
- labels a block that runs on another host of the page (`host=node2`): "On the second machine,
  node2:" above it, and its prompts as `node2:~$ `;
- in release mode (DOCPROOF_RELEASE=1, the deploy workflow) fails the build, naming page:line,
  when any runnable block, shown or hidden, has no passing record for its current text.

Without a record (`mkdocs serve` before `make test`) the site builds and every page says it is
unverified.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError

try:
    from docproof import blocks as docproof_blocks
except ImportError:  # building from a checkout that was not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from docproof import blocks as docproof_blocks

log = logging.getLogger("mkdocs.hooks.docproof")

RECORD_ENV = "DOCPROOF_RECORD"
RELEASE_ENV = "DOCPROOF_RELEASE"
DEFAULT_RECORD = Path("build") / "verification.json"
STATUS_MARKER = "<!-- verification-status-table -->"
RESULTS = {"passed", "failed", "skipped"}
NO_RECORD = "no verification record: run make test"


# --- the record -------------------------------------------------------------------------


class Record:
    """The test run's verification record, indexed by (page, digest)."""

    def __init__(self, path: Path, entries: list[dict]) -> None:
        self.path = path
        self.entries = entries
        self.by_key: dict[tuple[str, str], list[dict]] = {}
        self.pages: set[str] = set()
        for entry in sorted(entries, key=lambda e: (e["page"], e.get("line") or 0)):
            self.by_key.setdefault((entry["page"], entry["digest"]), []).append(entry)
            self.pages.add(entry["page"])


def load_record(path: Path) -> Record | None:
    """The record at path, None if there is none; a malformed record is an error, never ignored."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PluginError(f"verification record {path} cannot be read: {error}") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("blocks"), list):
        raise PluginError(f'verification record {path} is not {{"version": 1, "blocks": [...]}}')
    for number, entry in enumerate(data["blocks"], 1):
        missing = [k for k in ("page", "digest", "result") if not isinstance(entry, dict) or not entry.get(k)]
        if missing:
            raise PluginError(f"verification record {path}: entry {number} lacks {', '.join(missing)}")
        if entry["result"] not in RESULTS:
            raise PluginError(
                f"verification record {path}: entry {number} has result {entry['result']!r}, "
                f"not one of {', '.join(sorted(RESULTS))}"
            )
    return Record(path, data["blocks"])


def record_path(root: Path) -> Path:
    named = os.environ.get(RECORD_ENV)
    return Path(named).resolve() if named else root / DEFAULT_RECORD


# --- what happened to each block ----------------------------------------------------------


@dataclass
class Verdict:
    block: docproof_blocks.Block
    state: str  # passed | failed | skipped | unverified
    reason: str | None = None
    entry: dict | None = None

    @property
    def runnable(self) -> bool:
        return self.state != "skipped"


@dataclass
class PageReport:
    page: str  # path from the repository root, as the record names it: docs/x.md
    src_uri: str  # path inside docs/
    verdicts: list[Verdict] = field(default_factory=list)
    no_commands: str | None = None
    error: str | None = None  # the harness refuses this page

    @property
    def runnable(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.runnable]

    @property
    def passed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.state == "passed"]

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.state == "failed"]

    @property
    def status(self) -> str:
        """error | no-commands | empty | shown-only | verified | failed | partial | unverified"""
        if self.error:
            return "error"
        if not self.verdicts:
            return "no-commands" if self.no_commands else "empty"
        runnable = self.runnable
        if not runnable:
            return "shown-only"
        if self.failed:
            return "failed"
        if len(self.passed) == len(runnable):
            return "verified"
        return "partial" if self.passed else "unverified"

    def latest(self) -> dict | None:
        entries = [v.entry for v in self.passed if v.entry]
        return max(entries, key=lambda e: str(e.get("date") or "")) if entries else None


def judge(page: str, page_blocks: list[docproof_blocks.Block], record: Record | None) -> list[Verdict]:
    """One verdict per block; identical blocks on a page take the record's entries in order."""
    verdicts = []
    seen: dict[str, int] = {}
    for block in page_blocks:
        if block.options.skip:
            verdicts.append(Verdict(block, "skipped", block.options.skip))
            continue
        if record is None:
            verdicts.append(Verdict(block, "unverified", NO_RECORD))
            continue
        entries = record.by_key.get((page, block.digest), [])
        nth = seen.get(block.digest, 0)
        seen[block.digest] = nth + 1
        if not entries:
            why = (
                "changed since the last test run" if page in record.pages
                else "this page was not in the last test run"
            )
            verdicts.append(Verdict(block, "unverified", why))
            continue
        entry = entries[min(nth, len(entries) - 1)]
        reason = entry.get("reason") or None
        if entry["result"] == "skipped":
            verdicts.append(Verdict(block, "skipped", reason or "skipped by the test run", entry))
        else:
            verdicts.append(Verdict(block, entry["result"], reason, entry))
    return verdicts


def report_for(path: Path, root: Path, src_uri: str, record: Record | None) -> PageReport:
    page = path.resolve().relative_to(root).as_posix()
    report = PageReport(page, src_uri)
    try:
        parsed = docproof_blocks.parse_page(page, path.read_text(), root)
    except docproof_blocks.PageError as error:
        report.error = str(error)
        return report
    report.no_commands = parsed.no_commands
    report.verdicts = judge(page, parsed.blocks, record)
    return report


def release_problems(reports: list[PageReport], record: Record | None, path: Path) -> list[str]:
    """Everything that forbids publishing, each naming page:line."""
    if record is None:
        return [f"no verification record at {path}: run make test before a release build"]
    problems = []
    for report in reports:
        if report.error:
            problems.append(report.error)
        elif not report.verdicts and not report.no_commands:
            problems.append(
                f'{report.page}: no runnable block and no reason (<!-- docproof: no-commands="why" -->)'
            )
        for v in report.runnable:
            if v.state == "passed":
                continue
            what = f"hidden {v.block.kind} block" if v.block.hidden else f"{v.block.kind} block"
            why = f"failed: {v.reason or 'no reason recorded'}" if v.state == "failed" else f"not verified: {v.reason}"
            problems.append(f"{report.page}:{v.block.line}: {what} {why}")
    return problems


# --- what readers see ---------------------------------------------------------------------


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
    entry = verdict.entry or {}
    engine = engine_short(entry.get("engine"))
    date = entry.get("date") or "an unknown date"
    detail = f"Docker Engine {entry.get('engine', '?')}, client {entry.get('client', '?')}"
    if entry.get("duration") is not None:
        detail += f", took {float(entry['duration']):.1f} s"
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
    notes = (verdict.entry or {}).get("rig") if verdict.state == "passed" else None
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
    if status in {"no-commands", "empty", "error"}:
        return None
    if status == "shown-only":
        return "docproof-skipped", "No command on this page is run by the test suite; each one says why."
    if any(v.reason == NO_RECORD for v in runnable):
        return "docproof-unverified", f"⚠ Unverified draft: {NO_RECORD}."
    blocks = "block" if len(runnable) == 1 else "blocks"
    if status == "verified":
        latest = report.latest() or {}
        return (
            "docproof-passed",
            f"✓ All {len(runnable)} runnable {blocks} on this page verified on Docker Engine "
            f"{engine_short(latest.get('engine'))} · {latest.get('date', 'an unknown date')}.",
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


def stamp_markdown(markdown: str, verdicts: list[Verdict], page_status: tuple[str, str] | None) -> str:
    """The page with a stamp after each visible runnable fence, its status under the title, and
    the docproof directives taken out (readers never see them; left in, a directive inside a
    list item wraps the next block in a stray paragraph).

    `verdicts` hold blocks parsed from this same text, so their offsets point into it."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
    line_starts = [0] + [m.end() for m in re.finditer("\n", markdown)]
    for verdict in verdicts:
        block = verdict.block
        edits += _real_output(markdown, line_starts, verdict)
        edits += _on_host(markdown, line_starts, block)
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
    block, shown = verdict.block, (verdict.entry or {}).get("shown")
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


ORDINALS = ["second", "third", "fourth", "fifth"]


def _on_host(markdown: str, line_starts: list[int], block: docproof_blocks.Block) -> list[tuple[int, int, str]]:
    """Edits that show a block of another host (`host=node2`) as run there: a label above the
    fence and that host in each command's prompt."""
    name = block.options.host
    if name is None or block.hidden:
        return []
    at = line_starts[block.line - 1]
    fence = _FENCE_LINE.match(markdown[at:])
    prefix = _continuation(fence.group("prefix") if fence else "")
    index = block.page_hosts.index(name) if name in block.page_hosts else len(ORDINALS)
    which = f"the {ORDINALS[index]} machine" if index < len(ORDINALS) else "the machine"
    edits = [(at, at, _paragraph(prefix, f"On {which}, {name}:", ".docproof-host") + f"\n{prefix.rstrip()}\n")]
    if block.kind == "console":
        for command in docproof_blocks.split_console(block):
            start = markdown.index("$", line_starts[command.line - 1])
            edits.append((start, start + 1, f"{name}:~$"))
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


def status_table(reports: dict[str, PageReport], nav: list[tuple[str, str]], here: str, record: Record | None, path: Path) -> str:
    """The Markdown of the status page's table: every chapter of the nav with its state."""
    lines = []
    if record is None:
        lines.append(f"**No verification record was found for this build** ({NO_RECORD}): every chapter below is unverified.")
    else:
        pages = {report.page for report in reports.values()}
        entries = [e for e in record.entries if e["page"] in pages]
        dates = sorted({str(e.get("date")) for e in entries if e.get("date")})
        engines = sorted({str(e.get("engine")) for e in entries if e.get("engine")})
        clients = sorted({str(e.get("client")) for e in entries if e.get("client")})
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
        "unverified": "⚠ unverified", "shown-only": "not run here", "empty": "⚠ no commands found",
        "error": "✗ refused by the test harness",
    }
    base = os.path.dirname(here)
    for uri, title in chapters:
        report = reports[uri]
        link = os.path.relpath(uri, base or ".").replace(os.sep, "/")
        skipped = len(report.verdicts) - len(report.runnable)
        latest = report.latest() or {}
        when = f"{latest['date']} on Engine {engine_short(latest.get('engine'))}" if latest.get("date") else "never"
        lines.append(
            f"| [{_markdown_text(title)}]({link}) | {labels[report.status]} | "
            f"{len(report.passed)} of {len(report.runnable)} | {skipped} | {when} |"
        )
    return "\n".join(lines)


# --- MkDocs events ------------------------------------------------------------------------

_build: dict = {}


def on_config(config):
    root = Path(config.config_file_path).resolve().parent
    path = record_path(root)
    record = load_record(path)
    release = os.environ.get(RELEASE_ENV, "") not in {"", "0"}
    _build.clear()
    _build.update(root=root, path=path, record=record, release=release, reports={}, nav=[], copies={})
    if record is None:
        log.info(f"docproof: no verification record at {path}; pages are marked unverified ({NO_RECORD})")
    else:
        log.info(f"docproof: stamping pages from {path} ({len(record.entries)} blocks)")
    return config


def on_files(files, config):
    root, record = _build["root"], _build["record"]
    reports = {
        file.src_uri: report_for(Path(file.abs_src_path), root, file.src_uri, record)
        for file in files.documentation_pages()
    }
    _build["reports"] = reports
    if _build["release"]:
        problems = release_problems(list(reports.values()), record, _build["path"])
        if problems:
            raise PluginError(
                f"release build refused: {len(problems)} without proof (record: {_build['path']}; "
                "`make test` runs the pages and writes it):\n  " + "\n  ".join(problems)
            )
        log.info(f"docproof: release check passed for {len(reports)} pages")
    else:
        for report in reports.values():
            if report.error:
                log.warning(f"docproof: {report.error}")
    return files


def on_nav(nav, config, files):
    _build["nav"] = [(page.file.src_uri, page.title or page.file.src_uri) for page in nav.pages]
    return nav


def on_page_markdown(markdown, page, config, files):
    uri = page.file.src_uri
    report = _build["reports"].get(uri)
    if STATUS_MARKER in markdown:
        table = status_table(_build["reports"], _build["nav"], uri, _build["record"], _build["path"])
        markdown = markdown.replace(STATUS_MARKER, table)
    if report is None or report.error or not report.verdicts:
        return markdown
    # The page's Markdown lacks the front matter the file has: parse it again for offsets.
    parsed = docproof_blocks.parse_page(report.page, markdown, _build["root"]).blocks
    if [b.digest for b in parsed] != [v.block.digest for v in report.verdicts]:
        log.warning(f"docproof: {report.page}: blocks differ between file and page text; not stamped")
        return markdown
    verdicts = [Verdict(b, v.state, v.reason, v.entry) for b, v in zip(parsed, report.verdicts)]
    _build["copies"][uri] = {
        v.block.digest: text for v in verdicts if not v.block.hidden and (text := copy_text(v.block)) is not None
    }
    return stamp_markdown(markdown, verdicts, page_status_text(report))


def on_page_content(html_text, page, config, files):
    copies = _build["copies"].get(page.file.src_uri)
    return add_copy_text(html_text, copies) if copies else html_text
