"""The screen model: what a reader's terminal shows after progress lines, redraws and escapes."""

from docproof.terminal import render


def test_terminal_output_is_cleaned_like_a_reader_sees_it():
    raw = "\x1b[?2004hroot@x:/# ls\x1b[?2004l\r\r\nbin\r\n 50%\r100%\r\n\x1b[1mbold\x1b[0m\r\n"
    assert render(raw) == "root@x:/# ls\nbin\n100%\nbold"


def test_a_shorter_rewrite_leaves_what_a_terminal_would_leave():
    assert render("downloading 100 files\rdone\r\n") == "doneloading 100 files"


def test_pull_progress_redrawn_with_cursor_moves_shows_the_final_state():
    raw = (
        "1.37: Pulling from library/busybox\r\n"
        "a1b2: Pulling fs layer \r\n"
        "c3d4: Pulling fs layer \r\n"
        "\x1b[2A\x1b[2K\ra1b2: Pull complete \r\x1b[2B"
        "\x1b[1A\x1b[2K\rc3d4: Pull complete \r\x1b[1B"
        "Digest: sha256:ffff\r\n"
    )
    assert render(raw) == (
        "1.37: Pulling from library/busybox\na1b2: Pull complete\nc3d4: Pull complete\nDigest: sha256:ffff"
    )


def test_a_full_screen_redraw_like_docker_stats_shows_only_the_last_frame():
    # What CLI 28's `docker stats` writes on a terminal: home, the table, erase the rest; again.
    frame = "\x1b[HNAME   CPU %\x1b[K\nweb    {cpu}\x1b[K\n \x1b[K\n\x1b[J"
    raw = "\x1b[HNAME   CPU %\nweb    0.00%\n" + frame.format(cpu="1.50%") + frame.format(cpu="0.25%")
    assert render(raw) == "NAME   CPU %\nweb    0.25%"


def test_erasing_the_whole_display_keeps_nothing_of_what_was_drawn_before():
    assert render("old line\r\nold line 2\r\n\x1b[2J\x1b[1;1Hnew\r\n") == "new"


def test_real_pull_progress_of_one_layer_shows_each_line_once():
    # What CLI 28's `docker pull busybox:1.37` wrote on the harness's terminal.
    raw = (
        "1.37: Pulling from library/busybox\r\n\r\n"
        "\x1b[1A\x1b[2K\rfd43014d1d0f: Pulling fs layer \r\x1b[1B"
        "\x1b[1A\x1b[2K\rfd43014d1d0f: Download complete \r\x1b[1B"
        "\x1b[1A\x1b[2K\rfd43014d1d0f: Pull complete \r\x1b[1B"
        "Digest: sha256:27cb\r\nStatus: Downloaded newer image for busybox:1.37\r\ndocker.io/library/busybox:1.37\r\n"
    )
    assert render(raw) == (
        "1.37: Pulling from library/busybox\nfd43014d1d0f: Pull complete\nDigest: sha256:27cb\n"
        "Status: Downloaded newer image for busybox:1.37\ndocker.io/library/busybox:1.37"
    )


def test_compose_progress_redrawn_from_above_shows_the_last_state():
    # `docker compose up` on a terminal: hide the cursor, draw lines padded to the terminal's
    # width, show the cursor, go up a line per line drawn, column 0, redraw.
    frame = "\x1b[0G\x1b[?25l[+] Running {n}/2\r\n \x1b[32m✔\x1b[0m Network c_default  Created   \r\n {mark} Container c-a-1    {state:<10}\r\n\x1b[?25h"
    raw = frame.format(n=1, mark="⠋", state="Creating") + "\x1b[1A" * 3 + frame.format(n=2, mark="✔", state="Healthy")
    assert render(raw) == "[+] Running 2/2\n ✔ Network c_default  Created\n ✔ Container c-a-1    Healthy"


def test_a_tab_stays_a_tab_as_the_pages_show_it():
    assert render("real\t0m0.101s\r\nuser\t0m0.001s\r\n") == "real\t0m0.101s\nuser\t0m0.001s"
    assert render('{\r\n\t"auths": {}\r\n}\r\n') == '{\n\t"auths": {}\n}'


def test_a_line_wider_than_any_terminal_stays_one_line():
    assert render("x" * 300 + "\r\n") == "x" * 300
    assert render("中" * 150 + " end\r\n") == "中" * 150 + " end"


def test_trailing_spaces_and_empty_lines_at_the_end_are_dropped():
    assert render("NAME    \r\nweb   \r\n\r\n\r\n") == "NAME\nweb"
    assert render("a\r\n\r\nb\r\n") == "a\n\nb"


def test_nothing_scrolls_away_however_long_the_output():
    lines = [f"line {number}" for number in range(3000)]
    assert render("\r\n".join(lines) + "\r\n") == "\n".join(lines)
    assert render("a\x0bb\x0cc\r\n") == "a\nb\nc"  # vertical tab and form feed are line feeds


def test_window_titles_and_saved_cursors_are_applied_not_shown():
    assert render("\x1b]0;title\x07ok\r\n") == "ok"
    assert render("ab\x1b7cd\x1b8X\r\n") == "abXd"


def test_invisible_characters_do_not_hide_the_text_after_them():
    assert render("a\x07b\u200bc\x01d \u2714\ufe0f done\r\n") == "abcd \u2714 done"


def test_compose_going_up_a_row_and_down_again_at_its_start_leaves_no_empty_line():
    # Compose 2.40's first write on a terminal: up a row (onto the command's line), down again.
    raw = "\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 1/1\r\n ✔ Container c-a-1  Started\r\n\x1b[?25h"
    assert render(raw) == "[+] Running 1/1\n ✔ Container c-a-1  Started"


def test_output_drawn_over_the_commands_row_is_kept():
    assert render("\x1b[1A\rabove\r\n\r\nbelow\r\n") == "above\n\nbelow"
