"""Every refusal of the parser, in process: each names the page's file and line and says what is
wrong. The parser is called as pytest's collection calls it (docproof/parser.py), so the rules in
blocks.py, parser.py and verdict.py are all reached; test_pages.py keeps one child pytest proving
that a refusal becomes a collection error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sybil import Document

from docproof.blocks import PageError
from docproof.parser import PageParser

PAGES = Path(__file__).parent / "pages"
ROOT = Path(__file__).parents[2]

TITLE = "# T\n\n"  # the line after it is line 3
RUN = "```console\n$ echo hi\nhi\n```\n"


def refusal(text: str, root: Path, path: Path) -> PageError:
    with pytest.raises(PageError) as caught:
        list(PageParser(root)(Document(text, str(path))))
    return caught.value


def directive(body: str) -> str:
    """A page whose directive, on line 3, stands before a console block."""
    return f"{TITLE}<!-- docproof: {body} -->\n{RUN}"


def hidden(head: str, *commands: str) -> str:
    """A page with a hidden block on line 3 (its commands from line 4) and a console block."""
    return TITLE + f"<!-- docproof: {head}\n" + "".join(c + "\n" for c in commands) + "-->\n\n" + RUN


CASES = [
    # the directive itself (blocks.parse_directive)
    ("no-colon", TITLE + '<!-- docproof skip="x" -->\n' + RUN, 3, "(colon missing)"),
    ("hidden-block-option", hidden("setup within=5", "true"), 3, "`setup` takes no options but `within=SECONDS` on a check"),
    ("check-option-not-within", hidden("check timeout=5", "true"), 3, "`check` takes no options but `within=SECONDS`"),
    ("within-not-a-number", hidden("check within=soon", "true"), 3, "`within` must be a positive number of seconds, not 'soon'"),
    ("within-zero", hidden("check within=0", "true"), 3, "`within` must be a positive number of seconds, not '0'"),
    ("within-without-value", hidden("check within", "true"), 3, "`within` must be a positive number of seconds"),
    ("hidden-without-commands", hidden("cleanup"), 3, "hidden `cleanup` block has no commands"),
    ("unreadable-quotes", directive('skip="never closed'), 3, "cannot read directive (No closing quotation)"),
    ("empty-directive", directive(""), 3, "empty docproof directive"),
    ("unknown-option", directive("timout=5"), 3, "unknown directive `timout` (known: "),
    ("no-commands-without-reason", TITLE + "<!-- docproof: no-commands -->\n", 3, "`no-commands` stands alone and needs a reason"),
    ("no-commands-with-options", TITLE + '<!-- docproof: no-commands="landing" timeout=5 -->\n', 3, "`no-commands` stands alone"),
    # hidden blocks that cannot fail
    ("forgiving-check", hidden("check", "docker info", "docker inspect web || true"), 5, "`|| true` in a check forgives the failure"),
    ("forgiving-check-colon", hidden("check", "docker inspect web || :"), 4, "`|| true` in a check forgives the failure"),
    ("setup-ends-in-wait-loop", hidden("setup", "for _ in 1 2 3; do test -e /tmp/x && break; sleep 1; done"), 4,
     "this setup ends in a wait loop that exits 0 when its condition never holds"),
    ("check-ends-in-until-loop", hidden("check", "test -n \"$HOME\"", "until false; do", "  break", "done"), 5,
     "this check ends in a wait loop"),
    # options of a fence (blocks._options)
    ("skip-without-reason", directive("skip"), 3, "`skip` needs a value: skip=..."),
    ("prompt-empty", directive('prompt=""'), 3, "`prompt` needs a value"),
    ("timeout-not-a-number", directive("timeout=soon"), 3, "`timeout` must be a number of seconds, not 'soon'"),
    ("stream-for-not-a-number", directive("stream-for=x"), 3, "`stream-for` must be a number of seconds"),
    ("timeout-zero", directive("timeout=0"), 3, "`timeout` must be positive"),
    ("stream-for-negative", directive("stream-for=-1"), 3, "`stream-for` must be positive"),
    ("skip-with-options", directive('skip="x" timeout=5'), 3, "`skip` stands alone"),
    ("exit-not-a-number", directive("exit=one"), 3, "`exit` must be a whole number, not 'one'"),
    ("exit-out-of-range", directive("exit=256"), 3, "`exit` must be between 0 and 255"),
    ("background-with-value", directive("background=yes"), 3, "`background` is a flag: write it without a value"),
    ("ready-without-background", directive('ready="up"'), 3, "`ready` goes with `background`"),
    ("streamed-with-exit", directive("stream-for=3 exit=1"), 3, "a streamed command is interrupted: its exit status is not checked"),
    ("background-streamed", directive('background stream-until="up"'), 3, "`background` and `stream-*` do not go together"),
    # a page's ordinary users (docproof/users.py)
    ("users-upper-case", TITLE + "<!-- docproof: users=Alice -->\n\n" + RUN, 3,
     "`users` stands alone and names the page's ordinary users: users=alice,bob"),
    ("users-root", TITLE + "<!-- docproof: users=root -->\n\n" + RUN, 3, "(lower-case letters and digits, at most 9, not root)"),
    ("users-empty", TITLE + "<!-- docproof: users -->\n\n" + RUN, 3, "`users` stands alone"),
    ("users-with-options", TITLE + "<!-- docproof: users=alice timeout=5 -->\n\n" + RUN, 3, "`users` stands alone"),
    ("user-not-declared", directive("user=bob"), 4, "`user=bob` names no user of this page"),
    ("user-without-name", directive("user"), 3, "`user` needs a value: user=..."),
    ("user-on-a-host", TITLE + "<!-- docproof: hosts=node2 -->\n<!-- docproof: users=alice -->\n"
     "<!-- docproof: host=node2 user=alice -->\n" + RUN, 5, "a block of a page's user runs on the first host"),
    # fences (blocks.parse_page, blocks.expand_includes)
    ("included-file-missing", TITLE + '```bash\necho first\n--8<-- "snippets/demo/gone.sh"\n```\n', 5,
     "included file snippets/demo/gone.sh does not exist"),
    ("shown-file-missing", TITLE + '```dockerfile\n--8<-- "snippets/demo/Dockerfile"\n```\n' + RUN, 4,
     "included file snippets/demo/Dockerfile does not exist"),
    ("directive-before-prose", TITLE + "<!-- docproof: timeout=5 -->\n\nSome prose.\n\n" + RUN, 3, "directive is not followed by a code fence"),
    ("directive-before-unfinished-fence", TITLE + "<!-- docproof: timeout=5 -->\n```bash", 3, "directive is not followed by a code fence"),
    ("unclosed-fence", TITLE + "```bash\necho hi\n", 3, "code fence is never closed"),
    ("directive-before-shown-fence", TITLE + "<!-- docproof: timeout=5 -->\n```text\nx\n```\n" + RUN, 4,
     "a docproof directive stands before a `text` fence, which never runs"),
    ("directive-before-plain-fence", TITLE + "<!-- docproof: timeout=5 -->\n```\nx\n```\n" + RUN, 4,
     "a docproof directive stands before a `plain` fence"),
    ("inline-dockerfile", TITLE + "```dockerfile\nFROM busybox:1.37\n```\n" + RUN, 3,
     "a `dockerfile` fence must include its file from snippets/"),
    ("empty-yaml", TITLE + "```yaml\n```\n" + RUN, 3, "a `yaml` fence must include its file from snippets/"),
    ("unknown-language", TITLE + "```bsah\necho hi\n```\n" + RUN, 3, "code fence with language `bsah`: use console/bash/sh/shell"),
    ("no-language", TITLE + "```\ndocker ps\n```\n" + RUN, 3, "code fence with no language: use console/bash/sh/shell"),
    # console blocks (blocks.split_console, parser.py)
    ("output-before-command", TITLE + "```console\nhello\n```\n", 4, "a console block starts with a `$ ` command"),
    ("unclosed-here-document", TITLE + "```console\n$ cat <<EOF\nhello\n```\n", 4, "here-document `EOF` is never closed"),
    ("empty-console", TITLE + "```console\n```\n", 3, "empty console block"),
    ("background-output-without-ready", TITLE + '<!-- docproof: background -->\n```console\n$ echo x\nx\n```\n', 6,
     "a background block's output is checked up to its `ready` text"),
    ("background-output-of-a-first-command", TITLE + '<!-- docproof: background ready="x" -->\n```console\n$ echo w\nw\n$ echo x\nx\n```\n', 6,
     "a background block's commands run together: show their output under the last one"),
    # what a page must prove (verdict.check_proves_something)
    ("nothing-runs", TITLE + "```text\ndocker ps\n```\n", 1, "no runnable block found"),
    ("only-hidden-blocks", TITLE + "<!-- docproof: check\ntrue\n-->\n", 1, "no runnable block found"),
    ("no-commands-but-commands", '<!-- docproof: no-commands="landing" -->\n' + RUN, 1, "declares no-commands but has runnable blocks"),
    ("everything-skipped", TITLE + "<!-- docproof: setup\ntrue\n-->\n\n" + '<!-- docproof: skip="why" -->\n' + RUN, 8,
     "every runnable block of this page is skipped"),
]


@pytest.mark.parametrize(("text", "line", "words"), [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_the_parser_refuses_naming_file_line_and_what_is_wrong(tmp_path, text, line, words):
    error = refusal(text, tmp_path, tmp_path / "docs" / "t.md")
    assert (error.path, error.line) == ("docs/t.md", line), str(error)
    assert str(error) == f"docs/t.md:{line}: {error.message}"
    assert words in error.message, error.message


@pytest.mark.parametrize("page", sorted(PAGES.glob("refuse-*.md")), ids=lambda p: p.stem)
def test_each_refusal_page_is_refused_where_its_first_line_says(page):
    text = page.read_text()
    stated = re.fullmatch(r"<!-- must be refused at: (.*) -->", text.splitlines()[0])
    assert stated, f"{page.name} must state where it is refused in its first line"
    error = refusal(text, ROOT, page)
    assert str(error).startswith(f"tests/harness/pages/{stated.group(1)}"), str(error)
