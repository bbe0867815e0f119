"""shellcheck on the shell the chapters run: every console command and script block, hidden ones too.

Each page's commands are laid out at their own line numbers in one script (the page runs them in
one shell, so a variable set in one block is known in the next), and shellcheck's findings are
reported as page:line. Exit status 1 when anything at warning level or above is found.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docproof.blocks import PageError, parse_page, split_console  # noqa: E402
from docproof.expect import IN_COMMAND  # noqa: E402


def script_for(page: Path) -> str:
    lines: dict[int, str] = {}
    for block in parse_page(page.relative_to(ROOT), page.read_text(), ROOT).blocks:
        if block.options.skip:
            continue
        pieces = (
            # A `{name}` in a command is typed as the word an earlier output printed (expect.substitute).
            [(c.line, IN_COMMAND.sub(r"\1", c.text)) for c in split_console(block)] if block.kind == "console"
            else [(block.source_line, block.source.rstrip("\n"))]
        )
        for first, text in pieces:
            for offset, line in enumerate(text.split("\n")):
                lines[first + offset] = line
    last = max(lines, default=0)
    return "#!/bin/bash\n" + "\n".join(lines.get(n, "") for n in range(2, last + 1)) + "\n"


def main(pages: list[str]) -> int:
    found = 0
    for name in pages:
        page = Path(name).resolve()
        try:
            script = script_for(page)
        except PageError as error:
            print(error)
            found += 1
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as handle:
            handle.write(script)
            handle.flush()
            result = subprocess.run(
                # SC2164 (`cd dir || exit`) is for scripts; in a reader's terminal an exit would close it.
                ["shellcheck", "--shell=bash", "--severity=warning", "--exclude=SC2164", "--format=gcc", handle.name],
                capture_output=True, text=True,
            )
        for line in result.stdout.splitlines():
            print(re.sub(rf"^{re.escape(handle.name)}", str(page.relative_to(ROOT)), line))
            found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(p) for p in sorted((ROOT / "docs").rglob("*.md"))]))
