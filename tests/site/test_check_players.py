"""scripts/check_players.py on a small built site (test_players.py's page: a plain block and a
`docker stats` one that redraws from the top): every player plays to a last frame that shows
its block, and a recording whose last output differs from the page fails, naming its player."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import sitebuild
from test_players import _site


def _check(site) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(sitebuild.ROOT / "scripts" / "check_players.py"), "--site", str(site)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.browser
def test_every_player_ends_on_its_block_and_a_changed_recording_fails(tmp_path):
    root, record, (_, streamed) = _site(tmp_path)
    built = sitebuild.build(root, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    done = _check(built.site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check_players: 2 player(s) on 1 page(s), 0 failed" in done.stdout, done.stdout

    cast = built.site / "recordings" / "watched" / f"{streamed.digest}.cast"
    lines = cast.read_text().splitlines()
    event = json.loads(lines[-1])
    event[2] = event[2].replace("web ", "db  ")  # a row the page does not show (`web       ...%`)
    cast.write_text("\n".join(lines[:-1] + [json.dumps(event)]) + "\n")
    done = _check(built.site)
    assert done.returncode == 1, done.stdout
    failed = [line for line in done.stdout.splitlines() if "FAILED" in line]
    assert failed == [f"watched/  {streamed.digest}  FAILED"], done.stdout
    assert "+db        0.03%" in done.stdout and "1 failed" in done.stdout
