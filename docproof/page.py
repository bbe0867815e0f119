"""Running a page: its blocks in order in one shell, checked, and everything removed afterwards.

This module holds Sybil's evaluator (`evaluate`) and the per-page state it keeps in the
document's namespace (`PageRun`); docproof/runners.py runs each block.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from docproof import isolation, rig
from docproof.blocks import Block, BlockFailure, Command
from docproof.engine import Engine
from docproof.hosts import PageHosts
from docproof.replay import Replay
from docproof.runners import BlockRunner, indent, tail
from docproof.session import PageShell, ShellGone, make_scratch
from docproof.users import PageUsers


@dataclass
class Settings:
    """What the command line chose for this run."""

    root: Path  # the repository
    timeout: float  # seconds a command may take unless its directive says otherwise
    update: bool  # rewrite shown outputs from what commands printed
    replay: "Replay | None" = None  # a reader's replay (docproof/replay.py) instead of a proof
    curl_home: Path | None = None  # on a daemon of the host: where curl finds the site (downloads.curl_home)
    recordings: Path | None = None  # where passing blocks' terminal recordings go; None: not recorded


@dataclass
class EngineWatch:
    """Notices a dead engine once, so later blocks fail at once instead of timing out one by one."""

    engine: Engine
    lost: str | None = None

    def check(self, block: Block) -> None:
        if self.lost is None and not self.engine.answers(timeout=2):
            self.lost = f"the Docker engine at {self.engine.docker_host} stopped answering"
        if self.lost:
            raise BlockFailure(block.path, block.line,
                               f"{self.lost}; not running this block (start it again with `make engine-up`)")


@dataclass
class Rewrite:
    """Update mode: the shown output of one command, to be replaced by `lines`."""

    fence_line: int  # the block's opening fence: its indentation is the output's
    first: int  # index in the page's lines of the first shown output line
    end: int  # index after the last
    lines: list[str]


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
    rewrites: list[Rewrite] = field(default_factory=list)  # update mode: outputs to rewrite on the page
    hosts: PageHosts | None = None  # the page's extra hosts (docproof/hosts.py)
    host_shells: dict[str, PageShell] = field(default_factory=dict)
    users: PageUsers | None = None  # the page's ordinary users (docproof/users.py)
    user_shells: dict[str, PageShell] = field(default_factory=dict)
    casts: dict[int, str] = field(default_factory=dict)  # block line -> what its terminal showed (passed)
    _shown: dict[int, list[list[str] | None]] = field(default_factory=dict)  # block line -> filled outputs
    _rig_notes: dict[int, list[rig.Note]] = field(default_factory=dict)  # block line -> values shown as a reader's

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

    def prove(self, block: Block, filled: list[str] | None, notes: list[rig.Note]) -> None:
        """A command of a console block matched: `filled` is its output as readers see it."""
        self._shown.setdefault(block.line, []).append(filled)
        known = self._rig_notes.setdefault(block.line, [])
        known += [note for note in notes if note not in known]

    def proven(self, block: Block) -> tuple[list[list[str] | None] | None, list[rig.Note] | None]:
        """What the record keeps of a passed console block: its filled outputs and rig notes."""
        shown = self._shown.get(block.line)
        return shown, (self._rig_notes.get(block.line) if shown else None)

    def rewrite(self, block: Block, command: Command, lines: list[str]) -> None:
        first = command.output_line - 1
        self.rewrites.append(Rewrite(block.line, first, first + len(command.expected), lines))

    def open(self, block: Block) -> None:
        client = self.engine.client()
        if self.engine.owned:
            problems = isolation.restore(client, isolation.EMPTY, wipe_build_cache=True)
            if problems:
                raise BlockFailure(block.path, block.line,
                                   "could not empty the suite's engine before the page: " + "; ".join(problems))
            if self.engine.leftover_layers():
                self.engine.restart_empty()
            self.before = isolation.EMPTY
            self.engine.fresh_home(folder=self.workdir)
            if block.page_hosts:
                self.hosts = PageHosts(self.engine, block.page_hosts)
                try:
                    self.hosts.up()
                except (OSError, RuntimeError) as error:
                    raise BlockFailure(block.path, block.line, f"could not start the page's extra hosts: {error}") from None
            if block.page_users:
                self.users = PageUsers(self.engine, block.page_users)
                try:
                    self.users.up()
                except (OSError, RuntimeError) as error:
                    raise BlockFailure(block.path, block.line, f"could not add the page's users: {error}") from None
        else:
            self.before = isolation.snapshot(client)
        self.shell = self.new_shell(self.workdir)

    def shell_for(self, block: Block) -> PageShell:
        """The page's shell on the block's host: the first host's, or one started in the home
        folder of the extra host that `host=` names, the first time a block runs there."""
        if block.options.user is not None:
            shell = self.user_shells.get(block.options.user)
            if shell is None or not shell.alive:
                shell = self.user_shells[block.options.user] = self.user_shell(block.options.user)
            return shell
        name = block.options.host
        if name is None:
            return self.shell
        lost = self.hosts.check(name)
        if lost:
            raise BlockFailure(block.path, block.line, f"{lost}; not running this block")
        shell = self.host_shells.get(name)
        if shell is None or not shell.alive:
            shell = self.host_shells[name] = PageShell(
                self.hosts.engine(name).in_namespace([], cwd="/root"), self.scratch, self.env(), self.scratch)
        return shell

    def user_shell(self, name: str) -> PageShell:
        """A shell of the page's user `name` in their home folder, as after `su - alice`: their
        HOME, USER and a user's PATH, no XDG_RUNTIME_DIR (the machine has no systemd session). Its
        command files sit in a folder the user can read."""
        uid = self.users.uid(name)
        scratch = Path(tempfile.mkdtemp(prefix=f"user-{name}-", dir=self.scratch))
        self.scratch.chmod(0o711)
        scratch.chmod(0o755)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/games", "HOME": f"/home/{name}", "USER": name,
               "LOGNAME": name, "SHELL": "/bin/bash", "TERM": "dumb", "LANG": "C.UTF-8"}
        argv = self.engine.in_namespace(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--init-groups",
                                         "env", "-i", *(f"{k}={v}" for k, v in env.items())], cwd=f"/home/{name}")
        return PageShell(argv, self.scratch, env, scratch)

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
                problems.append(f"{block.path}:{block.line}: cleanup block failed:\n{indent(tail(result.output))}")
        for shell in self.background:
            shell.child.sendintr()
        for shell in [*self.background, *self.host_shells.values(), *self.user_shells.values(),
                      *([self.shell] if self.shell else [])]:
            shell.close()
        if self.users is not None:
            try:
                self.users.down()
            except (OSError, RuntimeError) as error:
                problems.append(f"{self.path}: could not remove the page's users: {error}")
        if self.hosts is not None:
            try:
                self.hosts.down()
            except (OSError, RuntimeError) as error:
                problems.append(f"{self.path}: could not remove the page's extra hosts: {error}")
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
    if block.page_hosts and not namespace["docker_engine"].owned:
        # Its other machines are the suite's own (docproof/hosts.py), made beside its own engine.
        pytest.skip(f"needs the second machine {', '.join(block.page_hosts)}, which the suite "
                    "makes beside its own engine only, not with --docker-host")
    if block.page_users and not namespace["docker_engine"].owned:
        # Its users and their rootless engines live on the suite's machine (docproof/users.py).
        pytest.skip(f"needs the ordinary user {', '.join(block.page_users)} with a rootless engine of their own, "
                    "which the suite adds to its own engine's machine only, not with --docker-host")
    run: PageRun | None = namespace.get("page_run")
    if run is None:
        run = namespace["page_run"] = PageRun(
            block.path, namespace["docker_engine"], namespace["docproof_settings"], namespace["docproof_watch"]
        )
    if run.first_failure:
        pytest.skip(f"an earlier block failed ({run.first_failure}); the page stops there")
    try:
        run.watch.check(block)
        if run.shell is None:
            run.open(block)
        if block.options.host is None and block.options.user is None and not run.shell.alive:
            raise BlockFailure(block.path, block.line,
                               "the page's shell is gone (an earlier command ran `exit`, or was killed)")
        BlockRunner(run, block)()
    except (BlockFailure, ShellGone) as failure:
        run.first_failure = f"{block.path}:{block.line}"
        if isinstance(failure, ShellGone):
            return f"{block.path}:{block.line}: {failure}"
        try:
            run.watch.check(block)  # a failure because the engine died says so
        except BlockFailure as lost:
            return str(lost)
        return str(failure)
    return None
