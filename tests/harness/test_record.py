"""The verification record's one definition (docproof/record.py): what load refuses, naming the
file and entry, and what write and merge keep."""

from __future__ import annotations

import dataclasses
import json

import pytest

from docproof import record


def _entry(page: str, line: int, **fields) -> record.Entry:
    return record.Entry(page=page, line=line, kind="console", digest=f"{page}{line}", result="passed", **fields)


def test_write_keeps_the_entries_of_pages_it_does_not_name(tmp_path):
    path = tmp_path / "verification.json"
    record.write(path, [_entry("docs/a.md", 3), _entry("docs/b.md", 5)])
    record.write(path, [_entry("docs/a.md", 9, reason="moved")])
    assert [(e.page, e.line, e.reason) for e in record.load(path)] == [("docs/a.md", 9, "moved"), ("docs/b.md", 5, None)]


def test_merge_joins_the_records_of_shards_in_page_order(tmp_path):
    parts = [tmp_path / "1.json", tmp_path / "2.json"]
    record.write(parts[0], [_entry("docs/b.md", 1, shown=[["hello"]])])
    record.write(parts[1], [_entry("docs/a.md", 1)])
    record.main(["merge", str(tmp_path / "out.json"), *map(str, parts)])
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["version"] == record.VERSION
    assert [b["page"] for b in data["blocks"]] == ["docs/a.md", "docs/b.md"]
    assert "shown" not in data["blocks"][0] and data["blocks"][1]["shown"] == [["hello"]]


def test_merge_refuses_a_page_that_two_shards_recorded_naming_both(tmp_path):
    # The chapters job on the runner's daemon would record a page with extra hosts as skipped,
    # the machines job as passed: the site would stamp it from whichever came first.
    parts = [tmp_path / "pages.json", tmp_path / "machines.json"]
    skipped = dataclasses.replace(_entry("docs/m.md", 4), result="skipped", reason="needs the second machine node2")
    record.write(parts[0], [_entry("docs/a.md", 1), skipped])
    record.write(parts[1], [_entry("docs/m.md", 4)])
    with pytest.raises(SystemExit, match=f"docs/m.md is recorded by both {parts[0]} and {parts[1]}"):
        record.main(["merge", str(tmp_path / "out.json"), *map(str, parts)])
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(("blocks", "message"), [
    ([{"page": "docs/a.md", "result": "passed"}], "entry 1: no 'digest'"),
    ([{"page": "docs/a.md", "digest": "ab", "result": "passed"}, "x"], "entry 2: not an object"),
    ([{"page": "docs/a.md", "digest": "ab", "result": "ok"}], "entry 1: result 'ok' is not one of passed, failed, skipped"),
])
def test_load_names_the_entry_and_what_is_wrong(tmp_path, blocks, message):
    path = tmp_path / "verification.json"
    path.write_text(json.dumps({"version": record.VERSION, "blocks": blocks}))
    with pytest.raises(record.RecordError, match=f"^{path}: {message}$"):
        record.load(path)


def test_load_refuses_another_version_and_reads_no_record_as_none(tmp_path):
    path = tmp_path / "verification.json"
    assert record.load(path) is None
    path.write_text(json.dumps({"version": record.VERSION + 1, "blocks": []}))
    with pytest.raises(record.RecordError, match="version 2"):
        record.load(path)
