"""What the test rig prints that a reader's default installation does not, and what the reader sees.

The suite runs Debian's build of Docker (engine/packages.txt). Debian adds its repack and
revision suffixes to the versions the programs report (`28.5.2+dfsg4`, `2.40.3-3`); Docker's own
packages, which readers install, print the bare upstream version (`28.5.2`, `v2.40.3`). A page
matches such values with wildcards; when the site shows what a command printed, each value below
is shown as a reader's installation prints it, and the block carries a note that says what this
machine printed instead. Nothing else of an output is ever rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    readers: str  # replacement, in re.sub syntax
    why: str


RULES = [
    Rule(re.compile(r"\b(\d+\.\d+\.\d+)\+dfsg\d+\b"), r"\1",
         "Debian's build of Docker adds a repack suffix to its version; Docker's packages print the bare version"),
    Rule(re.compile(r"(Docker Compose version )(\d+\.\d+\.\d+)-\d+\b"), r"\1v\2",
         "Debian's build of Compose prints its package revision; Docker's prints v and the version"),
    Rule(re.compile(r"(github\.com/docker/buildx )(\d+\.\d+\.\d+)\+ds\d+ \S+"), r"\1v\2",
         "Debian's build of Buildx prints its package version where Docker's prints v, the version and a commit"),
    Rule(re.compile(r"\b(\d+\.\d+\.\d+)\+ds\d+(?:-\d+)?\b"), r"\1",
         "Debian's builds add a repack suffix and revision; Docker's packages print the bare version"),
    # Not v0.0.0+unknown (Debian's BuildKit): there is no real version to show in its place.
    Rule(re.compile(r"\b(?!0\.0\.0\+)(\d+\.\d+\.\d+)\+unknown\b"), r"\1",
         "Debian's containerd marks its version as untagged; Docker's packages print the bare version"),
]


@dataclass(frozen=True)
class Note:
    printed: str  # what this machine printed
    readers: str  # what a reader's default installation prints there
    why: str

    def text(self) -> str:
        return f"this machine printed {self.printed} where a reader's installation prints {self.readers}: {self.why}"


def readers_view(lines: list[str]) -> tuple[list[str], list[Note]]:
    """The lines as a reader's installation prints them, and a note for each value changed."""
    notes: list[Note] = []
    out = []
    for line in lines:
        for rule in RULES:
            def swap(found: re.Match, rule: Rule = rule) -> str:
                readers = found.expand(rule.readers)
                note = Note(found.group(0), readers, rule.why)
                if note not in notes:
                    notes.append(note)
                return readers
            line = rule.pattern.sub(swap, line)
        out.append(line)
    return out, notes
