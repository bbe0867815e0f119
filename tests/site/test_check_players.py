"""scripts/check_players.py on a small built site (test_players.py's page: a plain block and a
`docker stats` one that redraws from the top): every player plays to a last frame that shows
its block, and a recording whose last output differs from the page fails, naming its player."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import sitebuild
from test_players import _site


def _check(site, root) -> subprocess.CompletedProcess:
    # Only the test's page: the copied chapters have a record that says they passed, no recordings.
    return subprocess.run([sys.executable, str(sitebuild.ROOT / "scripts" / "check_players.py"), "--site", str(site),
                           "--root", str(root), "--page", "watched"], capture_output=True, text=True, timeout=120)


@pytest.mark.browser
def test_every_player_ends_on_its_block_and_a_changed_recording_fails(tmp_path):
    root, record, (_, streamed) = _site(tmp_path)
    built = sitebuild.build(root, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    done = _check(built.site, root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check_players: 2 player(s) on 1 page(s), 0 failed" in done.stdout, done.stdout

    cast = built.site / "recordings" / "watched" / f"{streamed.digest}.cast"
    lines = cast.read_text().splitlines()
    event = json.loads(lines[-1])
    event[2] = event[2].replace("web ", "db  ")  # a row the page does not show (`web       ...%`)
    cast.write_text("\n".join(lines[:-1] + [json.dumps(event)]) + "\n")
    done = _check(built.site, root)
    assert done.returncode == 1, done.stdout
    failed = [line for line in done.stdout.splitlines() if "FAILED" in line]
    assert failed == [f"watched/  {streamed.path}:{streamed.line}  FAILED"], done.stdout
    assert "+db        0.03%" in done.stdout and "1 failed" in done.stdout


def _checker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_players", sitebuild.ROOT / "scripts" / "check_players.py")
    module = sys.modules["check_players"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_frame_whose_top_scrolled_away_fits_from_a_line_on_but_not_by_elisions_alone():
    fits = _checker().fits
    shown = ["$ docker image rm a b", "Untagged: a", "...", "$ docker image ls -q | wc -l", "0"]
    # The top scrolled into the elision: the rows below must be the page's, character for character.
    assert fits(["Deleted: sha256:22b9", "$ docker image ls -q | wc -l", "0"], shown, above=False, lost_top=True)
    assert not fits(["Deleted: sha256:22b9", "$ docker image ls -q | wc -l", "1"], shown, above=False, lost_top=True)
    # Without a lost top the whole block must be there.
    assert not fits(["Deleted: sha256:22b9", "$ docker image ls -q | wc -l", "0"], shown, above=False, lost_top=False)
    # A rest of nothing but an elision would fit any screen: it does not count.
    assert not fits(["anything at all"], ["$ dockerd-rootless.sh", "..."], above=False, lost_top=True)


def test_a_command_of_several_lines_is_compared_with_bashs_continuation_prompt():
    checker = _checker()
    from docproof.blocks import parse_page

    text = ("# T\n\n```console\n$ docker build -t a \\\n    ctx | grep x\nx\n$ cat <<EOF\none\nEOF\none\n```\n")
    (block,) = parse_page(Path("docs/t.md"), text, sitebuild.ROOT).blocks
    shown = "$ docker build -t a \\\n    ctx | grep x\nx\n$ cat <<EOF\none\nEOF\none"
    assert checker.as_typed(shown, block) == "$ docker build -t a \\\n>     ctx | grep x\nx\n$ cat <<EOF\n> one\n> EOF\none"
    # The page's text without the prompts is what a frame with them fails against.
    assert checker.compare(["$ docker build -t a \\", ">     ctx | grep x", "x", ""], 80, "$ docker build -t a \\\n    ctx | grep x\nx",
                           above=False, redraws=False)


@pytest.mark.browser
def test_a_proven_block_better_watched_than_read_without_its_player_fails(tmp_path):
    from docproof import recording

    root, record, (_, streamed) = _site(tmp_path)
    # The record says the `docker stats` block passed, but its recording is gone.
    recording.path_for(recording.folder_for(record), streamed.path, streamed.digest).unlink()
    built = sitebuild.build(root, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    done = _check(built.site, root)
    assert done.returncode == 1, done.stdout
    failed = [line for line in done.stdout.splitlines() if "FAILED" in line]
    assert failed == [f"watched/  {streamed.path}:{streamed.line}  FAILED no player, though the block streams, "
                      "serves, takes typed input or shows progress"], done.stdout
