"""Every Dockerfile and compose file in snippets/ is built or run by some page.

A file that no command uses could drift from what readers are told about it, so it is reported.
A page uses a file when one of its runnable blocks (visible or hidden) names the file or the
folder holding it (`docker build snippets/app`, `cd snippets/app`, `-f snippets/app/Dockerfile`).
"""

import re
from pathlib import Path

from docproof.blocks import parse_page

ROOT = Path(__file__).parents[2]
BUILDABLE = ("Dockerfile", "*.Dockerfile", "compose.yaml", "compose.yml", "compose.*.yaml", "docker-compose.yml")


def runnable_texts() -> list[str]:
    """The runnable text of each page (visible and hidden blocks, not skipped ones)."""
    texts = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        blocks = parse_page(page.relative_to(ROOT), page.read_text(), ROOT).blocks
        texts.append("\n".join(b.source for b in blocks if not b.options.skip))
    return texts


CD = re.compile(r"\bcd\s+(snippets/[\w./-]+)")


def names_it(text: str, file: Path) -> bool:
    """The page names the file or its folder, from the root or from a folder it `cd`s into."""
    relative = file.relative_to(ROOT)
    if str(relative) in text or str(relative.parent) in text:
        return True
    for folder in CD.findall(text):
        try:
            inner = relative.relative_to(folder.rstrip("/"))
        except ValueError:
            continue
        if str(inner) in text or (str(inner.parent) != "." and re.search(rf"(?<![\w/.-]){re.escape(str(inner.parent))}\b", text)):
            return True
    return False


def test_every_dockerfile_and_compose_file_is_used_by_a_page():
    texts = runnable_texts()
    files = sorted({f for pattern in BUILDABLE for f in (ROOT / "snippets").rglob(pattern)})
    unused = [str(f.relative_to(ROOT)) for f in files if not any(names_it(t, f) for t in texts)]
    assert not unused, "no page builds or runs: " + ", ".join(unused)


def test_a_file_in_a_folder_the_page_cds_into_counts_as_used():
    file = ROOT / "snippets" / "demo" / "child" / "Dockerfile"
    assert names_it("cd snippets/demo\ndocker build -t c child\n", file)
    assert not names_it("cd snippets/demo\ndocker build -t c .\n", file)
    assert not names_it("cd snippets/other\ndocker build -t c child\n", file)


def test_a_shell_fence_that_only_includes_a_file_shows_it_without_running_it(tmp_path):
    (tmp_path / "snippets" / "demo").mkdir(parents=True)
    (tmp_path / "snippets" / "demo" / "start.sh").write_text("#!/bin/sh\nexec sleep 3600\n")
    page = (
        "# Demo\n\n```sh\n--8<-- \"snippets/demo/start.sh\"\n```\n\n"
        "```bash\nsh -n snippets/demo/start.sh\n```\n"
    )
    blocks = parse_page("docs/demo.md", page, tmp_path).blocks
    assert [b.source for b in blocks] == ["sh -n snippets/demo/start.sh\n"]


def test_a_shown_script_must_exist(tmp_path):
    import pytest

    from docproof.blocks import PageError

    with pytest.raises(PageError, match=r"docs/demo\.md:4"):
        parse_page("docs/demo.md", "# Demo\n\n```sh\n--8<-- \"snippets/none/gone.sh\"\n```\n", tmp_path)
