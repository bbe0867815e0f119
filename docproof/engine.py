"""How the harness and the pages reach a Docker engine, and the engine the suite owns.

Chapters run destructive commands (`docker system prune -a`, `docker rm -f $(docker ps -aq)`),
so the suite never talks to a daemon it did not start unless the user names one explicitly
(`external_engine`). Its own engine (`OwnEngine`, one per slot: docproof/slot.py) runs on a
machine of its own inside this one (docproof/machine.py) that looks like a reader's default
installation.

Command line: `python -m docproof.engine up|down|status`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from docproof import processes
from docproof.machine import EngineError, Machine, bundle_dir, empty_folder, pinned_packages, rootless_dir
from docproof.slot import Slot, SlotError

__all__ = ["CLAIM_ENV", "Engine", "EngineError", "OwnEngine", "bundle_dir", "external_engine", "own_engine",
           "pinned_packages"]

CLAIM_ENV = "DOCPROOF_ENGINE_CLAIMED_BY"


@dataclass(frozen=True)
class Engine:
    """A daemon the user named (--docker-host): reached at its address, never emptied wholesale."""

    docker_host: str  # where the harness (on this machine) reaches the API
    owned: bool = False  # True for the suite's own daemon: pages may be wiped from it freely
    mirror: str | None = None  # the catalog registry the daemon pulls Docker Hub names through

    def client(self, timeout: int = 60):
        import docker

        return docker.DockerClient(base_url=self.docker_host, timeout=timeout)

    def answers(self, timeout: float = 3) -> bool:
        try:
            return bool(self.client(timeout=int(max(timeout, 1))).ping())
        except Exception:
            return False

    def in_namespace(self, argv: list[str], cwd: Path | str | None = None) -> list[str]:
        """argv as it runs against this engine: here, as it is, on this host."""
        return argv

    def docker(self, *args: str, cwd: Path | str | None = None) -> list[str]:
        """argv of a docker CLI command against this engine: on the suite's machine, the bundle's
        CLI with its buildx and compose plugins; elsewhere the `docker` on PATH."""
        return self.in_namespace(["docker", *args], cwd=cwd)

    def shell_env(self) -> dict[str, str]:
        """What a page's shell needs to reach this engine: DOCKER_HOST unless it is the default."""
        if self.docker_host == "unix:///var/run/docker.sock":
            return {}
        return {"DOCKER_HOST": self.docker_host}

    def cli_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) with what the docker CLI needs here."""
        env = {k: v for k, v in (os.environ if base is None else base).items()
               if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        return {**env, **self.shell_env()}


def external_engine(docker_host: str) -> Engine:
    return Engine(docker_host=docker_host)


@dataclass(frozen=True)
class OwnEngine(Engine):
    """The suite's daemon of one slot, on its machine; pages may empty it."""

    slot: Slot = field(default_factory=Slot)

    @classmethod
    def for_slot(cls, slot: Slot) -> OwnEngine:
        return cls(docker_host=f"unix://{slot.socket}", owned=True, mirror=f"http://{slot.registry_addr}", slot=slot)

    @property
    def machine(self) -> Machine:
        return Machine(self.slot)

    def in_namespace(self, argv: list[str], cwd: Path | str | None = None) -> list[str]:
        """argv wrapped so it runs on the engine's machine, in `cwd` (default: the current one).

        There `docker` is the bundle's CLI talking to /var/run/docker.sock, and ports that
        containers publish answer on 127.0.0.1, as on a reader's machine."""
        pid = self.machine.pid()
        if pid is None:
            raise EngineError("the suite's engine is not running (start it with `make engine-up`)")
        where = str(cwd or os.getcwd())
        # `env --chdir`, not nsenter's --wd: --wd opens the folder before entering the machine's
        # mount namespace, and the page's folder exists only in there.
        return ["nsenter", f"--target={pid}", "--net", "--mount", "--uts", "--pid", "--",
                "env", f"--chdir={where}", *argv]

    def shell_env(self) -> dict[str, str]:
        return {}  # on its machine the default socket is this engine's

    def empty_home(self) -> None:
        self.slot.home_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        empty_folder(self.slot.home_dir)

    def fresh_home(self, folder: Path | None = None) -> None:
        """An empty /root on the engine's machine (`docker login` writes there), with `folder`
        (a path under /root) made in it if given: the page's starting folder."""
        self.empty_home()
        if folder is not None:
            (self.slot.home_dir / folder.relative_to("/root")).mkdir(parents=True)

    def leftover_layers(self) -> int:
        """Image content the daemon still keeps although it holds no image, container or build cache.

        A later pull would reuse such content ("Already exists"). With the classic store we saw a
        page's image lose its files when that happened, so a page never starts on leftovers."""
        store = self.slot.data_root / "containerd" / "daemon"
        blobs = store / "io.containerd.content.v1.content" / "blobs" / "sha256"
        snapshots = store / "io.containerd.snapshotter.v1.overlayfs" / "snapshots"
        return sum(sum(1 for _ in d.iterdir()) for d in (blobs, snapshots) if d.is_dir())

    def up(self) -> bool:
        """Starts the engine unless it already answers. Returns True when this call started it."""
        if self.answers(timeout=2) and self.machine.pid() and self.slot.site_cert.exists():
            return False  # (a machine started without the site's certificate is an older one: start anew)
        _require_tools()
        self.slot.run_dir.mkdir(parents=True, exist_ok=True)
        self.machine.network_up()
        self.machine.start_registry()
        self.machine.start(lambda: self.answers(timeout=1))
        return True

    def restart_empty(self) -> None:
        """Stops the daemon, deletes its data root and starts it again: a fresh engine."""
        self.machine.stop(30)
        empty_folder(self.slot.data_root)  # the folder itself is a mount point on the machine
        self.machine.start(lambda: self.answers(timeout=1))

    def down(self) -> None:
        """Stops the machine and the registry and removes the namespace, veth and host rules, and
        whatever extra hosts and users an interrupted page left (docproof/hosts.py, users.py)."""
        from docproof import hosts, users

        hosts.remove_leftovers(self.slot)
        users.remove_leftovers(self)
        self.machine.stop(30)
        self.machine.stop_registry()
        self.machine.network_down()
        self.slot.socket.unlink(missing_ok=True)
        shutil.rmtree(self.slot.home_dir, ignore_errors=True)

    def claim(self, wait_seconds: float = 3600) -> None:
        """One test run at a time on this engine: pages empty it, and would empty each other's.

        Held until this process exits. Child processes of the holder (the harness's own tests
        run pages in a child pytest) inherit the claim through the environment."""
        holder = os.environ.get(CLAIM_ENV)
        if holder and holder.isdigit() and processes.pid_alive(int(holder)) and int(holder) != os.getpid():
            return
        lock = self.slot.claim_lock
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+")
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


