"""nginx and redis as compose services: published ports answer from outside the engine's machine.

pytest-docker runs `docker compose` (the engine bundle's, on the engine's machine, through
engine.docker) on compose.yaml, and waits for each service with wait_until_responsive before a
test uses it. Its own fixtures live for the whole session; pages run later in the same session
empty the engine, so here they are redefined for this module only.
"""

from __future__ import annotations

import secrets
import shlex
import socket
import urllib.request
from pathlib import Path

import pytest
from pytest_docker.plugin import Services, get_docker_services

from docproof import engine as engine_module

WAIT_SECONDS = 30


@pytest.fixture(scope="module")
def docker_compose_command(docker_engine) -> str:
    if not docker_engine.owned:
        pytest.skip("contract tests check the catalog's stand-ins; this engine uses the real images")
    # pytest-docker runs this through a shell; DOCKER_HOST would point the CLI elsewhere.
    return shlex.join(["env", "-u", "DOCKER_HOST", "-u", "DOCKER_CONTEXT", *docker_engine.docker("compose")])


@pytest.fixture(scope="module")
def docker_compose_file() -> str:
    return str(Path(__file__).resolve().parent / "compose.yaml")


@pytest.fixture(scope="module")
def docker_compose_project_name() -> str:
    return f"dpcat-compose-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def docker_ip() -> str:
    """Where this machine reaches the ports the engine's machine publishes: its eth0."""
    return engine_module.own_engine().slot.ns_ip


@pytest.fixture(scope="module")
def docker_services(docker_compose_command, docker_compose_file, docker_compose_project_name):
    """The project, up (`up --wait`) for this module's tests; removed with its volumes and images."""
    with get_docker_services(docker_compose_command, docker_compose_file, docker_compose_project_name,
                             ["up --wait"], ["down -v --rmi all"]) as services:
        yield services


def _wait(services: Services, what: str, check) -> None:
    try:
        services.wait_until_responsive(check=check, timeout=WAIT_SECONDS, pause=0.5)
    except Exception as error:  # pytest-docker gives up with a bare Exception
        pytest.fail(f"{what} did not answer within {WAIT_SECONDS}s ({error})")


def _http_get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.read().decode()
    except OSError:
        return None


def _redis(address: tuple[str, int], *commands: str) -> list[str] | None:
    """Redis's reply lines to inline commands, or None when it does not answer."""
    try:
        with socket.create_connection(address, timeout=3) as conn:
            # QUIT: redis answers +OK and closes the connection, so everything is read by then.
            conn.sendall("".join(f"{c}\r\n" for c in (*commands, "QUIT")).encode())
            replies = b""
            while chunk := conn.recv(4096):
                replies += chunk
    except OSError:
        return None
    lines = replies.decode(errors="replace").splitlines()
    return lines[:-1] if lines[-1:] == ["+OK"] else lines


@pytest.fixture(scope="module")
def web_url(docker_ip, docker_services) -> str:
    url = f"http://{docker_ip}:{docker_services.port_for('web', 80)}/"
    _wait(docker_services, f"nginx at {url}", lambda: "Welcome to nginx!" in (_http_get(url) or ""))
    return url


@pytest.fixture(scope="module")
def cache_address(docker_ip, docker_services) -> tuple[str, int]:
    address = (docker_ip, docker_services.port_for("cache", 6379))
    _wait(docker_services, f"redis at {address}", lambda: _redis(address, "PING") == ["+PONG"])
    return address


def test_nginx_serves_its_default_page_on_the_published_port(web_url):
    page = _http_get(web_url)
    assert page is not None and "<title>Welcome to nginx!</title>" in page
    assert _http_get(web_url + "nope") is None  # a 404, as for any file that is not there


def test_redis_takes_commands_from_another_host_as_the_official_image_does(cache_address):
    # Protected mode is off in the official image: a client that is not on loopback gets answers.
    assert _redis(cache_address, "SET greeting hello", "GET greeting") == ["+OK", "$5", "hello"]
