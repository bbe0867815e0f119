"""The gate against Docker forms removed in Engine / CLI 27-29 names page and line, per entry.

Pages are written to tmp_path and the gate runs as a subprocess, like the other gates: nothing
here asks for the harness's engine.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
GATE = ROOT / "scripts" / "check_removed_docker_forms.py"
TABLE = yaml.safe_load((ROOT / "scripts" / "removed-docker-forms.yaml").read_text())

CONSOLE = "# Page\n\nText.\n\n```console\n$ {command}\n{output}```\n"
SCRIPT = "# Page\n\nText.\n\n```bash\n{command}\n```\n"
HIDDEN = "# Page\n\nText.\n\n<!-- docproof: check\n{command}\n-->\n\n```console\n$ true\n```\n"

# entry id -> (page template, command, output shown under it, line of the offending text)
BROKEN = {
    "inspect-network-settings-top-level": (CONSOLE, "IP=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' web)", "", 6),
    "inspect-config-mac-address": (HIDDEN, "test -n \"$(docker inspect -f '{{.Config.MacAddress}}' web)\"", "", 6),
    "events-legacy-fields": (
        CONSOLE,
        "docker events --since 1m --until 0s \\\n"
        "    --filter container=\"$(docker inspect -f '{{.Id}}' web)\" --format '{{.Status}} {{.ID}}'",
        "start\n", 7,
    ),
    "inspect-graphdriver": (SCRIPT, "echo start\nupper=$(docker inspect -f '{{.GraphDriver.Data.UpperDir}}' cow)", "", 7),
    "image-inspect-non-image-config-fields": (CONSOLE, "docker image inspect -f '{{.Config.Hostname}}' busybox:1.37", "\n", 6),
    "image-inspect-legacy-builder-fields": (CONSOLE, "docker image inspect --format '{{.Parent}}' hello", "", 6),
    "image-virtual-size": (CONSOLE, "docker images --format '{{.Repository}} {{.VirtualSize}}'", "busybox 4.3MB\n", 6),
    "image-ls-default-view": (CONSOLE, "docker image ls busybox", "REPOSITORY   TAG   IMAGE ID\nbusybox      1.37  ...\n", 6),
    "search-is-automated-field": (CONSOLE, "docker search --format '{{.Name}} {{.IsAutomated}}' nginx", "", 6),
    "search-is-automated-filter": (SCRIPT, "docker search --filter is-automated=false nginx", "", 6),
    "mount-bind-nonrecursive": (SCRIPT, "docker run --rm --mount type=bind,src=/srv,dst=/srv,bind-nonrecursive busybox:1.37 ls /srv", "", 6),
    "fluentd-async-connect": (SCRIPT, "docker run -d --log-driver fluentd --log-opt fluentd-async-connect=true busybox:1.37", "", 6),
    "sysctl-per-interface": (SCRIPT, "docker run --rm --network app --sysctl net.ipv4.conf.eth0.log_martians=1 busybox:1.37 true", "", 6),
    "legacy-link-env-vars": (SCRIPT, "docker run --rm --link db busybox:1.37 sh -c 'echo $DB_PORT_5432_TCP_ADDR'", "", 6),
    "run-link": (SCRIPT, "docker run -d --name app --link db:db busybox:1.37 sleep 60", "", 6),
    "kernel-memory": (SCRIPT, "docker run --rm --kernel-memory 64m busybox:1.37 true", "", 6),
    "content-trust": (SCRIPT, "export DOCKER_CONTENT_TRUST=1\ndocker pull busybox:1.37", "", 6),
    "disable-content-trust-flag": (SCRIPT, "docker pull --disable-content-trust busybox:1.37", "", 6),
    "api-version-below-1-44": (CONSOLE, "DOCKER_API_VERSION=1.40 docker version --format '{{.Client.APIVersion}}'", "1.40\n", 6),
    "commit-pause": (SCRIPT, "docker commit --pause=false web snapshot:1", "", 6),
    "stop-time": (SCRIPT, "docker stop --time 1 web", "", 6),
    "legacy-builder": (SCRIPT, "DOCKER_BUILDKIT=0 docker build -t app .", "", 6),
    "info-storage-driver": (CONSOLE, "docker info --format '{{.Driver}}'", "overlay2\n", 6),
    "macvlan-default-gateway": (SCRIPT, "docker network create -d macvlan --subnet 192.168.50.0/24 -o parent=eth0 macnet", "", 6),
    "container-nofile-limit": (CONSOLE, "docker run --rm busybox:1.37 sh -c 'ulimit -n'", "1048576\n", 6),
}
COMPOSE_ONLY = {"compose-version-key"}

CLEAN = """# Page

