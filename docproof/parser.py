"""Sybil parser: turns a page into one example per block, refusing pages it cannot run fully."""

from __future__ import annotations

from pathlib import Path

from sybil import Document, Region

from docproof.blocks import PageError, parse_page, split_console
from docproof.page import evaluate
from docproof.verdict import check_proves_something


class PageParser:
    """Yields a Sybil region for every runnable fence and hidden block, in page order."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, document: Document):
        path = Path(document.path)
        shown = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        page = parse_page(shown, document.text, self.root)
        check_proves_something(page)
        for block in page.blocks:
            if block.kind == "console":
                commands = split_console(block)  # refuse malformed console blocks at collection
                if block.options.background:
                    check_background_output(shown, block, commands)
            yield Region(block.start, block.end, parsed=block, evaluator=evaluate)


def check_background_output(path: Path, block, commands) -> None:
    """A background block's commands run together, and what they print is checked only up to
    its `ready` text's line (docproof/runners.py): so the output goes under the last command,
    and only with `ready`."""
    for command in commands[:-1]:
        if command.expected:
            raise PageError(path, command.output_line, "a background block's commands run together: "
                                                       "show their output under the last one")
    if commands[-1].expected and not block.options.ready:
        raise PageError(path, commands[-1].output_line, "a background block's output is checked up to its "
                                                        "`ready` text: add `ready=\"...\"` or show no output")
