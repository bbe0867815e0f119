"""The quality gates of `make lint` catch what they are for, and say file and line."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent


def run(*argv, cwd=ROOT):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True)


def test_hadolint_fails_on_an_unpinned_base_image_naming_file_and_line(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:trixie-slim\nFROM debian\n")
    result = run(str(BIN / "hadolint"), "--config", str(ROOT / ".hadolint.yaml"), str(dockerfile))
    assert result.returncode == 1
    assert f"{dockerfile}:2 DL3006" in result.stdout


def test_every_snippet_dockerfile_passes_hadolint():
    files = [str(p) for p in (ROOT / "snippets").rglob("Dockerfile*")]
    result = run(str(BIN / "hadolint"), "--config", str(ROOT / ".hadolint.yaml"), *files)
    assert result.returncode == 0, result.stdout


def test_codespell_fails_on_a_misspelled_word_naming_file_and_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\nContainers recieve signals.\n")
    result = run(str(BIN / "codespell"), "--ignore-words", str(ROOT / ".codespell-words"), str(page))
    assert result.returncode != 0
    assert f"{page}:3: recieve ==> receive" in result.stdout


def test_shellcheck_reports_a_chapter_block_by_page_and_line(tmp_path):
    page = ROOT / "build" / "gates" / "page.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("# Title\n\n```console\n$ name=web\n$ docker ps --filter \"name=$nmae\"\n```\n")
    try:
        result = run(sys.executable, str(ROOT / "scripts" / "lint_shell_blocks.py"), str(page))
    finally:
        page.unlink()
    assert result.returncode == 1
    assert "build/gates/page.md:5:" in result.stdout and "nmae is referenced but not assigned" in result.stdout


def test_every_chapter_passes_shellcheck():
    result = run(sys.executable, str(ROOT / "scripts" / "lint_shell_blocks.py"))
    assert result.returncode == 0, result.stdout


def test_the_markdown_linter_fails_on_a_heading_without_blank_lines_naming_file_and_line(tmp_path):
    page = ROOT / "build" / "gates" / "lint.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("# Title\nText right under it.\n## Next\n")
    try:
        result = run(str(BIN / "pymarkdown"), "scan", str(page))
    finally:
        page.unlink()
    assert result.returncode != 0
    assert f"{page}:3:1: MD022" in result.stdout, result.stdout


def test_every_page_passes_the_markdown_linter():
    result = run(str(BIN / "pymarkdown"), "scan", *map(str, sorted((ROOT / "docs").glob("*.md"))))
    assert result.returncode == 0, result.stdout


def _reader_world_copy(tmp_path: Path, page_text: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "docs" / "page.md").write_text(page_text)
    return tmp_path


def test_the_reader_world_gate_names_each_rig_path_name_and_suffix_by_page_and_line(tmp_path):
    root = _reader_world_copy(tmp_path, (
        "# Page\n\n```console\n$ docker volume inspect -f '{{.Mountpoint}}' notes\n"
        "/var/lib/docproof/docker/volumes/notes/_data\n$ docker version -f '{{.Server.Version}}'\n"
        "28.5.2+dfsg4\n```\n\nThe interface `dp-ns` and the engine that tests this guide.\n"
        "<!-- docproof: check\ntest -S /var/lib/docproof/api/docker.sock\n-->\n"))
    result = run(sys.executable, str(ROOT / "scripts" / "check_reader_world.py"), "--root", str(root))
    assert result.returncode == 1
    for line in ("docs/page.md:5: a path of the suite's engine", "docs/page.md:7: a Debian build suffix",
                 "docs/page.md:10: an interface name", "docs/page.md:10: a reference to the test rig's engine"):
        assert line in result.stdout, result.stdout
    assert "docs/page.md:12" not in result.stdout  # directives are not shown to readers


def test_the_reader_world_gate_reads_the_text_of_the_built_site(tmp_path):
    root = _reader_world_copy(tmp_path, "# Page\n")
    site = tmp_path / "site"
    (site / "page").mkdir(parents=True)
    (site / "page" / "index.html").write_text(
        '<p class="x" data-x="/var/lib/docproof">ok</p>\n<pre><code>Version: <span>26.1.5+dfsg1</span></code></pre>\n')
    result = run(sys.executable, str(ROOT / "scripts" / "check_reader_world.py"), "--root", str(root), "--site", str(site))
    assert result.returncode == 1
    assert "page/index.html:2: a Debian build suffix" in result.stdout and ":1:" not in result.stdout, result.stdout


def test_no_page_shows_the_test_rig():
    result = run(sys.executable, str(ROOT / "scripts" / "check_reader_world.py"))
    assert result.returncode == 0, result.stdout


def test_no_chapter_uses_a_form_docker_29_removed():
    result = run(sys.executable, str(ROOT / "scripts" / "check_removed_docker_forms.py"))
    assert result.returncode == 0, result.stdout