```console
$ docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.MacAddress}}{{end}}' web
{web_ip} {web_mac}
$ docker inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.SandboxKey}} {{.Config.Image}}' web
...
$ docker events --since 1m --until 0s --filter container="$(docker ps -q --format '{{.ID}}')" \\
    --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.image}}'
start ...
$ docker ps --format '{{.ID}} {{.Status}}'
... Up ...
$ docker images --format table
REPOSITORY   TAG   IMAGE ID
$ docker images -q
{image_id}
$ docker stop --timeout 1 web
web
$ docker commit --no-pause web snapshot:1
sha256:...
```

<!-- docproof: check
# docker inspect -f '{{.NetworkSettings.IPAddress}}' web (gone in API 1.52)
docker images
docker info --format '{{.CgroupDriver}} {{.LoggingDriver}}'
-->

```bash
docker network create -d macvlan --subnet 192.168.50.0/24 --gateway 192.168.50.1 -o parent=eth0 macnet
docker run --rm --ulimit nofile=1024:2048 busybox:1.37 sh -c 'ulimit -n'
docker run --rm --sysctl net.ipv4.ip_unprivileged_port_start=80 --mount type=bind,src=/srv,dst=/srv,bind-recursive=disabled busybox:1.37 true
DOCKER_BUILDKIT=1 DOCKER_API_VERSION=1.44 docker build -t app .
```
"""

CLEAN_COMPOSE = "services:\n  web:\n    image: nginx:1.27\n    sysctls:\n      - net.ipv4.ip_unprivileged_port_start=80\n"
BROKEN_COMPOSE = """version: "3.8"
services:
  web:
    image: nginx:1.27
    sysctls:
      net.ipv4.conf.eth0.log_martians: 1
    logging:
      driver: fluentd
      options:
        fluentd-async-connect: "true"
"""


def gate(tmp_path, *files):
    return subprocess.run([sys.executable, str(GATE), *files], cwd=tmp_path, capture_output=True, text=True)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return name


def test_every_entry_has_a_broken_example_here():
    assert {row["id"] for row in TABLE} == set(BROKEN) | COMPOSE_ONLY


def test_every_entry_says_what_when_instead_and_where():
    for row in TABLE:
        assert row["severity"] in ("error", "warning"), row["id"]
        assert all(row.get(key) for key in ("match", "removed", "version", "instead")), row["id"]
        assert row["source"].startswith(("https://docs.docker.com/", "https://github.com/")), row["id"]


@pytest.mark.parametrize("entry", sorted(BROKEN))
def test_a_removed_form_is_reported_with_page_line_fix_and_source(tmp_path, entry):
    template, command, output, line = BROKEN[entry]
    page = write(tmp_path, "docs/page.md", template.format(command=command, output=output))
    result = gate(tmp_path, page)
    row = next(r for r in TABLE if r["id"] == entry)
    assert result.returncode == (1 if row["severity"] == "error" else 0), result.stdout + result.stderr
    assert f"docs/page.md:{line}: {row['severity']} [{entry}] `" in result.stdout, result.stdout
    assert "    fix: " in result.stdout and f"    source: {row['source']}" in result.stdout


def test_a_compose_file_in_snippets_is_checked_line_by_line(tmp_path):
    compose = write(tmp_path, "snippets/demo/compose.yaml", BROKEN_COMPOSE)
    result = gate(tmp_path, compose)
    assert result.returncode == 1
    assert "snippets/demo/compose.yaml:1: warning [compose-version-key] `version:`" in result.stdout
    assert "snippets/demo/compose.yaml:6: error [sysctl-per-interface]" in result.stdout
    assert "snippets/demo/compose.yaml:10: error [fluentd-async-connect]" in result.stdout


def test_the_docker_images_view_matters_only_where_the_page_shows_its_output(tmp_path):
    page = write(tmp_path, "docs/page.md", CONSOLE.format(command="docker images", output=""))
    assert gate(tmp_path, page).stdout == ""


def test_current_forms_pass(tmp_path):
    files = [write(tmp_path, "docs/page.md", CLEAN), write(tmp_path, "snippets/demo/compose.yaml", CLEAN_COMPOSE)]
    result = gate(tmp_path, *files)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""


def test_a_changed_default_view_is_settled_by_a_docker_29_note_after_the_block(tmp_path):
    page = tmp_path / "noted.md"
    shown = "```console\n$ docker images\nREPOSITORY   TAG   IMAGE ID   CREATED   SIZE\n```\n"
    page.write_text("# Page\n\n" + shown + "\n!!! note \"Docker 29\"\n    CLI 29 shows a tree.\n"
                    "    [Docker 29 and this guide](docker-29.md#page-image-view)\n")
    result = subprocess.run([sys.executable, str(GATE), str(page)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    page.write_text("# Page\n\n" + shown + "\nNo note here.\n\n```console\n$ true\n```\n\n"
                    "[Docker 29 and this guide](docker-29.md#page-image-view)\n")
    result = subprocess.run([sys.executable, str(GATE), str(page)], capture_output=True, text=True)
    assert result.returncode == 1 and "noted.md:4: error [image-ls-default-view]" in result.stdout, result.stdout
