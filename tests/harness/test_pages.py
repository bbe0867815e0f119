"""The harness against fixture pages: what must pass, fail at a stated line, or be refused.

Each fixture page states its expected outcome in its first line, so page and expectation
cannot drift apart. Pages run in a child pytest, as a contributor would run them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docproof import engine as engine_module
from docproof import isolation

PAGES = Path(__file__).parent / "pages"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def page_dir(request) -> Path:
    """A scratch folder for generated pages, inside the repository so its conftest.py applies."""
    import shutil

    folder = ROOT / "build" / "harness-pages" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


ENGINE_ARGS: list[str] = []  # the parent's --docker-host, passed on to the child runs


@pytest.fixture(autouse=True, scope="session")
def _same_engine_for_children(request):
    url = request.config.getoption("--docker-host")
    ENGINE_ARGS[:] = ["--docker-host", url] if url else []


def run_pages(*args: str, record: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *ENGINE_ARGS, "--record", str(record),
         *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )


def stated(page: Path, kind: str) -> str:
    first = page.read_text().splitlines()[0]
    found = re.fullmatch(rf"<!-- {kind}: (.*) -->", first)
    assert found, f"{page.name} must state its expected outcome in its first line"
    return found.group(1)


def test_a_page_using_every_block_form_passes(docker_engine, tmp_path):
    result = run_pages(PAGES / "passes.md", record=tmp_path / "record.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b13 passed, 1 skipped\b", result.stdout), result.stdout


@pytest.mark.parametrize("page", sorted(PAGES.glob("fail-*.md")), ids=lambda p: p.stem)
def test_a_broken_page_fails_naming_file_and_line(docker_engine, tmp_path, page):
    if page.name == "fail-unknown-image.md" and not docker_engine.owned:
        pytest.skip("an engine that reaches Docker Hub can pull any image: only the suite's own cannot")
    result = run_pages(page, record=tmp_path / "record.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"tests/harness/pages/{stated(page, 'must fail at')}" in result.stdout, result.stdout


def test_a_wait_that_never_holds_fails_when_its_time_is_up_not_later(docker_engine, tmp_path):
    result = run_pages(PAGES / "fail-wait.md", record=tmp_path / "record.json")
    assert result.returncode == 1, result.stdout
    waited = re.search(r"check did not hold within 2s \(waited ([\d.]+)s, (\d+) tries\)", result.stdout)
    assert waited, result.stdout
    assert 2 <= float(waited.group(1)) < 5 and int(waited.group(2)) > 1, waited.group(0)
    assert "the last try failed at line 10 with exit status 1" in result.stdout, result.stdout


def test_a_wait_that_holds_after_some_tries_passes(docker_engine, tmp_path):
    result = run_pages(PAGES / "passes-wait.md", record=tmp_path / "record.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b3 passed\b", result.stdout), result.stdout


def test_a_malformed_page_is_refused_at_collection(tmp_path):
    # Every refusal, and every refuse-*.md page, is tested in process (test_refusals.py); this
    # proves that a refusal reaches pytest as a collection error naming file and line.
    page = PAGES / "refuse-unknown-directive.md"
    result = run_pages(page, "--collect-only", record=tmp_path / "record.json")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "ERROR collecting" in result.stdout
    assert f"tests/harness/pages/{stated(page, 'must be refused at')}" in result.stdout, result.stdout


def test_the_record_names_each_block_with_its_result(docker_engine, tmp_path):
    import json

    record = tmp_path / "record.json"
    run_pages(PAGES / "fail-output.md", record=record)
    blocks = json.loads(record.read_text())["blocks"]
    assert [(b["page"], b["line"], b["result"]) for b in blocks] == [
        ("tests/harness/pages/fail-output.md", 4, "failed")
    ]
    assert blocks[0]["engine"] != "unknown" and blocks[0]["client"] != "unknown"
    assert re.fullmatch(r"[0-9a-f]{16}", blocks[0]["digest"])


def test_update_mode_rewrites_shown_output_and_keeps_wildcards(docker_engine, tmp_path, page_dir):
    page = page_dir / "update-me.md"
    page.write_text(
        "# Update\n\n```console\n$ printf 'size 12MB\\nline two\\n'\nsize ...MB\nline 2\n"
        "$ echo same\nsame\n```\n"
    )
    result = run_pages(page, "--update-output", record=tmp_path / "record.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert page.read_text() == (
        "# Update\n\n```console\n$ printf 'size 12MB\\nline two\\n'\nsize ...MB\nline two\n"
        "$ echo same\nsame\n```\n"
    )
    assert run_pages(page, record=tmp_path / "record.json").returncode == 0


def test_without_update_mode_a_page_is_never_rewritten(docker_engine, tmp_path, page_dir):
    page = page_dir / "stays.md"
    text = "# Stays\n\n```console\n$ echo actual\nshown\n```\n"
    page.write_text(text)
    assert run_pages(page, record=tmp_path / "record.json").returncode == 1
    assert page.read_text() == text


def _skips(record: Path) -> str:
    import json

    return "\n".join(b["reason"] or "" for b in json.loads(record.read_text())["blocks"] if b["result"] == "skipped")


def _state(engine: engine_module.Engine) -> isolation.Snapshot:
    """What the engine holds, networks by name: a page that starts on a restarted, empty engine
    (page.py) gets new IDs for the default networks."""
    state = isolation.snapshot(engine.client())
    state.networks = {n.name for n in engine.client().networks.list()}
    return state


def _has_container(engine: engine_module.Engine, name: str) -> bool:
    try:
        return bool(engine.client(timeout=5).containers.list(all=True, filters={"name": name}))
    except Exception:  # the child may be restarting the engine empty before its page (page.py)
        return False


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_page_leaves_nothing_in_the_engine(docker_engine, tmp_path, stop):
    before = _state(docker_engine)
    # The child's temporary directories go here, so other runs' (other engine slots) do not count.
    child_tmp = tmp_path / "tmp"
    child_tmp.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *ENGINE_ARGS, "--record",
         str(tmp_path / "r.json"), str(PAGES / "leaves-nothing.md")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "TMPDIR": str(child_tmp)},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _has_container(docker_engine, "harness-c"):
        time.sleep(0.2)
    assert _has_container(docker_engine, "harness-c"), "the page never created its container"
    child.send_signal(stop)
    output, _ = child.communicate(timeout=120)
    assert "KeyboardInterrupt" in output, output
    after = _state(docker_engine)
    assert (after.containers, after.networks, after.volumes, after.images) == (
        before.containers, before.networks, before.volumes, before.images
    ), output
    assert not list(child_tmp.iterdir()), "the page's work or scratch directory was left behind"


def test_a_page_that_passes_leaves_nothing_in_the_engine(docker_engine, tmp_path, page_dir):
    before = _state(docker_engine)
    page = page_dir / "creates.md"
    page.write_text((PAGES / "leaves-nothing.md").read_text().split("<!-- docproof: timeout")[0])
    result = run_pages(page, record=tmp_path / "r.json")
    assert result.returncode == 0, result.stdout
    after = _state(docker_engine)
    assert (after.containers, after.networks, after.volumes, after.images) == (
        before.containers, before.networks, before.volumes, before.images
    )


def test_a_page_that_joins_a_swarm_leaves_no_swarm_and_no_swarm_network_behind(docker_engine, tmp_path, page_dir):
    before = _state(docker_engine)
    if before.swarm:
        pytest.skip("the engine is already in a swarm: a page cannot leave it without breaking it")
    page = page_dir / "swarm.md"
    page.write_text(
        "# A page that makes its engine a swarm manager\n\n```bash\n"
        "addr=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n 1)\n"
        "docker swarm init --advertise-addr \"$addr\" >/dev/null\n"
        "docker network create -d overlay --attachable harness-overlay >/dev/null\n"
        "docker run --rm --network harness-overlay busybox:1.37 true\n"
        "docker network ls --format '{{.Name}}' | grep -x docker_gwbridge\n```\n"
    )
    result = run_pages(page, record=tmp_path / "r.json")
    assert result.returncode == 0, result.stdout
    after = _state(docker_engine)
    assert not after.swarm
    names = sorted(n.name for n in docker_engine.client().networks.list())
    assert after.networks == before.networks, names


def test_a_background_job_and_what_it_started_end_with_the_page(tmp_path, page_dir):
    page = page_dir / "background.md"
    page.write_text(
        "# A server in the background that ignores Ctrl-C and hang-ups, and starts a child\n\n"
        "<!-- docproof: background ready=\"listening\" -->\n```bash\n"
        "sh -c 'trap \"\" HUP INT; sleep 4711 & echo listening; exec python3 -c \"import time; time.sleep(4712)\"'\n```\n\n"
        "```bash\npgrep -f 'sleep 4711'\n```\n"
    )
    result = run_pages(page, record=tmp_path / "r.json")
    assert result.returncode == 0, result.stdout
    left = subprocess.run(["pgrep", "-af", "sleep 471[12]"], capture_output=True, text=True).stdout
    assert left == "", f"still running after the page: {left}"


def test_restarting_the_engine_empty_leaves_no_layer_and_pages_still_run(docker_engine, tmp_path, page_dir):
    # Pages start on a restarted, empty engine when an earlier page left image layers behind
    # (page.py). What leaves them is not reproducible on demand, so this proves the remedy.
    if not isinstance(docker_engine, engine_module.OwnEngine):
        pytest.skip("only the suite's own engine is restarted empty")
    subprocess.run(docker_engine.docker("pull", "-q", "busybox:1.37"), env=docker_engine.cli_env(),
                   check=True, capture_output=True)
    assert docker_engine.leftover_layers() > 0
    docker_engine.restart_empty()
    assert docker_engine.answers() and docker_engine.leftover_layers() == 0
    (page_dir / "after.md").write_text("# A page after the restart\n\n```console\n$ docker run --rm busybox:1.37 echo ok\n...\nok\n```\n")
    result = run_pages(page_dir / "after.md", record=tmp_path / "r.json")
    assert result.returncode == 0, result.stdout


def test_a_stopped_engine_fails_the_remaining_pages_fast_with_one_message(docker_engine, tmp_path):
    if not docker_engine.owned:
        pytest.skip("stops the engine: only done to the suite's own engine")
    began = time.monotonic()
    try:
        result = run_pages(*sorted((PAGES / "engine-dies").glob("*.md")), record=tmp_path / "r.json")
    finally:
        docker_engine.up()
    took = time.monotonic() - began
    assert result.returncode == 1, result.stdout
    # One failure per page, each naming the dead engine; the rest of a page is skipped after it.
    assert result.stdout.count("stopped answering") == 2, result.stdout
    assert re.search(r"\b2 failed, 1 passed, 1 skipped\b", result.stdout), result.stdout
    assert "an earlier block failed (tests/harness/pages/engine-dies/b-after.md:3)" in _skips(tmp_path / "r.json")
    assert took < 30, f"took {took:.0f}s: the dead engine cost a timeout somewhere"


def test_shards_split_the_pages_between_them_and_together_cover_all(tmp_path):
    pages = [PAGES / "passes.md", PAGES / "fail-output.md", PAGES / "fail-flag.md"]

    def collected(shard: str) -> set[str]:
        result = run_pages(*pages, "--collect-only", "-q", "--shard", shard, record=tmp_path / "r.json")
        return {line.split("::")[0] for line in result.stdout.splitlines() if "::line:" in line}

    first, second = collected("1/2"), collected("2/2")
    assert first and second and not first & second
    assert first | second == {str(p.relative_to(ROOT)) for p in pages}


def _replay(page: Path, tmp_path: Path, site_html: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    for name, text in (site_html or {}).items():
        (site / name).mkdir()
        (site / name / "index.html").write_text(text)
    return run_pages("--replay", "--replay-site", str(site), "--replay-pause", "0.1", page, record=tmp_path / "r.json")


def test_a_page_whose_visible_commands_need_a_hidden_block_fails_the_replay(docker_engine, tmp_path):
    page = PAGES / "replay-needs-hidden.md"
    assert run_pages(page, record=tmp_path / "proof.json").returncode == 0  # the proof passes: hidden setup ran
    result = _replay(page, tmp_path)
    assert result.returncode == 1, result.stdout
    assert "replay-needs-hidden.md:8: exit status 1, expected 0" in result.stdout, result.stdout
    assert "cat: note.txt: No such file or directory" in result.stdout
    assert not (tmp_path / "r.json").exists()  # a replay writes no verification record


def test_the_replay_runs_what_the_copy_button_gives_and_reports_outputs_that_differ(docker_engine, tmp_path, page_dir):
    page = page_dir / "copied.md"
    page.write_text("# Copy\n\n```console\n$ echo shown\nshown\n$ date +%N\n123\n```\n")
    from docproof.blocks import parse_page

    block = parse_page(page.relative_to(ROOT), page.read_text(), ROOT).blocks[0]
    stamp = f'<p data-docproof-digest="{block.digest}">ok</p>'
    same = f'<div class="language-console highlight" data-copy="echo shown&#10;date +%N"><pre><code>x</code></pre></div>{stamp}'
    result = _replay(page, tmp_path, {"copied": same})
    assert result.returncode == 0, result.stdout
    assert "replay: 2 commands replayed as a reader pastes them; 1 outputs differ from the page" in result.stdout
    assert "copied.md:7: output differs from the page" in result.stdout, result.stdout
    other = same.replace("echo shown&#10;", "echo other&#10;")
    (tmp_path / "2").mkdir()
    result = _replay(page, tmp_path / "2", {"copied": other})
    assert result.returncode == 1 and "the copy button gives other commands than the page runs" in result.stdout, result.stdout
