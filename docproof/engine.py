"""The Docker engine the suite owns: its own daemon in its own network namespace.

Chapters run destructive commands (`docker system prune -a`, `docker rm -f $(docker ps -aq)`),
so the suite never talks to a daemon it did not start unless the user names one explicitly.
Our daemon lives in the network namespace `docproof`, so its bridge and iptables rules cannot
touch another daemon's (see ENGINE-NOTES.md). A veth pair gives it a way out for package
installs in builds, and the catalog registry listens on the host end of that pair.

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
VETH_HOST, VETH_NS = f"dp-host{_suffix}", f"dp-ns{_suffix}"
HOST_IP, NS_IP, SUBNET = f"10.213.77.{4 * SLOT + 1}", f"10.213.77.{4 * SLOT + 2}", f"10.213.77.{4 * SLOT}/30"
RUN_DIR = Path(f"/run/docproof{_suffix}")
STATE_DIR = Path(os.environ.get("DOCPROOF_STATE_DIR", "/var/lib/docproof"))
SOCKET = RUN_DIR / "docker.sock"
REGISTRY_PORT = 5999
REGISTRY_ADDR = f"{HOST_IP}:{REGISTRY_PORT}"


class EngineError(RuntimeError):
    """The suite's engine could not be started, reached or stopped; the message says what to do."""


@dataclass(frozen=True)
class Engine:
    """How the page shells and the harness reach a daemon."""

    docker_host: str
    netns: Path | None  # the namespace page shells must run in to reach published ports
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

    def in_namespace(self, argv: list[str]) -> list[str]:
        """argv wrapped so it runs where this engine's published ports are reachable."""
        if self.netns is None:
            return argv
        return ["nsenter", f"--net={self.netns}", "--", *argv]


OWN_ENGINE = Engine(
    docker_host=f"unix://{SOCKET}", netns=NETNS_PATH, owned=True, mirror=f"http://{REGISTRY_ADDR}"
)


def external_engine(docker_host: str) -> Engine:
    return Engine(docker_host=docker_host, netns=None, owned=False, mirror=None)


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise EngineError(f"`{' '.join(argv)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result


def _pid_alive(pidfile: Path) -> int | None:
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise EngineError(
            "the suite's own Docker engine needs root (network namespace, dockerd). Run as root, "
            "or point the suite at a daemon you own with --docker-host (it will run destructive commands there)."
        )
    missing = [t for t in ("dockerd", "docker-registry", "iptables", "ip", "nsenter") if not shutil.which(t)]
    if missing:
        raise EngineError(f"missing {', '.join(missing)}: run `make setup` (scripts/install-system.sh) first")


def _network_up() -> None:
    if not NETNS_PATH.exists():
        _run("ip", "netns", "add", NETNS)
    if _run("ip", "link", "show", VETH_HOST, check=False).returncode != 0:
        _run("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS, "netns", NETNS)
        _run("ip", "addr", "add", f"{HOST_IP}/30", "dev", VETH_HOST)
        _run("ip", "link", "set", VETH_HOST, "up")
        ns = ("ip", "-n", NETNS)
        _run(*ns, "addr", "add", f"{NS_IP}/30", "dev", VETH_NS)
        _run(*ns, "link", "set", VETH_NS, "up")
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


def _registry_answers() -> bool:
    try:
        with urllib.request.urlopen(f"http://{REGISTRY_ADDR}/v2/", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _start_registry() -> None:
    if _pid_alive(RUN_DIR / "registry.pid") and _registry_answers():
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
    _wait("the catalog registry", _registry_answers, 20, log)


def _start_dockerd() -> None:
    # A daemon that stopped answering may still be shutting down; it holds the pid file.
    _stop(RUN_DIR / "dockerd.pid", 30)
    data_root = STATE_DIR / f"docker{_suffix}"
    data_root.mkdir(parents=True, exist_ok=True)
    config = {
        "hosts": [f"unix://{SOCKET}"],
        "data-root": str(data_root),
        "exec-root": str(RUN_DIR / "exec"),
        "pidfile": str(RUN_DIR / "dockerd.pid"),
        "storage-driver": "overlay2",
        "exec-opts": ["native.cgroupdriver=cgroupfs"],
        "registry-mirrors": [f"http://{REGISTRY_ADDR}"],
        "insecure-registries": [REGISTRY_ADDR],
        "log-level": "warn",
    }
    (RUN_DIR / "daemon.json").write_text(json.dumps(config, indent=2))
    log = RUN_DIR / "dockerd.log"
    subprocess.Popen(
        ["nsenter", f"--net={NETNS_PATH}", "--", "dockerd", "--config-file", str(RUN_DIR / "daemon.json")],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )
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
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def up() -> bool:
    """Starts the suite's engine unless it already answers. Returns True when this call started it."""
    if OWN_ENGINE.answers(timeout=2):
        return False
    _require_tools()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    _network_up()
    _start_registry()
    _start_dockerd()
    return True


def leftover_layers() -> int:
    """Image layers the daemon still keeps although it holds no image, container or build cache.

    BuildKit (the docker driver) leaves layers behind after `docker builder prune -a`; a later
    pull then reuses them ("Already exists"). We have seen a page's image lose its files when that
    happened (`exec: "sh": executable file not found`, `docker diff` listing every directory as
    deleted), so a page never starts on such leftovers."""
    layers = STATE_DIR / f"docker{_suffix}" / "image" / "overlay2" / "layerdb" / "sha256"
    return sum(1 for _ in layers.iterdir()) if layers.is_dir() else 0


def restart_empty() -> None:
    """Stops the suite's daemon, deletes its data root and starts it again: a fresh engine."""
    _stop(RUN_DIR / "dockerd.pid", 30)
    data_root = STATE_DIR / f"docker{_suffix}"
    if data_root.is_dir():
        for entry in data_root.iterdir():  # the directory itself may be a mount point: keep it
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    _start_dockerd()


def _stop(pidfile: Path, seconds: float) -> None:
    pid = _pid_alive(pidfile)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and _pid_alive(pidfile):
        time.sleep(0.1)
    if _pid_alive(pidfile):
        os.kill(pid, signal.SIGKILL)


def down() -> None:
    """Stops the daemon and the registry and removes the namespace, veth and host rules."""
    _stop(RUN_DIR / "dockerd.pid", 30)
    _stop(RUN_DIR / "registry.pid", 5)
    _network_down()


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    try:
        if command == "up":
            started = up()
            print(f"engine {'started' if started else 'already running'}: DOCKER_HOST={OWN_ENGINE.docker_host}")
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
