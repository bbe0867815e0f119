"""Every terminal player of the built site plays, offline, to a last frame that shows its block.

The acceptance of the recordings (ARCHITECTURE.md, "Recordings"): after `make test` the built
site has a player under every block that streams or takes typed input and one per chapter, and
each plays offline in headless Chromium to its last frame, which matches the block's output.
This script checks it on a built site (`--site DIR`, default build/site):

- it serves DIR on 127.0.0.1 (a local http.server thread) and opens, in Debian's Chromium driven
  by Playwright, every page with a player; a request to any other host is blocked and reported;
- for every player on the page it opens its "Watch it run" box (which makes the player, as a
  reader's click does, docs/assets/javascripts/recordings.js), waits for the recording to load,
  seeks to its end with the player's API (`seek('100%')`, asciinema-player 3.x) and waits for the
  player's `ended` event, then reads the rows of its terminal (`.ap-term-text .ap-line`);
- it compares that last frame with what the page shows for the block: the text of the block's
  <pre> just before its stamp. The chapter's player ends with the chapter's last recorded block,
  which it names (`data-ends-with`, site_hooks/recordings.py), so it is compared with that.

What "matches" means. Both sides lose trailing spaces and trailing empty lines; the shown text's
tabs become spaces to the next multiple of 8 and its lines are cut at the terminal's width, as
the player's terminal shows them, and a command of several lines has `> ` before each further
line, as the recording types it (bash's continuation prompt). Then the frame must fit the shown
text by the page's own rules (docproof/expect.py, the rules the proving run checked the output
by): `...` inside a line stands
for any text on that line; a line of only `...` (output the page leaves out) for any number of
rows; everything else must be the same, character for character. A block's own player must show
the block and nothing else; the chapter's may show earlier blocks above its last one. Only where
the terminal itself lost the top of the block may the frame fit the shown text from some line on
(its first row to its last; that rest of the text must hold at least one line the page shows, not
only elisions, which would fit any screen): when the screen is full (the top scrolled away) or
the block's recording moves the cursor home or clears the screen (`docker stats` redraws its
table over the typed command). So a player fails when its last frame lacks a line the page
shows, has a line the page does not show (outside an elision), or differs in one character.

Before playing anything it checks that the players are all there: a page with proven blocks has
the chapter's, and each proven block better watched than read (site_hooks/recordings.py,
`watched`: it streams, serves, takes typed input or shows progress) has its own.

One line per player (page, block as PAGE.md:LINE or "chapter", ok or FAILED and a short diff),
then the count and the time taken. Exit status 1 when a player fails, a page asks another host,
or the site has no player at all.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import http.server
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docproof import expect, recording  # noqa: E402
from docproof.blocks import Block, PageError, parse_page, split_console  # noqa: E402

sys.path.insert(0, str(ROOT / "site_hooks"))
from recordings import watched  # noqa: E402  (site_hooks/recordings.py: which blocks get a player)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # a GitHub runner has /usr/bin/google-chrome
CHROMIUM_ARGS = [  # as tests/site/conftest.py launches it
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
PLAYER = re.compile(r'<div class="docproof-player"[^>]*\bdata-cast="([^"]+)"')
PASSED = re.compile(r'<p class="docproof-stamp docproof-passed" data-docproof-digest="([0-9a-f]+)"')
ENDS_WITH = re.compile(r'<div class="docproof-player"[^>]*\bdata-ends-with="[0-9a-f]+"')
OWN_CAST = re.compile(r'<div class="docproof-player"[^>]*\bdata-cast="[^"]*/([0-9a-f]+)\.cast"')
TIMEOUT = 20_000  # ms for one player to load and reach its end
HOME = re.compile(r"\x1b\[(?:1?;?1?H|2J)|\x1bc")  # cursor home, clear screen, reset

# In the page: each player's cast and the text of the block it belongs to, and every stamped
# block's digest and text (the chapter's player ends with the last recorded one).
COLLECT = """() => {
  const shown = stamp => {
    const box = stamp.previousElementSibling;
    const code = box && box.querySelector('pre > code');
    return code ? code.textContent : null;
  };
  const stamps = [...document.querySelectorAll('p.docproof-stamp[data-docproof-digest]')];
  return {
    players: [...document.querySelectorAll('details.docproof-recording')].map(box => {
      const spot = box.querySelector('.docproof-player');
      const stamp = box.previousElementSibling;
      const digest = spot.getAttribute('data-ends-with') || (stamp && stamp.getAttribute('data-docproof-digest'));
      return {cast: spot.getAttribute('data-cast'), digest, chapter: spot.hasAttribute('data-ends-with')};
    }),
    blocks: stamps.map(s => ({digest: s.getAttribute('data-docproof-digest'), shown: shown(s)})),
  };
}"""
# Open the n-th player's box, let the recording load, seek to its end, return its terminal's rows.
PLAY = """async n => {
  const box = document.querySelectorAll('details.docproof-recording')[n];
  const spot = box.querySelector('.docproof-player');
  box.open = true;
  const until = async (test, what) => {
    for (let waited = 0; !test(); waited += 50) {
      if (waited > %d) throw new Error('timed out waiting for ' + what);
      await new Promise(r => setTimeout(r, 50));
    }
  };
  await until(() => spot.player && spot.player.getDuration() !== undefined, 'the recording to load');
  let ended = false;
  spot.player.addEventListener('ended', () => { ended = true; });
  await spot.player.seek('100%%');
  await until(() => ended, 'the end');
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const term = spot.querySelector('.ap-term');
  return {rows: [...spot.querySelectorAll('.ap-term-text .ap-line')].map(l => l.textContent),
          cols: Number(term.style.getPropertyValue('--term-cols')),
          time: spot.player.getCurrentTime(), duration: spot.player.getDuration()};
}""" % TIMEOUT


@dataclass
class Result:
    page: str
    block: str
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        detail = self.detail if self.detail.startswith("\n") else " " + self.detail
        return f"{self.page}  {self.block}  " + ("ok" if self.ok else "FAILED" + detail)


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def as_terminal(shown: str, cols: int) -> list[str]:
    """The shown text as a terminal of cols columns shows it: tabs expanded, long lines wrapped."""
    rows = []
    for line in _lines(shown.expandtabs(8)):
        rows += [line[i:i + cols].rstrip() for i in range(0, len(line), cols)] or [""]
    return rows


def fits(frame: list[str], shown: list[str], above: bool, lost_top: bool) -> bool:
    """Does the last frame fit the shown text (see the module's docstring)? above: other output
    may sit above the block (the chapter's player); lost_top: the terminal lost the block's top."""
    screen = "\n".join(frame)
    if expect.match((["..."] if above else []) + shown, screen).ok:
        return True
    # The frame then fits the text from some line on, and at least one line of it is one the page
    # shows: a rest of only elisions would let anything pass.
    return lost_top and any(any(line.strip() != expect.ELLIPSIS for line in shown[i:])
                            and expect.match(shown[i:], screen).ok for i in range(1, len(shown)))


def as_typed(shown: str, block: Block | None) -> str:
    """The shown text as its recording types it: `> ` before each further line of a command of
    several lines, as bash shows a pasted continuation (docproof/recording.py, Tape.typed)."""
    if block is None or block.kind != "console":
        return shown
    lines = shown.split("\n")
    for command in split_console(block):
        first, *rest = command.text.split("\n")
        for i in range(len(lines) - len(rest)):
            if rest and lines[i].endswith(first) and lines[i + 1:i + 1 + len(rest)] == rest:
                lines[i + 1:i + 1 + len(rest)] = [recording.CONTINUATION + line for line in rest]
                break
    return "\n".join(lines)


def compare(frame_rows: list[str], cols: int, shown: str, above: bool, redraws: bool) -> str:
    """'' when the last frame matches the shown text, else a short diff of their ends."""
    frame, expected = _lines("\n".join(frame_rows)), as_terminal(shown, cols)
    full = len(frame) >= len(frame_rows) - 1  # after the last line the cursor sits on an empty bottom row
    if fits(frame, expected, above, full or redraws):
        return ""
    seen = frame[-max(len(expected), 1):] if above else frame  # the chapter's: only its last block's rows
    diff = difflib.unified_diff(expected, seen, "shown on the page", "last frame", lineterm="", n=1)
    lines = [line for line in diff if not line.startswith(("---", "+++", "@@"))]
    return "\n    " + "\n    ".join(lines[:12] + (["    ..."] if len(lines) > 12 else []))


def page_blocks(root: Path, page: str) -> dict[str, Block]:
    """digest -> block of the chapter's source in root (the project the site was built from)."""
    source = root / "docs" / (page.strip("/") + ".md")
    try:
        blocks = parse_page(source.relative_to(root), source.read_text(), root).blocks
    except (OSError, PageError):
        return {}
    return {block.digest: block for block in blocks}


def redraws(cast: Path) -> bool:
    """Does the recording move the cursor home or clear the screen (a redraw from the top)?"""
    return cast.is_file() and any(HOME.search(data) for _, data in recording.read(cast.read_text())[1])


def missing_players(site: Path, root: Path, wanted=lambda path: True) -> list[Result]:
    """A failure for each page with proven blocks but no player for its whole run, and for each
    proven block better watched than read (site_hooks/recordings.py, `watched`) without its own."""
    results = []
    for path in sorted(filter(wanted, site.rglob("index.html"))):
        html, page_url = path.read_text(), str(path.relative_to(site)).removesuffix("index.html")
        passed = PASSED.findall(html)
        if not passed:
            continue
        if not ENDS_WITH.search(html):
            results.append(Result(page_url, "chapter", False, "no player for the chapter's whole run"))
        blocks, playing = page_blocks(root, page_url), set(OWN_CAST.findall(html))
        for digest in passed:
            block = blocks.get(digest)
            if block is not None and not block.hidden and watched(block) and digest not in playing:
                results.append(Result(page_url, f"{block.path}:{block.line}", False,
                                      "no player, though the block streams, serves, takes typed input or shows progress"))
    return results


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check_page(context, url: str, site: Path, root: Path, page_path: str) -> list[Result]:
    page_url = page_path.removesuffix("index.html")
    page = context.new_page()
    try:
        # networkidle alone can come while the page is still being parsed, before its scripts ran.
        page.goto(url + page_url, wait_until="load")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(COLLECT)
        blocks = page_blocks(root, page_url)
        slug = page_url.strip("/")
        texts = {b["digest"]: b["shown"] for b in found["blocks"]}
        results = []
        for n, player in enumerate(found["players"]):
            digest, chapter = player["digest"], player["chapter"]
            shown = texts.get(digest)
            block = blocks.get(digest)
            name = f"{block.path}:{block.line}" if block else (digest or f"player {n + 1}")
            if chapter:
                name = f"chapter (ends with {name})"
            if shown is None:
                results.append(Result(page_url, name, False, "no block's text found before its stamp"))
                continue
            try:
                played = page.evaluate(PLAY, n)
            except Exception as error:  # noqa: BLE001 - a player that does not play is a failure
                results.append(Result(page_url, name, False, str(error).splitlines()[0]))
                continue
            cast = site / "recordings" / slug / f"{digest}.cast"  # the block's own, when it has a player
            diff = compare(played["rows"], played["cols"], as_typed(shown, block), above=chapter, redraws=redraws(cast))
            results.append(Result(page_url, name, not diff, diff))
        return results
    finally:
        page.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "build" / "site", help="the built site (default build/site)")
    parser.add_argument("--page", action="append", metavar="SLUG",
                        help="check only this page of the site (its folder: compose); may be repeated")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the project whose docs/ the site was built from (default this one)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    wanted = lambda path: not args.page or path.parent.relative_to(args.site).as_posix() in args.page  # noqa: E731
    pages = sorted(str(p.relative_to(args.site)) for p in args.site.rglob("*.html")
                   if wanted(p) and PLAYER.search(p.read_text()))
    if not pages:
        print(f"check_players: no page of {args.site} has a player", file=sys.stderr)
        return 1
    results: list[Result] = missing_players(args.site, args.root.resolve(), wanted)
    for result in results:
        print(result, flush=True)

    from playwright.sync_api import sync_playwright

    server = serve(args.site)
    url = f"http://127.0.0.1:{server.server_port}/"
    outside: list[str] = []

    def route(route):
        if route.request.url.startswith((url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", route)
            for page_path in pages:
                for result in check_page(context, url, args.site, args.root.resolve(), page_path):
                    print(result, flush=True)
                    results.append(result)
            browser.close()
    finally:
        server.shutdown()
    for request in sorted(set(outside)):
        print(f"FAILED a page asked another host: {request}")
    failed = sum(not r.ok for r in results)
    print(f"check_players: {len(results)} player(s) on {len(pages)} page(s), {failed} failed, "
          f"{time.monotonic() - started:.1f} s")
    return 1 if failed or outside or not results else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
