"""A page's extra hosts: further machines beside its slot's, on a network they share.

A page asks for them with `<!-- docproof: hosts=node2 -->` and runs a block on one with
`<!-- docproof: host=node2 -->`. Each extra host is a Machine (docproof/machine.py) of its own:
network, mount, PID and UTS namespaces, the same engine bundle, its own data root, home folder and
host name, and an SSH server that lets root of the first host in with a key made for the page.

The network they share is a bridge on this host, `dp-lanN` with 10.1.N.1/24 (N: the slot). The
first host gets a second interface, `eth1` (10.1.N.10), beside its `eth0`; each extra host has one
interface, `eth0` on the bridge (10.1.N.11, .12, ...), whose default route through the bridge
reaches the slot's catalog registry. Every host's /etc/hosts names the others. All of it is made
when the page starts and removed when it ends (`PageHosts.down`), also what an interrupted run
left (`remove_leftovers`). See ARCHITECTURE.md, "Extra hosts".
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from docproof import processes
from docproof.directives import HOST_NAME  # at most 9 characters: an interface name dp-lN-NAME holds 15
from docproof.engine import OwnEngine
from docproof.machine import EngineError, Machine, run
from docproof.slot import Slot

FIRST = 10  # the first host's address on the shared network ends in .10, the extra hosts' in .11, ...

SSHD_CONFIG = """\
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile /run/sshd.pid
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
"""


def _in(pid: int, *argv: str) -> list[str]:
    return ["nsenter", f"--target={pid}", "--net", "--mount", "--uts", "--pid", "--", *argv]


@dataclass(frozen=True)
class Lan:
    """The shared network of a slot's hosts."""

    slot: Slot
    names: tuple[str, ...]

    def address(self, name: str | None) -> str:
        """The address of the first host (None) or of the extra host `name`."""
        return f"{self.slot.lan_prefix}.{FIRST if name is None else FIRST + 1 + self.names.index(name)}"

    def veth(self, name: str | None) -> str:
        return f"dp-l{self.slot.number}-{name or 'main'}"

    def hosts_lines(self) -> str:
        return "".join(f"{self.address(n)}\t{n or self.slot.hostname}\n" for n in (None, *self.names))

    def _rules(self) -> list[list[str]]:
        bridge = self.slot.lan_bridge
        return [["FORWARD", "-i", bridge, "-j", "ACCEPT"], ["FORWARD", "-o", bridge, "-j", "ACCEPT"]]

    def _plug(self, name: str | None, netns: str, inside: str) -> None:
        """A veth from the bridge into `netns`, named `inside` there, with the host's address."""
        veth = self.veth(name)
        run("ip", "link", "add", veth, "type", "veth", "peer", "name", f"{veth}-x", "netns", netns)
        run("ip", "link", "set", veth, "master", self.slot.lan_bridge, "up")
        ns = ("ip", "-n", netns)
        run(*ns, "link", "set", f"{veth}-x", "name", inside)
        run(*ns, "addr", "add", f"{self.address(name)}/24", "dev", inside)
        run(*ns, "link", "set", inside, "up")

    def up(self) -> None:
        bridge = self.slot.lan_bridge
        run("ip", "link", "add", bridge, "type", "bridge")
        run("ip", "addr", "add", f"{self.slot.lan_prefix}.1/24", "dev", bridge)
        run("ip", "link", "set", bridge, "up")
        for rule in self._rules():
            run("iptables", "-A", *rule)
        self._plug(None, self.slot.netns, "eth1")

    def attach(self, name: str, netns: str) -> None:
        self._plug(name, netns, "eth0")
        run("ip", "-n", netns, "link", "set", "lo", "up")
        run("ip", "-n", netns, "route", "add", "default", "via", f"{self.slot.lan_prefix}.1")

    @staticmethod
    def remove(slot: Slot) -> None:
        """The bridge, every veth of it (the first host's eth1 goes with its pair) and its rules."""
        for rule in Lan(slot, ())._rules():
            while run("iptables", "-C", *rule, check=False).returncode == 0:
                run("iptables", "-D", *rule, check=False)
        links = run("ip", "-o", "link", "show", check=False).stdout
        for veth in re.findall(rf"^\d+: (dp-l{slot.number}-[a-z0-9]+)@", links, re.MULTILINE):
            run("ip", "link", "del", veth, check=False)
        run("ip", "link", "del", slot.lan_bridge, check=False)


