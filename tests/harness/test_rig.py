"""Values Debian's build prints differently are shown as Docker's packages print them, and noted."""

from docproof import rig


def test_a_debian_version_suffix_is_shown_as_the_bare_version_with_a_note():
    lines, notes = rig.readers_view(["  Version:          28.5.2+dfsg4", "Docker Compose version 2.40.3-3"])
    assert lines == ["  Version:          28.5.2", "Docker Compose version v2.40.3"]
    assert [(n.printed, n.readers) for n in notes] == [
        ("28.5.2+dfsg4", "28.5.2"), ("Docker Compose version 2.40.3-3", "Docker Compose version v2.40.3")]


def test_nothing_else_of_an_output_is_changed():
    text = ["abc 1.2.3-4 dfsg", "nginx/1.30.6", "sha256:0e6e905731af"]
    assert rig.readers_view(text) == (text, [])


def test_a_version_with_no_real_counterpart_is_left_for_the_gate_to_catch():
    lines, notes = rig.readers_view(["default  running  v0.0.0+unknown"])
    assert lines == ["default  running  v0.0.0+unknown"] and notes == []
