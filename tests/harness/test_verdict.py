"""The one rule of what a page must prove (docproof/verdict.py), which the harness applies at
collection and the release build before publishing."""

from __future__ import annotations

from pathlib import Path

import pytest

from docproof.blocks import PageError, parse_page
from docproof.verdict import check_proves_something

SKIP = '<!-- docproof: skip="needs a second host" -->\n'
CONSOLE = "```console\n$ docker ps\n```\n"
HIDDEN = "<!-- docproof: check\ndocker info\n-->\n"


@pytest.mark.parametrize(("text", "refusal"), [
    ("# A\n", "docs/a.md:1: no runnable block found"),
    ("# A\n" + HIDDEN, "docs/a.md:1: no runnable block found"),
    ('<!-- docproof: no-commands="why" -->\n' + CONSOLE, "docs/a.md:1: the page declares no-commands"),
    ("# A\n\n" + HIDDEN + SKIP + CONSOLE, "docs/a.md:7: every runnable block of this page is skipped"),
])
def test_a_page_that_would_prove_nothing_is_refused_with_its_line(text, refusal):
    with pytest.raises(PageError, match=f"^{refusal}"):
        check_proves_something(parse_page("docs/a.md", text, Path(".")))


@pytest.mark.parametrize("text", [
    '<!-- docproof: no-commands="a landing page" -->\n# A\n',
    "# A\n" + SKIP + CONSOLE + "\n" + CONSOLE,
])
def test_a_page_that_runs_a_block_or_says_why_it_has_none_passes(text):
    check_proves_something(parse_page("docs/a.md", text, Path(".")))
