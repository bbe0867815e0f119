"""The verification record: what ran, on which engine, when, with what result.

The site build reads it (site_hooks/verification.py) to stamp each block for readers and, in
release mode, to refuse a page whose blocks have no passing record for their current content.
Records of pages not run in this session are kept, so one chapter can be re-proven alone.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from docproof.blocks import Block

VERSION = 1


class Record:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[dict] = []
        self.engine = "unknown"
        self.client = "unknown"

    def versions(self, engine_version: str, client_version: str) -> None:
        self.engine, self.client = engine_version, client_version

    def add(self, block: Block, result: str, reason: str | None, duration: float,
            shown: list[list[str]] | None = None, rig_notes: list | None = None) -> None:
        entry = {
            "page": block.path,
            "line": block.line,
            "kind": block.kind,
            "digest": block.digest,
            "result": result,
            "reason": reason,
            "engine": self.engine,
            "client": self.client,
            "date": datetime.date.today().isoformat(),
            "duration": round(duration, 3),
        }
        if shown is not None:
            entry["shown"] = shown  # console output as shown, wildcards filled with what was printed
        if rig_notes:
            # values `shown` gives as a reader's installation prints them (docproof/rig.py)
            entry["rig"] = [{"printed": n.printed, "readers": n.readers, "why": n.why} for n in rig_notes]
        self.entries.append(entry)

    def write(self) -> None:
        if not self.entries:
            return
        pages = {entry["page"] for entry in self.entries}
        kept = []
        if self.path.exists():
            try:
                kept = [e for e in json.loads(self.path.read_text()).get("blocks", []) if e.get("page") not in pages]
            except (ValueError, AttributeError):
                kept = []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        blocks = sorted(kept + self.entries, key=lambda e: (e["page"], e["line"]))
        self.path.write_text(json.dumps({"version": VERSION, "blocks": blocks}, indent=1) + "\n")


def merge(output: Path, parts: list[Path]) -> None:
    """One record from the records of CI shards (each proved other pages)."""
    blocks = []
    for part in parts:
        blocks += json.loads(part.read_text()).get("blocks", [])
    output.parent.mkdir(parents=True, exist_ok=True)
    blocks.sort(key=lambda e: (e["page"], e["line"]))
    output.write_text(json.dumps({"version": VERSION, "blocks": blocks}, indent=1) + "\n")


def client_version(argv: list[str] | None = None) -> str:
    """The docker CLI's version; `argv` runs `docker` where pages run it (Engine.docker)."""
    import subprocess

    try:
        out = subprocess.run(argv or ["docker", "version", "--format", "{{.Client.Version}}"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    return out or "unknown"


if __name__ == "__main__":  # python -m docproof.report merge OUT PART...
    import sys

    if len(sys.argv) < 4 or sys.argv[1] != "merge":
        sys.exit("usage: python -m docproof.report merge OUT PART...")
    merge(Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
