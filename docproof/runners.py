"""Running one block of a page in the page's shell, and saying exactly how it failed.

A failure is a `BlockFailure` naming the page and the line of the command that failed, with what
it printed last. What a passing console block proves (the output readers see, filled with what
really printed) and, in update mode, what to rewrite, go to the page's run (`PageRun.prove`,
`PageRun.rewrite`).
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docproof import expect, rig
from docproof.blocks import Block, BlockFailure, Command, shown_prompt, split_console
from docproof.replay import Difference, Replay
from docproof.session import PageShell, Result
from docproof.terminal import render as clean_output

if TYPE_CHECKING:
    from docproof.page import PageRun

UNREACHABLE = re.compile(
    r"registry-1\.docker\.io|pull access denied|manifest unknown|not found: manifest|failed to resolve reference"
)
IMAGE_IN_ERROR = re.compile(
    r"Unable to find image '(?P<a>[^']+)' locally|source metadata for (?P<b>[^\s:]+(?::[\w][\w.-]*)?)"
    r"|pull access denied for (?P<c>[^\s,]+)|failed to resolve reference \"(?:docker\.io/library/)?(?P<d>[^\"]+)\""
)


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.splitlines()) if text else prefix + "(no output)"


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.splitlines()[-lines:])


def typed_replies(command: Command, prompt: str) -> list[tuple[re.Pattern, str]]:
    """For an interactive command: each shown line that starts with the program's prompt is typed."""
    pattern = re.compile(expect.prompt_pattern(prompt))
    return [(pattern, line[found.end():]) for line in command.expected if (found := pattern.match(line))]


