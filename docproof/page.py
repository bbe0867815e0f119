"""Running a page: its blocks in order in one shell, checked, and everything removed afterwards.

This module holds Sybil's evaluator (`evaluate`) and the per-page state it keeps in the
document's namespace (`PageRun`).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from docproof import expect, isolation, rig
from docproof.blocks import Block, Command, split_console
from docproof.engine import Engine
from docproof.replay import Difference, Replay
from docproof.session import PageShell, Result, ShellGone, make_scratch


@dataclass
class Settings:
    """What the command line chose for this run."""

    root: Path  # the repository: snippets/ is copied from here
    timeout: float  # seconds a command may take unless its directive says otherwise
    update: bool  # rewrite shown outputs from what commands printed
    replay: "Replay | None" = None  # a reader's replay (docproof/replay.py) instead of a proof
    curl_home: Path | None = None  # on a daemon of the host: where curl finds the site (downloads.curl_home)


@dataclass
class EngineWatch:
    """Notices a dead engine once, so later blocks fail at once instead of timing out one by one."""

    engine: Engine
    lost: str | None = None

    def check(self) -> None:
        if self.lost is None and not self.engine.answers(timeout=2):
            self.lost = f"the Docker engine at {self.engine.docker_host} stopped answering"
        if self.lost:
            raise BlockFailure(f"{self.lost}; not running this block (start it again with `make engine-up`)")


class BlockFailure(Exception):
    pass


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines()) if text else prefix + "(no output)"


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])


# Where a page starts on the engine's machine: a folder of the reader's home (/root there).
READER_FOLDER = Path("/root/docker-guide")

OPEN_RUNS: set["PageRun"] = set()  # closed at session end if pytest skipped their teardown (Ctrl-C)


@dataclass(eq=False)
class PageRun:
    path: str
    engine: Engine
    settings: Settings
    watch: EngineWatch
    workdir: Path = field(init=False)
    scratch: Path = field(init=False)
    shell: PageShell | None = None
    before: isolation.Snapshot | None = None
    captures: dict[str, str] = field(default_factory=dict)
    background: list[PageShell] = field(default_factory=list)
    cleanups: list[Block] = field(default_factory=list)
    first_failure: str | None = None
    updates: dict[int, list[str]] = field(default_factory=dict)  # page line of a `$ ` -> new output
    shown: dict[int, list[list[str]]] = field(default_factory=dict)  # block line -> filled outputs
    rig_notes: dict[int, list[rig.Note]] = field(default_factory=dict)  # block line -> values shown as a reader's

    def __post_init__(self) -> None:
        self.scratch = make_scratch()
        (self.scratch / "home").mkdir()
        # The page starts in an empty folder, as a reader's: a chapter's download command fetches
        # its files. On the engine's machine that folder is in the page's own /root, so a path
        # that a command prints (`docker cp`, compose's `config`, a traceback) is one a reader
        # could have, not the harness's temporary folder.
        if self.engine.owned:
            self.workdir = READER_FOLDER
        else:
            self.workdir = Path(tempfile.mkdtemp(prefix="docproof-page-"))
        OPEN_RUNS.add(self)

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"),
            # `docker login` must not touch the user's ~/.docker: on the engine's machine /root is
            # a tmpfs of its own, emptied for every page (Engine.fresh_home), as a reader's home.
            "HOME": "/root" if self.engine.owned else str(self.scratch / "home"),
            **self.engine.shell_env(),
            "TERM": "dumb",
            "LANG": "C.UTF-8",
            "USER": os.environ.get("USER", "root"),
            **({"CURL_HOME": str(self.settings.curl_home)} if self.settings.curl_home else {}),
        }

    def open(self) -> None:
        client = self.engine.client()
        if self.engine.owned:
            problems = isolation.restore(client, isolation.EMPTY, wipe_build_cache=True)
            if problems:
                raise BlockFailure("could not empty the suite's engine before the page: " + "; ".join(problems))
            if self.engine.leftover_layers():
                self.engine.restart_empty()
            self.before = isolation.EMPTY
            self.engine.fresh_home(folder=self.workdir)
        else:
            self.before = isolation.snapshot(client)
        self.shell = self.new_shell(self.workdir)

    def new_shell(self, cwd: Path) -> PageShell:
        # On the engine's machine `cwd` exists only there: nsenter enters it; the spawning
        # process starts in the scratch folder, which the host has.
        host_cwd = self.scratch if self.engine.owned else cwd
        return PageShell(self.engine.in_namespace([], cwd=cwd), host_cwd, self.env(), self.scratch)

    def current_directory(self) -> Path:
        try:
            return Path(os.readlink(f"/proc/{self.shell.bash_pid}/cwd"))
        except OSError:
            return self.workdir

    def close(self) -> list[str]:
        """Runs clean-up blocks, stops every shell, empties the engine. Returns problems found."""
        OPEN_RUNS.discard(self)
        problems: list[str] = []
        for block in self.cleanups:
            if self.shell is None or not self.shell.alive:
                self.shell = self.new_shell(self.workdir)
            result = self.shell.run(block.source, self.settings.timeout)
            if result.status != 0 or result.failed is not None:
                problems.append(f"{block.path}:{block.line}: cleanup block failed:\n{_indent(_tail(result.output))}")
        for shell in self.background:
            shell.child.sendintr()
        for shell in [*self.background, *([self.shell] if self.shell else [])]:
            shell.close()
        if self.before is not None and self.watch.lost is None and self.engine.answers(timeout=2):
            left = isolation.restore(self.engine.client(), self.before, wipe_build_cache=self.engine.owned)
            problems += [f"{self.path}: left behind and not removable: {p}" for p in left]
        if self.engine.owned:
            self.engine.empty_home()
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
        return problems


def evaluate(example) -> str | None:
    """Sybil evaluator: runs one block of the page in the page's shell; returns the failure text."""
    block: Block = example.parsed
    namespace = example.namespace
    if block.options.skip:
        pytest.skip(f"not run here: {block.options.skip}")
    replay: Replay | None = namespace["docproof_settings"].replay
    if replay is not None and block.hidden:
        pytest.skip("replay: readers do not see hidden blocks")
    run: PageRun | None = namespace.get("page_run")
    if run is None:
        run = namespace["page_run"] = PageRun(
            block.path, namespace["docker_engine"], namespace["docproof_settings"], namespace["docproof_watch"]
        )
    if run.first_failure:
        pytest.skip(f"an earlier block failed ({run.first_failure}); the page stops there")
    try:
        run.watch.check()
        if run.shell is None:
            run.open()
        if not run.shell.alive:
            raise BlockFailure("the page's shell is gone (an earlier command ran `exit`, or was killed)")
        if replay is not None:
            _as_a_reader(replay, block)
        if block.kind == "cleanup":
            run.cleanups.append(block)
        elif block.options.background:
            _start_background(run, block)
        elif block.kind == "console":
            _run_console(run, block)
        elif block.options.within:
            _run_check_within(run, block)
        else:
            _run_script(run, block)
    except (BlockFailure, ShellGone) as failure:
        run.first_failure = f"{block.path}:{block.line}"
        if not isinstance(failure, ShellGone):
            try:
                run.watch.check()
            except BlockFailure as lost:
                return f"{block.path}:{block.line}: {lost}"
        return str(failure)
    return None


