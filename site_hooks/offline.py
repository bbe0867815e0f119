"""MkDocs hook: the published pages make no request to another host.

Material, left alone, makes readers' browsers call two outside services, which leaks each
reader's address to a third party and fails offline (fonts are handled by `theme.font: false`):

- the GitHub API, for the repository's stars and forks (the `data-md-component="source"` link in
  the header): the link stays, the live facts go;
- unpkg.com, for Mermaid, on a page with a diagram: Material uses a `mermaid` that is already
  loaded instead, so such a page gets the copy kept in docs/assets (version in its file name,
  from the npm registry's `mermaid` package; MIT licence beside it). Pages without a diagram
  do not load its 3.5 MB.

asciinema-player, for the test run's terminal recordings, is kept in docs/assets the same way and
loaded by site_hooks/recordings.py on pages with a recording only.
"""

from __future__ import annotations

import re

from mkdocs.utils import get_relative_url

MERMAID = "assets/javascripts/vendor/mermaid-11.17.2.min.js"
SOURCE_FACTS = re.compile(r'(<a\b[^>]*class="md-source")\s+data-md-component="source"')
BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js"')


def on_post_page(output, page, config):
    output = SOURCE_FACTS.sub(r"\1", output)
    if '<pre class="mermaid">' in output:
        bundle = BUNDLE.search(output)
        if bundle is None:
            raise ValueError(f"{page.file.src_uri}: Material's bundle script not found; cannot load Mermaid locally")
        script = f'<script src="{get_relative_url(MERMAID, page.url)}"></script>\n    '
        output = output[:bundle.start()] + script + output[bundle.start():]
    return output
