"""A page's ordinary users (docproof/users.py): a user's rootless engine runs, and nothing of the
user outlives the page, also when it is interrupted.

Pages run in a child pytest, as in test_hosts.py; each test then looks on the engine's machine
for what a user leaves: a process running as the user or a subordinate id (rootlesskit,
slirp4netns, the user's dockerd and containerd, a container), the account's files bound over
the machine's /etc and /home, the mirror's DNAT rule, and the users' folder on this host.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docproof import users

PAGES = Path(__file__).parent / "pages" / "users"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def engine(docker_engine):
    if not docker_engine.owned:
        pytest.skip("a page's users live on the suite's own engine's machine only")
    return docker_engine


def child(page: Path, record: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--record", str(record), *options, str(page)]


def leftovers(engine) -> list[str]:
    pid = engine.machine.pid()
    found = [f"folder {users.state(engine.slot)}"] if users.state(engine.slot).exists() else []
    found += [f"process {p}: {Path(f'/proc/{p}/comm').read_text().strip()}" for p in users.user_processes(engine)]
    on_machine = lambda *argv: subprocess.run(["nsenter", f"--target={pid}", "--net", "--mount", "--", *argv],  # noqa: E731
                                              capture_output=True, text=True).stdout
    found += [f"account {line}" for line in on_machine("getent", "passwd", "alice").splitlines()]
    found += [f"home {entry}" for entry in on_machine("ls", "/home").split() if entry == "alice"]
    found += [f"rule {line}" for line in on_machine("iptables", "-t", "nat", "-S", "OUTPUT").splitlines()
              if users.mirror(engine.slot).split(":")[0] in line]
    return found


def test_a_user_runs_a_rootless_engine_and_nothing_of_it_outlives_the_page(engine, tmp_path):
    record = tmp_path / "record.json"
    began = time.monotonic()
    result = subprocess.run(child(PAGES / "rootless.md", record), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout
    assert leftovers(engine) == []
    # Its recordings type each command after the prompt the page shows for the block.
    typed = sorted(json.loads(cast.read_text().splitlines()[1])[2].split(" ", 1)[0]
                   for cast in (tmp_path / "recordings").rglob("*.cast"))
    assert typed == ["$", "alice@docker-host:~$", "alice@docker-host:~$", "alice@docker-host:~$"], typed
    print(f"the page with a rootless engine took {time.monotonic() - began:.1f}s")


def test_an_interrupted_page_leaves_no_user_process_or_folder_behind(engine, tmp_path):
    run = subprocess.Popen(child(PAGES / "interrupted.md", tmp_path / "r.json"), cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(
            Path(f"/proc/{p}/comm").read_text().strip() == "sleep" for p in users.user_processes(engine)):
        time.sleep(0.5)
    assert users.user_processes(engine), "the page's rootless container never started"
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=120)
    assert "KeyboardInterrupt" in output, output
    assert leftovers(engine) == []


def test_on_a_daemon_named_with_docker_host_a_page_with_users_is_skipped_with_its_reason(engine, tmp_path):
    record = tmp_path / "r.json"
    result = subprocess.run(child(PAGES / "rootless.md", record, "--docker-host", f"unix://{engine.slot.socket}"),
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "4 skipped" in result.stdout, result.stdout + result.stderr
    reasons = {b["reason"] for b in json.loads(record.read_text())["blocks"]}
    assert reasons == {"Skipped: needs the ordinary user alice with a rootless engine of their own, which the suite "
                       "adds to its own engine's machine only, not with --docker-host"}, reasons
    assert leftovers(engine) == []


def test_a_user_process_that_survives_is_killed_and_named(engine):
    """remove_leftovers kills by uid in the machine; an account whose process it cannot find
    would stay: a process of the user started by hand goes too."""
    pid = engine.machine.pid()
    page = users.PageUsers(engine, ("alice",))
    page.up()
    try:
        subprocess.Popen(["nsenter", f"--target={pid}", "--net", "--mount", "--uts", "--pid", "--",
                          "setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "sleep", "600"],
                         start_new_session=True)
        assert users_processes_appear(engine)
    finally:
        page.down()
    assert leftovers(engine) == []


def users_processes_appear(engine) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if users.user_processes(engine):
            return True
        time.sleep(0.1)
    return False