@dataclass
class BlockRunner:
    run: PageRun
    block: Block
    taped: list[PageShell] = field(default_factory=list)  # shells recording this block

    def fail(self, line: int, message: str) -> BlockFailure:
        return BlockFailure(self.block.path, line, message)

    @property
    def shell(self):
        """The shell of the host the block runs on (the page's first host unless `host=`)."""
        return self.run.shell_for(self.block)

    @property
    def timeout(self) -> float:
        return self.block.options.timeout or self.run.settings.timeout

    def __call__(self) -> None:
        block = self.block
        if self.run.settings.replay is not None:
            self.as_a_reader(self.run.settings.replay)
        if block.kind == "cleanup":
            self.run.cleanups.append(block)
            return
        try:
            if block.options.background:
                self.background()
            elif block.kind == "console":
                self.tape_on(self.shell)
                self.console()
            elif block.options.within:
                self.check_within()
            else:
                self.tape_on(self.shell)
                self.script()
            for shell in self.taped:  # the block passed: keep what its terminal showed
                self.run.casts[block.line] = shell.tape.cast(f"{block.path}:{block.line}")
        finally:
            for shell in self.taped:
                shell.stop_recording()

    def tape_on(self, shell: PageShell) -> None:
        """Records the terminal of a visible block while it runs (docproof/recording.py)."""
        if self.run.settings.recordings is not None and not self.block.hidden:
            shell.record(shown_prompt(self.block))
            self.taped.append(shell)

    def as_a_reader(self, replay: Replay) -> None:
        """Before a block of a replay: the reader's pause, and the copy button must give what runs."""
        block = self.block
        time.sleep(replay.pause)
        runs = "\n".join(c.text for c in split_console(block)) if block.kind == "console" else block.source
        copied = replay.copy_text(block.path, block.digest)
        if copied is not None and copied.rstrip("\n") != runs.rstrip("\n"):
            diff = "\n".join(difflib.unified_diff(runs.rstrip("\n").split("\n"), copied.split("\n"),
                                                 "run by the suite", "copied from the site", lineterm=""))
            raise self.fail(block.line, f"the copy button gives other commands than the page runs\n{diff}")
        replay.commands += len(split_console(block)) if block.kind == "console" else 1

    def missing_image_hint(self, line: int, command: str, output: str) -> str:
        """When a command failed because an image could not be pulled, say how to provide it."""
        if not self.run.engine.owned or not UNREACHABLE.search(output):
            return ""
        found = IMAGE_IN_ERROR.search(output)
        image = next((g for g in found.groups() if g), None) if found else None
        if image is None and re.match(r"\s*docker (image )?pull ", command):
            image = command.split()[-1]
        if image is None:
            return ""
        from docproof import catalog

        return "\n" + catalog.missing_image_message(image, self.block.path, line)

    def timed_out(self, line: int, command: str, seconds: float, result: Result) -> BlockFailure:
        return self.fail(line, f"timed out after {seconds:g}s and was killed (raise it with "
                               f"`<!-- docproof: timeout=SECONDS -->`)\n  $ {command}\nlast output:\n{indent(tail(result.output))}")

    def failed_line(self, result: Result) -> tuple[int, str, int]:
        """The page line, text and exit status of the first command of a script that failed."""
        at, status = result.failed
        lines = self.block.source.splitlines()
        return self.block.source_line + at - 1, lines[at - 1] if at <= len(lines) else "", status

    def script(self) -> None:
        block, timeout = self.block, self.timeout
        result = self.shell.run(
            block.source, timeout, stream_until=block.options.stream_until, stream_for=block.options.stream_for
        )
        first = block.source.strip().splitlines()[0] if block.source.strip() else ""
        if result.timed_out:
            raise self.timed_out(block.source_line, first, timeout, result)
        if result.interrupted:
            return
        expected = block.options.exit or 0
        if expected == 0 and result.failed is not None:
            line, text, status = self.failed_line(result)
            raise self.fail(line, f"command failed\n  {text}\nexit status {status}; "
                                  f"last output:\n{indent(tail(result.output))}"
                            + self.missing_image_hint(line, text, result.output))
        if result.status != expected:
            raise self.fail(block.line, f"{block.kind} block ended with exit status {result.status}, "
                                        f"expected {expected}\nlast output:\n{indent(tail(result.output))}")

    def check_within(self) -> None:
        """A check retried until it holds: the one way a page waits for a server, a health state
        or a rebuild. When time runs out it fails with its last output, line and the time waited."""
        block, within = self.block, self.block.options.within
        began = time.monotonic()
        tries = 0
        while True:
            tries += 1
            left = within - (time.monotonic() - began)
            result = self.shell.run(block.source, max(left, 1.0))
            if not result.timed_out and result.status == 0 and result.failed is None:
                return
            waited = time.monotonic() - began
            if waited >= within:
                if result.timed_out:
                    how = "the last try was still running and was killed"
                elif result.failed is not None:
                    line, text, status = self.failed_line(result)
                    how = f"the last try failed at line {line} with exit status {status}: {text.strip()}"
                else:
                    how = f"the last try ended with exit status {result.status}"
                raise self.fail(block.line, f"check did not hold within {within:g}s (waited {waited:.1f}s, "
                                            f"{tries} tries); {how}\nlast output:\n{indent(tail(result.output))}")
            time.sleep(min(0.25, max(within - waited, 0)))

    def console(self) -> None:
        block, run = self.block, self.run
        commands = split_console(block)
        for index, command in enumerate(commands):
            last = index == len(commands) - 1
            timeout = self.timeout
            # `{name}` in a command is what an earlier command printed there (a join token).
            result = self.shell.run(
                expect.substitute(command.text, run.captures), timeout,
                stream_until=block.options.stream_until if last else None,
                stream_for=block.options.stream_for if last else None,
                replies=typed_replies(command, block.options.prompt) if block.options.prompt else None,
            )
            shown = command.text.replace("\n", "\n    ")
            if result.timed_out:
                raise self.timed_out(command.line, shown, timeout, result)
            expected_status = block.options.exit if (last and block.options.exit is not None) else 0
            if not result.interrupted and result.status != expected_status:
                raise self.fail(command.line, f"exit status {result.status}, expected {expected_status}\n"
                                              f"  $ {shown}\nprinted:\n{indent(tail(result.output))}"
                                + self.missing_image_hint(command.line, command.text, result.output))
            self.compare(command, shown, result.output)

    def compare(self, command: Command, shown: str, output: str) -> None:
        """The command's output against the page's: a failure, a replay's difference, or proof."""
        run = self.run
        where = command.output_line if command.expected else command.line
        if run.settings.update:
            new = expect.updated(command.expected, output, run.captures)
            if new != command.expected:
                run.rewrite(self.block, command, new)
            run.captures.update(expect.match(new, output, run.captures).captures)
            return
        found = expect.match(command.expected, output, run.captures)
        if not found.ok and run.settings.replay is not None:
            run.settings.replay.differences.append(Difference(
                f"{self.block.path}:{where}", shown, expect.diff(command.expected, output)))
            return
        if not found.ok:
            raise self.fail(where, f"output differs from the page\n  $ {shown}\n{expect.diff(command.expected, output)}")
        filled = expect.fill(command.expected, output, run.captures)
        notes: list[rig.Note] = []
        if filled is not None:
            filled, notes = rig.readers_view(filled)
        run.prove(self.block, filled, notes)
        run.captures.update(found.captures)

    def background(self) -> None:
        block, run = self.block, self.run
        user = block.options.user
        shell = run.user_shell(user) if user else run.new_shell(run.current_directory())
        run.background.append(shell)
        self.tape_on(shell)
        commands = split_console(block) if block.kind == "console" else []
        text = "\n".join(c.text for c in commands) if commands else block.source
        shell.start(text, typed=[c.text for c in commands] or None)
        if block.options.ready:
            # What the page shows is checked up to the end of the ready text's line.
            shows = bool(commands and commands[-1].expected)
            ready = re.escape(block.options.ready) + (r"[^\n]*\n" if shows else "")
            try:
                # The ready text, or the prompt: the command ended without printing it.
                ended = shell.child.expect([ready, shell.marker], timeout=self.timeout)
                if ended:
                    raise RuntimeError("the background command ended")
            except Exception:
                output = shell.child.before if isinstance(shell.child.before, str) else ""
                raise self.fail(block.line, f"background command never printed {block.options.ready!r}"
                                            + (" and the end of its line" if shows else "")
                                            + f"\nlast output:\n{indent(tail(output))}") from None
            if shows:
                # All the terminal has shown so far, as the recording has it: up to the ready
                # line and whatever else came in the same read.
                child = shell.child
                output = clean_output(shell.marker.sub("", child.before + child.after + child.buffer))
                for command in commands:
                    self.compare(command, command.text.replace("\n", "\n    "),
                                 output if command is commands[-1] else "")
