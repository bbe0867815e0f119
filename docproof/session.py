"""The shell a page runs in: one bash under a real pseudo-terminal, like a reader's terminal.

Commands are written to a file and `source`d, one at a time, and we wait for the prompt before
sending anything else, so a `docker run -i` can never swallow the rest of the page. The prompt
itself is the end marker: PROMPT_COMMAND prints a nonce, the exit status and the line of the
first failing command in a script, which bash only does once the command has finished.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pexpect

from docproof.processes import first_child, pid_alive
from docproof.recording import Tape
from docproof.terminal import render as clean_output

@dataclass
class Result:
    output: str  # cleaned output
    status: int | None  # exit status; None when the command was killed at its timeout
    failed: tuple[int, int] | None  # for scripts: (line within the script, status) of the first failure
    timed_out: bool = False
    interrupted: bool = False  # a streamed command we stopped with Ctrl-C
    seconds: float = 0.0


class ShellGone(RuntimeError):
    pass


class PageShell:
    """One interactive bash, in the engine's network namespace when the engine has one."""

    def __init__(self, argv_prefix: list[str], cwd: Path, env: dict[str, str], scratch: Path) -> None:
        self.nonce = secrets.token_hex(6)
        self.marker = re.compile(r"\x1eDP" + self.nonce + r":(\d+):(?:(\d+),(\d+))?\x1f")
        self.scratch = scratch
        self.count = 0
        self.tape: Tape | None = None  # what the terminal shows, while a visible block runs
        argv = [*argv_prefix, "bash", "--norc", "--noprofile", "--noediting", "-i"]
        self.child = pexpect.spawn(
            argv[0], argv[1:], cwd=str(cwd), env=env, encoding="utf-8", codec_errors="replace",
            dimensions=(50, 200), echo=False, timeout=None,
        )
        self.child.delaybeforesend = None  # pexpect sleeps 50 ms before every send by default
        init = (
            "PS1=; PS2=; unset HISTFILE; "
            "trap '__dp_x=$?; [ -n \"$__dp_err\" ] || __dp_err=$LINENO,$__dp_x' ERR; "
            f"PROMPT_COMMAND='__dp_s=$?; printf \"\\036DP{self.nonce}:%d:%s\\037\" \"$__dp_s\" \"$__dp_err\"; __dp_err='\n"
        )
        self.child.send(init)
        self._wait_marker(30)

    @property
    def bash_pid(self) -> int:
        """The shell's own pid: on the engine's machine, bash is a child of nsenter."""
        pid = self.child.pid
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "nsenter":
                return first_child(pid) or pid
        except OSError:
            pass
        return pid

    @property
    def alive(self) -> bool:
        return self.child.isalive()

    def _wait_marker(self, timeout: float) -> re.Match:
        try:
            self.child.expect(self.marker, timeout=timeout)
        except pexpect.EOF:
            raise ShellGone("the page's shell exited (a command ran `exit`?)") from None
        return self.child.match

    def _script(self, text: str) -> Path:
        self.count += 1
        path = self.scratch / f"cmd-{self.count}.sh"
        path.write_text(text if text.endswith("\n") else text + "\n")
        return path

    def record(self, prompt: str = "$") -> Tape:
        """Starts a recording of what this terminal shows (docproof/recording.py); commands are
        typed after `prompt`, the one the page shows."""
        self.tape = self.child.logfile_read = Tape(self.marker, prompt)
        return self.tape

    def stop_recording(self) -> None:
        self.tape = self.child.logfile_read = None

    def start(self, text: str, typed: list[str] | None = None) -> None:
        """Sends a command without waiting for it (background terminals, streams, interaction).
        typed: the commands as a reader types them one after another, when text is several."""
        if self.tape is not None:
            for command in typed or [text]:
                self.tape.typed(command)
        self.child.send(f"source {self._script(text)}\n")

    def run(
        self,
        text: str,
        timeout: float,
        stream_until: str | None = None,
        stream_for: float | None = None,
        replies: list[tuple[re.Pattern, str]] | None = None,
    ) -> Result:
        """Runs one command (or script) and returns what it printed and how it ended."""
        began = time.monotonic()
        self.start(text)
        deadline = began + timeout
        interrupted = False
        collected = ""
        try:
            for prompt, reply in replies or []:
                # Interactive programs: answer each prompt shown on the page with its typed line.
                self.child.expect([prompt, self.marker], timeout=max(deadline - time.monotonic(), 0.1))
                if self.child.match.re is self.marker:
                    return self._finish(collected + self.child.before, self.child.match, began)
                collected += self.child.before + self.child.after
                self.child.send(reply + "\r")
            if stream_until is not None or stream_for is not None:
                stop_at = began + stream_for if stream_for else deadline
                patterns = [self.marker] + ([re.escape(stream_until)] if stream_until else [])
                try:
                    self.child.expect(patterns, timeout=max(min(stop_at, deadline) - time.monotonic(), 0.1))
                    if self.child.match.re is self.marker:
                        return self._finish(collected + self.child.before, self.child.match, began)
                    collected += self.child.before + self.child.after
                except pexpect.TIMEOUT:
                    if stream_until is not None and stream_for is None:
                        raise
                    collected += self.child.before
                self.child.sendintr()
                interrupted = True
            match = self._wait_marker(max(deadline - time.monotonic(), 0.1))
            result = self._finish(collected + self.child.before, match, began)
            result.interrupted = interrupted
            return result
        except pexpect.TIMEOUT:
            collected += self.child.before or ""
            self._kill_foreground()
            return Result(clean_output(collected), None, None, timed_out=True, seconds=time.monotonic() - began)

    def _finish(self, raw: str, match: re.Match, began: float) -> Result:
        failed = (int(match.group(2)), int(match.group(3))) if match.group(2) else None
        return Result(clean_output(raw), int(match.group(1)), failed, seconds=time.monotonic() - began)

    def _kill_foreground(self) -> None:
        """Ctrl-C, then SIGKILL to the whole foreground process group, then wait for the prompt."""
        self.child.sendintr()
        try:
            self._wait_marker(3)
            return
        except pexpect.TIMEOUT:
            pass
        try:
            group = os.tcgetpgrp(self.child.child_fd)
            if group != self.child.pid:
                os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
        try:
            self._wait_marker(5)
        except (pexpect.TIMEOUT, ShellGone):
            self.close()

    def close(self) -> None:
        """Ends the shell and everything started from it: jobs run in process groups of their own,
        so signalling the shell's group alone would leave a background server holding its port."""
        members = _session_members(self.child.pid)
        for pid in members:
            try:
                os.kill(pid, signal.SIGHUP)
            except OSError:
                pass
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline and any(pid_alive(pid) for pid in members):
            time.sleep(0.05)
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self.child.isalive():
            self.child.close(force=True)


def _session_members(session: int) -> list[int]:
    """Every process in the given session (the shell is its leader: pexpect starts it with setsid)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # after the name: state, ppid, pgrp, session
            members.append(int(entry))
    return members


def make_scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="docproof-scratch-"))
