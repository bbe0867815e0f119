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
import itertools
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


class _Pattern:
    """The one compiler of shown output into a regular expression.

    Every wildcard becomes a numbered group (`t0`, `t1`, ... in page order), so `fill` can put
    back what matched it; `{name}` also becomes the named group `name` the first time it occurs
    and a back-reference after that, unless `known` (captures from earlier commands) gives it."""

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = dict(known or {})
        self.new: list[str] = []
        self.tokens = 0

    def line(self, text: str, capture: bool = True) -> str:
        parts, position = [], 0
        for token in TOKEN.finditer(text):
            parts.append(re.escape(text[position:token.start()]))
            name = None if token.group() == ELLIPSIS else token.group()[1:-1]
            if name is None:
                inner = r"[^\n]*?"
            elif not capture:
                inner = r"\S+"
            elif name in self.known:
                inner = re.escape(self.known[name])
            elif name in self.new:
                inner = f"(?P={name})"
            else:
                self.new.append(name)
                inner = rf"(?P<{name}>\S+)"
            if capture:
                parts.append(f"(?P<t{self.tokens}>{inner})")
                self.tokens += 1
            else:
                parts.append(f"(?:{inner})")
            position = token.end()
        parts.append(re.escape(text[position:]))
        return "".join(parts)

    def lines(self, expected: list[str]) -> str:
        # A line of only `...` stands for any number of lines, none included.
        return "".join(r"(?:[^\n]*\n)*?" if line.strip() == ELLIPSIS else self.line(line) + r"\n"
                       for line in expected)


def _joined(actual: str) -> str:
    return "".join(line + "\n" for line in (_normalize(actual.split("\n")) if actual else []))


@dataclass
class Match:
    ok: bool
    captures: dict[str, str] = field(default_factory=dict)


def match(expected: list[str], actual: str, known: dict[str, str] | None = None) -> Match:
    """Does the actual output fit the shown output? Returns the new captures when it does."""
    pattern = _Pattern(known)
    found = re.fullmatch(pattern.lines(_normalize(expected)), _joined(actual))
    if not found:
        return Match(False)
    return Match(True, {name: found.group(name) for name in pattern.new})


def fill(expected: list[str], actual: str, known: dict[str, str] | None = None) -> list[str] | None:
    """The shown lines with each inline `...` and `{name}` replaced by what the command printed there.

    Lines of only `...` stay: they stand for output the author chose to leave out. The site shows
    readers these filled lines, so they read real IDs and sizes instead of placeholders."""
    expected = _normalize(expected)
    found = re.fullmatch(_Pattern(known).lines(expected), _joined(actual))
    if not found:
        return None
    token = itertools.count()
    return [
        line if line.strip() == ELLIPSIS else TOKEN.sub(lambda _: found.group(f"t{next(token)}"), line)
        for line in expected
    ]


def line_matches(expected_line: str, actual_line: str, known: dict[str, str]) -> bool:
    if expected_line.strip() == ELLIPSIS:
        return True
    return re.fullmatch(_Pattern(known).line(expected_line.rstrip()), actual_line.rstrip()) is not None


def prompt_pattern(prompt: str) -> str:
    """An interactive program's prompt as shown (`mysql> `, `...# `), as a regular expression."""
    return _Pattern().line(prompt, capture=False)


# `{name}` alone: not `${name}` (a shell variable), `%{name}` (curl) nor `{{name}}` (a Go template).
IN_COMMAND = re.compile(r"(?<![${%])\{([a-z][a-z0-9_]*)\}(?!\})")


def substitute(command: str, known: dict[str, str]) -> str:
    """A command with each `{name}` of an earlier capture replaced by what it matched: a page may
    type what a command printed before (the join token a swarm manager printed, on another host)."""
    return IN_COMMAND.sub(lambda m: known.get(m.group(1), m.group(0)), command)


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