UNREACHABLE = re.compile(
    r"registry-1\.docker\.io|pull access denied|manifest unknown|not found: manifest|failed to resolve reference"
)
IMAGE_IN_ERROR = re.compile(
    r"Unable to find image '(?P<a>[^']+)' locally|source metadata for (?P<b>[^\s:]+(?::[\w][\w.-]*)?)"
    r"|pull access denied for (?P<c>[^\s,]+)|failed to resolve reference \"(?:docker\.io/library/)?(?P<d>[^\"]+)\""
)


def _as_a_reader(replay: Replay, block: Block) -> None:
    """Before a block of a replay: the reader's pause, and the copy button must give what runs."""
    time.sleep(replay.pause)
    runs = "\n".join(c.text for c in split_console(block)) if block.kind == "console" else block.source
    copied = replay.copy_text(block.path, block.digest)
    if copied is not None and copied.rstrip("\n") != runs.rstrip("\n"):
        diff = "\n".join(difflib.unified_diff(runs.rstrip("\n").split("\n"), copied.split("\n"),
                                             "run by the suite", "copied from the site", lineterm=""))
        raise BlockFailure(f"{block.path}:{block.line}: the copy button gives other commands than the page runs\n{diff}")
    replay.commands += len(split_console(block)) if block.kind == "console" else 1


def _missing_image_hint(run: PageRun, path: str, line: int, command: str, output: str) -> str:
    """When a command failed because an image could not be pulled, say how to provide it."""
    if not run.engine.owned or not UNREACHABLE.search(output):
        return ""
    found = IMAGE_IN_ERROR.search(output)
    image = next((g for g in found.groups() if g), None) if found else None
    if image is None and re.match(r"\s*docker (image )?pull ", command):
        image = command.split()[-1]
    if image is None:
        return ""
    from docproof import catalog

    return "\n" + catalog.missing_image_message(image, path, line)


def _timeout(run: PageRun, block: Block) -> float:
    return block.options.timeout or run.settings.timeout


def _timed_out(block: Block, line: int, command: str, seconds: float, result: Result) -> BlockFailure:
    return BlockFailure(
        f"{block.path}:{line}: timed out after {seconds:g}s and was killed (raise it with "
        f"`<!-- docproof: timeout=SECONDS -->`)\n  $ {command}\nlast output:\n{_indent(_tail(result.output))}"
    )


