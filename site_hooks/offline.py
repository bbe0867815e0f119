"""MkDocs hook: the published pages make no request to another host.

Material fetches the repository's stars and forks from the GitHub API in every reader's browser
(the `data-md-component="source"` link in the header). That leaks each reader's address to a
third party and fails offline, as the fonts would (`theme.font: false` handles those). The link
to the repository stays; only the live facts go.
"""

from __future__ import annotations

import re

SOURCE_FACTS = re.compile(r'(<a\b[^>]*class="md-source")\s+data-md-component="source"')


def on_post_page(output, page, config):
    return SOURCE_FACTS.sub(r"\1", output)
