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
                parts.append(rf"(?P<{name}>[^\s]+?)")
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