@dataclass
class ExtraHost:
    """One extra host: its machine with dockerd and sshd, on the shared network."""

    slot: Slot  # Slot.extra_host(name)
    lan: Lan

    @property
    def engine(self) -> OwnEngine:
        return OwnEngine.for_slot(self.slot)

    def folders(self) -> list[Path]:
        return [self.slot.run_dir, self.slot.data_root, self.slot.home_dir, self.slot.socket.parent]

    def up(self, authorized_key: str) -> str:
        """Starts the host; returns its SSH host key line for the first host's known_hosts."""
        s = self.slot
        for folder in self.folders():
            shutil.rmtree(folder, ignore_errors=True)
        s.run_dir.mkdir(parents=True)
        run("ip", "netns", "add", s.netns)
        self.lan.attach(s.host, s.netns)
        ssh = s.run_dir / "etc" / "ssh"
        ssh.mkdir(parents=True)
        os.setxattr(ssh, "trusted.overlay.opaque", b"y")  # not this machine's own SSH keys and settings
        (ssh / "sshd_config").write_text(SSHD_CONFIG)
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{s.host}", "-f", str(ssh / "ssh_host_ed25519_key"))
        Machine(s, hosts=self.lan.hosts_lines()).start(lambda: self.engine.answers(timeout=1))
        dot_ssh = s.home_dir / ".ssh"
        dot_ssh.mkdir(mode=0o700)
        (dot_ssh / "authorized_keys").write_text(authorized_key)
        (dot_ssh / "authorized_keys").chmod(0o600)
        pid = Machine(s).pid()
        run(*_in(pid, "sh", "-c", "mkdir -p /run/sshd && exec /usr/sbin/sshd -E /run/sshd.log"))
        address = self.lan.address(s.host)
        if not processes.wait_until(lambda: _answers(address, 22), 10):
            raise EngineError(f"the SSH server of {s.host} did not come up: "
                              + run(*_in(pid, "cat", "/run/sshd.log"), check=False).stdout)
        kind, key = (ssh / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        return f"{s.host} {kind} {key}\n"

    def down(self) -> None:
        Machine(self.slot).stop(30)
        run("ip", "netns", "del", self.slot.netns, check=False)
        for folder in self.folders():
            shutil.rmtree(folder, ignore_errors=True)


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class PageHosts:
    """The extra hosts of one page, with the shared network and the first host's SSH key."""

    main: OwnEngine
    names: tuple[str, ...]
    hosts: dict[str, ExtraHost] = field(default_factory=dict)
    seconds: float = 0.0  # what bringing them up took
    lost: dict[str, str] = field(default_factory=dict)

    @property
    def lan(self) -> Lan:
        return Lan(self.main.slot, self.names)

    @property
    def hosts_file(self) -> Path:
        """The first host's /etc/hosts while the page runs, bound over its own: a folder the
        machine sees (its /run is its own)."""
        return self.main.slot.state_dir / f"lan{self.main.slot.suffix or '-0'}" / "hosts"

    def up(self) -> None:
        began = time.monotonic()
        missing = [tool for tool in ("/usr/sbin/sshd", "ssh-keygen", "ssh") if not shutil.which(tool)]
        if missing:
            raise EngineError(f"extra hosts need {', '.join(missing)}: run `make setup` (scripts/install-system.sh)")
        remove_leftovers(self.main.slot)
        self.lan.up()
        dot_ssh = self.main.slot.home_dir / ".ssh"
        dot_ssh.mkdir(mode=0o700, exist_ok=True)
        key = dot_ssh / "id_ed25519"
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{self.main.slot.hostname}", "-f", str(key))
        known = ""
        for name in self.names:
            self.hosts[name] = ExtraHost(self.main.slot.extra_host(name), self.lan)
            known += self.hosts[name].up(key.with_suffix(".pub").read_text())
        (dot_ssh / "known_hosts").write_text(known)
        self.hosts_file.parent.mkdir(parents=True, exist_ok=True)
        self.hosts_file.write_text((self.main.slot.run_dir / "etc" / "hosts").read_text() + self.lan.hosts_lines())
        run(*_in(self._main_pid(), "mount", "--bind", str(self.hosts_file), "/etc/hosts"))
        self.seconds = time.monotonic() - began

    def _main_pid(self) -> int:
        pid = self.main.machine.pid()
        if pid is None:
            raise EngineError("the suite's engine is not running")
        return pid

    def engine(self, name: str) -> OwnEngine:
        return self.hosts[name].engine

    def check(self, name: str) -> str | None:
        """Why the engine of `name` cannot run a block (it stopped answering), or None."""
        if name not in self.lost and not self.engine(name).answers(timeout=2):
            self.lost[name] = f"the Docker engine of {name} stopped answering"
        return self.lost.get(name)

    def down(self) -> None:
        pid = self.main.machine.pid()
        if pid is not None:
            subprocess.run(_in(pid, "umount", "/etc/hosts"), capture_output=True)
        remove_leftovers(self.main.slot)


def remove_leftovers(slot: Slot) -> None:
    """Every extra host of the slot, its network, the first host's key and hosts file: what a page
    made, also when it was interrupted before its end."""
    base = slot.extra_host(None)
    names = set()
    for folder, prefix in ((Path("/run/netns"), base.extra_host("x").netns[:-1]),
                           (Path("/run"), base.extra_host("x").run_dir.name[:-1])):
        names |= {entry.name[len(prefix):] for entry in folder.glob(prefix + "*")} if folder.is_dir() else set()
    for name in sorted(n for n in names if HOST_NAME.fullmatch(n)):
        ExtraHost(base.extra_host(name), Lan(base, ())).down()
    Lan.remove(base)
    shutil.rmtree(base.home_dir / ".ssh", ignore_errors=True)
    shutil.rmtree(base.state_dir / f"lan{base.suffix or '-0'}", ignore_errors=True)
