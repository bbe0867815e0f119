"""Shown output against printed output: what must match and what must not."""

from docproof import expect


def test_identical_output_matches():
    assert expect.match(["hello", "world"], "hello\nworld").ok


def test_a_different_line_does_not_match():
    assert not expect.match(["hello"], "goodbye").ok


def test_missing_and_extra_lines_do_not_match():
    assert not expect.match(["a", "b"], "a").ok
    assert not expect.match(["a"], "a\nb").ok


def test_shown_nothing_means_the_command_prints_nothing():
    assert expect.match([], "").ok
    assert not expect.match([], "surprise").ok


def test_trailing_spaces_and_blank_lines_at_the_end_do_not_count():
    assert expect.match(["NAME   ", ""], "NAME\n\n").ok


def test_ellipsis_in_a_line_matches_any_text_on_that_line_only():
    assert expect.match(["Size: ...MB"], "Size: 12.5MB").ok
    assert not expect.match(["Size: ...MB"], "Size: 12\n5MB").ok
    assert not expect.match(["Size: ...MB"], "Weight: 12MB").ok


def test_a_line_of_ellipsis_matches_any_number_of_lines():
    assert expect.match(["first", "...", "last"], "first\nlast").ok
    assert expect.match(["first", "...", "last"], "first\na\nb\nlast").ok
    assert not expect.match(["first", "...", "last"], "first\na\nb").ok


def test_a_capture_must_repeat_the_same_word():
    found = expect.match(["id {cid}", "again {cid}"], "id 3f2a\nagain 3f2a")
    assert found.ok and found.captures == {"cid": "3f2a"}
    assert not expect.match(["id {cid}", "again {cid}"], "id 3f2a\nagain 9999").ok


def test_a_capture_from_an_earlier_command_is_checked_later():
    assert expect.match(["{cid}"], "abc", known={"cid": "abc"}).ok
    assert not expect.match(["{cid}"], "abd", known={"cid": "abc"}).ok


def test_regex_characters_in_shown_output_are_literal():
    assert expect.match(["a+b (c) [d] $e"], "a+b (c) [d] $e").ok
    assert not expect.match(["a.c"], "abc").ok


def test_diff_names_both_sides():
    text = expect.diff(["one"], "two")
    assert "-one" in text and "+two" in text and "shown on the page" in text


def test_update_keeps_shown_lines_whose_wildcards_still_match():
    assert expect.updated(["size ...MB", "line 2"], "size 9MB\nline two", {}) == ["size ...MB", "line two"]
    assert expect.updated(["same"], "same", {}) == ["same"]


def test_a_capture_takes_the_whole_word_even_when_a_wildcard_follows():
    found = expect.match(["sha256:{id}..."], "sha256:abcdef")
    assert found.ok and found.captures == {"id": "abcdef"}
    assert expect.match(["root@{host}:/# ls"], "root@3f2a:/# ls").captures == {"host": "3f2a"}
    assert expect.fill(["sha256:{id}... x"], "sha256:abcdef x") == ["sha256:abcdef x"]


def test_a_command_may_type_what_an_earlier_command_printed():
    known = {"worker_token": "SWMTKN-1-abc", "manager_addr": "10.1.5.10", "http_code": "200"}
    assert expect.substitute("docker swarm join --token {worker_token} {manager_addr}:2377", known) == (
        "docker swarm join --token SWMTKN-1-abc 10.1.5.10:2377")
    # Shell variables, curl's write-out variables, Go templates and unknown names stay as written.
    assert expect.substitute("echo ${worker_token} %{http_code} {{.ID}} {other}", known) == (
        "echo ${worker_token} %{http_code} {{.ID}} {other}")
