"""A page's ordinary users: accounts on its engine's machine that can run a rootless engine.

A page asks for them with `<!-- docproof: users=alice -->` and runs a block as one with
`<!-- docproof: user=alice -->`. For the page, the machine (docproof/machine.py) gets what a
Debian machine where `adduser alice` ran has, and nothing on this host changes:
- /etc/passwd and /etc/group with the system accounts (uid below 1000) and `alice`, uid and gid
  1000 (1001, ... for more users); /etc/subuid and /etc/subgid with `alice:100000:65536`, as
  Debian's useradd allocates them. Files of a folder of the slot, bound over the machine's own.
- /home with an empty home folder for each user, bound over the machine's /home.
- What stands in for Docker Hub: the user's ~/.config/docker/daemon.json names the catalog
  registry as mirror, as the machine's /etc/docker/daemon.json does for the system engine. A
  rootless engine reaches it through slirp4netns, whose network is 10.0.2.0/24: slot 0's registry
  (10.0.2.2) sits inside it, so the mirror is named by an address outside it that one OUTPUT DNAT
  rule of the machine's network sends to the registry.
Docker's rootless extras (rootlesskit, slirp4netns, dockerd-rootless*.sh) and a usable
/dev/net/tun are in every machine; the kernel's built-in modules list is too (the setup tool
reads it). A block runs as the user in a login-like shell of the machine (`setpriv`, HOME, USER,
no XDG_RUNTIME_DIR: no systemd session, as after `su - alice`).

When the page ends (`PageUsers.down`), also after a failure or Ctrl-C, every process of the
machine that runs as a user or as one of the user's subordinate ids (the rootless engine, its
containers, slirp4netns) is killed, the binds are undone, the rule and the folder removed.
`remove_leftovers` does the same for what an interrupted run left. See ARCHITECTURE.md, "Users".
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docproof import processes
from docproof.engine import OwnEngine
from docproof.machine import EngineError, run
from docproof.slot import REGISTRY_PORT, Slot

FIRST_UID = 1000
SUBORDINATE = 100000  # Debian's useradd: the first user's range starts here, 65536 ids each
RANGE = 65536
ETC_FILES = ("passwd", "group", "subuid", "subgid")


def uid_of(names: tuple[str, ...], name: str) -> int:
    return FIRST_UID + names.index(name)


def _in(pid: int, *argv: str) -> list[str]:
    return ["nsenter", f"--target={pid}", "--net", "--mount", "--uts", "--pid", "--", *argv]


def state(slot: Slot) -> Path:
    return slot.state_dir / f"users{slot.suffix or '-0'}"


def mirror(slot: Slot) -> str:
    """The catalog registry as a page user's engine names it (see the module's docstring)."""
    return f"{slot.lan_prefix}.2:{REGISTRY_PORT}"


def _dnat(slot: Slot) -> list[str]:
    return ["OUTPUT", "-t", "nat", "-d", f"{slot.lan_prefix}.2", "-p", "tcp", "--dport", str(REGISTRY_PORT),
            "-j", "DNAT", "--to-destination", slot.registry_addr]


@dataclass
class PageUsers:
    """The ordinary users of one page on its slot's machine."""

    main: OwnEngine
    names: tuple[str, ...]

    def uid(self, name: str) -> int:
        return uid_of(self.names, name)

    def home(self, name: str) -> Path:
        return Path("/home") / name

    def up(self) -> None:
        slot = self.main.slot
        pid = _machine_pid(self.main)
        remove_leftovers(self.main)
        etc, home = state(slot) / "etc", state(slot) / "home"
        etc.mkdir(parents=True)
        home.mkdir(mode=0o755)
        system = [l for l in Path("/etc/passwd").read_text().splitlines() if _system(l)]
        groups = [l for l in Path("/etc/group").read_text().splitlines() if _system(l)]
        passwd, group, subids = list(system), list(groups), []
        for index, name in enumerate(self.names):
            uid = self.uid(name)
            passwd.append(f"{name}:x:{uid}:{uid}::/home/{name}:/bin/bash")
            group.append(f"{name}:x:{uid}:")
            subids.append(f"{name}:{SUBORDINATE + index * RANGE}:{RANGE}")
            folder = home / name
            config = folder / ".config" / "docker"
            config.mkdir(parents=True)
            (config / "daemon.json").write_text(json.dumps({
                "registry-mirrors": [f"http://{mirror(slot)}"], "insecure-registries": [mirror(slot)],
                "features": {"containerd-snapshotter": True}}, indent=2) + "\n")
            for path in (folder, folder / ".config", config, config / "daemon.json"):
                os.chown(path, uid, uid)
            folder.chmod(0o750)
        for file, lines in (("passwd", passwd), ("group", group), ("subuid", subids), ("subgid", subids)):
            (etc / file).write_text("\n".join(lines) + "\n")
            (etc / file).chmod(0o644)
            run(*_in(pid, "mount", "--bind", str(etc / file), f"/etc/{file}"))
        run(*_in(pid, "mount", "--bind", str(home), "/home"))
        run(*_in(pid, "iptables", "-A", *_dnat(slot)))

    def down(self) -> None:
        remove_leftovers(self.main)


def _system(line: str) -> bool:
    """A system account or group of this host (the machine's users are the page's)."""
    fields = line.split(":")
    return len(fields) > 2 and fields[2].isdigit() and (int(fields[2]) < FIRST_UID or int(fields[2]) == 65534)


def _machine_pid(main: OwnEngine) -> int:
    pid = main.machine.pid()
    if pid is None:
        raise EngineError("the suite's engine is not running")
    return pid


def user_processes(main: OwnEngine) -> list[int]:
    """Host pids of the machine's processes that run as a page user or one of their subordinate
    ids: a rootless engine, its containers and helpers."""
    pid = main.machine.pid()
    if pid is None:
        return []
    found = []
    for member in processes.in_pid_namespace_of(pid):
        try:
            uid = os.stat(f"/proc/{member}").st_uid
        except OSError:
            continue
        if FIRST_UID <= uid < FIRST_UID + 100 or SUBORDINATE <= uid < SUBORDINATE + 100 * RANGE:
            found.append(member)
    return found


def remove_leftovers(main: OwnEngine) -> None:
    """Every process of the page's users, their binds, the mirror's rule and their folder: what a
    page made, also when it was interrupted before its end."""
    slot = main.slot
    pid = main.machine.pid()
    if pid is not None:
        for _ in range(3):
            left = user_processes(main)
            if not left:
                break
            for member in left:
                try:
                    os.kill(member, signal.SIGKILL)
                except OSError:
                    pass
            processes.wait_until(lambda: not user_processes(main), 10)
        if user_processes(main):
            raise EngineError(f"processes of a page's user outlived SIGKILL: {user_processes(main)}")
        def count(mounts: str, target: str) -> int:
            return sum(1 for line in mounts.splitlines() if line.split()[1] == target)

        host = Path("/proc/self/mounts").read_text()  # the machine started with the host's mounts
        for target in ("/home", *(f"/etc/{f}" for f in ETC_FILES)):
            while count(Path(f"/proc/{pid}/mounts").read_text(), target) > count(host, target):
                if subprocess.run(_in(pid, "umount", target), capture_output=True).returncode != 0:
                    raise EngineError(f"could not unbind {target} of a page's users on the machine")
        while run(*_in(pid, "iptables", "-C", *_dnat(slot)), check=False).returncode == 0:
            run(*_in(pid, "iptables", "-D", *_dnat(slot)), check=False)
    shutil.rmtree(state(slot), ignore_errors=True)
