"""Recordings of what each block's terminal showed while it was proven (docproof/recording.py).

Fixture pages run in a child pytest against the real engine, under the real pty; the casts it
writes are read back and played through the project's own terminal model (docproof/terminal.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docproof import expect, recording
from docproof.blocks import parse_page, split_console
from docproof.terminal import render
from test_pages import ENGINE_ARGS, PAGES, ROOT, run_pages


@pytest.fixture(autouse=True, scope="module")
def _same_engine_for_children(request):
    url = request.config.getoption("--docker-host")
    ENGINE_ARGS[:] = ["--docker-host", url] if url else []


@pytest.fixture(scope="module")
def recorded(docker_engine, tmp_path_factory) -> Path:
    """The recordings folder of one run of tests/harness/pages/recorded.md, which passed."""
    folder = tmp_path_factory.mktemp("recorded")
    result = run_pages(PAGES / "recorded.md", record=folder / "record.json")
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "recordings"


def _blocks(page: Path):
    return parse_page(page.relative_to(ROOT), page.read_text(), ROOT).blocks


def _cast(folder: Path, block) -> Path:
    return recording.path_for(folder, block.path, block.digest)


def test_each_passing_visible_block_is_recorded_and_a_hidden_one_is_not(recorded):
    page, folder = PAGES / "recorded.md", recorded
    blocks = _blocks(page)
    visible = [b for b in blocks if not b.hidden]
    assert len(visible) == 6 and len(blocks) == 8
    assert all(_cast(folder, b).is_file() for b in visible)
    assert not any(_cast(folder, b).exists() for b in blocks if b.hidden)
    assert len(list(folder.rglob("*.cast"))) == len(visible)
    for block in visible:
        text = _cast(folder, block).read_text()
        header, events = recording.read(text)
        assert (header["version"], header["idle_time_limit"]) == (2, recording.IDLE_LIMIT)
        assert header["width"] >= 80 and 3 <= header["height"] <= recording.MAX_ROWS
        assert isinstance(header["timestamp"], int)
        shown = "".join(data for _, data in events)
        # Nothing of the harness's machinery: no prompt marker, no `source` of a temporary file.
        assert "\x1e" not in shown and "\x1f" not in shown and "source " not in shown, shown
        assert "hidden-setup-ran" not in shown
        assert shown.startswith("$ "), shown
        times = [moment for moment, _ in events]
        assert times == sorted(times)


def test_a_long_pause_is_shortened_to_the_idle_limit(recorded):
    block = next(b for b in _blocks(PAGES / "recorded.md") if "sleep 3" in b.source)
    _, events = recording.read(_cast(recorded, block).read_text())
    before = next(moment for moment, data in events if "before" in data and not data.startswith("$"))
    after = next(moment for moment, data in events if "after" in data and not data.startswith("$"))
    # The run waited 3 s; the cast waits 2 (times are kept to the millisecond).
    assert after - before == pytest.approx(recording.IDLE_LIMIT, abs=0.0015)


def _per_command(events, block) -> list[tuple[str, str]]:
    """(command, what its terminal showed after it was typed) for each `$ ` command of a block."""
    typed = {"$ " + c.text.replace("\n", "\r\n> ") + "\r\n": c for c in split_console(block)}
    parts: list[list] = []
    for _, data in events:
        if data in typed:
            parts.append([typed[data], ""])
        else:
            parts[-1][1] += data
    return [(command, render(raw)) for command, raw in parts]


def test_frames_played_through_the_terminal_model_end_with_what_the_page_shows(recorded):
    page, folder = PAGES / "recorded.md", recorded
    consoles = [b for b in _blocks(page) if b.kind == "console"]
    assert len(consoles) == 5
    for block in consoles:
        _, events = recording.read(_cast(folder, block).read_text())
        commands = _per_command(events, block)
        assert [c.text for c, _ in commands] == [c.text for c in split_console(block)]
        captures: dict[str, str] = {}
        for command, screen in commands:
            found = expect.match(command.expected, screen, captures)
            assert found.ok, f"{block.path}:{command.line}\n{expect.diff(command.expected, screen)}"
            captures.update(found.captures)
        # The last frame of the whole recording ends with the last command's output as shown.
        whole = render("".join(data for _, data in events))
        assert whole.endswith(commands[-1][1]), whole
    interactive = next(b for b in consoles if b.options.prompt)
    _, events = recording.read(_cast(folder, interactive).read_text())
    screen = render("".join(data for _, data in events))
    assert "/ # echo inside\ninside\n/ # exit" in screen, screen  # typed input, as the terminal echoed it


def test_a_failing_block_leaves_no_recording_even_one_from_an_earlier_run(docker_engine, tmp_path):
    page = PAGES / "fail-recorded.md"
    passing, failing = _blocks(page)
    folder = tmp_path / "recordings"
    stale = _cast(folder, failing)
    stale.parent.mkdir(parents=True)
    stale.write_text(recording.to_cast([(0.0, "$ echo printed\r\nnot what it printed\r\n")], 0, "earlier run"))
    result = run_pages(page, record=tmp_path / "record.json")
    assert result.returncode == 1, result.stdout
    entries = {b["line"]: b["result"] for b in json.loads((tmp_path / "record.json").read_text())["blocks"]}
    assert entries == {passing.line: "passed", failing.line: "failed"}
    assert _cast(folder, passing).is_file()
    assert not stale.exists(), "a recording of a block that failed is still there"


def test_no_recordings_records_nothing(docker_engine, tmp_path):
    result = run_pages(PAGES / "fail-recorded.md", "--no-recordings", record=tmp_path / "record.json")
    assert result.returncode == 1 and (tmp_path / "record.json").is_file(), result.stdout
    assert not (tmp_path / "recordings").exists()


def test_a_chapter_run_is_its_blocks_one_after_another_with_a_short_gap():
    first = recording.to_cast([(0.0, "$ echo a\r\n"), (0.5, "a\r\n")], 100, "a")
    second = recording.to_cast([(0.0, "$ echo b\r\n"), (0.2, "b\r\n")], 200, "b")
    header, events = recording.read(recording.concatenate([first, second], "chapter"))
    assert header["timestamp"] == 100 and header["title"] == "chapter"
    assert [m for m, _ in events] == [0.0, 0.5, 0.5 + recording.GAP, 0.7 + recording.GAP]
    assert render("".join(d for _, d in events)) == "$ echo a\na\n$ echo b\nb"


def test_a_chapter_run_is_a_terminal_of_a_readable_size_and_a_block_keeps_the_ptys():
    wide = recording.to_cast([(0.0, "$ echo\r\n" + "x" * 150 + "\r\n" * 60)], 0, "wide")
    header, _ = recording.read(wide)
    assert (header["width"], header["height"]) == (151, recording.MAX_ROWS)
    header, _ = recording.read(recording.concatenate([wide], "chapter"))
    assert (header["width"], header["height"]) == recording.CHAPTER_SIZE


def test_a_recording_shows_versions_as_the_page_does_and_the_site_gate_reads_recordings(tmp_path):
    import re
    import subprocess
    import sys

    tape = recording.Tape(re.compile("\x1eDPnonce:0:\x1f"))
    tape.typed("docker version --format '{{.Server.Version}}'")
    tape.write("28.5.2+dfsg4\r\n\x1eDPnonce:0:\x1f")
    header, events = recording.read(tape.cast("t"))
    assert "".join(d for _, d in events) == "$ docker version --format '{{.Server.Version}}'\r\n28.5.2\r\n"
    # A recording that shows the rig anyway is caught by the gate on the built site.
    site = tmp_path / "site"
    (site / "recordings" / "page").mkdir(parents=True)
    (site / "recordings" / "page" / "x.cast").write_text(recording.to_cast([(0.0, "Root: /var/lib/docproof/docker\r\n")], 0, "t"))
    gate = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_reader_world.py"), "--site", str(site)],
                          capture_output=True, text=True)
    assert gate.returncode == 1 and "x.cast:1: a path of the suite's engine" in gate.stdout, gate.stdout + gate.stderr


def test_a_recording_is_as_wide_as_the_widest_line_ever_drawn_not_only_what_stays():
    # A pull draws progress bars wider than the "Pull complete" lines that replace them; a player
    # of the final width would wrap those bars and leave stale rows (found by check_players.py).
    bar = "c90261561bac: Downloading [=====>                                  ]  1.2MB/2.1MB"
    raw = f"1.37: Pulling from library/busybox\r\n{bar}\r\n\x1b[1A\x1b[2K\rc90261561bac: Pull complete\r\n"
    assert render(raw) == "1.37: Pulling from library/busybox\nc90261561bac: Pull complete"
    assert recording.size_of(raw)[0] == len(bar) + 1
