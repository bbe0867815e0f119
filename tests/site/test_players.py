"""The test run's terminal recordings on the site (site_hooks/recordings.py): which blocks get a
player, that only recordings of blocks that passed with their current digest are published, and
the player in a real Chromium, played to its end by keyboard. Every build here is a real
`mkdocs build` of a copy of the site with recordings written by docproof/recording.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

import sitebuild
from docproof import recording
from docproof.blocks import split_console

PAGE = "docs/watched.md"
TEXT = """# Watched

A plain command:

```console
$ echo plain
plain
```

A live view, redrawn from the top:

<!-- docproof: stream-for=3 -->
```console
$ docker stats --format 'table {{.Name}}\\t{{.CPUPerc}}'
NAME      CPU %
web       ...%
```
"""
FRAMES = ["0.01%", "0.02%", "0.03%"]


def _cast_of(block) -> str:
    """What the harness would have recorded for block: its command typed, then its output."""
    command = split_console(block)[0].text
    if block.options.stream_for:
        events = [(0.0, f"$ {command}\r\n")] + [
            (0.4 * (i + 1), f"\x1b[H\x1b[JNAME      CPU %\r\nweb       {cpu}\r\n") for i, cpu in enumerate(FRAMES)]
    else:
        events = [(0.0, f"$ {command}\r\n"), (0.1, "plain\r\n")]
    return recording.to_cast(events, 1796659496, f"{block.path}:{block.line}")


def _site(tmp_path: Path) -> tuple[Path, Path, list]:
    root = sitebuild.copy_site(tmp_path / "copy")
    sitebuild.add_page(root, "watched.md", TEXT, "Watched")
    record = sitebuild.write_record(tmp_path / "run" / "verification.json", root, sitebuild.chapters(root))
    blocks = sitebuild.blocks_of(root, PAGE)
    for block in blocks:
        path = recording.path_for(recording.folder_for(record), PAGE, block.digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_cast_of(block))
    return root, record, blocks


def _players(html: str) -> list[str]:
    return re.findall(r'<div class="docproof-player"[^>]*data-cast="([^"]+)"', html)


def test_a_streamed_block_gets_a_player_and_the_chapter_one_for_its_whole_run(tmp_path):
    root, record, (plain, streamed) = _site(tmp_path)
    built = sitebuild.build(root, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    html = (built.site / "watched" / "index.html").read_text()
    assert _players(html) == ["../recordings/watched/chapter.cast", f"../recordings/watched/{streamed.digest}.cast"]
    # The block's player is right after its stamp; the chapter's after the page's status line.
    assert re.search(rf'data-docproof-digest="{streamed.digest}"[^>]*>[^<]*</p>\s*<details class="docproof-recording">', html)
    assert re.search(r'class="docproof-page-status[^"]*">[^<]*</p>\s*<details class="docproof-recording">', html)
    assert "Recorded by the same test run that verified it (Docker Engine 26.1.5+dfsg1 · 2026-11-27)" in html
    assert "Pauses longer than 2 s are shortened to 2 s." in html
    assert 'tabindex="0" role="region"' in html and 'aria-label="Terminal recording of docker stats' in html
    published = built.site / "recordings" / "watched"
    # A block without a player of its own is published only inside the chapter's whole run.
    assert sorted(p.name for p in published.iterdir()) == sorted([f"{streamed.digest}.cast", "chapter.cast"])
    assert re.search(rf'data-cast="../recordings/watched/chapter.cast"[^>]* data-ends-with="{streamed.digest}"', html)
    header, events = recording.read((published / "chapter.cast").read_text())
    assert header["version"] == 2 and events[0][1] == "$ echo plain\r\n" and FRAMES[-1] in events[-1][1]
    # The block's text stays on the page as text: the player is an addition, not a replacement.
    assert "web       " in re.sub("<[^>]+>", "", html)
    # Only pages with a recording load the player.
    assert "asciinema-player-3.18.0.min.js" in html
    assert "asciinema-player" not in (built.site / "index.html").read_text()
    assert (built.site / "assets/javascripts/vendor/asciinema-player-LICENSE.txt").is_file()


def test_a_block_changed_since_its_run_loses_its_player_and_its_recording(tmp_path):
    root, record, (plain, streamed) = _site(tmp_path)
    page = root / PAGE
    page.write_text(page.read_text().replace("docker stats --format", "docker stats --no-trunc --format"))
    changed = sitebuild.blocks_of(root, PAGE)[1]
    assert changed.digest != streamed.digest
    # Without running it again: the record and the recordings are the old text's.
    built = sitebuild.build(root, tmp_path / "draft", record=record)
    assert built.ok, built.output
    html = (built.site / "watched" / "index.html").read_text()
    assert _players(html) == ["../recordings/watched/chapter.cast"]
    assert not (built.site / "recordings" / "watched" / f"{streamed.digest}.cast").exists()
    # The release build: a record of the new text (a run without recordings), the old recordings.
    sitebuild.write_record(record, root, sitebuild.chapters(root))
    built = sitebuild.build(root, tmp_path / "release", record=record, release=True)
    assert built.ok, built.output
    html = (built.site / "watched" / "index.html").read_text()
    assert f"{changed.digest}.cast" not in html and f"{streamed.digest}.cast" not in html
    assert sorted(p.name for p in (built.site / "recordings" / "watched").iterdir()) == ["chapter.cast"]
    assert f'data-ends-with="{plain.digest}"' in html


def test_a_recording_of_a_block_the_record_says_failed_is_not_published(tmp_path):
    root, record, (plain, streamed) = _site(tmp_path)
    sitebuild.write_record(record, root, [PAGE], results={streamed.line: "failed"}, reasons={streamed.line: "timed out"})
    built = sitebuild.build(root, tmp_path / "out", record=record)
    assert built.ok, built.output
    assert not (built.site / "recordings" / "watched" / f"{streamed.digest}.cast").exists()
    assert len(_players((built.site / "watched" / "index.html").read_text())) == 1  # the chapter's: the plain block


@pytest.fixture
def watched_url(tmp_path):
    """The small site with the watched page, built and served on 127.0.0.1."""
    from conftest import _serve

    root, record, _ = _site(tmp_path)
    built = sitebuild.build(root, tmp_path / "out", record=record)
    assert built.ok, built.output
    server, url = _serve(built.site)
    yield url + "watched/"
    server.shutdown()


@pytest.mark.browser
def test_the_player_plays_a_recording_to_its_end_by_keyboard(watched_url, context):
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.goto(watched_url, wait_until="load")
    page.wait_for_load_state("networkidle")  # networkidle alone can come before the scripts ran
    box = page.locator("details.docproof-recording").nth(1)
    summary = box.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # a reader opens it from the keyboard
    spot = box.locator(".docproof-player")
    spot.locator(".ap-term").wait_for(timeout=10000)
    page.evaluate("""el => { el.ended = false; el.player.addEventListener('ended', () => { el.ended = true; }); }""",
                  spot.element_handle())
    page.keyboard.press("Tab")  # from the summary to the player's container
    assert page.evaluate("document.activeElement.classList.contains('docproof-player')")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Terminal recording of docker stats")
    page.keyboard.press("Space")  # the player's own shortcut: play
    page.wait_for_function("el => el.ended", arg=spot.element_handle(), timeout=15000)
    screen = spot.locator(".ap-term").inner_text()
    assert f"web       {FRAMES[-1]}" in screen and FRAMES[0] not in screen, screen
    page.screenshot(path=str(sitebuild.ROOT / "build" / "screenshots" / "recording-played.png"), full_page=True)
    axe = Axe().run(page)
    severe = [v["id"] for v in axe.response["violations"] if v["impact"] in {"serious", "critical"}]
    assert not severe, severe
    assert not problems, problems
    assert not context.outside, context.outside


@pytest.mark.browser
def test_a_box_opened_while_the_page_loads_gets_its_player_when_the_script_runs(watched_url, context):
    def late(route):
        # The reader opens the box, its toggle event passes, and only then does the script run.
        body = route.fetch().text()
        route.fulfill(content_type="application/javascript",
                      body="document.querySelectorAll('details.docproof-recording')[1].open = true;\n"
                           "setTimeout(function () {\n" + body + "\n}, 300);\n")

    page = context.new_page()
    page.route("**/recordings.js", late)
    page.goto(watched_url, wait_until="load")
    spot = page.locator("details.docproof-recording").nth(1).locator(".docproof-player")
    spot.locator(".ap-term").wait_for(timeout=10000)
    assert page.locator("details.docproof-recording").nth(0).locator(".ap-term").count() == 0  # still closed
