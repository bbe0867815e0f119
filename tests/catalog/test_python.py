"""python:3.13-slim: python and pip in /usr/local/bin, PYTHON_VERSION, pip install as root, venv.

What the official image has is taken from its recipe (docker-library/python 3.13/slim-trixie).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

APP = Path(__file__).resolve().parent / "apps" / "python"
IMAGE = "python:3.13-slim"
# debian:trixie-slim's PATH behind the official image's `ENV PATH /usr/local/bin:$PATH`
OFFICIAL_PATH = "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _sh(docker, script: str) -> list[str]:
    return docker("run", "--rm", IMAGE, "sh", "-c", script).stdout.splitlines()


def test_a_build_pip_installs_from_the_package_registry(docker):
    docker.pull(IMAGE)
    tag = docker.tag("pyapp")
    docker("build", "-q", "-t", tag, str(APP), timeout=600)
    assert docker("run", "--rm", tag).stdout == "six 1.17.0 on Python 3.13\n"


def test_the_version_is_3_13_named_by_PYTHON_VERSION_and_the_environment_is_the_official_one(docker):
    docker.pull(IMAGE)
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["Cmd"] == ["python3"]
    assert not config.get("Entrypoint")
    env = dict(item.split("=", 1) for item in config["Env"])
    version = docker("run", "--rm", IMAGE, "python", "--version").stdout.strip()
    found = re.fullmatch(r"Python (3\.13\.\d+)", version)
    assert found, version
    assert env.get("PYTHON_VERSION") == found.group(1)
    assert env.get("PATH") == OFFICIAL_PATH
    assert "LANG" not in env  # the official image sets LANG only below 3.13


def test_python_and_pip_are_in_usr_local_bin(docker):
    docker.pull(IMAGE)
    out = _sh(docker, "for c in python3 python pip pip3 pydoc; do command -v $c; done; "
                      "readlink /usr/local/bin/python /usr/local/bin/python3; "
                      "python -c 'import sys; print(sys.executable)'; "
                      "python3 -c 'import sys; print(sys.executable)'; "
                      "ls /usr/bin/python 2>&1; pip config list | wc -l; ls /etc/pip.conf 2>&1; true")
    assert out[:5] == ["/usr/local/bin/python3", "/usr/local/bin/python", "/usr/local/bin/pip",
                       "/usr/local/bin/pip3", "/usr/local/bin/pydoc"]
    assert out[5:7] == ["python3", "python3.13"]  # the official image's links
    assert out[7:9] == ["/usr/local/bin/python", "/usr/local/bin/python3"]
    assert "No such file or directory" in out[9]  # no Debian `python` beside it
    assert out[10] == "0" and "No such file or directory" in out[11]  # no pip configuration


def test_python_pip_and_venv_work(docker):
    docker.pull(IMAGE)
    out = _sh(docker, "python --version; python3 --version; pip --version; pip3 --version; "
                      "python -m venv /tmp/v && /tmp/v/bin/python -c 'import sys; print(sys.prefix)'; "
                      "python -c 'import ssl, sqlite3, json, venv; print(\"stdlib ok\")'")
    assert out[0].startswith("Python 3.13.") and out[1] == out[0]
    assert out[2].startswith("pip ") and " from /usr/local/lib/python3.13/" in out[2]
    assert out[2].endswith("(python 3.13)")
    assert out[3] == out[2]
    assert out[4:] == ["/tmp/v", "stdlib ok"]
