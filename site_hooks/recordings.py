"""Players for the terminal recordings of the test run: a block that is better watched than read
(it streams, redraws, runs a server or takes typed input; a pull or build with its progress) gets
one under its stamp, and each chapter one for its whole run under its status line.

The harness writes a passing block's recording as RECORDINGS/PAGE/DIGEST.cast
(docproof/recording.py). A recording is copied into the site only when the record says that block
passed with that digest, so changing a block's command without running it again removes its
player. The block's text stays the accessible and searchable version; the player sits in a
closed <details> and is made when a reader opens it (docs/assets/javascripts/recordings.js).
Pages without a recording load none of this. Imported by site_hooks/verification.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from mkdocs.utils import get_relative_url

from docproof import recording
from docproof.blocks import Block, split_console
from docproof.verdict import PageReport, Verdict

VENDOR = "assets/javascripts/vendor/"
PLAYER = [VENDOR + "asciinema-player-3.18.0.css", VENDOR + "asciinema-player-3.18.0.min.js",
          "assets/javascripts/recordings.js"]
PROGRESS = re.compile(r"\bdocker (?:image )?pull\b|\bdocker (?:buildx )?build\b|\bdocker compose\b[^\n]*\b(?:up|build|pull|watch)\b")
QUIET = re.compile(r"\s(?:-q|--quiet)\b")  # a quiet pull or build draws no progress
_STAMP = re.compile(r'<p\b[^>]*\bdata-docproof-digest="(?P<digest>[0-9a-f]+)"[^>]*>.*?</p>', re.DOTALL)
_STATUS = re.compile(r'<p class="docproof-page-status[^"]*">.*?</p>', re.DOTALL)


def watched(block: Block) -> bool:
    """A block better watched than read: streamed, interactive, a server, or progress."""
    options = block.options
    progress = any(PROGRESS.search(line) and not QUIET.search(line) for line in block.source.splitlines())
    return bool(options.stream_until or options.stream_for or options.prompt or options.background or progress)


def proven(report: PageReport, folder: Path) -> list[tuple[Verdict, str]]:
    """The page's visible blocks that passed with their current digest and have a recording."""
    found = []
    for verdict in report.verdicts:
        block, entry = verdict.block, verdict.entry
        if block.hidden or verdict.state != "passed" or entry is None or entry.digest != block.digest:
            continue
        path = recording.path_for(folder, report.page, block.digest)
        if path.is_file():
            found.append((verdict, path.read_text()))
    return found


def _first_command(block: Block) -> str:
    text = split_console(block)[0].text if block.kind == "console" else block.source.strip()
    return text.split("\n")[0]


def _length(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _player(url: str, cast: str, label: str, summary: str, entry, ends_with: str | None = None) -> str:
    """A closed box with the player; ends_with: the digest of the block a chapter's run ends with
    (scripts/check_players.py compares the last frame with that block)."""
    header, _ = recording.read(cast)
    seconds = recording.duration(cast)
    limit = header.get("idle_time_limit", recording.IDLE_LIMIT)
    when = f"Docker Engine {entry.engine or '?'} · {entry.date or 'an unknown date'}"
    return (
        f'<details class="docproof-recording"><summary>{html.escape(summary)} ({_length(seconds)})</summary>'
        f'<div class="docproof-player" tabindex="0" role="region" data-cast="{html.escape(url)}" '
        f'data-cols="{header["width"]}" data-rows="{header["height"]}" data-idle="{limit:g}" '
        + (f'data-ends-with="{ends_with}" ' if ends_with else "") +
        f'aria-label="{html.escape(label, quote=True)}. Space plays or pauses, arrow keys seek."></div>'
        f'<p class="docproof-recording-note">Recorded by the same test run that verified it ({html.escape(when)}), '
        f'as its terminal showed it. Pauses longer than {limit:g} s are shortened to {limit:g} s. '
        'The text above is the same output.</p></details>'
    )


def add_players(page_html: str, report: PageReport, casts: list[tuple[Verdict, str]], page, site_dir: Path) -> str:
    """Writes the page's proven recordings into the site and puts their players on the page."""
    slug = page.url.strip("/") or "index"
    players: dict[str, str] = {}
    (site_dir / "recordings" / slug).mkdir(parents=True, exist_ok=True)
    for verdict, cast in casts:
        block = verdict.block
        if not watched(block):
            continue  # its recording is published only inside the chapter's
        target = f"recordings/{slug}/{block.digest}.cast"
        (site_dir / target).write_text(cast)
        players[block.digest] = _player(get_relative_url(target, page.url), cast,
                                        f"Terminal recording of {_first_command(block)}", "Watch it run", verdict.entry)

    def after_stamp(found: re.Match) -> str:
        return found.group(0) + players.pop(found.group("digest"), "")

    page_html = _STAMP.sub(after_stamp, page_html)
    whole = f"recordings/{slug}/chapter.cast"
    title = f"{report.page}: the whole run"
    (site_dir / whole).write_text(recording.concatenate([cast for _, cast in casts], title))
    latest = max((v.entry for v, _ in casts), key=lambda e: str(e.date or ""))
    chapter = _player(get_relative_url(whole, page.url), (site_dir / whole).read_text(),
                      f"Terminal recording of this chapter's {len(casts)} recorded blocks",
                      f"Watch this chapter's {len(casts)} recorded blocks run, one after another", latest,
                      ends_with=casts[-1][0].block.digest)
    page_html, found = _STATUS.subn(lambda m: m.group(0) + chapter, page_html, count=1)
    if not found:
        page_html = chapter + page_html
    assets = "".join(f'<link rel="stylesheet" href="{get_relative_url(p, page.url)}">' if p.endswith(".css")
                     else f'<script src="{get_relative_url(p, page.url)}" defer></script>' for p in PLAYER)
    return page_html + assets
