"""MkDocs hook: show readers the proof behind each command, and refuse to publish without it.

The test suite writes a verification record (build/verification.json, or the file named by
DOCPROOF_RECORD; docproof/record.py). Each page's blocks are found with the harness's own
`docproof.blocks.parse_page`, so both sides compute the same digests; docproof/verdict.py judges
them against the record, and site_hooks/markup.py stamps the page with what it found.

In release mode (DOCPROOF_RELEASE=1, the deploy workflow) the build fails, naming page:line, when
a page would prove nothing or any runnable block, shown or hidden, has no passing record for its
current text. Without a record (`mkdocs serve` before `make test`) the site builds and every page
says it is unverified.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.exceptions import PluginError

try:
    from docproof import blocks as docproof_blocks
except ImportError:  # building from a checkout that was not pip-installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from docproof import blocks as docproof_blocks
from docproof import record as docproof_record
from docproof import recording as docproof_recording
from docproof.verdict import NO_RECORD, PageReport, Proofs, Verdict, release_problems, report_for

import markup  # site_hooks/markup.py: MkDocs puts a hook's folder on sys.path while loading it
import host_label  # site_hooks/host_label.py, likewise; it uses markup's helpers
import recordings  # site_hooks/recordings.py, likewise: the players of the test run's recordings

log = logging.getLogger("mkdocs.hooks.docproof")

RECORD_ENV = "DOCPROOF_RECORD"
RELEASE_ENV = "DOCPROOF_RELEASE"
DEFAULT_RECORD = Path("build") / "verification.json"


def record_path(root: Path) -> Path:
    named = os.environ.get(RECORD_ENV)
    return Path(named).resolve() if named else root / DEFAULT_RECORD


def load_proofs(path: Path) -> Proofs | None:
    """The record at path, None if there is none; a malformed record is an error, never ignored."""
    try:
        entries = docproof_record.load(path)
    except docproof_record.RecordError as error:
        raise PluginError(f"verification record {error}") from None
    return None if entries is None else Proofs(entries)


@dataclass
class Build:
    """What one build's events share: the record, every page's report, the nav, copy texts."""

    root: Path
    path: Path  # of the record
    proofs: Proofs | None
    release: bool
    reports: dict[str, PageReport] = field(default_factory=dict)
    nav: list[tuple[str, str]] = field(default_factory=list)
    copies: dict[str, dict[str, str]] = field(default_factory=dict)  # src_uri -> digest -> copy text


# MkDocs calls hooks as module functions: the events of a build share its state through this
# module, and on_config starts it afresh for each build (`mkdocs serve` rebuilds).
_build: Build | None = None


def on_config(config):
    global _build
    root = Path(config.config_file_path).resolve().parent
    path = record_path(root)
    proofs = load_proofs(path)
    _build = Build(root, path, proofs, release=os.environ.get(RELEASE_ENV, "") not in {"", "0"})
    if proofs is None:
        log.info(f"docproof: no verification record at {path}; pages are marked unverified ({NO_RECORD})")
    else:
        log.info(f"docproof: stamping pages from {path} ({len(proofs.entries)} blocks)")
    return config


def on_files(files, config):
    build = _build
    build.reports = {
        file.src_uri: report_for(Path(file.abs_src_path), build.root, file.src_uri, build.proofs)
        for file in files.documentation_pages()
    }
    if build.release:
        problems = release_problems(list(build.reports.values()), build.proofs, build.path)
        if problems:
            raise PluginError(
                f"release build refused: {len(problems)} without proof (record: {build.path}; "
                "`make test` runs the pages and writes it):\n  " + "\n  ".join(problems)
            )
        log.info(f"docproof: release check passed for {len(build.reports)} pages")
    else:
        for report in build.reports.values():
            if report.error:
                log.warning(f"docproof: {report.error}")
    return files


def on_nav(nav, config, files):
    _build.nav = [(page.file.src_uri, page.title or page.file.src_uri) for page in nav.pages]
    return nav


def on_page_markdown(markdown, page, config, files):
    build, uri = _build, page.file.src_uri
    report = build.reports.get(uri)
    if markup.STATUS_MARKER in markdown:
        markdown = markdown.replace(markup.STATUS_MARKER, markup.status_table(build.reports, build.nav, uri, build.proofs))
    if report is None or report.error or not report.verdicts:
        return markdown
    # The page's Markdown lacks the front matter the file has: parse it again for offsets.
    parsed = docproof_blocks.parse_page(report.page, markdown, build.root).blocks
    if [b.digest for b in parsed] != [v.block.digest for v in report.verdicts]:
        log.warning(f"docproof: {report.page}: blocks differ between file and page text; not stamped")
        return markdown
    verdicts = [Verdict(b, v.state, v.reason, v.entry) for b, v in zip(parsed, report.verdicts)]
    build.copies[uri] = {
        v.block.digest: text for v in verdicts if not v.block.hidden and (text := markup.copy_text(v.block)) is not None
    }
    return markup.stamp_markdown(markdown, verdicts, markup.page_status_text(report),
                                 block_edits=[host_label.on_host, host_label.on_user])


def on_page_content(html_text, page, config, files):
    build, uri = _build, page.file.src_uri
    copies = build.copies.get(uri)
    html_text = markup.add_copy_text(html_text, copies) if copies else html_text
    report = build.reports.get(uri)
    # Only recordings of blocks the record says passed with their current digest are published.
    casts = recordings.proven(report, docproof_recording.folder_for(build.path)) if report and report.verdicts else []
    return recordings.add_players(html_text, report, casts, page, Path(config.site_dir)) if casts else html_text
