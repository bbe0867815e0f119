"""registry:2 with htpasswd authentication, the htpasswd file made with httpd:2 (as Docker's docs do)."""

from __future__ import annotations

import json

from catalog_helpers import wait_for

IMAGE = "registry:2"


def test_push_and_pull_with_htpasswd_login(docker, tmp_path):
    docker.pull(IMAGE)
    docker.pull("httpd:2")
    docker.pull("busybox:1.37")
    auth = tmp_path / "auth"
    auth.mkdir()
    htpasswd = docker("run", "--rm", "--entrypoint", "htpasswd", "httpd:2", "-Bbn", "testuser", "testpassword").stdout
    assert htpasswd.startswith("testuser:$2y$")
    (auth / "htpasswd").write_text(htpasswd)
    auth.chmod(0o755)
    reg = docker.name("registry")
    port = "5055"
    docker("run", "-d", "-p", f"{port}:5000", "--name", reg,
           "-v", f"{auth}:/auth", "-e", "REGISTRY_AUTH=htpasswd",
           "-e", "REGISTRY_AUTH_HTPASSWD_REALM=Registry Realm",
           "-e", "REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd", IMAGE)

    def answers():
        r = docker.in_namespace("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}/v2/")
        return r.stdout if r.returncode == 0 else None

    assert wait_for("the registry to answer", answers, 30) == "401"
    ref = docker.image(f"localhost:{port}/my-busybox:1")
    docker("tag", "busybox:1.37", ref)
    refused = docker("push", ref, check=False)
    assert refused.returncode != 0 and "no basic auth credentials" in refused.stderr
    bad = docker("login", f"localhost:{port}", "-u", "testuser", "--password-stdin", input="nope\n", check=False)
    assert bad.returncode != 0
    login = docker("login", f"localhost:{port}", "-u", "testuser", "--password-stdin", input="testpassword\n")
    assert "Login Succeeded" in login.stdout
    docker("push", ref)
    docker("rmi", ref)
    docker("pull", ref)
    tags = docker.in_namespace("curl", "-s", "-u", "testuser:testpassword",
                               f"http://127.0.0.1:{port}/v2/my-busybox/tags/list")
    assert json.loads(tags.stdout) == {"name": "my-busybox", "tags": ["1"]}
    stored = docker("exec", reg, "ls", "/var/lib/registry/docker/registry/v2/repositories").stdout.split()
    assert stored == ["my-busybox"]


def test_image_interface(docker):
    docker.pull(IMAGE)
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["Cmd"] == ["/etc/docker/registry/config.yml"]
    assert config["Entrypoint"] == ["/entrypoint.sh"]
    assert "5000/tcp" in config["ExposedPorts"]
    assert "/var/lib/registry" in config["Volumes"]
    out = docker("run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
                 "grep -A1 filesystem: /etc/docker/registry/config.yml; registry --version; command -v htpasswd || echo no htpasswd").stdout
    assert "rootdirectory: /var/lib/registry" in out
    assert "2.8." in out
    assert "no htpasswd" in out  # like the official image: pages make the file with httpd
