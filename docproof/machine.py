"""The machine of one engine slot: namespaces inside this host that look like a reader's computer.

- network: the namespace `docproof[-N]`, whose one interface is `eth0`, with a veth pair to the
  host for egress (package installs in builds); the catalog registry listens on the host end;
- mount: the engine bundle (engine/packages.txt) over /usr/bin, /usr/sbin and /usr/libexec, a
  fresh /run (so the socket is /var/run/docker.sock), the slot's data root on /var/lib/docker,
  its home folder on /root and the daemon's configuration in /etc/docker/daemon.json;
- PID: the engine's processes and the pages' only; UTS: the host name `docker-host` (an extra
  host of a page, docproof/hosts.py, has its own name).
PID 1 of that machine is the bundle's docker-init (tini) running dockerd; stopping it ends
every process of the machine. See ARCHITECTURE.md, "The engine".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from docproof import processes
from docproof.slot import Slot

ROOT = Path(__file__).resolve().parent.parent
PACKAGES_FILE = ROOT / "engine" / "packages.txt"


class EngineError(RuntimeError):
    """The suite's engine could not be started, reached or stopped; the message says what to do."""


def pinned_packages() -> dict[str, str]:
    """engine/packages.txt: package name -> the exact Debian version the suite runs."""
    pins = {}
    for line in PACKAGES_FILE.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2:
            pins[fields[0]] = fields[1]
    return pins


def bundle_dir() -> Path:
    return Path("/opt/docproof") / f"engine-{pinned_packages()['docker.io']}"


