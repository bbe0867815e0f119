"""MkDocs hook: publishes each chapter's files as downloads/CHAPTER.tar.gz (docproof/downloads.py).

The chapter shows the command that fetches and unpacks it; the test suite serves these same
bytes under the site's host name when it proves that command.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from docproof import downloads
except ImportError:  # mkdocs run from another directory
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from docproof import downloads


def on_post_build(config) -> None:
    root = Path(config["config_file_path"]).resolve().parent
    folder = Path(config["site_dir"]) / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    for name in downloads.chapters(root):
        (folder / f"{name}.tar.gz").write_bytes(downloads.archive(name, root))
