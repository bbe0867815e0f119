"""Finding the blocks of a page: code fences, the directives before them, and hidden blocks.

Everything here is pure text work, shared by the test harness and by the site build, so both
see the same blocks and the same content hashes.

A directive is an HTML comment (invisible on the site) that starts with `docproof:`:

    <!-- docproof: timeout=120 exit=125 -->       options for the fence right after it
    <!-- docproof: skip="needs a second host" -->  the next fence is not run; readers see why
    <!-- docproof: hosts=node2 -->                 the page has an extra host (docproof/hosts.py)
    <!-- docproof: host=node2 -->                  the next fence runs on it
    <!-- docproof: users=alice -->                 the page has an ordinary user (docproof/users.py)
    <!-- docproof: user=alice -->                  the next fence runs as that user
    <!-- docproof: setup                          a hidden block: setup, check or cleanup
    docker pull busybox:1.37
    -->
    <!-- docproof: check within=30                a check retried until it holds, for 30 s at most
    curl -fs http://127.0.0.1:8080/
    -->

A fence or directive the harness cannot classify is a PageError naming file and line. The grammar
of directives is docproof/directives.py; the errors are docproof/errors.py.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sybil import Document, Region
from sybil.parsers.markdown.lexers import RawFencedCodeBlockLexer

from docproof.directives import HIDDEN_KINDS, Options, parse_directive
from docproof.errors import AtLine, BlockFailure, PageError

__all__ = ["AtLine", "Block", "BlockFailure", "Command", "Options", "Page", "PageError", "expand_includes",
           "parse_page", "split_console"]

RUNNABLE = {"console", "bash", "sh", "shell"}
# Shown files must come from snippets/ so that the suite builds exactly what readers see.
INCLUDE_ONLY = {"dockerfile", "yaml", "yml", "hcl"}
DISPLAY = {
    "text", "txt", "plaintext", "output", "json", "mermaid", "python", "py", "javascript", "js",
    "ini", "toml", "diff", "html", "nginx", "conf", "go", "properties", "dotenv", "sql", "none",
}

DIRECTIVE = re.compile(r"^(?P<prefix>[ \t]*)<!--[ \t]*docproof\b(?P<body>.*?)-->", re.DOTALL | re.MULTILINE)
INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<path>[^"]+)"[ \t]*$', re.MULTILINE)
INFO = re.compile(r"^[ \t]*(?:\{[ \t]*\.(?P<braced>[\w+-]+)(?P<braced_attrs>[^}]*)\}|(?P<language>[\w+-]*)(?P<attrs>.*))$")


@dataclass
class Block:
    """One thing the harness runs (or refuses to run, with a reason) in page order."""

    path: str
    line: int  # line of the opening fence, or of the hidden directive
    kind: str  # console | script | setup | check | cleanup
    language: str
    source: str  # the text to run, with --8<-- includes expanded
    source_line: int  # line of the first line of source
    options: Options = field(default_factory=Options)
    start: int = 0  # character offsets in the page, for Sybil regions
    end: int = 0
    page_hosts: tuple[str, ...] = ()  # the extra hosts the page asks for
    page_users: tuple[str, ...] = ()  # the ordinary users the page asks for

    @property
    def hidden(self) -> bool:
        return self.kind in HIDDEN_KINDS

    @property
    def digest(self) -> str:
        """What the verification record is keyed by: the directive, the language and the code."""
        text = "\0".join([self.options.text, self.kind, self.language, self.source])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Page:
    path: str
    blocks: list[Block]
    no_commands: str | None = None  # the declared reason a page has no runnable block
    hosts: tuple[str, ...] = ()
    users: tuple[str, ...] = ()


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def expand_includes(path: str, line: int, source: str, root: Path) -> str:
    """Replaces `--8<-- "file"` lines by the file, as pymdownx.snippets does on the site."""

    def read(match: re.Match) -> str:
        target = root / match.group("path")
        if not target.is_file():
            at = line + source.count("\n", 0, match.start())
            raise PageError(path, at, f"included file {match.group('path')} does not exist")
        return target.read_text().rstrip("\n")

    return INCLUDE.sub(read, source)


# Sybil's own fence lexer, so the harness finds exactly the fences Sybil does (indented in tabs,
# admonitions and list items included); the info line is kept whole for our classification.
FENCES = RawFencedCodeBlockLexer(info_pattern=re.compile(r"(?P<info>[^\n]*)\n"))
CLOSED = re.compile(r"(?:`{3,}|~{3,})[ \t]*\Z")


def _fences(path: str, text: str) -> list[Region]:
    return list(FENCES(Document(text, path)))


def parse_page(path: str | Path, text: str, root: Path) -> Page:
    """All blocks of a page in order; raises PageError for anything it cannot classify."""
    path = str(path)
    comments = [(m, _line_of(text, m.start())) for m in DIRECTIVE.finditer(text)]
    fences = _fences(path, text)
    blocks: list[Block] = []
    no_commands, hosts, users = None, (), ()
    pending: tuple[Options, int, int] | None = None  # options waiting for their fence

    events = sorted(
        [("comment", m.start(), m, line) for m, line in comments]
        + [("fence", f.start, f, _line_of(text, f.start)) for f in fences],
        key=lambda e: e[1],
    )
    for what, offset, match, line in events:
        if what == "comment":
            if any(f.start < offset < f.end for f in fences):
                continue  # a directive shown inside a fence (CONTRIBUTING examples) is text
            if pending:
                raise PageError(path, pending[1], "directive is not followed by a code fence")
            kind, options, source = parse_directive(path, line, match.group("body"))
            if kind == "page" and "hosts" in options:
                hosts = options["hosts"]
            elif kind == "page" and "users" in options:
                users = options["users"]
            elif kind == "page":
                no_commands = options["no-commands"]
            elif kind == "options":
                gap = text[match.end():]
                if not re.match(r"[ \t]*\n(?:[ \t]*\n)*[ \t]*(?:`{3,}|~{3,})", gap):
                    raise PageError(path, line, "directive is not followed by a code fence")
                pending = (options, line, match.end())
            else:
                blocks.append(Block(path, line, kind, "bash", source, line + 1, options, match.start(), match.end()))
            continue
        fence: Region = match
        if not CLOSED.search(text[fence.start:fence.end]):
            raise PageError(path, line, "code fence is never closed")
        info = INFO.match(fence.lexemes["info"])
        language = ((info.group("braced") or info.group("language")) if info else "").lower()
        source = str(fence.lexemes["source"])
        options, start = Options(), fence.start
        if pending:
            options, _, _ = pending
            start = text.rfind("<!--", 0, fence.start)
            pending = None
        included_only = bool(source.strip()) and all(INCLUDE.match(l) for l in source.splitlines() if l.strip())
        if language in RUNNABLE and language != "console" and included_only and not options.text:
            # A script file shown from snippets/, like a Dockerfile: the page runs it by a command
            # (`bash snippets/x/run.sh`, a build that copies it), not by being a block itself.
            expand_includes(path, line + 1, source, root)
        elif language in RUNNABLE:
            source = expand_includes(path, line + 1, source, root)
            kind = "console" if language == "console" else "script"
            blocks.append(Block(path, line, kind, language, source, line + 1, options, start, fence.end))
        elif options.text:
            raise PageError(path, line, f"a docproof directive stands before a `{language or 'plain'}` fence, which never runs")
        elif language in INCLUDE_ONLY:
            body = [l for l in source.splitlines() if l.strip()]
            if not body or not all(INCLUDE.match(l) for l in body):
                raise PageError(
                    path, line,
                    f"a `{language}` fence must include its file from snippets/ (`--8<-- \"snippets/...\"`) "
                    "so that the suite builds what readers see",
                )
            expand_includes(path, line + 1, source, root)
        elif language not in DISPLAY:
            what = f"language `{language}`" if language else "no language"
            raise PageError(
                path, line,
                f"code fence with {what}: use console/bash/sh/shell to run it, "
                f"or one of {', '.join(sorted(DISPLAY | INCLUDE_ONLY))} to show it",
            )
    if pending:
        raise PageError(path, pending[1], "directive is not followed by a code fence")
    for block in blocks:
        block.page_hosts = hosts
        block.page_users = users
        if block.options.user is not None and block.options.user not in users:
            raise PageError(path, block.line, f"`user={block.options.user}` names no user of this page "
                                              f"(a page asks for its users with `<!-- docproof: users={block.options.user} -->`)")
        if block.options.host is not None and block.options.host not in hosts:
            raise PageError(path, block.line, f"`host={block.options.host}` names no host of this page "
                                              f"(a page asks for its extra hosts with `<!-- docproof: hosts={block.options.host} -->`)")
    return Page(path, blocks, no_commands, hosts, users)


# --- console blocks ---------------------------------------------------------------

HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>\w+)\1")


@dataclass
class Command:
    text: str  # what is typed, without the `$ ` prompt
    expected: list[str]  # the output shown under it
    line: int  # line of the `$ ` in the page
    output_line: int  # line of the first output line


def shown_prompt(block: Block) -> str:
    """The prompt a reader sees before the block's commands: on the site (site_hooks/host_label.py)
    and in its recording (docproof/recording.py), the machine's or the ordinary user's, else `$`."""
    if block.options.user:
        return f"{block.options.user}@docker-host:~$"
    if block.options.host:
        return f"{block.options.host}:~$"
    return "$"


def split_console(block: Block) -> list[Command]:
    """The `$ ` commands of a console block with the output shown under each."""
    lines = block.source.rstrip("\n").split("\n") if block.source.strip() else []
    commands: list[Command] = []
    i = 0
    while i < len(lines):
        line_no = block.source_line + i
        line = lines[i]
        if not line.startswith("$ ") and line != "$":
            if not commands:
                raise PageError(block.path, line_no, "a console block starts with a `$ ` command")
            commands[-1].expected.append(line)
            i += 1
            continue
        text = [line[2:]]
        i += 1
        # Continuation lines and here-documents belong to the command.
        while text[-1].endswith("\\") and i < len(lines):
            text.append(lines[i])
            i += 1
        for doc in HEREDOC.finditer("\n".join(text)):
            while i < len(lines):
                text.append(lines[i])
                i += 1
                if text[-1].strip() == doc.group("word"):
                    break
            else:
                raise PageError(block.path, line_no, f"here-document `{doc.group('word')}` is never closed")
        commands.append(Command("\n".join(text), [], line_no, block.source_line + i))
    if not commands:
        raise PageError(block.path, block.line, "empty console block")
    return commands
