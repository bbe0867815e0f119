"""What the terminal recordings (docproof/recording.py) cost: proving time, bytes, page weight.

    python scripts/bench_recordings.py docs/resources.md [--rounds 3]
    python scripts/bench_recordings.py --sizes-of build/recordings     # sizes only, after a run

Proves the page with recordings on and off, in alternating rounds on the same engine, and prints
the ratio of the best times (budget: at most 5 % more). Then, from the recordings that run
wrote, the bytes of each chapter's recordings gzip-compressed as the site publishes them (the
casts of blocks with a player of their own, and the chapter's whole run), and what a reader of the chapter loads on top
of the page when opening every player: the player's JS and CSS and all the casts, gzip-compressed
as GitHub Pages sends them (budget: at most 300 KB).
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "site_hooks"))

from docproof import engine as engine_module  # noqa: E402
from docproof import recording  # noqa: E402
from docproof.blocks import parse_page  # noqa: E402
from recordings import PLAYER, watched  # noqa: E402  site_hooks/recordings.py: what a page with a player loads

OUT = ROOT / "build" / "bench-recordings"
TIME_BUDGET, WEIGHT_BUDGET = 1.05, 300_000


def prove(page: Path, record: Path, recordings: bool) -> tuple[float, float]:
    """Wall time and CPU time (the pytest child and everything it ran) of proving page."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--record", str(record),
         *([] if recordings else ["--no-recordings"]), str(page)],
        cwd=ROOT, capture_output=True, text=True,
    )
    took = time.monotonic() - began
    if result.returncode != 0:
        sys.exit(f"bench: {page} failed:\n{result.stdout[-3000:]}")
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return took, (now.ru_utime - used.ru_utime) + (now.ru_stime - used.ru_stime)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9))


def chapter_bytes(folder: Path) -> dict[str, tuple[int, int, int]]:
    """chapter -> (files, raw bytes, gzip bytes) of what the site publishes of its recordings: the
    casts of the blocks with a player of their own and the chapter's whole run, every recorded
    block in page order (site_hooks/recordings.py)."""
    sizes = {}
    for chapter in sorted(p for p in folder.glob("docs/*") if p.is_dir()):
        source = ROOT / "docs" / f"{chapter.name}.md"
        blocks = parse_page(source.relative_to(ROOT), source.read_text(), ROOT).blocks
        recorded = [(b, chapter / f"{b.digest}.cast") for b in blocks if (chapter / f"{b.digest}.cast").is_file()]
        whole = recording.concatenate([cast.read_text() for _, cast in recorded], chapter.name).encode()
        own = [cast.read_bytes() for block, cast in recorded if watched(block)] + [whole]
        sizes[chapter.name] = (len(own), sum(map(len, own)), sum(map(gz, own)))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes-of", type=Path, metavar="DIR",
                        help="only print the sizes of the recordings in DIR (build/recordings after a run)")
    args = parser.parse_args()
    if args.sizes_of:
        sizes(args.sizes_of)
        return
    if args.page is None:
        parser.error("name a page to prove, or --sizes-of DIR")
    page = args.page.resolve()
    shutil.rmtree(OUT, ignore_errors=True)
    engine = engine_module.own_engine()
    engine.claim()
    started = engine.up()
    on, off = [], []  # (wall, cpu) seconds
    try:
        from docproof import catalog

        catalog.seed(engine)
        for round_ in range(args.rounds):
            # Alternate which goes first, so a warmer engine favours neither.
            order = [(True, on), (False, off)] if round_ % 2 == 0 else [(False, off), (True, on)]
            for recordings, times in order:
                times.append(prove(page, OUT / ("on" if recordings else "off") / "record.json", recordings))
            print(f"round {round_ + 1}: recordings on {on[-1][0]:.2f}s (CPU {on[-1][1]:.2f}s), "
                  f"off {off[-1][0]:.2f}s (CPU {off[-1][1]:.2f}s)", flush=True)
    finally:
        if started:
            engine.down()
    # Wall time on a shared machine swings with the load; the best of each side is the least
    # disturbed. CPU time, which load hardly moves, says what recording itself costs.
    ratio = min(w for w, _ in on) / min(w for w, _ in off)
    cpu = min(c for _, c in on) / min(c for _, c in off)
    print(f"{page.relative_to(ROOT)}: best with recordings {min(w for w, _ in on):.2f}s, without "
          f"{min(w for w, _ in off):.2f}s, ratio {ratio:.3f} ({100 * (ratio - 1):+.1f}%; budget "
          f"+{100 * (TIME_BUDGET - 1):.0f}%); CPU ratio {cpu:.3f} ({100 * (cpu - 1):+.1f}%)")
    weight = sizes(recording.folder_for(OUT / "on" / "record.json"))
    if ratio > TIME_BUDGET or weight > WEIGHT_BUDGET:
        sys.exit("bench: over budget")


def sizes(folder: Path) -> int:
    """Prints each chapter's recordings' bytes; returns what the largest chapter adds."""
    player = sum(gz((ROOT / "docs" / path).read_bytes()) for path in PLAYER)
    print(f"player (JS, CSS, starter) gzip-compressed: {player / 1000:.1f} KB")
    chapters = chapter_bytes(folder)
    for chapter, (count, raw, packed) in chapters.items():
        print(f"  {chapter}: {count} files (players' recordings and the whole run), {raw / 1000:.1f} KB, "
              f"{packed / 1000:.1f} KB gzip-compressed")
    if not chapters:
        return 0
    chapter, (_, _, packed) = max(chapters.items(), key=lambda item: item[1][2])
    print(f"largest chapter, {chapter}: adds {(player + packed) / 1000:.1f} KB gzip-compressed with every "
          f"player opened (budget {WEIGHT_BUDGET / 1000:.0f} KB)")
    return player + packed


if __name__ == "__main__":
    main()
