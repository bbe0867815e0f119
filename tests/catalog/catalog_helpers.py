"""Helpers for the catalog contract tests: the docker CLI against the suite's engine."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from pathlib import Path


HERE = Path(__file__).resolve().parent


class Docker:
    """The docker CLI against the suite's engine, remembering what a test made."""

    def __init__(self, engine, tmp_path: Path):
        self.engine = engine
        self.suffix = secrets.token_hex(4)
        self.config_dir = tmp_path / "docker-config"  # logins never touch the user's config
        self.config_dir.mkdir()
        self.env = engine.cli_env({**os.environ, "DOCKER_CONFIG": str(self.config_dir)})
        self.containers: list[str] = []
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.images: list[str] = []

    def __call__(self, *argv: str, check: bool = True, timeout: float = 300,
                 input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(self.engine.docker(*argv), env={**self.env, **(env or {})}, input=input,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"`docker {' '.join(argv)}` exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def name(self, what: str) -> str:
        """A container name unique to this test run, removed at teardown."""
        name = f"dpcat-{what}-{self.suffix}"
        self.containers.append(name)
        return name

    def network(self) -> str:
        name = f"dpcat-net-{self.suffix}"
        self("network", "create", name)
        self.networks.append(name)
        return name

    def volume(self, what: str) -> str:
        name = f"dpcat-{what}-{self.suffix}"
        self.volumes.append(name)
        return name

    def image(self, ref: str) -> str:
        """An image this test pulls or builds, removed at teardown."""
        self.images.append(ref)
        return ref

    def pull(self, ref: str) -> str:
        """Pulls a catalog image by its plain name (through the mirror); removed at teardown."""
        self.image(ref)
        self("pull", "-q", ref)
        return ref

    def tag(self, what: str) -> str:
        return self.image(f"dpcat-{what}:{self.suffix}")

    def in_namespace(self, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(self.engine.in_namespace(list(argv)), capture_output=True,
                              text=True, timeout=timeout)

    def logs(self, container: str) -> str:
        result = self("logs", container, check=False)
        return result.stdout + result.stderr

    def clean(self) -> None:
        for name in self.containers:
            self("rm", "-f", "-v", name, check=False)
        for name in self.networks:
            self("network", "rm", name, check=False)
        for name in self.volumes:
            self("volume", "rm", "-f", name, check=False)
        for ref in self.images:
            self("rmi", ref, check=False)


def wait_for(what: str, probe, timeout: float = 60, every: float = 0.5):
    """Calls probe() until it returns something true; fails with what it waited for."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
