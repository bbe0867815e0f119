"""Docker forms that Engine / CLI 27, 28 or 29 removed or changed, in the commands the chapters run.

Why: a page is proven against the suite's engine, but readers run it against the Docker they
installed. A template field, flag, subcommand or output format that a newer Docker removed
(`{{.NetworkSettings.IPAddress}}` after API 1.52, `docker events --format '{{.Status}}'` with CLI 29)
passes here and breaks for them. The entries live in scripts/removed-docker-forms.yaml, each with
what changed, in which release, what to use instead, and where Docker says so.

Scanned: every console command and bash/sh/shell block of docs/*.md, hidden setup/check/cleanup
blocks and skipped blocks included (readers still copy those); shell scripts, compose files and
Dockerfiles in snippets/. Commands are cut into pipelines, a `$(...)` being a pipeline of its own,
so that an entry scoped to `docker events` does not match `docker ps --format '{{.ID}}'` nearby.
Each hit is reported as file:line with the entry, the offending text, a fix and the source.
Exit status 1 when an error entry is hit; warnings (deprecated, still working) do not fail.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "scripts" / "removed-docker-forms.yaml"
sys.path.insert(0, str(ROOT))

from docproof.blocks import PageError, parse_page, split_console  # noqa: E402

REQUIRED = ("id", "severity", "match", "removed", "version", "instead", "source")


@dataclass
class Entry:
    id: str
    severity: str
    files: list[str]
    match: re.Pattern
    scope: re.Pattern | None
    unless: re.Pattern | None
    with_output: bool
    noted: bool  # a visible "Docker 29" note after the block (a link to docker-29.md) settles it
    removed: str
    version: str
    instead: str
    source: str
    pr: str | None


@dataclass
class Unit:
    """A piece of shell (or a whole compose file / Dockerfile) and the line it starts at."""

    line: int
    text: str
    shows_output: bool = False
    noted: bool = False  # a "Docker 29" note (a link to docker-29.md) follows the block


def load_table(path: Path = TABLE) -> list[Entry]:
    entries = []
    for row in yaml.safe_load(path.read_text()):
        missing = [key for key in REQUIRED if not row.get(key)]
        if missing or row["severity"] not in ("error", "warning"):
            raise SystemExit(f"{path}: entry {row.get('id')!r}: missing {missing} or bad severity")
        optional = {key: re.compile(row[key], re.M) if row.get(key) else None for key in ("scope", "unless")}
        entries.append(Entry(
            row["id"], row["severity"], row.get("files", ["commands"]), re.compile(row["match"], re.M),
            optional["scope"], optional["unless"], bool(row.get("with_output")), bool(row.get("noted")), row["removed"],
            str(row["version"]), row["instead"], row["source"], row.get("pr"),
        ))
    return entries


def pipelines(text: str) -> list[str]:
    """Each pipeline of a shell text, as a copy of the text with all other characters blanked.

    Offsets stay those of the text, so a match still gives its line. A pipeline ends at an unquoted
    `;`, `&`, `||` or line end (not after a `\\`); `$(...)` is a pipeline of its own and a hole in
    the one around it; comments belong to none. Backquotes and here-documents are not special.
    """
    owner: list[int | None] = [None] * len(text)
    frames = [[0, None, 0]]  # one per open `$(`: [its pipeline, open quote, open parentheses]
    count, i = 1, 0
    while i < len(text):
        frame, c = frames[-1], text[i]
        if frame[1] == "'" or (frame[1] == '"' and c not in '"\\$'):
            frame[1] = None if c == frame[1] else frame[1]
            owner[i] = frame[0]
        elif c == "\\":
            owner[i:i + 2] = [frame[0]] * len(text[i:i + 2])
            i += 1
        elif text.startswith("$(", i):
            frames.append([count, None, 0])
            count += 1
            i += 1
        elif c in "'\"":
            frame[1] = None if frame[1] == c else c
            owner[i] = frame[0]
        elif frame[1]:  # `$` inside double quotes, not starting a substitution
            owner[i] = frame[0]
        elif c == ")" and frame[2] == 0 and len(frames) > 1:
            frames.pop()
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;&|("):
            i = text.find("\n", i) - 1 if "\n" in text[i:] else len(text)
        elif c in ";&\n" or text.startswith("||", i):
            frame[0], count = count, count + 1
        else:
            frame[2] += (c == "(") - (c == ")")
            owner[i] = frame[0]
        i += 1
    return ["".join(ch if owner[k] == n or ch == "\n" else " " for k, ch in enumerate(text)) for n in range(count)]


NOTE_LINK = re.compile(r"\]\(docker-29\.md#[\w-]+\)")


def _noted(text: str, end: int) -> bool:
    """Is the block ending at `end` followed, before the next code fence, by a Docker 29 note?"""
    rest = text[end:]
    fence = re.search(r"^[ \t>]*(`{3,}|~{3,})", rest, re.M)
    return bool(NOTE_LINK.search(rest[: fence.start() if fence else len(rest)]))


def page_units(page: Path, name: str) -> list[Unit]:
    """The commands of a chapter: console commands one by one, scripts and hidden blocks whole."""
    units = []
    text = page.read_text()
    for block in parse_page(name, text, ROOT).blocks:
        noted = not block.hidden and _noted(text, block.end)
        if block.kind == "console":
            units += [Unit(c.line, c.text, any(l.strip() for l in c.expected), noted) for c in split_console(block)]
        else:
            units.append(Unit(block.source_line, block.source, noted=noted))
    return units


def file_kind(path: Path) -> str | None:
    """Which entries apply to a file: a chapter, shell commands, a compose file or a Dockerfile."""
    if path.suffix == ".md":
        return "page"
    if path.suffix in (".sh", ".bash"):
        return "commands"
    if path.name.startswith("Dockerfile"):
        return "dockerfile"
    if path.suffix in (".yaml", ".yml") and re.search(r"^services\s*:", path.read_text(), re.M):
        return "compose"
    return None


def find_hits(entries: list[Entry], kind: str, unit: Unit):
    """(entry, line, offending text) for every entry the unit matches."""
    pieces = pipelines(unit.text) if kind == "commands" else [unit.text]
    for entry in entries:
        if kind not in entry.files or (entry.with_output and not unit.shows_output) or (entry.noted and unit.noted):
            continue
        for piece in pieces:
            if (entry.scope and not entry.scope.search(piece)) or (entry.unless and entry.unless.search(piece)):
                continue
            for match in entry.match.finditer(piece):
                yield entry, unit.line + piece.count("\n", 0, match.start()), match.group().strip()


def report(name: str, line: int, entry: Entry, text: str) -> str:
    source = entry.source + (f" ({entry.pr})" if entry.pr else "")
    return (
        f"{name}:{line}: {entry.severity} [{entry.id}] `{text}`: {entry.version}: {entry.removed}\n"
        f"    fix: {entry.instead}\n"
        f"    source: {source}"
    )


def default_files() -> list[Path]:
    snippets = [p for p in sorted((ROOT / "snippets").rglob("*")) if p.is_file() and file_kind(p)]
    return sorted((ROOT / "docs").rglob("*.md")) + snippets


def main(args: list[str]) -> int:
    entries = load_table()
    errors = warnings = 0
    for path in [Path(a) for a in args] or default_files():
        name = str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)
        kind = file_kind(path)
        try:
            units = page_units(path, name) if kind == "page" else [Unit(1, path.read_text())] if kind else []
        except PageError as error:
            print(error)
            errors += 1
            continue
        for unit in units:
            for entry, line, text in find_hits(entries, "commands" if kind == "page" else kind, unit):
                print(report(name, line, entry, text))
                errors += entry.severity == "error"
                warnings += entry.severity == "warning"
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
