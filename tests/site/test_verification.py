"""The verification record on the site: stamps readers see, and the release build that refuses
a block without proof. Every test here is a real `mkdocs build` of a copy of the site with the
fixture chapter tests/site/fixtures/sample-chapter.md and a record generated from the harness's
own parse_page, so the digests are the ones the harness writes."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

import sitebuild

PAGE = "docs/sample-chapter.md"


@pytest.fixture
def sample(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    sitebuild.add_page(root, "sample-chapter.md", (sitebuild.FIXTURES / "sample-chapter.md").read_text(), "Sample chapter")
    return root


def _html(built: sitebuild.Build, page: str = "sample-chapter") -> str:
    return (built.site / page / "index.html").read_text()


def _stamps(html: str) -> list[tuple[str, str, str]]:
    """(class, digest, text) of every stamp, in page order."""
    return [
        (m.group("cls"), m.group("digest"), re.sub("<[^>]+>", "", m.group("text")))
        for m in re.finditer(
            r'<p class="docproof-stamp (?P<cls>docproof-\w+)" data-docproof-digest="(?P<digest>\w+)"[^>]*>(?P<text>.*?)</p>',
            html,
        )
    ]


def _visible(root):
    return [b for b in sitebuild.blocks_of(root, PAGE) if not b.hidden]


def test_every_visible_block_of_a_verified_page_carries_its_stamp(sample_site):
    root = sample_site.site.parent
    html = _html(sample_site)
    stamps = _stamps(html)
    visible = _visible(root)
    assert [s[1] for s in stamps] == [b.digest for b in visible]
    for (css, _, text), block in zip(stamps, visible):
        if block.options.skip:
            assert (css, text) == ("docproof-skipped", f"not run here: {block.options.skip}")
        else:
            assert (css, text) == ("docproof-passed", "✓ ran on Docker Engine 26.1 · 2026-11-27")
    assert 'class="docproof-page-status docproof-passed"' in html
    assert "All 8 runnable blocks on this page verified on Docker Engine 26.1 · 2026-11-27" in html


class _Nesting(HTMLParser):
    """For each stamp, the classes of the elements it sits in."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.stamps: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-docproof-digest" in attrs:
            self.stamps.append((attrs["data-docproof-digest"], list(self.open)))
        if tag not in self.VOID:
            self.open.append(f"{tag}.{attrs.get('class') or ''}")

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].split(".")[0] == tag:
                del self.open[i:]
                break


def test_a_stamp_stays_inside_the_tab_admonition_or_list_item_of_its_block(sample_site):
    parser = _Nesting()
    parser.feed(_html(sample_site))
    where = {digest: " > ".join(stack) for digest, stack in parser.stamps}
    blocks = {b.line: b.digest for b in _visible(sample_site.site.parent)}
    assert "tabbed-block" in where[blocks[25]], where[blocks[25]]  # the Linux tab
    assert "tabbed-block" in where[blocks[32]], where[blocks[32]]  # the script tab
    assert "admonition tip" in where[blocks[39]], where[blocks[39]]
    assert "li." in where[blocks[46]] and "li." in where[blocks[54]]
    assert "tabbed-block" not in where[blocks[13]] and "li." not in where[blocks[13]]
    # The two tabs stay one tab set: a stamp between them would have split it.
    assert _html(sample_site).count('class="tabbed-set') == 1


def test_a_stamp_after_annotated_code_follows_its_annotation_list(sample_site):
    html = _html(sample_site)
    annotated = html.index("# (1)!")
    note = html.index("removes the container when it exits", annotated)
    last_stamp = html.rindex('class="docproof-stamp')
    assert annotated < note < last_stamp


def test_hidden_blocks_and_directives_never_reach_the_html(sample_site):
    html = _html(sample_site)
    assert "docproof:" not in html
    assert "docker pull busybox:1.37" not in html  # the hidden setup block


def test_a_console_block_copies_its_commands_without_prompt_or_output(sample_site):
    html = _html(sample_site)
    first = re.search(r'<div class="language-console highlight" data-copy="([^"]*)"', html)
    assert first, "the first console block has no data-copy text"
    assert first.group(1) == "docker run --rm busybox:1.37 echo hello&#10;docker ps \\&#10;    --all"


