"""Every Dockerfile and compose file in snippets/ is built or run by some page.

A file that no command uses could drift from what readers are told about it, so it is reported.
A page uses a file when one of its runnable blocks (visible or hidden) names the file or the
folder holding it (`docker build snippets/app`, `cd snippets/app`, `-f snippets/app/Dockerfile`).
"""

from pathlib import Path

from docproof.blocks import parse_page

ROOT = Path(__file__).parents[2]
BUILDABLE = ("Dockerfile", "*.Dockerfile", "compose.yaml", "compose.yml", "compose.*.yaml", "docker-compose.yml")


def runnable_text() -> str:
    texts = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for block in parse_page(page.relative_to(ROOT), page.read_text(), ROOT).blocks:
            if not block.options.skip:
                texts.append(block.source)
    return "\n".join(texts)


def test_every_dockerfile_and_compose_file_is_used_by_a_page():
    used = runnable_text()
    files = sorted({f for pattern in BUILDABLE for f in (ROOT / "snippets").rglob(pattern)})
    unused = [
        str(f.relative_to(ROOT)) for f in files
        if str(f.relative_to(ROOT)) not in used and str(f.parent.relative_to(ROOT)) not in used
    ]
    assert not unused, "no page builds or runs: " + ", ".join(unused)


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
