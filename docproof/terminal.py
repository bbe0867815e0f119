"""What a reader's terminal shows after a command: pyte's screen, not a regex strip.

Programs that draw progress (`docker pull` on a terminal) move the cursor up, erase lines and
rewrite them; `docker stats` redraws from the top; removing the escape codes alone would keep
stale or wrong lines. pyte, a VT100/VT220 emulator, applies them. The screen is wider than the
longest line (nothing wraps) and grows at the bottom (nothing scrolls away: the whole output is
kept), and it starts where the command's output starts, so "home" and "clear the screen" act on
that output only. Above that output sits one row for the command's own line, as on a reader's
screen: Compose starts its progress by moving the cursor up a row and down again, which on a
screen without that row would leave an empty line a reader never sees.
"""

from __future__ import annotations

import unicodedata

import pyte
from pyte import modes
from wcwidth import wcwidth


class _Screen(pyte.Screen):
    deepest = 0  # the lowest row the cursor reached
    widest = 0  # the furthest column anything was drawn to, also on lines erased since

    def index(self) -> None:
        if self.margins is None and self.cursor.y == self.lines - 1:
            self.resize(lines=self.lines + 1)
        super().index()
        self.deepest = max(self.deepest, self.cursor.y)

    def cursor_position(self, line=None, column=None) -> None:
        # Rows count from the output's first row: the command's row above it is not the top.
        super().cursor_position((line or 1) + 1, column)

    def cursor_to_line(self, line=None) -> None:
        super().cursor_to_line((line or 1) + 1)

    def tab(self) -> None:
        # A tab stays one tab, not spaces to the next stop: pages show `time`'s and JSON's tabs.
        self.buffer[self.cursor.y][self.cursor.x] = self.cursor.attrs._replace(data="\t")
        self.cursor.x += 1

    def draw(self, data: str) -> None:
        # pyte 0.8.2 stops at a character of no width that combines with nothing (a control
        # character, U+200B, U+FE0F) and loses the rest of the text: drop that character alone.
        super().draw("".join(c for c in data if wcwidth(c) > 0 or unicodedata.combining(c)))
        self.widest = max(self.widest, self.cursor.x)


def _screen(raw: str) -> _Screen:
    lines = raw.split("\n")
    screen = _Screen(2 * max(map(len, lines)) + 1, len(lines) + 1)  # a wide character takes 2 columns
    screen.set_mode(modes.LNM)  # a line feed returns the carriage too, as the pty's ONLCR does
    assert screen.cursor.y == 1  # home, where the output starts: below the command's row
    pyte.Stream(screen).feed(raw)
    return screen


def extent(raw: str) -> tuple[int, int]:
    """(columns, rows) a terminal needs to replay raw without wrapping or scrolling: the widest
    line ever drawn (a pull's progress lines are wider than what they leave; drawn narrower, they
    would wrap and leave stale rows) and the lowest row the cursor reached, counted from 1."""
    screen = _screen(raw)
    widest = max(screen.widest, max(map(len, _shown(screen)), default=0))
    return widest, max(screen.deepest, screen.cursor.y)  # rows below the command's row


def render(raw: str) -> str:
    """The text left on screen, trailing spaces and trailing empty lines removed."""
    return "\n".join(_shown(_screen(raw)))


def _shown(screen: _Screen) -> list[str]:
    shown = []
    # The command's row shows only what the output drew over it (a cursor moved above its start).
    for row in range(0 if any(cell.data.strip() for cell in screen.buffer[0].values()) else 1, screen.lines):
        cells = screen.buffer[row]
        shown.append("".join(cells[column].data for column in range(max(cells, default=-1) + 1)).rstrip())
    while shown and not shown[-1]:
        shown.pop()
    return shown