def test_without_a_record_every_page_with_commands_says_it_is_unverified(sample, tmp_path):
    built = sitebuild.build(sample, tmp_path / "out", record=None)
    assert built.ok, built.output
    html = _html(built)
    assert "⚠ Unverified draft: no verification record: run make test." in html
    stamps = _stamps(html)
    skipped = [s for s in stamps if s[0] == "docproof-skipped"]
    assert [s[2] for s in skipped] == ["not run here: needs a second host"]
    assert all(s[2] == "⚠ not verified: no verification record: run make test" for s in stamps if s not in skipped)
    status = _html(built, "status")
    assert "No verification record was found for this build" in status


def test_a_failed_block_and_a_changed_block_are_marked_for_what_they_are(sample, tmp_path):
    visible = _visible(sample)
    failed, changed = visible[0], visible[1]
    record = sitebuild.write_record(
        tmp_path / "record.json", sample, [PAGE],
        results={failed.line: "failed"}, reasons={failed.line: "expected `hello`, got `hullo`"},
    )
    page = sample / PAGE
    page.write_text(page.read_text().replace("$ docker info --format '{{.OSType}}'", "$ docker info --format '{{ .OSType }}'"))
    built = sitebuild.build(sample, tmp_path / "out", record=record)
    assert built.ok, built.output
    stamps = {digest: (css, text) for css, digest, text in _stamps(_html(built))}
    assert stamps[failed.digest] == ("docproof-failed", "✗ failed on Docker Engine 26.1 · 2026-11-27: expected `hello`, got `hullo`")
    new_digest = [b for b in _visible(sample) if b.line == changed.line][0].digest
    assert new_digest != changed.digest
    assert stamps[new_digest] == ("docproof-unverified", "⚠ not verified: changed since the last test run")
    assert "✗ 1 of 8 runnable blocks on this page failed the last test run." in _html(built)
    status = _html(built, "status")
    assert re.search(r"Sample chapter</a></td>\s*<td>✗ failed</td>\s*<td>6 of 8</td>\s*<td>1</td>", status), status


def test_the_release_build_passes_with_a_passing_record_for_every_block(sample, tmp_path):
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample))
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    assert "release check passed" in built.output


def test_the_release_build_fails_naming_a_block_changed_after_its_last_run(sample, tmp_path):
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample))
    page = sample / PAGE
    page.write_text(page.read_text().replace("echo hello\nhello", "echo hullo\nhullo"))
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert not built.ok
    assert "docs/sample-chapter.md:13: console block not verified: changed since the last test run" in built.output
    assert not (tmp_path / "out" / "sample-chapter" / "index.html").exists()


def test_the_release_build_fails_on_a_hidden_block_that_failed(sample, tmp_path):
    hidden = [b for b in sitebuild.blocks_of(sample, PAGE) if b.hidden][0]
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample), results={hidden.line: "failed"},
                                    reasons={hidden.line: "pull access denied"})
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert not built.ok
    assert f"docs/sample-chapter.md:{hidden.line}: hidden setup block failed: pull access denied" in built.output


def test_the_release_build_fails_without_a_record(sample, tmp_path):
    built = sitebuild.build(sample, tmp_path / "out", record=None, release=True)
    assert not built.ok
    assert "no verification record" in built.output


def test_the_release_build_fails_on_a_page_without_commands_or_a_reason(sample, tmp_path):
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample))
    page = sample / "docs" / "how-this-guide-is-tested.md"
    page.write_text(page.read_text().replace('<!-- docproof: no-commands="explains how the guide is tested" -->', ""))
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert not built.ok
    assert "docs/how-this-guide-is-tested.md:1: no runnable block found" in built.output


def test_the_release_build_refuses_a_page_the_harness_refuses_for_proving_nothing(sample, tmp_path):
    """One rule for both (docproof/verdict.py): a page whose runnable blocks are all skipped."""
    sitebuild.add_page(sample, "all-skipped.md", (
        "# All skipped\n\n<!-- docproof: skip=\"needs a second host\" -->\n```console\n$ docker swarm init\n```\n"
    ), "All skipped")
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample))
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert not built.ok
    assert "docs/all-skipped.md:4: every runnable block of this page is skipped: nothing on it is proven" in built.output


