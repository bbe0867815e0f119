"""The verification record, build/verification.json: what ran, on which engine, when, with what result.

The one definition of its format, for the three that use it: the pytest plugin writes it, the
site build (site_hooks/verification.py) reads it to stamp each block and, in release mode, to
refuse a page without proof, and CI merges the records of its shards:

    python -m docproof.record merge OUT PART...

A run keeps the entries of pages it did not run, so one chapter can be re-proven alone.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from docproof.blocks import Block

VERSION = 1
RESULTS = ("passed", "failed", "skipped")


class RecordError(Exception):
    """A record that cannot be used: the message starts with the file's path."""


@dataclass(kw_only=True)
class Entry:
    """One block's result. Fields without a default must be in every entry of a record; the
    others are optional when reading (the harness always writes them)."""

    page: str  # from the repository root: docs/x.md
    line: int = 0  # of the block in the page when it ran (lines move: blocks are matched by digest)
    kind: str = ""
    digest: str  # Block.digest: directive, language and code
    result: str  # one of RESULTS
    reason: str | None = None  # why it was skipped or failed
    engine: str | None = None
    client: str | None = None
    date: str | None = None
    duration: float | None = None  # seconds
    shown: list[list[str] | None] | None = None  # console output as shown, wildcards filled with what was printed
    rig: list[dict] | None = None  # values `shown` gives as a reader's installation prints them (docproof/rig.py)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        return {k: v for k, v in data.items() if v is not None or k not in ("shown", "rig")}


FIELDS = [f.name for f in dataclasses.fields(Entry)]
REQUIRED = [f.name for f in dataclasses.fields(Entry) if f.default is dataclasses.MISSING]


def _entry(path: Path, number: int, data: object) -> Entry:
    if not isinstance(data, dict):
        raise RecordError(f"{path}: entry {number}: not an object")
    missing = [f"'{name}'" for name in REQUIRED if not data.get(name)]
    if missing:
        raise RecordError(f"{path}: entry {number}: no {', '.join(missing)}")
    if data["result"] not in RESULTS:
        raise RecordError(f"{path}: entry {number}: result {data['result']!r} is not one of {', '.join(RESULTS)}")
    return Entry(**{name: data[name] for name in FIELDS if name in data})


def load(path: Path) -> list[Entry] | None:
    """The entries of the record at path, None if there is no record; anything malformed is a
    RecordError naming the file, the entry and what is wrong with it."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise RecordError(f"{path}: cannot be read: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("blocks"), list):
        raise RecordError(f'{path}: not {{"version": {VERSION}, "blocks": [...]}}')
    if data.get("version") != VERSION:
        raise RecordError(f"{path}: version {data.get('version')!r}; this harness reads version {VERSION}")
    return [_entry(path, number, entry) for number, entry in enumerate(data["blocks"], 1)]


def _dump(path: Path, entries: list[Entry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = [e.to_json() for e in sorted(entries, key=lambda e: (e.page, e.line))]
    path.write_text(json.dumps({"version": VERSION, "blocks": blocks}, indent=1) + "\n")


def write(path: Path, entries: list[Entry]) -> None:
    """Writes entries to the record at path, keeping its entries of the pages they do not name."""
    pages = {entry.page for entry in entries}
    try:
        kept = [e for e in load(path) or [] if e.page not in pages]
    except RecordError:
        kept = []  # an unreadable record is replaced, as if there were none
    _dump(path, kept + entries)


def merge(output: Path, parts: list[Path]) -> None:
    """One record from the records of CI shards (each proved other pages).

    A page recorded by two parts is refused: the site takes a block's first entry, so a page
    skipped by one job and passed by another would be stamped by whichever part came first."""
    entries: list[Entry] = []
    recorded_by: dict[str, Path] = {}
    for part in parts:
        found = load(part)
        if found is None:
            raise RecordError(f"{part}: no such record")
        for page in sorted({e.page for e in found}):
            if page in recorded_by:
                raise RecordError(f"{page} is recorded by both {recorded_by[page]} and {part}: "
                                  "each page must be proven by one job only")
            recorded_by[page] = part
        entries += found
    _dump(output, entries)


class Recorder:
    """Collects the entries of one test session; `write` adds them to the record at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.engine = "unknown"
        self.client = "unknown"

    def versions(self, engine_version: str, client_version: str) -> None:
        self.engine, self.client = engine_version, client_version

    def add(self, block: Block, result: str, reason: str | None, duration: float,
            shown: list[list[str]] | None = None, rig_notes: list | None = None) -> None:
        rig = [{"printed": n.printed, "readers": n.readers, "why": n.why} for n in rig_notes] if rig_notes else None
        self.entries.append(Entry(
            page=block.path, line=block.line, kind=block.kind, digest=block.digest, result=result,
            reason=reason, engine=self.engine, client=self.client, date=datetime.date.today().isoformat(),
            duration=round(duration, 3), shown=shown, rig=rig,
        ))

    def write(self) -> None:
        if self.entries:
            write(self.path, self.entries)


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[0] != "merge":
        sys.exit("usage: python -m docproof.record merge OUT PART...")
    try:
        merge(Path(argv[1]), [Path(p) for p in argv[2:]])
    except RecordError as error:
        sys.exit(f"docproof.record merge: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])
