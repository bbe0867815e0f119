"""Small helpers about processes of this machine, read from /proc."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def live_pid_in(pidfile: Path) -> int | None:
    """The pid a pid file names, when that process is alive; None otherwise."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def first_child(pid: int) -> int | None:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def wait_until(ready: Callable[[], bool], seconds: float, interval: float = 0.1) -> bool:
    """Polls `ready` until it is true (True) or `seconds` have passed (False)."""
    deadline = time.monotonic() + seconds
    while True:
        if ready():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def stop(pidfile: Path, seconds: float) -> None:
    """SIGTERM to the process the pid file names; SIGKILL if it still lives after `seconds`."""
    pid = live_pid_in(pidfile)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    if not wait_until(lambda: live_pid_in(pidfile) is None, seconds):
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), 30, interval=0.05)


def named_in_pid_namespace_of(pid: int, name: str) -> list[int]:
    """Pids of the processes called `name` (their comm) in the PID namespace of `pid`."""
    try:
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if (os.readlink(f"/proc/{entry}/ns/pid") == namespace
                    and Path(f"/proc/{entry}/comm").read_text().strip() == name):
                found.append(int(entry))
        except OSError:
            continue
    return found


def in_pid_namespace_of(pid: int) -> list[int]:
    """Pids of every process of the PID namespace of `pid` and of the namespaces nested in it
    (a container's): its members, also those entered with nsenter, and everything under them."""
    try:
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return []
    children: dict[int, list[int]] = {}
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if os.readlink(f"/proc/{entry}/ns/pid") == namespace:
                members.append(int(entry))
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = set(), list(members)
    while todo:
        member = todo.pop()
        if member not in found:
            found.add(member)
            todo += children.get(member, [])
    return sorted(found)


def log_tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""
