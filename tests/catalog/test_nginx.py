"""nginx:1.26: the official image's page, configuration layout, logs and signals."""

from __future__ import annotations

import json

from catalog_helpers import wait_for

IMAGE = "nginx:1.26"


def _get(docker, net: str, url: str):
    result = docker("run", "--rm", "--network", net, "busybox:1.37", "wget", "-q", "-O-", url,
                    check=False)
    return result.stdout if result.returncode == 0 else None


def test_serves_the_default_page_on_80_and_logs_to_stdout(docker):
    docker.pull(IMAGE)
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("web")
    docker("run", "-d", "--name", web, "--network", net, IMAGE)
    page = wait_for("nginx to answer", lambda: _get(docker, net, f"http://{web}/"), 30)
    assert "<title>Welcome to nginx!</title>" in page
    assert "<h1>Welcome to nginx!</h1>" in page
    assert "If you see this page, the nginx web server is successfully installed" in page
    missing = docker("run", "--rm", "--network", net, "busybox:1.37", "wget", "-q", "-O-",
                     f"http://{web}/nope", check=False)
    assert "404 Not Found" in missing.stderr
    logs = wait_for("the access log line", lambda: (lambda l: l if '"GET / HTTP/1.1" 200 615' in l else None)(
        docker("logs", web).stdout), 10)
    assert "Wget" in logs
    assert "Configuration complete; ready for start up" in logs
    assert "[notice]" in docker("logs", web).stderr  # error log on stderr


def test_serves_a_bind_mounted_directory(docker, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>Hello from a bind mount</h1>\n")
    site.chmod(0o755)
    docker.pull(IMAGE)
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("web")
    docker("run", "-d", "--name", web, "--network", net, "-v", f"{site}:/usr/share/nginx/html:ro", IMAGE)
    page = wait_for("nginx to answer", lambda: _get(docker, net, f"http://{web}/"), 30)
    assert page == "<h1>Hello from a bind mount</h1>\n"


def test_published_port_answers_in_the_engine_namespace(docker):
    docker.pull(IMAGE)
    web = docker.name("web")
    docker("run", "-d", "--name", web, "-p", "8080:80", IMAGE)

    def fetch():
        r = docker.in_namespace("curl", "-fsS", "http://127.0.0.1:8080/")
        return r.stdout if r.returncode == 0 else None

    assert "Welcome to nginx!" in wait_for("curl on the published port", fetch, 30)


def test_configuration_layout_signals_and_templates(docker, tmp_path):
    docker.pull(IMAGE)
    info = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert info["Cmd"] == ["nginx", "-g", "daemon off;"]
    assert info["Entrypoint"] == ["/docker-entrypoint.sh"]
    assert info["StopSignal"] == "SIGQUIT"
    assert "80/tcp" in info["ExposedPorts"]
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 "readlink /var/log/nginx/access.log /var/log/nginx/error.log; "
                 "id nginx; nginx -T 2>/dev/null | grep -c 'include /etc/nginx/conf.d/\\*.conf;'; "
                 "grep -c 'root   /usr/share/nginx/html;' /etc/nginx/conf.d/default.conf").stdout.splitlines()
    assert out[:2] == ["/dev/stdout", "/dev/stderr"]
    assert out[2].startswith("uid=101(nginx) gid=101(nginx)")
    assert out[3] == "1" and out[4] == "2"

    # The official image turns /etc/nginx/templates/*.template into conf.d files with envsubst.
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "default.conf.template").write_text(
        "server {\n    listen ${NGINX_PORT};\n    location / { return 200 \"port ${NGINX_PORT}\\n\"; }\n}\n")
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("tpl")
    docker("run", "-d", "--name", web, "--network", net, "-e", "NGINX_PORT=8081",
           "-v", f"{templates}:/etc/nginx/templates:ro", IMAGE)
    assert wait_for("the templated server", lambda: _get(docker, net, f"http://{web}:8081/"), 30) == "port 8081\n"


def test_docker_stop_is_a_graceful_quit(docker):
    docker.pull(IMAGE)
    web = docker.name("web")
    docker("run", "-d", "--name", web, IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(web), 20)
    docker("stop", "-t", "10", web)
    state = json.loads(docker("inspect", web).stdout)[0]["State"]
    assert state["ExitCode"] == 0  # SIGQUIT: nginx shut down by itself, not killed
    assert "gracefully shutting down" in docker.logs(web)
