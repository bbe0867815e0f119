"""What a block's terminal showed while the suite proved it, with real timing, as asciicast v2.

A `Tape` is the `logfile_read` of a shell's pexpect child while one visible block runs: pexpect
hands it every chunk it reads from the pty, when it reads it, so the timing is the run's own.
What a reader would not see is left out, and what a reader would see is put in:
- the command appears as typed after the prompt the page shows (`$ `, or another machine's or an
  ordinary user's, docproof/blocks.shown_prompt), with `> ` before each further line, as bash
  shows a pasted continuation; the several commands of a background block each after a prompt;
- the harness's `source` of a temporary file never reaches the screen (the pty does not echo),
  and the prompt marker the harness's PROMPT_COMMAND prints is cut out;
- a version Debian's build prints with its suffix is shown as the page shows it, as a reader's
  installation prints it (docproof/rig.py).
Typed lines of an interactive block are in the output as the program's terminal echoes them. A
pause longer than IDLE_LIMIT is shortened to it, and the header says so (`idle_time_limit`).

The pytest plugin writes a passing block's cast as RECORDINGS/PAGE/DIGEST.cast (the digest the
verification record keys the block by) and deletes it for a block that did not pass;
RECORDINGS is the folder `recordings` beside the record. The site hook copies a cast only when
the record says its block passed with that digest (site_hooks/recordings.py).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from docproof import rig
from docproof.blocks import Block
from docproof.terminal import extent

IDLE_LIMIT = 2.0  # seconds: a longer pause is shortened to this
CONTINUATION = "> "  # bash's prompt before each further line of a command (PS2)
GAP = 1.0  # seconds between two blocks in a chapter's whole run
MAX_ROWS = 50  # the page's pty (session.py): a recording is never taller than the terminal was
MAX_COLUMNS = 200
# A chapter's whole run is one terminal a reader can read at a page's width: longer lines wrap,
# older output scrolls away, as in a reader's own terminal of that size.
CHAPTER_SIZE = (120, 30)


class Tape:
    """The chunks a pty gave, each with the time it was read, for one block."""

    def __init__(self, marker: re.Pattern, prompt: str = "$") -> None:
        self.marker = marker
        self.prompt = prompt
        self.began = time.monotonic()
        self.timestamp = int(time.time())
        self.events: list[tuple[float, str]] = []

    def write(self, data: str) -> None:  # pexpect's logfile_read interface
        self.events.append((time.monotonic() - self.began, data))

    def flush(self) -> None:
        pass

    def typed(self, command: str) -> None:
        """The command as a reader types it, before what it prints."""
        self.write(f"{self.prompt} " + command.rstrip("\n").replace("\n", "\r\n" + CONTINUATION) + "\r\n")

    def shown(self) -> list[tuple[float, str]]:
        """The events with the harness's prompt markers cut out (a marker may span two chunks)."""
        text = "".join(data for _, data in self.events)
        keep = bytearray(b"\1" * len(text))
        for found in self.marker.finditer(text):
            keep[found.start():found.end()] = bytes(found.end() - found.start())
        events, at = [], 0
        for moment, data in self.events:
            kept = "".join(c for i, c in enumerate(data, at) if keep[i])
            at += len(data)
            if kept:
                # Versions as a reader's installation prints them, as the page shows them (rig.py).
                events.append((moment, rig.readers_view([kept])[0][0]))
        return events

    def cast(self, title: str) -> str:
        return to_cast(self.shown(), self.timestamp, title)


def _compressed(events: list[tuple[float, str]]) -> list[tuple[float, str]]:
    out, last_in, last_out = [], 0.0, 0.0
    for moment, data in events:
        last_out += min(max(moment - last_in, 0.0), IDLE_LIMIT)
        last_in = moment
        out.append((round(last_out, 3), data))
    return out


def size_of(text: str, limit: tuple[int, int] = (MAX_COLUMNS, MAX_ROWS)) -> tuple[int, int]:
    """(columns, rows) a player needs to show `text` as the pty did: at least 80 columns, no more
    than the pty had, and every row the cursor reached (a redraw from the top needs no more)."""
    columns, rows = extent(text)
    return min(max(columns + 1, 80), limit[0]), min(max(rows, 3), limit[1])


def to_cast(events: list[tuple[float, str]], timestamp: int, title: str,
            limit: tuple[int, int] = (MAX_COLUMNS, MAX_ROWS)) -> str:
    events = _compressed(events)
    width, height = size_of("".join(data for _, data in events), limit)
    header = {"version": 2, "width": width, "height": height, "timestamp": timestamp,
              "idle_time_limit": IDLE_LIMIT, "title": title}
    lines = [json.dumps(header)] + [json.dumps([moment, "o", data]) for moment, data in events]
    return "\n".join(lines) + "\n"


def read(cast: str) -> tuple[dict, list[tuple[float, str]]]:
    """The header and output events of a cast."""
    lines = cast.splitlines()
    header = json.loads(lines[0])
    events = [json.loads(line) for line in lines[1:] if line.strip()]
    return header, [(float(e[0]), e[2]) for e in events if e[1] == "o"]


def duration(cast: str) -> float:
    _, events = read(cast)
    return events[-1][0] if events else 0.0


def concatenate(casts: list[str], title: str) -> str:
    """A chapter's whole run: its blocks' casts one after another, GAP seconds apart."""
    events, offset, timestamp = [], 0.0, None
    for cast in casts:
        header, own = read(cast)
        timestamp = timestamp if timestamp is not None else header.get("timestamp", 0)
        start = offset + (GAP if events else 0.0)
        events += [(start + moment, data) for moment, data in own]
        offset = events[-1][0] if events else offset
    return to_cast(events, timestamp or 0, title, CHAPTER_SIZE)


def folder_for(record: Path) -> Path:
    """Where a run writes its recordings: beside its verification record."""
    return record.parent / "recordings"


def path_for(folder: Path, page: str, digest: str) -> Path:
    return folder / page.removesuffix(".md") / f"{digest}.cast"


def save(folder: Path, block: Block, cast: str) -> Path:
    path = path_for(folder, block.path, block.digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cast)
    return path


def remove(folder: Path, block: Block) -> None:
    path_for(folder, block.path, block.digest).unlink(missing_ok=True)
