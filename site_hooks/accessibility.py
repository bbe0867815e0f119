"""MkDocs hook: accessible names that Material's templates leave out (found by the axe scan in
tests/site/test_browser.py)."""

from __future__ import annotations

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def on_post_page(output, page, config):
    # axe aria-dialog-name: a dialog needs a name for screen readers.
    return output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">')
