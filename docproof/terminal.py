"""What a reader's terminal shows after a command: a small screen model, not a regex strip.

Programs that draw progress (`docker pull` on a terminal) move the cursor up, erase lines and
rewrite them; removing the escape codes alone would keep stale or wrong lines. This model
applies the few controls such programs use (carriage return, newline, backspace, cursor up/down/
column, erase line, and for full-screen redraws such as `docker stats`: cursor home and erase
display) and ignores colours and other modes, as a reader's eye does. The screen starts where the
command's output starts, so "home" and "clear the screen" act on that output only.
"""

from __future__ import annotations

import re

CONTROL = re.compile(
    r"\x1b\[(?P<params>[0-?]*)[ -/]*(?P<final>[@-~])"  # CSI: cursor moves, erase, colours, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: window titles
    r"|\x1b[()][0-9A-Za-z]|\x1b[=>78]"  # character sets, keypad, save/restore
    r"|(?P<char>[\r\n\b])"
)


def render(raw: str) -> str:
    """The text left on screen, trailing spaces and trailing empty lines removed."""
    screen: list[list[str]] = [[]]
    row = col = 0

    def put(text: str) -> None:
        nonlocal col
        line = screen[row]
        if len(line) < col:
            line.extend(" " * (col - len(line)))
        line[col:col + len(text)] = list(text)
        col += len(text)

    def count(params: str) -> int:
        return int(params) if params.isdigit() and int(params) > 0 else 1

    position = 0
    for control in CONTROL.finditer(raw):
        if control.start() > position:
            put(raw[position:control.start()])
        position = control.end()
        char, final, params = control.group("char"), control.group("final"), control.group("params") or ""
        if char == "\n":
            row += 1
            col = 0
            while len(screen) <= row:
                screen.append([])
        elif char == "\r":
            col = 0
        elif char == "\b":
            col = max(col - 1, 0)
        elif final == "A":
            row = max(row - count(params), 0)
        elif final == "B":
            row += count(params)
            while len(screen) <= row:
                screen.append([])
        elif final == "G":
            col = count(params) - 1
        elif final in "Hf":  # cursor position: row;col, 1-based, default home
            parts = (params.split(";") + ["", ""])[:2]
            row, col = count(parts[0]) - 1, count(parts[1]) - 1
            while len(screen) <= row:
                screen.append([])
        elif final == "J":
            if params in ("", "0"):  # erase from the cursor to the end of the screen
                del screen[row][col:]
                del screen[row + 1:]
            elif params == "1":  # erase from the start of the screen to the cursor
                for above in range(row):
                    screen[above] = []
                screen[row][:col] = [" "] * min(col, len(screen[row]))
            else:  # 2, 3: the whole screen; the cursor stays where it is
                screen[:] = [[] for _ in range(row + 1)]
        elif final == "K":
            line = screen[row]
            if params in ("", "0"):
                del line[col:]
            elif params == "1":
                line[:col] = [" "] * min(col, len(line))
            else:
                line.clear()
    if position < len(raw):
        put(raw[position:])
    lines = ["".join(line).rstrip() for line in screen]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