def _run_script(run: PageRun, block: Block) -> None:
    timeout = _timeout(run, block)
    result = run.shell.run(
        block.source, timeout, stream_until=block.options.stream_until, stream_for=block.options.stream_for
    )
    first = block.source.strip().splitlines()[0] if block.source.strip() else ""
    if result.timed_out:
        raise _timed_out(block, block.source_line, first, timeout, result)
    if result.interrupted:
        return
    expected = block.options.exit or 0
    if expected == 0 and result.failed is not None:
        at, status = result.failed
        line = block.source_line + at - 1
        text = block.source.splitlines()[at - 1] if at <= len(block.source.splitlines()) else ""
        raise BlockFailure(
            f"{block.path}:{line}: command failed\n  {text}\nexit status {status}; "
            f"last output:\n{_indent(_tail(result.output))}"
            + _missing_image_hint(run, block.path, line, text, result.output)
        )
    if result.status != expected:
        raise BlockFailure(
            f"{block.path}:{block.line}: {block.kind} block ended with exit status {result.status}, "
            f"expected {expected}\nlast output:\n{_indent(_tail(result.output))}"
        )


def _run_check_within(run: PageRun, block: Block) -> None:
    """A check retried until it holds: the one way a page waits for a server, a health state or a
    rebuild. When time runs out it fails with its last output, file, line and the time waited."""
    within = block.options.within
    began = time.monotonic()
    tries = 0
    while True:
        tries += 1
        left = within - (time.monotonic() - began)
        result = run.shell.run(block.source, max(left, 1.0))
        if not result.timed_out and result.status == 0 and result.failed is None:
            return
        waited = time.monotonic() - began
        if waited >= within:
            if result.timed_out:
                how = "the last try was still running and was killed"
            elif result.failed is not None:
                at, status = result.failed
                text = block.source.splitlines()[at - 1] if at <= len(block.source.splitlines()) else ""
                how = f"the last try failed at line {block.source_line + at - 1} with exit status {status}: {text.strip()}"
            else:
                how = f"the last try ended with exit status {result.status}"
            raise BlockFailure(
                f"{block.path}:{block.line}: check did not hold within {within:g}s "
                f"(waited {waited:.1f}s, {tries} tries); {how}\nlast output:\n{_indent(_tail(result.output))}"
            )
        time.sleep(min(0.25, max(within - waited, 0)))


def _replies(command: Command, prompt: str) -> list[tuple[re.Pattern, str]]:
    """For an interactive command: each shown line that starts with the program's prompt is typed."""
    pattern = re.escape(prompt).replace(re.escape("..."), r"[^\n]*?")
    pattern = re.sub(r"\\\{[a-z][a-z0-9_]*\\\}", r"\\S+?", pattern)
    replies = []
    for line in command.expected:
        found = re.match(pattern, line)
        if found:
            replies.append((re.compile(pattern), line[found.end():]))
    return replies


def _run_console(run: PageRun, block: Block) -> None:
    commands = split_console(block)
    for index, command in enumerate(commands):
        last = index == len(commands) - 1
        timeout = _timeout(run, block)
        result = run.shell.run(
            command.text, timeout,
            stream_until=block.options.stream_until if last else None,
            stream_for=block.options.stream_for if last else None,
            replies=_replies(command, block.options.prompt) if block.options.prompt else None,
        )
        shown = command.text.replace("\n", "\n    ")
        if result.timed_out:
            raise _timed_out(block, command.line, shown, timeout, result)
        expected_status = block.options.exit if (last and block.options.exit is not None) else 0
        if not result.interrupted and result.status != expected_status:
            raise BlockFailure(
                f"{block.path}:{command.line}: exit status {result.status}, expected {expected_status}\n"
                f"  $ {shown}\nprinted:\n{_indent(_tail(result.output))}"
                + _missing_image_hint(run, block.path, command.line, command.text, result.output)
            )
        if run.settings.update:
            new = expect.updated(command.expected, result.output, run.captures)
            if new != command.expected:
                run.updates[command.line] = new
            found = expect.match(new, result.output, run.captures)
            run.captures.update(found.captures)
            continue
        found = expect.match(command.expected, result.output, run.captures)
        if not found.ok and run.settings.replay is not None:
            run.settings.replay.differences.append(Difference(
                f"{block.path}:{command.output_line if command.expected else command.line}", shown,
                expect.diff(command.expected, result.output)))
            continue
        if not found.ok:
            raise BlockFailure(
                f"{block.path}:{command.output_line if command.expected else command.line}: "
                f"output differs from the page\n  $ {shown}\n{expect.diff(command.expected, result.output)}"
            )
        filled = expect.fill(command.expected, result.output, run.captures)
        if filled is not None:
            filled, notes = rig.readers_view(filled)
            known = run.rig_notes.setdefault(block.line, [])
            known += [note for note in notes if note not in known]
        run.shown.setdefault(block.line, []).append(filled)
        run.captures.update(found.captures)


def _start_background(run: PageRun, block: Block) -> None:
    shell = run.new_shell(run.current_directory())
    run.background.append(shell)
    text = "\n".join(c.text for c in split_console(block)) if block.kind == "console" else block.source
    shell.start(text)
    if block.options.ready:
        try:
            shell.child.expect_exact(block.options.ready, timeout=_timeout(run, block))
        except Exception:
            output = shell.child.before if isinstance(shell.child.before, str) else ""
            raise BlockFailure(
                f"{block.path}:{block.line}: background command never printed {block.options.ready!r}"
                f"\nlast output:\n{_indent(_tail(output))}"
            ) from None
