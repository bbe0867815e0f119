"""The Docker engine the suite owns: a daemon on a machine of its own, inside this one.

Chapters run destructive commands (`docker system prune -a`, `docker rm -f $(docker ps -aq)`),
so the suite never talks to a daemon it did not start unless the user names one explicitly.

Our daemon and every page's shell live in namespaces of their own that look like a reader's
default installation (see ARCHITECTURE.md, "The engine"):
- network: the namespace `docproof`, whose one interface is `eth0`, with a veth pair to the host
  for egress (package installs in builds); the catalog registry listens on the host end;
- mount: the engine bundle (engine/packages.txt) over /usr/bin, /usr/sbin and /usr/libexec, a
  fresh /run (so the socket is /var/run/docker.sock), the suite's data root on /var/lib/docker
  and the daemon's configuration in /etc/docker/daemon.json;
- PID: the engine's processes and the pages' only; UTS: the host name `docker-host`.
PID 1 of that machine is the bundle's docker-init (tini) running dockerd; stopping it ends
every process of the machine.

Command line: `python -m docproof.engine up|down|status`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES_FILE = ROOT / "engine" / "packages.txt"

# Slot 0 is the engine the suite and CI use. Slots 1-9 are further, fully separate engines on
# the same machine, so several authors can each run a chapter at once (DOCPROOF_ENGINE_SLOT=N);
# they share only the catalog's registry storage, which pages never write.
_slot_text = os.environ.get("DOCPROOF_ENGINE_SLOT", "0") or "0"
if not (_slot_text.isdigit() and int(_slot_text) < 10):
    raise SystemExit(f"docproof: DOCPROOF_ENGINE_SLOT must be a number from 0 to 9, not {_slot_text!r}")
SLOT = int(_slot_text)
_suffix = f"-{SLOT}" if SLOT else ""
NETNS = f"docproof{_suffix}"
NETNS_PATH = Path("/run/netns") / NETNS
# Inside, the machine looks like a VM on a NAT network: eth0 is 10.0.2.15, the gateway 10.0.2.2.
# Each slot's host end needs a subnet of its own on the host.
VETH_HOST, VETH_NS = f"dp-host{_suffix}", f"dp-ns{_suffix}"
SUBNET = f"10.0.{2 + SLOT}.0/24"
HOST_IP, NS_IP = f"10.0.{2 + SLOT}.2", f"10.0.{2 + SLOT}.15"
HOSTNAME = "docker-host"
RUN_DIR = Path(f"/run/docproof{_suffix}")
STATE_DIR = Path(os.environ.get("DOCPROOF_STATE_DIR", "/var/lib/docproof"))
DATA_ROOT = STATE_DIR / f"docker{_suffix}"
# /root on the machine: a folder on the host's disk, so a page's files sit on the kind of
# filesystem a reader's home is on (a tmpfs lists folders with other sizes).
HOME_DIR = STATE_DIR / f"home{_suffix}"
# The daemon listens on /var/run/docker.sock inside its machine, and here for the harness.
SOCKET = STATE_DIR / f"api{_suffix}" / "docker.sock"
REGISTRY_PORT = 5999
REGISTRY_ADDR = f"{HOST_IP}:{REGISTRY_PORT}"


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


class EngineError(RuntimeError):
    """The suite's engine could not be started, reached or stopped; the message says what to do."""


@dataclass(frozen=True)
class Engine:
    """How the page shells and the harness reach a daemon."""

    docker_host: str  # where the harness (on this machine) reaches the API
    owned: bool  # True for the suite's own daemon: pages may be wiped from it freely
    mirror: str | None  # the catalog registry the daemon pulls Docker Hub names through

    def client(self, timeout: int = 60):
        import docker

        return docker.DockerClient(base_url=self.docker_host, timeout=timeout)

    def answers(self, timeout: float = 3) -> bool:
        try:
            return bool(self.client(timeout=int(max(timeout, 1))).ping())
        except Exception:
            return False

    def in_namespace(self, argv: list[str], cwd: Path | str | None = None) -> list[str]:
        """argv wrapped so it runs on the engine's machine, in `cwd` (default: the current one).

        There `docker` is the bundle's CLI talking to /var/run/docker.sock, and ports that
        containers publish answer on 127.0.0.1, as on a reader's machine."""
        if not self.owned:
            return argv
        pid = machine_pid()
        if pid is None:
            raise EngineError("the suite's engine is not running (start it with `make engine-up`)")
        where = str(cwd or os.getcwd())
        # `env --chdir`, not nsenter's --wd: --wd opens the folder before entering the machine's
        # mount namespace, and the page's folder exists only in there.
        return ["nsenter", f"--target={pid}", "--net", "--mount", "--uts", "--pid", "--",
                "env", f"--chdir={where}", *argv]

    def docker(self, *args: str, cwd: Path | str | None = None) -> list[str]:
        """argv of a docker CLI command against this engine: on the suite's machine, the bundle's
        CLI with its buildx and compose plugins; elsewhere the `docker` on PATH."""
        return self.in_namespace(["docker", *args], cwd=cwd)

    def cli_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with what the docker CLI needs here."""
        env = {k: v for k, v in (os.environ if base is None else base).items()
               if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        return {**env, **self.shell_env()}

    def fresh_home(self, folder: Path | None = None) -> None:
        """An empty /root on the engine's machine (`docker login` writes there), with `folder`
        (a path under /root) made in it if given: the page's starting folder."""
        empty_home()
        if folder is not None:
            (HOME_DIR / folder.relative_to("/root")).mkdir(parents=True)

    def shell_env(self) -> dict[str, str]:
        """What a page's shell needs to reach this engine: nothing on the suite's own machine,
        where the default socket is the engine's; DOCKER_HOST for a daemon named elsewhere."""
        if self.owned or self.docker_host == "unix:///var/run/docker.sock":
            return {}
        return {"DOCKER_HOST": self.docker_host}