def test_a_skipped_block_needs_no_record_even_in_release(sample, tmp_path):
    record = sitebuild.write_record(tmp_path / "record.json", sample, sitebuild.chapters(sample))
    data = json.loads(record.read_text())
    data["blocks"] = [b for b in data["blocks"] if b["result"] != "skipped"]
    record.write_text(json.dumps(data))
    built = sitebuild.build(sample, tmp_path / "out", record=record, release=True)
    assert built.ok, built.output
    assert "not run here: needs a second host" in _html(built)


def test_a_malformed_record_fails_the_build_instead_of_being_ignored(sample, tmp_path):
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"version": 1, "blocks": [{"page": PAGE, "digest": "abc", "result": "ok"}]}))
    built = sitebuild.build(sample, tmp_path / "out", record=record)
    assert not built.ok
    assert "record.json: entry 1: result 'ok' is not one of passed, failed, skipped" in built.output


def test_a_page_the_harness_refuses_fails_the_strict_build(sample, tmp_path):
    page = sample / PAGE
    page.write_text(page.read_text() + "\n```rust\nfn main() {}\n```\n")
    built = sitebuild.build(sample, tmp_path / "out", record=None)
    assert not built.ok
    assert "docs/sample-chapter.md:" in built.output and "language `rust`" in built.output


def test_the_real_chapters_are_stamped_from_the_record(site):
    """Every runnable block of every real chapter has a stamp in the built site."""
    for page in sitebuild.chapters():
        built = site.site / page.removeprefix("docs/").removesuffix(".md") / "index.html"
        stamps = _stamps(built.read_text())
        visible = [b for b in sitebuild.blocks_of(sitebuild.ROOT, page) if not b.hidden]
        assert [s[1] for s in stamps] == [b.digest for b in visible], page


def test_readers_see_the_output_the_test_run_printed_not_the_wildcards(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    sitebuild.add_page(root, "real-output.md", (
        "# Real output\n\n"
        "```console\n$ docker run -d --name web nginx:1.30\n{web_id}\n"
        "$ docker images\nREPOSITORY   SIZE\nnginx        ...MB\n...\n```\n"
    ), "Real output")
    record = sitebuild.write_record(tmp_path / "record.json", root, ["docs/real-output.md"])
    data = json.loads(record.read_text())
    data["blocks"][0]["shown"] = [["3f2a1b9c7d0e"], ["REPOSITORY   SIZE", "nginx        152MB", "..."]]
    record.write_text(json.dumps(data))
    built = sitebuild.build(root, tmp_path / "site", record=record)
    assert built.ok, built.output
    text = re.sub("<[^>]+>", "", _html(built, "real-output"))
    assert "3f2a1b9c7d0e" in text and "152MB" in text
    assert "{web_id}" not in text and "...MB" not in text
    assert "\n...\n" in text  # output the author left out stays left out
    assert (root / "docs" / "real-output.md").read_text().count("{web_id}") == 1  # the source is untouched


def test_a_block_on_another_host_is_labelled_and_its_prompt_names_that_host(tmp_path):
    root = sitebuild.copy_site(tmp_path / "copy")
    sitebuild.add_page(root, "two-hosts.md", (
        "# Two hosts\n\n<!-- docproof: hosts=node2 -->\n\n```console\n$ hostname\ndocker-host\n```\n\n"
        "<!-- docproof: host=node2 -->\n```console\n$ hostname\nnode2\n$ docker info --format '{{.Name}}'\nnode2\n```\n"
    ), "Two hosts")
    record = sitebuild.write_record(tmp_path / "record.json", root, ["docs/two-hosts.md"])
    built = sitebuild.build(root, tmp_path / "site", record=record)
    assert built.ok, built.output
    html = _html(built, "two-hosts")
    assert html.count('<p class="docproof-host">On the second machine, node2:</p>') == 1
    assert html.count('<span class="gp">node2:~$ </span>') == 2 and html.count('<span class="gp">$ </span>') == 1
    assert 'data-copy="hostname&#10;docker info --format &#x27;{{.Name}}&#x27;"' in html  # prompts are never copied