_claims: list = []  # the open lock files of this process's claims (see OwnEngine.claim)


def own_engine() -> OwnEngine:
    """The suite's engine of the slot DOCPROOF_ENGINE_SLOT names (0 when unset)."""
    try:
        return OwnEngine.for_slot(Slot.from_environment())
    except SlotError as error:
        raise EngineError(str(error)) from None


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise EngineError(
            "the suite's own Docker engine needs root (namespaces, dockerd). Run as root, "
            "or point the suite at a daemon you own with --docker-host (it will run destructive commands there)."
        )
    missing = [t for t in ("docker-registry", "iptables", "ip", "nsenter", "unshare") if not shutil.which(t)]
    if not (bundle_dir() / ".complete").exists():
        missing.append(f"the engine bundle {bundle_dir()}")
    if not (rootless_dir() / ".complete").exists():
        missing.append(f"Docker's rootless extras {rootless_dir()}")
    if missing:
        raise EngineError(f"missing {', '.join(missing)}: run `make setup` (scripts/install-system.sh) first")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    try:
        engine = own_engine()
        if command == "up":
            started = engine.up()
            print(f"engine {'started' if started else 'already running'}: run `{' '.join(engine.in_namespace(['bash']))}` for a shell on its machine")
        elif command == "down":
            engine.down()
            print("engine stopped")
        elif command == "status":
            answering = engine.answers()
            print(f"engine {'answers' if answering else 'is not running'} at {engine.docker_host}")
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
