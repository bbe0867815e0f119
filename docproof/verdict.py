"""What the record proves: each block's state, each page's status, and what forbids a release.

Pure logic on blocks (docproof/blocks.py) and record entries (docproof/record.py), shared by the
harness, which refuses at collection a page that would prove nothing, and by the site build
(site_hooks/verification.py), which stamps what it finds here and refuses to publish without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docproof.blocks import Block, Page, PageError, parse_page
from docproof.record import Entry

NO_RECORD = "no verification record: run make test"
CHANGED = "changed since the last test run"
NOT_RUN = "this page was not in the last test run"


def check_proves_something(page: Page) -> None:
    """The one rule of what a page must prove, for the harness and the release build alike:
    it shows runnable blocks of which the suite runs at least one, or it shows none and says why.
    Hidden blocks do not count: they prove nothing a reader runs."""
    visible = [b for b in page.blocks if not b.hidden]
    if not visible and page.no_commands is None:
        raise PageError(
            page.path, 1,
            "no runnable block found (console, bash, sh, shell); a page without commands says so with "
            '`<!-- docproof: no-commands="why" -->`',
        )
    if visible and page.no_commands is not None:
        raise PageError(page.path, 1, "the page declares no-commands but has runnable blocks")
    if visible and all(b.options.skip for b in visible):
        raise PageError(page.path, visible[0].line, "every runnable block of this page is skipped: nothing on it is proven")


class Proofs:
    """A record's entries, indexed by (page, digest): lines move, content digests do not."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.by_key: dict[tuple[str, str], list[Entry]] = {}
        self.pages: set[str] = set()
        for entry in sorted(entries, key=lambda e: (e.page, e.line or 0)):
            self.by_key.setdefault((entry.page, entry.digest), []).append(entry)
            self.pages.add(entry.page)


@dataclass
class Verdict:
    block: Block
    state: str  # passed | failed | skipped | unverified (reason: NO_RECORD, CHANGED or NOT_RUN)
    reason: str | None = None
    entry: Entry | None = None

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
        """error | no-commands | shown-only | verified | failed | partial | unverified"""
        if self.error:
            return "error"
        if not self.verdicts:
            return "no-commands"  # check_proves_something let it through: it says why
        runnable = self.runnable
        if not runnable:
            return "shown-only"  # the test run skipped every block
        if self.failed:
            return "failed"
        if len(self.passed) == len(runnable):
            return "verified"
        return "partial" if self.passed else "unverified"

    def latest(self) -> Entry | None:
        entries = [v.entry for v in self.passed if v.entry]
        return max(entries, key=lambda e: str(e.date or "")) if entries else None


def judge(page: str, page_blocks: list[Block], proofs: Proofs | None) -> list[Verdict]:
    """One verdict per block; identical blocks on a page take the record's entries in order."""
    verdicts = []
    seen: dict[str, int] = {}
    for block in page_blocks:
        if block.options.skip:
            verdicts.append(Verdict(block, "skipped", block.options.skip))
            continue
        if proofs is None:
            verdicts.append(Verdict(block, "unverified", NO_RECORD))
            continue
        entries = proofs.by_key.get((page, block.digest), [])
        nth = seen.get(block.digest, 0)
        seen[block.digest] = nth + 1
        if not entries:
            verdicts.append(Verdict(block, "unverified", CHANGED if page in proofs.pages else NOT_RUN))
            continue
        entry = entries[min(nth, len(entries) - 1)]
        reason = entry.reason or None
        if entry.result == "skipped":
            verdicts.append(Verdict(block, "skipped", reason or "skipped by the test run", entry))
        else:
            verdicts.append(Verdict(block, entry.result, reason, entry))
    return verdicts


def report_for(path: Path, root: Path, src_uri: str, proofs: Proofs | None) -> PageReport:
    page = path.resolve().relative_to(root).as_posix()
    report = PageReport(page, src_uri)
    try:
        parsed = parse_page(page, path.read_text(), root)
        check_proves_something(parsed)
    except PageError as error:
        report.error = str(error)
        return report
    report.no_commands = parsed.no_commands
    report.verdicts = judge(page, parsed.blocks, proofs)
    return report


def release_problems(reports: list[PageReport], proofs: Proofs | None, path: Path) -> list[str]:
    """Everything that forbids publishing, each naming page:line."""
    if proofs is None:
        return [f"no verification record at {path}: run make test before a release build"]
    problems = []
    for report in reports:
        if report.error:
            problems.append(report.error)
        for v in report.runnable:
            if v.state == "passed":
                continue
            what = f"hidden {v.block.kind} block" if v.block.hidden else f"{v.block.kind} block"
            why = f"failed: {v.reason or 'no reason recorded'}" if v.state == "failed" else f"not verified: {v.reason}"
            problems.append(f"{report.page}:{v.block.line}: {what} {why}")
    return problems