OWN_ENGINE = Engine(docker_host=f"unix://{SOCKET}", owned=True, mirror=f"http://{REGISTRY_ADDR}")


def external_engine(docker_host: str) -> Engine:
    return Engine(docker_host=docker_host, owned=False, mirror=None)


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise EngineError(f"`{' '.join(argv)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result


def pid_from_file(pidfile: Path) -> int | None:
    """The pid a pid file names, when that process is alive; None otherwise."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def machine_pid() -> int | None:
    """The host's pid of PID 1 of the engine's machine, when it runs."""
    return pid_from_file(RUN_DIR / "machine.pid")


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise EngineError(
            "the suite's own Docker engine needs root (namespaces, dockerd). Run as root, "
            "or point the suite at a daemon you own with --docker-host (it will run destructive commands there)."
        )
    missing = [t for t in ("docker-registry", "iptables", "ip", "nsenter", "unshare") if not shutil.which(t)]
    if not (bundle_dir() / ".complete").exists():
        missing.append(f"the engine bundle {bundle_dir()}")
    if missing:
        raise EngineError(f"missing {', '.join(missing)}: run `make setup` (scripts/install-system.sh) first")


def _network_up() -> None:
    if not NETNS_PATH.exists():
        _run("ip", "netns", "add", NETNS)
    if _run("ip", "link", "show", VETH_HOST, check=False).returncode != 0:
        _run("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS, "netns", NETNS)
        _run("ip", "addr", "add", f"{HOST_IP}/24", "dev", VETH_HOST)
        _run("ip", "link", "set", VETH_HOST, "up")
        ns = ("ip", "-n", NETNS)
        _run(*ns, "link", "set", VETH_NS, "name", "eth0")  # the name a reader's machine has
        _run(*ns, "addr", "add", f"{NS_IP}/24", "dev", "eth0")
        _run(*ns, "link", "set", "eth0", "up")
        _run(*ns, "link", "set", "lo", "up")
        _run(*ns, "route", "add", "default", "via", HOST_IP)
    Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")
    for rule in _host_rules():
        if _run("iptables", "-C", *rule, check=False).returncode != 0:
            _run("iptables", "-A", *rule)


def _host_rules() -> list[list[str]]:
    return [
        ["POSTROUTING", "-t", "nat", "-s", SUBNET, "!", "-o", VETH_HOST, "-j", "MASQUERADE"],
        ["FORWARD", "-i", VETH_HOST, "-j", "ACCEPT"],
        ["FORWARD", "-o", VETH_HOST, "-j", "ACCEPT"],
    ]


def _network_down() -> None:
    for rule in _host_rules():
        while _run("iptables", "-C", *rule, check=False).returncode == 0:
            _run("iptables", "-D", *rule, check=False)
    _run("ip", "link", "del", VETH_HOST, check=False)
    _run("ip", "netns", "del", NETNS, check=False)


def _wait(what: str, ready, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
    raise EngineError(f"{what} did not come up within {seconds:.0f}s; last lines of {log}:\n" + "\n".join(tail))


def registry_answers() -> bool:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY_ADDR}/v2/", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _start_registry() -> None:
    if pid_from_file(RUN_DIR / "registry.pid") and registry_answers():
        return
    storage = STATE_DIR / "registry"
    storage.mkdir(parents=True, exist_ok=True)
    config = RUN_DIR / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: warn}\n"
        f"storage: {{filesystem: {{rootdirectory: {storage}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '{REGISTRY_ADDR}'}}\n"
    )
    log = RUN_DIR / "registry.log"
    process = subprocess.Popen(
        ["docker-registry", "serve", str(config)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    (RUN_DIR / "registry.pid").write_text(str(process.pid))
    _wait("the catalog registry", registry_answers, 20, log)


def daemon_config() -> dict:
    """/etc/docker/daemon.json on the engine's machine: a default installation's, plus the
    catalog registry as Docker Hub mirror and the containerd image store that Engine 29 uses
    on new installations."""
    return {
        "hosts": ["unix:///var/run/docker.sock", f"unix://{SOCKET}"],
        "features": {"containerd-snapshotter": True},
        "registry-mirrors": [f"http://{REGISTRY_ADDR}"],
        "insecure-registries": [REGISTRY_ADDR],
        "log-level": "warn",
    }


def _machine_script(bundle: Path, etc: Path) -> str:
    """What PID 1 of the machine does: mounts, then start dockerd and become an init that reaps."""
    local_docker = Path("/usr/local/bin/docker")
    lines = [
        "set -e",
        # The bundle's programs where a Debian package puts them, over the machine's own.
        *(f"mount -t overlay overlay -o lowerdir={bundle}{d}:{d} {d}" for d in ("/usr/bin", "/usr/sbin", "/usr/libexec")),
        # A docker CLI of the machine's own, ahead on PATH, is not the reader's.
        *( [f"mount --bind {bundle}/usr/bin/docker {local_docker}"] if local_docker.exists() else [] ),
        f"mount -t overlay overlay -o lowerdir={etc}:/etc /etc",
        f"mount --bind {DATA_ROOT} /var/lib/docker",
        f"mount --bind {HOME_DIR} /root",  # pages' HOME: the host's /root is not theirs
        "mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run",  # /var/run/docker.sock is ours alone
        "mkdir -p /run/lock",
        f"hostname {HOSTNAME}",
        # PID 1 outlives dockerd, as a reader's init does: a page may kill the daemon.
        "/usr/sbin/dockerd &",
        "exec /usr/bin/docker-init -- sleep infinity",
    ]
    return "\n".join(lines) + "\n"


SITE_CERT, SITE_KEY = RUN_DIR / "site.crt", RUN_DIR / "site.key"


def _site_host(etc: Path) -> None:
    """The published site's host name answers on the machine (at the host end of the veth, with
    a certificate the machine trusts), so a page's download command fetches the chapter's files
    from the suite (docproof.downloads) as a reader fetches them from the site."""
    from docproof import downloads

    try:
        downloads.make_certificate(SITE_CERT, SITE_KEY)
    except OSError as error:
        raise EngineError(str(error)) from error
    (etc / "hosts").write_text(Path("/etc/hosts").read_text() + f"{HOST_IP}\t{downloads.host()}\n")
    certs = etc / "ssl" / "certs"
    certs.mkdir(parents=True, exist_ok=True)
    (certs / "ca-certificates.crt").write_text(downloads.trusted_bundle(SITE_CERT))


def _start_dockerd() -> None:
    # A daemon that stopped answering may still be shutting down.
    _stop_machine(30)
    DATA_ROOT.mkdir(parents=True, exist_ok=True)
    empty_home()
    SOCKET.parent.mkdir(parents=True, exist_ok=True)
    SOCKET.unlink(missing_ok=True)
    etc = RUN_DIR / "etc"
    (etc / "docker").mkdir(parents=True, exist_ok=True)
    # Opaque: the machine sees only our daemon.json, not whatever the host keeps in /etc/docker.
    os.setxattr(etc / "docker", "trusted.overlay.opaque", b"y")
    (etc / "docker" / "daemon.json").write_text(json.dumps(daemon_config(), indent=2) + "\n")
    _site_host(etc)
    # The data root is bound there on the machine. The empty folder stays on the host: removing
    # it would detach that bind mount from every other slot's machine as well.
    Path("/var/lib/docker").mkdir(parents=True, exist_ok=True)
    log = RUN_DIR / "dockerd.log"
    starter = subprocess.Popen(
        ["nsenter", f"--net={NETNS_PATH}", "--", "unshare", "--mount", "--uts", "--pid", "--fork",
         "--mount-proc", "--propagation", "private", "--", "sh", "-c", _machine_script(bundle_dir(), etc)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    # unshare forks PID 1 of the machine; that child, not unshare, is what we signal later.
    deadline = time.monotonic() + 10
    child = None
    while child is None and time.monotonic() < deadline and starter.poll() is None:
        try:
            children = Path(f"/proc/{starter.pid}/task/{starter.pid}/children").read_text().split()
            child = int(children[0]) if children else None
        except OSError:
            pass
        time.sleep(0.02)
    if child is None:
        raise EngineError(f"the engine's machine did not start; see {log}:\n{log.read_text(errors='replace')[-2000:]}")
    (RUN_DIR / "machine.pid").write_text(str(child))
    _wait("dockerd", lambda: OWN_ENGINE.answers(timeout=1), 60, log)


CLAIM_ENV = "DOCPROOF_ENGINE_CLAIMED_BY"
CLAIM_LOCK = Path(f"/run/lock/docproof-engine{_suffix}.lock")


def claim(wait_seconds: float = 3600) -> None:
    """One test run at a time on the suite's engine: pages empty it, and would empty each other's.

    Held until this process exits. Child processes of the holder (the harness's own tests run
    pages in a child pytest) inherit the claim through the environment."""
    import fcntl

    holder = os.environ.get(CLAIM_ENV)
    if holder and holder.isdigit() and pid_alive(int(holder)) and int(holder) != os.getpid():
        return
    # Not under RUN_DIR: a lock on a file that someone deletes and recreates excludes nobody.
    CLAIM_LOCK.parent.mkdir(parents=True, exist_ok=True)
    handle = open(CLAIM_LOCK, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        other = handle.read().strip() or "?"
        print(f"docproof: another test run (pid {other}) is using the suite's engine; waiting for it", file=sys.stderr)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EngineError(f"another test run (pid {other}) held the engine for {wait_seconds:.0f}s") from None
                time.sleep(0.5)
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    _claims.append(handle)  # keep the descriptor open: closing it would release the lock
    os.environ[CLAIM_ENV] = str(os.getpid())


_claims: list = []


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def up() -> bool:
    """Starts the suite's engine unless it already answers. Returns True when this call started it."""
    if OWN_ENGINE.answers(timeout=2) and machine_pid() and SITE_CERT.exists():
        return False  # (a machine started without the site's certificate is an older one: start anew)
    _require_tools()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    _network_up()
    _start_registry()
    _start_dockerd()
    return True


