"""debian:trixie-slim: Debian 13 minbase, slim like the official image, apt usable in builds."""

from __future__ import annotations

IMAGE = "debian:trixie-slim"


def test_is_debian_13_slim_with_empty_apt_lists(docker):
    docker.pull(IMAGE)
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 ". /etc/os-release; echo $VERSION_CODENAME $VERSION_ID; "
                 "ls /var/lib/apt/lists | grep -v -e '^lock$' -e '^partial$' | wc -l; "
                 "find /usr/share/doc -type f ! -name copyright | wc -l; "
                 "ls /usr/share/man 2>/dev/null | wc -l; id -un").stdout.split()
    assert out == ["trixie", "13", "0", "0", "0", "root"]
    size = int(docker("image", "inspect", "--format", "{{.Size}}", IMAGE).stdout)
    assert size < 100_000_000, f"{IMAGE} is {size} bytes; the official slim image is about 80 MB"


def test_default_command_is_bash(docker):
    docker.pull(IMAGE)
    cmd = docker("image", "inspect", "--format", "{{json .Config.Cmd}}", IMAGE).stdout.strip()
    assert cmd == '["bash"]'


def test_apt_installs_packages_and_https_works_once_ca_certificates_is_installed(docker):
    docker.pull(IMAGE)
    script = ("set -e; apt-get update -qq; "
              "apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null; "
              "curl -fsS -o /dev/null -w '%{http_code}\\n' https://pypi.org/simple/six/")
    result = docker("run", "--rm", IMAGE, "sh", "-c", script, timeout=300)
    assert result.stdout.strip().splitlines()[-1] == "200"
