"""The strict build: it passes for the site as it is, and fails for each kind of breakage that
must never reach readers. Broken copies live in temporary directories; the real docs are never
touched."""

from __future__ import annotations

import re

import sitebuild


def test_the_real_site_builds_with_strict(site):
    assert (site.site / "index.html").is_file()
    assert (site.site / "how-this-guide-is-tested" / "index.html").is_file()
    assert (site.site / "status" / "index.html").is_file()


def test_every_page_in_docs_is_in_the_built_site(site):
    for page in sorted((sitebuild.ROOT / "docs").rglob("*.md")):
        relative = page.relative_to(sitebuild.ROOT / "docs").with_suffix("")
        built = site.site / ("index.html" if relative.name == "index" else relative / "index.html")
        assert built.is_file(), f"{page} was not built into {built}"


def test_the_build_loads_no_font_from_an_outside_service(site):
    for page in site.site.rglob("*.html"):
        text = page.read_text()
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, page


def _broken_copy(tmp_path, edit):
    root = sitebuild.copy_site(tmp_path / "copy")
    page = root / "docs" / "how-this-guide-is-tested.md"
    page.write_text(edit(page.read_text()))
    return sitebuild.build(root, tmp_path / "out")


def _line_after(text: str) -> int:
    return len(text.splitlines()) + 2  # the edits below add a blank line, then the link


def test_a_broken_link_between_pages_fails_the_strict_build_naming_file_and_line(tmp_path):
    original = (sitebuild.ROOT / "docs" / "how-this-guide-is-tested.md").read_text()
    built = _broken_copy(tmp_path, lambda t: t + "\nSee [the missing chapter](no-such-chapter.md).\n")
    assert not built.ok
    line = _line_after(original)
    assert f"docs/how-this-guide-is-tested.md:{line}: the link to 'no-such-chapter.md' points to no file" in built.output, built.output


def test_a_link_to_a_missing_heading_fails_the_strict_build_naming_file_and_line(tmp_path):
    original = (sitebuild.ROOT / "docs" / "how-this-guide-is-tested.md").read_text()
    built = _broken_copy(tmp_path, lambda t: t + "\nSee [nowhere](index.md#no-such-heading).\n")
    assert not built.ok
    line = _line_after(original)
    assert f"docs/how-this-guide-is-tested.md:{line}: the link to 'index.md#no-such-heading' points to no heading" in built.output, built.output


def test_a_link_shown_inside_code_is_an_example_not_a_link(tmp_path):
    built = _broken_copy(tmp_path, lambda t: t + "\n```text\n[x](gone.md)\n```\n\nWrite `[x](gone.md)` for a link.\n")
    assert "gone.md" not in built.output, built.output


def test_a_missing_snippet_file_fails_the_strict_build(tmp_path):
    built = _broken_copy(tmp_path, lambda t: t + '\n```text\n--8<-- "snippets/no-such-file.txt"\n```\n')
    assert not built.ok
    assert "no-such-file.txt" in built.output, built.output


def test_an_existing_snippet_is_included_into_the_page(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    (root / "snippets").mkdir(exist_ok=True)
    (root / "snippets" / "site-test-include.txt").write_text("included-by-snippets-42\n")
    page = root / "docs" / "how-this-guide-is-tested.md"
    page.write_text(page.read_text() + '\n```text\n--8<-- "snippets/site-test-include.txt"\n```\n')
    built = sitebuild.build(root, tmp_path / "out")
    assert built.ok, built.output
    assert "included-by-snippets-42" in (built.site / "how-this-guide-is-tested" / "index.html").read_text()


def test_a_chapter_left_out_of_the_nav_fails_the_strict_build(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    (root / "docs" / "orphan.md").write_text('<!-- docproof: no-commands="test page" -->\n\n# Orphan\n')
    built = sitebuild.build(root, tmp_path / "out")
    assert not built.ok
    assert "orphan.md" in built.output, built.output


def test_a_nav_entry_for_a_chapter_not_written_yet_fails_the_strict_build(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().rstrip("\n") + "\n  - Not written: not-written-yet.md\n")
    built = sitebuild.build(root, tmp_path / "out")
    assert not built.ok
    assert "not-written-yet.md" in built.output, built.output


def test_the_nav_lists_every_planned_chapter_in_reading_order():
    """Each chapter of the guide has its line in mkdocs.yml (commented out until it exists),
    so publishing one is uncommenting one line."""
    planned = [
        "why-docker", "container-landscape", "architecture", "under-the-hood", "getting-started",
        "images", "lifecycle", "ports", "networking", "volumes", "resources", "compose",
        "multi-stage", "security", "production", "troubleshooting", "advanced", "multi-host",
        "quick-reference", "docker-29", "learning-path",
    ]
    config = (sitebuild.ROOT / "mkdocs.yml").read_text()
    nav = config[config.index("\nnav:"):]
    listed = re.findall(r"^\s*(?:#\s*)?- [^:\n]+: ([\w-]+)\.md\s*$", nav, re.MULTILINE)
    chapters = [name for name in listed if name in planned]
    assert chapters == planned
    for name in planned:
        exists = (sitebuild.ROOT / "docs" / f"{name}.md").is_file()
        active = re.search(rf"^\s*- [^:\n]+: {name}\.md\s*$", nav, re.MULTILINE) is not None
        assert active == exists, f"docs/{name}.md {'exists' if exists else 'does not exist'} but its nav line is {'active' if active else 'commented out'}"


def test_keyboard_keys_render_as_keys_not_as_plus_signs(site):
    chapter = (site.site / "getting-started" / "index.html").read_text()
    assert '<kbd class="key-control">Ctrl</kbd>' in chapter
    for page in site.site.rglob("*.html"):
        assert "++ctrl" not in page.read_text().lower(), page


def test_each_chapter_with_files_is_published_as_the_download_the_suite_serves(site):
    from docproof import downloads

    names = downloads.chapters()
    assert "images" in names and len(names) >= 10, names
    for name in names:
        published = site.site / "downloads" / f"{name}.tar.gz"
        assert published.read_bytes() == downloads.archive(name), f"{published} differs from what the suite serves"


def test_a_download_holds_the_chapters_files_under_snippets(tmp_path):
    import io
    import tarfile

    from docproof import downloads

    with tarfile.open(fileobj=io.BytesIO(downloads.archive("images"))) as tar:
        names = tar.getnames()
    assert "snippets/images/Dockerfile" in names and all(n.startswith("snippets/images") for n in names), names
    assert downloads.archive("images") == downloads.archive("images")  # the same bytes every time
