"""A page's extra hosts (docproof/hosts.py): they run blocks, and nothing of them outlives the page.

Pages run in a child pytest, as in test_pages.py; each test then looks for what a host leaves on
this machine: its network namespace, the shared network's bridge and veths and host rules, its
folders, the first host's SSH key, and any process in the host's namespaces.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docproof.slot import Slot

PAGES = Path(__file__).parent / "pages" / "hosts"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def slot(docker_engine) -> Slot:
    if not docker_engine.owned:
        pytest.skip("extra hosts run beside the suite's own engine only")
    return docker_engine.slot


def child(page: Path, record: Path) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--record", str(record), str(page)]


def uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def started(pid: str) -> float:
    """When a process started, in seconds since boot."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    return ticks / os.sysconf("SC_CLK_TCK")


def leftovers(slot: Slot, namespaces: set[str] = frozenset(), ended: float = 0.0) -> list[str]:
    """What of the page's extra host `node2` is still on this machine. A process counts when it is
    in one of the host's `namespaces` and started before the page `ended` (seconds since boot): the
    kernel reuses a namespace's number once it is gone, for a later process of another run."""
    node = slot.extra_host("node2")
    found = [str(p) for p in (node.netns_path, node.run_dir, node.data_root, node.home_dir, node.socket.parent,
                              slot.home_dir / ".ssh") if p.exists()]
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    found += [f"link {word}" for word in links.split() if word.startswith((f"dp-l{slot.number}-", f"{slot.lan_bridge}:"))]
    rules = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    found += [f"rule {line}" for line in rules.splitlines() if slot.lan_bridge in line]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            mine = {os.readlink(f"/proc/{pid}/ns/net"), os.readlink(f"/proc/{pid}/ns/pid")}
            earlier = started(pid) < ended
        except (OSError, ValueError, IndexError):
            continue
        if mine & namespaces and earlier:
            found.append(f"process {pid}: {Path(f'/proc/{pid}/comm').read_text().strip()}")
    return found


def recorded(record: Path, line: int) -> list[list[str]]:
    """The outputs a passed console block printed, as the record keeps them."""
    entry = next(b for b in json.loads(record.read_text())["blocks"] if b["line"] == line)
    assert entry["result"] == "passed", entry
    return entry["shown"]


def test_a_page_with_a_second_host_runs_there_and_leaves_nothing_behind(slot, tmp_path):
    record = tmp_path / "record.json"
    began = time.monotonic()
    result = subprocess.run(child(PAGES / "two-hosts.md", record), cwd=ROOT, capture_output=True, text=True, timeout=300)
    ended = uptime()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout, result.stdout
    _, namespaces, _ = recorded(record, 17)
    assert all(n.startswith(("net:[", "pid:[")) for n in namespaces), namespaces
    assert recorded(record, 30) == [namespaces[:1]]  # `{node2_net}` typed on the first host
    assert leftovers(slot, set(namespaces), ended) == []
    print(f"the page with one extra host took {time.monotonic() - began:.1f}s")


def test_a_dead_engine_on_an_extra_host_fails_its_next_block_at_once_and_the_host_goes(slot, tmp_path):
    result = subprocess.run(child(PAGES / "engine-dies.md", tmp_path / "r.json"), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "engine-dies.md:15: the Docker engine of node2 stopped answering" in result.stdout, result.stdout
    assert leftovers(slot) == []


def test_an_interrupted_page_leaves_no_extra_host_behind(slot, tmp_path):
    node = slot.extra_host("node2")
    run = subprocess.Popen(child(PAGES / "interrupted.md", tmp_path / "r.json"), cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "harness-remote" not in subprocess.run(
            ["docker", "-H", f"unix://{node.socket}", "ps", "--format", "{{.Names}}"],
            capture_output=True, text=True).stdout:
        time.sleep(0.5)
    machine = (node.run_dir / "machine.pid").read_text().strip()
    namespaces = {os.readlink(f"/proc/{machine}/ns/net"), os.readlink(f"/proc/{machine}/ns/pid")}
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=120)
    ended = uptime()
    assert "KeyboardInterrupt" in output, output
    assert leftovers(slot, namespaces, ended) == []


def test_on_a_daemon_named_with_docker_host_a_page_with_extra_hosts_is_skipped_with_its_reason(slot, tmp_path):
    record = tmp_path / "r.json"
    command = child(PAGES / "two-hosts.md", record)
    result = subprocess.run([*command[:-1], "--docker-host", f"unix://{slot.socket}", command[-1]], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "3 skipped" in result.stdout, result.stdout + result.stderr
    reasons = {b["reason"] for b in json.loads(record.read_text())["blocks"]}
    assert reasons == {"Skipped: needs the second machine node2, which the suite makes beside its own engine "
                       "only, not with --docker-host"}, reasons
    assert leftovers(slot) == []


def collected(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_pages_with_hosts_or_users_are_found_by_their_directives_and_proven_alone_or_left_out():
    # The machines job proves the pages that declare hosts= or users= on the suite's own engine; the
    # chapters job on the runner's daemon leaves them out, so the two never record the same page.
    users_page = ROOT / "tests" / "harness" / "pages" / "users" / "rootless.md"
    pages = [str(PAGES / "two-hosts.md"), str(users_page), str(ROOT / "tests" / "harness" / "pages" / "passes.md")]

    def files(result: subprocess.CompletedProcess) -> set[str]:
        assert result.returncode == 0, result.stdout + result.stderr
        return {line.split("::")[0] for line in result.stdout.splitlines() if "::line:" in line}

    assert files(collected("--pages-with-machines", "only", *pages)) == {"tests/harness/pages/hosts/two-hosts.md",
                                                                          "tests/harness/pages/users/rootless.md"}
    assert files(collected("--pages-with-machines", "leave-out", *pages)) == {"tests/harness/pages/passes.md"}
    assert files(collected(*pages)) == {"tests/harness/pages/hosts/two-hosts.md", "tests/harness/pages/users/rootless.md",
                                        "tests/harness/pages/passes.md"}


def test_proving_only_the_pages_with_hosts_on_a_named_daemon_is_refused():
    result = collected("--pages-with-machines", "only", "--docker-host", "unix:///var/run/docker.sock",
                       str(PAGES / "two-hosts.md"))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "with --docker-host their blocks are skipped" in result.stderr
