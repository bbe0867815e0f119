"""Matching the output a page shows against what a command really printed.

What legitimately varies is marked explicitly in the shown output:

- `...` inside a line matches any text on that line (sizes, times, IDs);
- a line that is only `...` matches any number of lines, none included;
- `{name}` matches one word and remembers it; a later `{name}` on the same page must match
  the same word (the ID printed by `docker run -d` that `docker ps` shows again).

Everything else must be exactly what the command printed, except trailing spaces.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

ELLIPSIS = "..."
CAPTURE = re.compile(r"\{([a-z][a-z0-9_]*)\}")
TOKEN = re.compile(r"\.\.\.|\{[a-z][a-z0-9_]*\}")


def _normalize(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _line_pattern(line: str, known: dict[str, str], new: list[str]) -> str:
    parts, position = [], 0
    for token in TOKEN.finditer(line):
        parts.append(re.escape(line[position:token.start()]))
        if token.group() == ELLIPSIS:
            parts.append(r"[^\n]*?")
        else:
            name = token.group()[1:-1]
            if name in known:
                parts.append(re.escape(known[name]))
            elif name in new:
                parts.append(f"(?P={name})")
            else:
                new.append(name)
                parts.append(rf"(?P<{name}>[^\s]+)")
        position = token.end()
    parts.append(re.escape(line[position:]))
    return "".join(parts)


@dataclass
class Match:
    ok: bool
    captures: dict[str, str] = field(default_factory=dict)


def match(expected: list[str], actual: str, known: dict[str, str] | None = None) -> Match:
    """Does the actual output fit the shown output? Returns the new captures when it does."""
    known = known or {}
    expected = _normalize(expected)
    actual_lines = _normalize(actual.split("\n")) if actual else []
    new: list[str] = []
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line.strip() == ELLIPSIS else _line_pattern(line, known, new) + r"\n"
        for line in expected
    )
    found = re.fullmatch(pattern, "".join(line + "\n" for line in actual_lines))
    if not found:
        return Match(False)
    return Match(True, {name: found.group(name) for name in new})


def fill(expected: list[str], actual: str, known: dict[str, str] | None = None) -> list[str] | None:
    """The shown lines with each inline `...` and `{name}` replaced by what the command printed there.

    Lines of only `...` stay: they stand for output the author chose to leave out. The site shows
    readers these filled lines, so they read real IDs and sizes instead of placeholders."""
    known = dict(known or {})
    expected = _normalize(expected)
    actual_lines = _normalize(actual.split("\n")) if actual else []
    pieces, slots, seen = [], [], set(known)
    for index, line in enumerate(expected):
        if line.strip() == ELLIPSIS:
            pieces.append(r"(?:[^\n]*\n)*?")
            continue
        parts, position = [], 0
        for token in TOKEN.finditer(line):
            parts.append(re.escape(line[position:token.start()]))
            group = f"s{len(slots)}"
            slots.append(group)
            name = token.group()[1:-1] if token.group() != ELLIPSIS else None
            if name and name in known:
                parts.append(f"(?P<{group}>{re.escape(known[name])})")
            elif name and name in seen:
                parts.append(f"(?P<{group}>(?P={name}))")
            elif name:
                seen.add(name)
                parts.append(f"(?P<{group}>(?P<{name}>[^\\s]+))")
            else:
                parts.append(f"(?P<{group}>[^\\n]*?)")
            position = token.end()
        parts.append(re.escape(line[position:]))
        pieces.append("".join(parts) + r"\n")
    found = re.fullmatch("".join(pieces), "".join(line + "\n" for line in actual_lines))
    if not found:
        return None
    slot = iter(slots)
    return [
        line if line.strip() == ELLIPSIS else TOKEN.sub(lambda _: found.group(next(slot)), line)
        for line in expected
    ]


def line_matches(expected_line: str, actual_line: str, known: dict[str, str]) -> bool:
    if expected_line.strip() == ELLIPSIS:
        return True
    return re.fullmatch(_line_pattern(expected_line.rstrip(), dict(known), []), actual_line.rstrip()) is not None


def diff(expected: list[str], actual: str) -> str:
    lines = difflib.unified_diff(
        _normalize(expected), _normalize(actual.split("\n")) if actual else [],
        "shown on the page", "printed by the command", lineterm="", n=2,
    )
    return "\n".join(lines)


def updated(expected: list[str], actual: str, known: dict[str, str]) -> list[str]:
    """The shown output an author should have: unchanged where it still fits, else what was printed,
    keeping each shown line (with its wildcards) that still matches the printed line beside it."""
    if match(expected, actual, known).ok:
        return expected
    actual_lines = _normalize(actual.split("\n")) if actual else []
    if ELLIPSIS in (line.strip() for line in expected):
        return actual_lines
    return [
        shown if i < len(expected) and line_matches(shown := expected[i], printed, known) else printed
        for i, printed in enumerate(actual_lines)
    ]