def rootless_dir() -> Path:
    """Docker's rootless extras (the pins marked `rootless`), in a folder named by a digest of the
    pins, as scripts/install-engine.sh names it: a moved pin means a new folder."""
    pins = "".join(" ".join(fields) + "\n" for line in PACKAGES_FILE.read_text().splitlines()
                   if (fields := line.split("#", 1)[0].split()))
    return Path("/opt/docproof") / f"rootless-{hashlib.sha256(pins.encode()).hexdigest()[:12]}"


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise EngineError(f"`{' '.join(argv)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result


def _wait(what: str, ready, seconds: float, log: Path) -> None:
    if not processes.wait_until(ready, seconds):
        raise EngineError(f"{what} did not come up within {seconds:.0f}s; last lines of {log}:\n"
                          + processes.log_tail(log))


def empty_folder(folder: Path) -> None:
    """Removes what `folder` holds; the folder itself may be a mount point elsewhere: it stays."""
    for entry in folder.iterdir() if folder.is_dir() else []:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@dataclass(frozen=True)
class Machine:
    slot: Slot
    hosts: str = ""  # lines for /etc/hosts: the names of a page's other hosts (docproof/hosts.py)

    # -- the network ------------------------------------------------------------------------

    def _host_rules(self) -> list[list[str]]:
        s = self.slot
        return [
            ["POSTROUTING", "-t", "nat", "-s", s.subnet, "!", "-o", s.veth_host, "-j", "MASQUERADE"],
            ["FORWARD", "-i", s.veth_host, "-j", "ACCEPT"],
            ["FORWARD", "-o", s.veth_host, "-j", "ACCEPT"],
        ]

    def network_up(self) -> None:
        s = self.slot
        if not s.netns_path.exists():
            run("ip", "netns", "add", s.netns)
        if run("ip", "link", "show", s.veth_host, check=False).returncode != 0:
            run("ip", "link", "add", s.veth_host, "type", "veth", "peer", "name", s.veth_ns, "netns", s.netns)
            run("ip", "addr", "add", f"{s.host_ip}/24", "dev", s.veth_host)
            run("ip", "link", "set", s.veth_host, "up")
            ns = ("ip", "-n", s.netns)
            run(*ns, "link", "set", s.veth_ns, "name", "eth0")  # the name a reader's machine has
            run(*ns, "addr", "add", f"{s.ns_ip}/24", "dev", "eth0")
            run(*ns, "link", "set", "eth0", "up")
            run(*ns, "link", "set", "lo", "up")
            run(*ns, "route", "add", "default", "via", s.host_ip)
        Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")
        for rule in self._host_rules():
            if run("iptables", "-C", *rule, check=False).returncode != 0:
                run("iptables", "-A", *rule)

    def network_down(self) -> None:
        for rule in self._host_rules():
            while run("iptables", "-C", *rule, check=False).returncode == 0:
                run("iptables", "-D", *rule, check=False)
        run("ip", "link", "del", self.slot.veth_host, check=False)
        run("ip", "netns", "del", self.slot.netns, check=False)

    # -- the catalog registry, on the host end of the veth -----------------------------------

    def registry_answers(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://{self.slot.registry_addr}/v2/", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def start_registry(self) -> None:
        s = self.slot
        if processes.live_pid_in(s.run_dir / "registry.pid") and self.registry_answers():
            return
        s.registry_storage.mkdir(parents=True, exist_ok=True)
        config = s.run_dir / "registry.yml"
        config.write_text(
            "version: 0.1\n"
            "log: {level: warn}\n"
            f"storage: {{filesystem: {{rootdirectory: {s.registry_storage}}}, delete: {{enabled: true}}}}\n"
            f"http: {{addr: '{s.registry_addr}'}}\n"
        )
        log = s.run_dir / "registry.log"
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)],
            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        (s.run_dir / "registry.pid").write_text(str(process.pid))
        _wait("the catalog registry", self.registry_answers, 20, log)

    def stop_registry(self) -> None:
        processes.stop(self.slot.run_dir / "registry.pid", 5)

    # -- the machine and its daemon ------------------------------------------------------------

    def daemon_config(self) -> dict:
        """/etc/docker/daemon.json on the machine: a default installation's, plus the catalog
        registry as Docker Hub mirror and the containerd image store that Engine 29 uses on new
        installations."""
        return {
            "hosts": ["unix:///var/run/docker.sock", f"unix://{self.slot.socket}"],
            "features": {"containerd-snapshotter": True},
            "registry-mirrors": [f"http://{self.slot.registry_addr}"],
            "insecure-registries": [self.slot.registry_addr],
            "log-level": "warn",
        }

    def script(self, bundle: Path, etc: Path, extras: Path) -> str:
        """What PID 1 of the machine does: mounts, then start dockerd and become an init that reaps."""
        local_docker = Path("/usr/local/bin/docker")
        lines = [
            "set -e",
            # The bundle's programs where a Debian package puts them, over the machine's own, and
            # Docker's rootless extras in /usr/bin, where docker-ce-rootless-extras puts them.
            f"mount -t overlay overlay -o lowerdir={bundle}/usr/bin:{extras}/usr/bin:/usr/bin /usr/bin",
            *(f"mount -t overlay overlay -o lowerdir={bundle}{d}:{d} {d}" for d in ("/usr/sbin", "/usr/libexec")),
            # A docker CLI of the machine's own, ahead on PATH, is not the reader's.
            *([f"mount --bind {bundle}/usr/bin/docker {local_docker}"] if local_docker.exists() else []),
            f"mount -t overlay overlay -o lowerdir={etc}:/etc /etc",
            *self._modules_list(),
            f"mount --bind {self.slot.data_root} /var/lib/docker",
            f"mount --bind {self.slot.home_dir} /root",  # pages' HOME: the host's /root is not theirs
            "mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run",  # /var/run/docker.sock is ours alone
            "mkdir -p /run/lock",
            # /dev/net/tun as a Debian machine has it, crw-rw-rw-, for slirp4netns in rootless
            # mode; the host's node (crw-------) is not changed: this is a node of the machine's own.
            "mount -t tmpfs -o mode=755,nosuid tmpfs /dev/net",
            "mknod -m 666 /dev/net/tun c 10 200",
            f"hostname {self.slot.hostname}",
            # PID 1 outlives dockerd, as a reader's init does: a page may kill the daemon.
            "/usr/sbin/dockerd &",
            "exec /usr/bin/docker-init -- sleep infinity",
        ]
        return "\n".join(lines) + "\n"

    def _modules_list(self) -> list[str]:
        """Mounts that give the machine /lib/modules/RELEASE/modules.builtin when this host has no
        modules folder for its kernel (a VM booted with a kernel of its own): what a Debian machine
        has, listing the kernel's built-in modules from its configuration (/proc/config.gz).
        dockerd-rootless-setuptool.sh looks there for nf_tables before it installs anything."""
        release = os.uname().release
        if Path("/usr/lib/modules", release).exists() or not Path("/proc/config.gz").exists():
            return []
        modules = {"CONFIG_NF_TABLES": "kernel/net/netfilter/nf_tables.ko",
                   "CONFIG_IP_NF_IPTABLES": "kernel/net/ipv4/netfilter/ip_tables.ko",
                   "CONFIG_TUN": "kernel/drivers/net/tun.ko", "CONFIG_OVERLAY_FS": "kernel/fs/overlayfs/overlay.ko"}
        built_in = [line.split("=")[0] for line in gzip.decompress(Path("/proc/config.gz").read_bytes()).decode().splitlines()
                    if line.endswith("=y")]
        folder = self.slot.run_dir / "lib" / "modules" / release
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "modules.builtin").write_text("".join(modules[k] + "\n" for k in built_in if k in modules))
        return [f"mount -t overlay overlay -o lowerdir={self.slot.run_dir / 'lib'}:/usr/lib /usr/lib"]

    def _site_host(self, etc: Path) -> None:
        """The published site's host name answers on the machine (at the host end of the veth,
        with a certificate the machine trusts), so a page's download command fetches the
        chapter's files from the suite (docproof.downloads) as a reader fetches them from the site."""
        from docproof import downloads

        try:
            downloads.make_certificate(self.slot.site_cert, self.slot.site_key)
        except OSError as error:
            raise EngineError(str(error)) from error
        (etc / "hosts").write_text(Path("/etc/hosts").read_text() + f"{self.slot.host_ip}\t{downloads.host()}\n"
                                    + self.hosts)
        certs = etc / "ssl" / "certs"
        certs.mkdir(parents=True, exist_ok=True)
        (certs / "ca-certificates.crt").write_text(downloads.trusted_bundle(self.slot.site_cert))

    def pid(self) -> int | None:
        """The host's pid of PID 1 of the machine, when it runs."""
        return processes.live_pid_in(self.slot.run_dir / "machine.pid")

    def processes(self, name: str) -> list[int]:
        """Host pids of the machine's processes called `name` (the comm a `ps` there shows)."""
        pid = self.pid()
        return processes.named_in_pid_namespace_of(pid, name) if pid else []

    def start(self, answers) -> None:
        """Starts the machine with its dockerd and waits until `answers()` says the API answers."""
        s = self.slot
        self.stop(30)  # a daemon that stopped answering may still be shutting down
        s.data_root.mkdir(parents=True, exist_ok=True)
        s.home_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        empty_folder(s.home_dir)
        s.socket.parent.mkdir(parents=True, exist_ok=True)
        s.socket.unlink(missing_ok=True)
        etc = s.run_dir / "etc"
        (etc / "docker").mkdir(parents=True, exist_ok=True)
        # Opaque: the machine sees only our daemon.json, not whatever the host keeps in /etc/docker.
        os.setxattr(etc / "docker", "trusted.overlay.opaque", b"y")
        (etc / "docker" / "daemon.json").write_text(json.dumps(self.daemon_config(), indent=2) + "\n")
        self._site_host(etc)
        # Mount points for a page's users (docproof/users.py binds their files there).
        for name in ("subuid", "subgid"):
            if not Path("/etc", name).exists():
                (etc / name).write_text("")
        # The data root is bound there on the machine. The empty folder stays on the host:
        # removing it would detach that bind mount from every other slot's machine as well.
        Path("/var/lib/docker").mkdir(parents=True, exist_ok=True)
        log = s.run_dir / "dockerd.log"
        starter = subprocess.Popen(
            ["nsenter", f"--net={s.netns_path}", "--", "unshare", "--mount", "--uts", "--pid", "--fork",
             "--mount-proc", "--propagation", "private", "--", "sh", "-c", self.script(bundle_dir(), etc, rootless_dir())],
            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        # unshare forks PID 1 of the machine; that child, not unshare, is what we signal later.
        child = None

        def forked() -> bool:
            nonlocal child
            child = processes.first_child(starter.pid)
            return child is not None or starter.poll() is not None

        processes.wait_until(forked, 10, interval=0.02)
        if child is None:
            raise EngineError(f"the engine's machine did not start; see {log}:\n{log.read_text(errors='replace')[-2000:]}")
        (s.run_dir / "machine.pid").write_text(str(child))
        _wait("dockerd", answers, 60, log)

    def stop(self, seconds: float) -> None:
        """dockerd first, with SIGTERM, so it stops its containers as on a shutdown; then PID 1,
        whose end makes the kernel end every other process of the machine."""
        deadline = time.monotonic() + seconds
        for pid in self.processes("dockerd"):
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
            processes.wait_until(lambda: not processes.pid_alive(pid), max(deadline - time.monotonic(), 0))
        processes.stop(self.slot.run_dir / "machine.pid", max(deadline - time.monotonic(), 2))