def leftover_layers() -> int:
    """Image content the daemon still keeps although it holds no image, container or build cache.

    A later pull would reuse such content ("Already exists"). With the classic store we saw a
    page's image lose its files when that happened, so a page never starts on leftovers."""
    store = DATA_ROOT / "containerd" / "daemon"
    blobs = store / "io.containerd.content.v1.content" / "blobs" / "sha256"
    snapshots = store / "io.containerd.snapshotter.v1.overlayfs" / "snapshots"
    return sum(sum(1 for _ in d.iterdir()) for d in (blobs, snapshots) if d.is_dir())


def empty_home() -> None:
    HOME_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for entry in HOME_DIR.iterdir():  # the folder itself is the machine's /root: keep it
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def restart_empty() -> None:
    """Stops the suite's daemon, deletes its data root and starts it again: a fresh engine."""
    _stop_machine(30)
    if DATA_ROOT.is_dir():
        for entry in DATA_ROOT.iterdir():  # the directory itself may be a mount point: keep it
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    _start_dockerd()


def _stop(pidfile: Path, seconds: float) -> None:
    pid = pid_from_file(pidfile)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and pid_from_file(pidfile):
        time.sleep(0.1)
    if pid_from_file(pidfile):
        os.kill(pid, signal.SIGKILL)
        while pid_alive(pid):
            time.sleep(0.05)


