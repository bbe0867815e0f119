"""How much wall time the harness adds to a page, against the same commands as a plain script.

    python scripts/bench.py docs/getting-started.md [--rounds 2]

Both sides run on an emptied engine, in the engine's network namespace, from a fresh copy of
snippets/, in alternating rounds. The plain script is what a reader would paste: every block,
hidden ones included, in order; streamed commands are stopped when their text appears (or after
their seconds), background commands are started with `&`, and interactive commands get their
typed lines on stdin (`-it` becomes `-i`). Prints each time and the ratio of the best times.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docproof import engine as engine_module  # noqa: E402
from docproof import isolation  # noqa: E402
from docproof.blocks import parse_page, split_console  # noqa: E402
from docproof.runners import typed_replies  # noqa: E402


def _stream(command: str, until: str | None, seconds: float | None) -> str:
    wait = f"grep -qF -- {shlex.quote(until)} \"$out\"" if until else "false"
    limit = seconds or 120
    # A background job of a script ignores SIGINT, so the stream's process group gets SIGTERM.
    return (
        f'out=$(mktemp); setsid bash -c {shlex.quote(command)} >"$out" 2>&1 & pid=$!\n'
        f'for _ in $(seq {int(limit * 20)}); do {wait} && break; sleep 0.05; done\n'
        'kill -TERM -- -$pid 2>/dev/null; wait $pid || true; cat "$out"\n'
    )


def plain_script(page_path: Path) -> str:
    page = parse_page(page_path.relative_to(ROOT), page_path.read_text(), ROOT)
    parts = ["set -e"]
    cleanups = []
    for block in page.blocks:
        if block.options.skip:
            continue
        if block.kind == "cleanup":
            cleanups.append(block.source)
            continue
        commands = [c for c in split_console(block)] if block.kind == "console" else None
        texts = [c.text for c in commands] if commands else [block.source]
        for index, text in enumerate(texts):
            last = index == len(texts) - 1
            options = block.options
            if options.background:
                parts.append(f"( {text} ) >/dev/null 2>&1 &")
                if options.ready:
                    parts.append("sleep 1")
            elif last and (options.stream_until or options.stream_for):
                parts.append(_stream(text, options.stream_until, options.stream_for))
            elif options.prompt and commands:
                typed = "\n".join(reply for _, reply in typed_replies(commands[index], options.prompt))
                parts.append(f"printf '%s\\n' {shlex.quote(typed)} | {text.replace(' -it ', ' -i ')}")
            elif options.exit and last:
                parts.append(f"{text} || test $? -eq {options.exit}")
            else:
                parts.append(text)
    parts += cleanups
    parts.append("jobs -p | xargs -r kill 2>/dev/null || true")
    return "\n".join(parts) + "\n"


def fresh_engine(engine: engine_module.Engine) -> None:
    problems = isolation.restore(engine.client(), isolation.EMPTY, wipe_build_cache=True)
    if problems:
        sys.exit(f"bench: could not empty the engine: {problems}")


def time_plain(engine: engine_module.Engine, script: str) -> float:
    workdir = Path(tempfile.mkdtemp(prefix="bench-plain-"))
    shutil.copytree(ROOT / "snippets", workdir / "snippets")
    (workdir / "script.sh").write_text(script)
    env = {**os.environ, "DOCKER_HOST": engine.docker_host, "HOME": str(workdir), "TERM": "dumb"}
    began = time.monotonic()
    result = subprocess.run(engine.in_namespace(["bash", "script.sh"]), cwd=workdir, env=env,
                            capture_output=True, text=True)
    took = time.monotonic() - began
    shutil.rmtree(workdir, ignore_errors=True)
    if result.returncode != 0:
        sys.exit(f"bench: the plain script failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return took


def time_harness(page: Path) -> float:
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--record", "build/bench-record.json", str(page)],
        cwd=ROOT, capture_output=True, text=True,
    )
    took = time.monotonic() - began
    if result.returncode != 0:
        sys.exit(f"bench: the harness failed on {page}:\n{result.stdout[-3000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    page = args.page.resolve()
    engine = engine_module.own_engine()
    engine.claim()
    started = engine.up()
    try:
        from docproof import catalog

        catalog.seed(engine)
        script = plain_script(page)
        plain, harness = [], []
        for round_ in range(args.rounds):
            fresh_engine(engine)
            plain.append(time_plain(engine, script))
            fresh_engine(engine)
            harness.append(time_harness(page))
            print(f"round {round_ + 1}: plain bash {plain[-1]:.2f}s, harness {harness[-1]:.2f}s", flush=True)
        fresh_engine(engine)
    finally:
        if started:
            engine.down()
    ratio = min(harness) / min(plain)
    print(f"{page.relative_to(ROOT)}: best plain {min(plain):.2f}s, best harness {min(harness):.2f}s, "
          f"ratio {ratio:.3f} (harness adds {100 * (ratio - 1):+.1f}%)")


if __name__ == "__main__":
    main()
