"""The grammar of `<!-- docproof: ... -->` directives: options for the next fence, page-level
declarations (`no-commands`, `hosts`, `users`) and hidden blocks (setup, check, cleanup). Pure text.

A directive the harness cannot read is a PageError naming file and line; so is a hidden check
that cannot fail (a wait loop that exits 0 when its condition never held, `|| true`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from docproof.errors import PageError

HIDDEN_KINDS = {"setup", "check", "cleanup"}
OPTION_KEYS = {"skip", "timeout", "exit", "stream-until", "stream-for", "prompt", "background", "ready", "host", "user"}
PAGE_KEYS = {"no-commands", "hosts", "users"}  # hosts=node2: extra hosts (docproof/hosts.py); users=alice: ordinary users (docproof/users.py)
HOST_NAME = re.compile(r"[a-z][a-z0-9]{0,8}")


@dataclass
class Options:
    skip: str | None = None
    timeout: float | None = None
    exit: int | None = None
    stream_until: str | None = None
    stream_for: float | None = None
    prompt: str | None = None
    background: bool = False
    ready: str | None = None
    within: float | None = None  # a check: seconds to retry it until it holds
    host: str | None = None  # the extra host the block runs on (the page's `hosts=`)
    user: str | None = None  # the ordinary user the block runs as (the page's `users=`)
    text: str = ""  # the directive as written, part of the block's hash


def parse_directive(path: str, line: int, body: str) -> tuple[str, Options | dict, str]:
    """Returns (kind, options, hidden source). kind is 'options', 'page' or a hidden kind."""
    if not body.startswith(":"):
        raise PageError(path, line, "a docproof directive is written `<!-- docproof: ... -->` (colon missing)")
    body = body[1:]
    first, _, rest = body.partition("\n")
    words = first.split()
    if words and words[0] in HIDDEN_KINDS:
        options = Options(text=body)
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if words[0] != "check" or key != "within":
                raise PageError(path, line, f"`{words[0]}` takes no options but `within=SECONDS` on a check; "
                                            "put the commands on the lines after it")
            try:
                options.within = float(value)
            except ValueError:
                options.within = -1.0
            if not eq or options.within <= 0:
                raise PageError(path, line, f"`within` must be a positive number of seconds, not {value!r}")
        source = rest.rstrip()
        if not source.strip():
            raise PageError(path, line, f"hidden `{words[0]}` block has no commands")
        source = _dedent(source)
        _refuse_checks_that_cannot_fail(path, line + 1, words[0], source)
        return words[0], options, source
    try:
        tokens = shlex.split(body)
    except ValueError as error:
        raise PageError(path, line, f"cannot read directive ({error})") from None
    if not tokens:
        raise PageError(path, line, "empty docproof directive")
    pairs: dict[str, str | None] = {}
    for token in tokens:
        key, eq, value = token.partition("=")
        if key not in OPTION_KEYS | PAGE_KEYS:
            known = ", ".join(sorted(OPTION_KEYS | PAGE_KEYS | HIDDEN_KINDS))
            raise PageError(path, line, f"unknown directive `{key}` (known: {known})")
        pairs[key] = value if eq else None
    if "hosts" in pairs:
        names = tuple((pairs["hosts"] or "").split(","))
        if len(pairs) > 1 or not all(HOST_NAME.fullmatch(n) for n in names) or len(set(names)) < len(names):
            raise PageError(path, line, "`hosts` stands alone and names the page's extra hosts: hosts=node2,node3 "
                                        "(lower-case letters and digits, at most 9)")
        return "page", {"hosts": names}, ""
    if "users" in pairs:
        names = tuple((pairs["users"] or "").split(","))
        if len(pairs) > 1 or not all(HOST_NAME.fullmatch(n) for n in names) or len(set(names)) < len(names) \
                or "root" in names:
            raise PageError(path, line, "`users` stands alone and names the page's ordinary users: users=alice,bob "
                                        "(lower-case letters and digits, at most 9, not root)")
        return "page", {"users": names}, ""
    if PAGE_KEYS & pairs.keys():
        if len(pairs) > 1 or not (pairs.get("no-commands") or "").strip():
            raise PageError(path, line, '`no-commands` stands alone and needs a reason: no-commands="why"')
        return "page", {"no-commands": pairs["no-commands"]}, ""
    return "options", _options(path, line, pairs, body), ""


# `for _ in $(seq 50); do curl -fs ... && break; sleep 0.1; done` exits 0 when the condition never
# held (the status is the last sleep's), and `|| true` forgives any failure: such a block cannot fail.
_BREAK_LOOP = re.compile(r"\b(for|while|until)\b[^\n]*\bdo\b.*\bbreak\b.*\bdone\b", re.DOTALL)
_FORGIVEN = re.compile(r"\|\|\s*(true|:)\s*$")


def _refuse_checks_that_cannot_fail(path: str, first_line: int, kind: str, source: str) -> None:
    if kind not in ("setup", "check"):
        return
    lines = source.rstrip("\n").split("\n")
    for number, text in enumerate(lines):
        if kind == "check" and _FORGIVEN.search(text):
            raise PageError(path, first_line + number,
                            "`|| true` in a check forgives the failure it should report: a check must be able to fail")
    last_loop = _BREAK_LOOP.search(source)
    if last_loop and not source[last_loop.end():].strip():
        at = first_line + source.count("\n", 0, last_loop.start())
        raise PageError(path, at,
                        f"this {kind} ends in a wait loop that exits 0 when its condition never holds; "
                        "write the condition alone in `<!-- docproof: check within=SECONDS` (retried until it holds), "
                        "or end with a command that asserts it")


def _options(path: str, line: int, pairs: dict[str, str | None], text: str) -> Options:
    options = Options(text=text)

    def value(key: str) -> str:
        raw = pairs[key]
        if raw is None or not raw.strip():
            raise PageError(path, line, f"`{key}` needs a value: {key}=...")
        return raw

    def number(key: str) -> float:
        try:
            seconds = float(value(key))
        except ValueError:
            raise PageError(path, line, f"`{key}` must be a number of seconds, not {pairs[key]!r}") from None
        if seconds <= 0:
            raise PageError(path, line, f"`{key}` must be positive")
        return seconds

    if "skip" in pairs:
        options.skip = value("skip").strip()
        if len(pairs) > 1:
            raise PageError(path, line, "`skip` stands alone: a skipped block has no other options")
    if "timeout" in pairs:
        options.timeout = number("timeout")
    if "exit" in pairs:
        try:
            options.exit = int(value("exit"))
        except ValueError:
            raise PageError(path, line, f"`exit` must be a whole number, not {pairs['exit']!r}") from None
        if not 0 <= options.exit <= 255:
            raise PageError(path, line, "`exit` must be between 0 and 255")
    if "stream-until" in pairs:
        options.stream_until = value("stream-until")
    if "stream-for" in pairs:
        options.stream_for = number("stream-for")
    if "prompt" in pairs:
        options.prompt = value("prompt")
    if "background" in pairs:
        if pairs["background"] is not None:
            raise PageError(path, line, "`background` is a flag: write it without a value")
        options.background = True
    if "ready" in pairs:
        if not options.background:
            raise PageError(path, line, "`ready` goes with `background`")
        options.ready = value("ready")
    if "host" in pairs:
        options.host = value("host")
        if options.background:
            raise PageError(path, line, "a `background` block runs on the page's first host: drop `host`")
    if "user" in pairs:
        options.user = value("user")
        if options.host is not None:
            raise PageError(path, line, "a block of a page's user runs on the first host: drop `host` or `user`")
    streaming = options.stream_until is not None or options.stream_for is not None
    if streaming and options.exit is not None:
        raise PageError(path, line, "a streamed command is interrupted: its exit status is not checked, drop `exit`")
    if streaming and options.background:
        raise PageError(path, line, "`background` and `stream-*` do not go together")
    return options


def _dedent(source: str) -> str:
    lines = source.split("\n")
    indents = [len(l) - len(l.lstrip()) for l in lines if l.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(l[cut:] for l in lines).strip("\n") + "\n"
