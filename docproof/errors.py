"""Problems at a line of a page: a page the harness refuses, a block that did not do what it says."""

from __future__ import annotations

from pathlib import Path


class AtLine(Exception):
    """A problem at a line of a page: the text starts with file:line."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = str(path), line, message


class PageError(AtLine):
    """A page the harness refuses."""


class BlockFailure(AtLine):
    """A block that ran and did not do what the page says."""