def machine_processes(name: str) -> list[int]:
    """Host pids of the machine's processes called `name` (the comm a `ps` there shows)."""
    pid = machine_pid()
    if pid is None:
        return []
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


def _stop_machine(seconds: float) -> None:
    """dockerd first, with SIGTERM, so it stops its containers as on a shutdown; then PID 1,
    whose end makes the kernel end every other process of the machine."""
    deadline = time.monotonic() + seconds
    for pid in machine_processes("dockerd"):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    _stop(RUN_DIR / "machine.pid", max(deadline - time.monotonic(), 2))


def down() -> None:
    """Stops the machine and the registry and removes the namespace, veth and host rules."""
    _stop_machine(30)
    _stop(RUN_DIR / "registry.pid", 5)
    _network_down()
    SOCKET.unlink(missing_ok=True)
    shutil.rmtree(HOME_DIR, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    try:
        if command == "up":
            started = up()
            print(f"engine {'started' if started else 'already running'}: run `{' '.join(OWN_ENGINE.in_namespace(['bash']))}` for a shell on its machine")
        elif command == "down":
            down()
            print("engine stopped")
        elif command == "status":
            answering = OWN_ENGINE.answers()
            print(f"engine {'answers' if answering else 'is not running'} at {OWN_ENGINE.docker_host}")
            return 0 if answering else 1
        else:
            print("usage: python -m docproof.engine up|down|status", file=sys.stderr)
            return 2
    except EngineError as error:
        print(f"docproof engine: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
