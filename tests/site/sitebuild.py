"""Real MkDocs builds of the site, or of a temporary copy of it, for the site tests.

Nothing here mocks MkDocs: every build is `python -m mkdocs build` in a subprocess, with the
project's own mkdocs.yml and hook, exactly as `make docs` and the deploy workflow run it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from docproof import record
from docproof.blocks import parse_page

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What a copy of the site needs: the config, the pages, the files they include, the hook.
SITE_PATHS = ["mkdocs.yml", "docs", "snippets", "site_hooks", "catalog"]


@dataclass
class Build:
    returncode: int
    output: str
    site: Path
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def copy_site(destination: Path) -> Path:
    """A copy of the site's sources to break on purpose without touching the real ones."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in SITE_PATHS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.is_file():
            shutil.copy2(source, destination / name)
    return destination


def add_page(root: Path, name: str, text: str, title: str) -> Path:
    """Writes docs/<name> in a copy and lists it at the end of the nav (the last key)."""
    page = root / "docs" / name
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    config = root / "mkdocs.yml"
    lines = config.read_text().rstrip("\n").split("\n")
    nav = lines.index("nav:")
    after = [l for l in lines[nav + 1:] if l.strip() and not l.lstrip().startswith("#")]
    assert all(l.startswith("  ") for l in after), "nav must be the last key of mkdocs.yml"
    lines.append(f"  - {title}: {name}")
    config.write_text("\n".join(lines) + "\n")
    return page


def build(root: Path, site: Path, *, record: Path | None = None, release: bool = False,
          strict: bool = True) -> Build:
    """`mkdocs build` of the site at root into site; record=None means no record at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPROOF_")}
    env["DOCPROOF_RECORD"] = str(record if record is not None else root / "no-record.json")
    env["NO_MKDOCS_2_WARNING"] = "1"
    if release:
        env["DOCPROOF_RELEASE"] = "1"
    command = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"), "-d", str(site)]
    if strict:
        command.append("--strict")
    started = time.monotonic()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    return Build(done.returncode, done.stdout + done.stderr, site, time.monotonic() - started)


def blocks_of(root: Path, page: str):
    """The blocks of docs page `page` (a path from root), as the harness finds them."""
    return parse_page(page, (root / page).read_text(), root).blocks


def write_record(path: Path, root: Path, pages: list[str], *, results: dict[int, str] | None = None,
                 reasons: dict[int, str] | None = None, date: str = "2026-11-27") -> Path:
    """A record (docproof/record.py) for every block of pages: passed unless `results`
    (keyed by the block's line) says otherwise; skipped blocks are recorded as skipped."""
    results, reasons = results or {}, reasons or {}
    entries = []
    for page in pages:
        for block in blocks_of(root, page):
            result = "skipped" if block.options.skip else results.get(block.line, "passed")
            reason = block.options.skip if block.options.skip else reasons.get(block.line)
            entries.append(record.Entry(
                page=page, line=block.line, kind=block.kind, digest=block.digest, result=result, reason=reason,
                engine="26.1.5+dfsg1", client="28.2.2", date=date, duration=0.25,
            ))
    path.unlink(missing_ok=True)  # these pages only, nothing kept from an earlier record
    record.write(path, entries)
    return path


def chapters(root: Path = ROOT) -> list[str]:
    """docs pages (paths from root) that have runnable blocks, in nav order as far as listed."""
    found = []
    for path in sorted((root / "docs").rglob("*.md")):
        page = path.relative_to(root).as_posix()
        if parse_page(page, path.read_text(), root).blocks:
            found.append(page)
    return found
