"""nginx:1.30 (stable): the official image's version, tags, files, entrypoint, logs and signals.

What the official image has is taken from its recipe (nginx/docker-nginx stable/debian), from
nginx.org's packaging (nginx/pkg-oss debian/) and from the nginx 1.30 source (docs/html, conf).
"""

from __future__ import annotations

import json
import re

from catalog_helpers import wait_for

IMAGE = "nginx:1.30"
# Every tag the official stable image has besides the point releases (1.30.N, 1.30.N-trixie).
OFFICIAL_TAGS = ["1.30", "stable", "1.30-trixie", "stable-trixie"]

# MD5 checksums of the files the official image has from nginx.org's package: nginx.conf and
# conf.d/default.conf from pkg-oss, the rest from the nginx 1.30 source.
OFFICIAL_FILES = {
    "/etc/nginx/nginx.conf": "583ad3d81ca65e3d259c94d82b89bd36",
    "/etc/nginx/conf.d/default.conf": "25c02145e4a2e1d2bc6da5d585cddd32",
    "/etc/nginx/mime.types": "754582375e90b09edaa6d3dbd657b3cf",
    "/etc/nginx/fastcgi_params": "4729c30112ca3071f4650479707993ad",
    "/etc/nginx/scgi_params": "df8c71e25e0356ffc539742f08fddfff",
    "/etc/nginx/uwsgi_params": "88ac833ee8ea60904a8b3063fde791de",
    "/usr/share/nginx/html/index.html": "6bb03ae5bc151ad04e3875dc8992e270",
    "/usr/share/nginx/html/50x.html": "5a719a793405561b1a13e6cb1f403d88",
}
ETC_NGINX = ["conf.d", "fastcgi_params", "mime.types", "modules", "nginx.conf", "scgi_params",
             "uwsgi_params"]
SCRIPTS = ["10-listen-on-ipv6-by-default.sh", "15-local-resolvers.envsh",
           "20-envsubst-on-templates.sh", "30-tune-worker-processes.sh"]
# What the official entrypoint prints when a container starts with the image's own files.
STARTUP = [
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
]


def _get(docker, net: str, url: str):
    result = docker("run", "--rm", "--network", net, "busybox:1.37", "wget", "-q", "-O-", url,
                    check=False)
    return result.stdout if result.returncode == 0 else None


def _sh(docker, script: str, *options: str) -> list[str]:
    return docker("run", "--rm", *options, IMAGE, "sh", "-c", script).stdout.splitlines()


def test_the_version_is_1_30_named_by_NGINX_VERSION_under_the_official_tags(docker):
    docker.pull(IMAGE)
    version = docker("run", "--rm", IMAGE, "nginx", "-v").stderr.strip()
    found = re.fullmatch(r"nginx version: nginx/(1\.30\.\d+)", version)
    assert found, version
    env = json.loads(docker("image", "inspect", "--format", "{{json .Config.Env}}", IMAGE).stdout)
    assert f"NGINX_VERSION={found.group(1)}" in env
    ids = {docker("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()}
    for tag in OFFICIAL_TAGS[1:] + [found.group(1), f"{found.group(1)}-trixie"]:
        ids.add(docker("image", "inspect", "--format", "{{.Id}}", docker.pull(f"nginx:{tag}")).stdout.strip())
    assert len(ids) == 1


def test_serves_the_default_page_on_80_and_logs_to_stdout(docker):
    docker.pull(IMAGE)
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("web")
    docker("run", "-d", "--name", web, "--network", net, IMAGE)
    page = wait_for("nginx to answer", lambda: _get(docker, net, f"http://{web}/"), 30)
    assert "<title>Welcome to nginx!</title>" in page
    assert "<p>If you see this page, nginx is successfully installed and working." in page  # 1.30's
    assert len(page.encode()) == 896
    missing = docker("run", "--rm", "--network", net, "busybox:1.37", "wget", "-q", "-O-",
                     f"http://{web}/nope", check=False)
    assert "404 Not Found" in missing.stderr
    logs = wait_for("the access log line", lambda: (lambda l: l if '"GET / HTTP/1.1" 200 896' in l else None)(
        docker("logs", web).stdout), 10)
    assert "Wget" in logs
    assert docker("logs", web).stdout.splitlines()[:len(STARTUP)] == STARTUP
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


def test_image_config_files_and_users_are_the_official_ones(docker):
    docker.pull(IMAGE)
    config = json.loads(docker("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["Cmd"] == ["nginx", "-g", "daemon off;"]
    assert config["Entrypoint"] == ["/docker-entrypoint.sh"]
    assert config["StopSignal"] == "SIGQUIT"
    assert list(config["ExposedPorts"]) == ["80/tcp"]
    assert not config.get("Volumes")

    sums = {}
    for line in _sh(docker, "md5sum " + " ".join(OFFICIAL_FILES)):
        digest, path = line.split("  ", 1)
        sums[path] = digest
    assert sums == OFFICIAL_FILES
    out = _sh(docker, "ls -1 /etc/nginx; echo --; ls -1 /etc/nginx/conf.d /usr/share/nginx/html; echo --; "
                      "ls -1 /docker-entrypoint.d; echo --; readlink /etc/nginx/modules "
                      "/var/log/nginx/access.log /var/log/nginx/error.log; id nginx; command -v curl; "
                      "ls -A /var/cache/nginx | wc -l; ls -d /usr/share/docproof 2>&1; "
                      "nginx -T 2>/dev/null | grep -c 'include /etc/nginx/conf.d/\\*.conf;'; "
                      "nginx-debug -v 2>&1")
    blocks = "\n".join(out).split("\n--\n")
    assert blocks[0].splitlines() == ETC_NGINX
    assert blocks[1].splitlines() == ["/etc/nginx/conf.d:", "default.conf", "",
                                      "/usr/share/nginx/html:", "50x.html", "index.html"]
    assert blocks[2].splitlines() == SCRIPTS
    rest = blocks[3].splitlines()
    assert rest[:3] == ["/usr/lib/nginx/modules", "/dev/stdout", "/dev/stderr"]
    assert rest[3] == "uid=101(nginx) gid=101(nginx) groups=101(nginx)"
    assert rest[4] == "/usr/bin/curl"  # the official image installs curl
    assert rest[5] == "0"  # nginx's temporary files appear only once it runs
    assert "No such file or directory" in rest[6]  # nothing of the stand-in's own
    assert rest[7] == "1"  # nginx.conf includes conf.d/*.conf
    assert rest[8].startswith("nginx version: nginx/1.30.")  # nginx-debug, as in the official image


def test_a_command_other_than_nginx_skips_the_scripts_and_quiet_logs_silence_them(docker):
    docker.pull(IMAGE)
    assert docker("run", "--rm", IMAGE, "echo", "hi").stdout == "hi\n"
    quiet = docker.name("quiet")
    docker("run", "-d", "--name", quiet, "-e", "NGINX_ENTRYPOINT_QUIET_LOGS=1", IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(quiet), 20)
    assert docker("logs", quiet).stdout == ""
    assert "listen  [::]:80;" in docker("exec", quiet, "cat", "/etc/nginx/conf.d/default.conf").stdout


def test_ipv6_listen_is_added_once_and_only_to_the_packaged_default_conf(docker, tmp_path):
    docker.pull(IMAGE)
    web = docker.name("web")
    docker("run", "-d", "--name", web, IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(web), 20)
    conf = docker("exec", web, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert conf.count("listen  [::]:80;") == 1
    docker("restart", web)
    wait_for("the restarted container", lambda: docker.logs(web).count("Configuration complete") == 2, 20)
    assert "10-listen-on-ipv6-by-default.sh: info: IPv6 listen already enabled" in docker.logs(web)
    assert docker("exec", web, "cat", "/etc/nginx/conf.d/default.conf").stdout == conf

    mine = tmp_path / "default.conf"
    mine.write_text("server {\n    listen       80;\n    location / { return 200 'mine\\n'; }\n}\n")
    own = docker.name("own")
    docker("run", "-d", "--name", own, "-v", f"{mine}:/etc/nginx/conf.d/default.conf", IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(own), 20)
    assert ("10-listen-on-ipv6-by-default.sh: info: /etc/nginx/conf.d/default.conf differs from "
            "the packaged version") in docker.logs(own)
    assert "[::]" not in mine.read_text()


def test_templates_resolvers_and_stream_templates(docker, tmp_path):
    # The official image turns /etc/nginx/templates/*.template into conf.d files with envsubst,
    # *.stream-template into stream-conf.d files included from a stream block it appends, and
    # with NGINX_ENTRYPOINT_LOCAL_RESOLVERS offers the name servers as ${NGINX_LOCAL_RESOLVERS}.
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "default.conf.template").write_text(
        "server {\n    listen ${NGINX_PORT};\n    resolver ${NGINX_LOCAL_RESOLVERS};\n"
        "    location / { return 200 \"port ${NGINX_PORT}\\n\"; }\n}\n")
    (templates / "echo.conf.stream-template").write_text(
        "server {\n    listen ${STREAM_PORT};\n    return \"stream on ${STREAM_PORT}\\n\";\n}\n")
    docker.pull(IMAGE)
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("tpl")
    docker("run", "-d", "--name", web, "--network", net, "-e", "NGINX_PORT=8081", "-e", "STREAM_PORT=9000",
           "-e", "NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1", "-v", f"{templates}:/etc/nginx/templates:ro", IMAGE)
    assert wait_for("the templated server", lambda: _get(docker, net, f"http://{web}:8081/"), 30) == "port 8081\n"
    logs = docker.logs(web)
    assert ("20-envsubst-on-templates.sh: Running envsubst on /etc/nginx/templates/default.conf.template "
            "to /etc/nginx/conf.d/default.conf") in logs
    assert ("20-envsubst-on-templates.sh: Appending stream block to /etc/nginx/nginx.conf to include "
            "/etc/nginx/stream-conf.d/*.conf") in logs
    conf = docker("exec", web, "cat", "/etc/nginx/conf.d/default.conf").stdout
    assert "    resolver 127.0.0.11;\n" in conf  # Docker's name server on a user-defined network
    streamed = docker("run", "--rm", "--network", net, "busybox:1.37", "nc", web, "9000").stdout
    assert streamed == "stream on 9000\n"


def test_worker_processes_follow_the_cpu_limit_when_asked(docker):
    docker.pull(IMAGE)
    online = int(docker("run", "--rm", IMAGE, "nproc").stdout)
    web = docker.name("web")
    docker("run", "-d", "--name", web, "--cpus", "1", "-e", "NGINX_ENTRYPOINT_WORKER_PROCESSES_AUTOTUNE=1", IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(web), 20)
    conf = docker("exec", web, "cat", "/etc/nginx/nginx.conf").stdout
    assert re.search(r"^# Commented out by 30-tune-worker-processes\.sh on .+\n#worker_processes  auto;\n"
                     r"worker_processes 1;$", conf, re.M), conf
    assert docker("exec", web, "test", "-f", "/etc/nginx/nginx.conf.bak", check=False).returncode == 0
    assert docker.logs(web).count("start worker process ") == 1
    # Without the setting, nginx.conf keeps `auto`: one worker per online CPU, limit or not.
    plain = docker.name("plain")
    docker("run", "-d", "--name", plain, "--cpus", "1", IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(plain), 20)
    assert "worker_processes  auto;" in docker("exec", plain, "cat", "/etc/nginx/nginx.conf").stdout
    assert wait_for("its workers", lambda: docker.logs(plain).count("start worker process ") == online, 10)


def test_read_only_with_tmpfs_for_run_and_the_cache(docker):
    docker.pull(IMAGE)
    refused = docker("run", "--rm", "--read-only", IMAGE, check=False)
    assert refused.returncode != 0 and "(30: Read-only file system)" in refused.stderr
    web = docker.name("ro")
    docker("run", "-d", "--name", web, "--read-only", "--tmpfs", "/run", "--tmpfs", "/var/cache/nginx", IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(web), 20)
    assert "Welcome to nginx!" in docker("exec", web, "curl", "-fsS", "http://localhost/").stdout
    assert docker("exec", web, "ls", "/var/cache/nginx").stdout.split()  # its temporary directories


def test_docker_stop_is_a_graceful_quit(docker):
    docker.pull(IMAGE)
    web = docker.name("web")
    docker("run", "-d", "--name", web, IMAGE)
    wait_for("nginx to start", lambda: "start worker process" in docker.logs(web), 20)
    docker("stop", "-t", "10", web)
    state = json.loads(docker("inspect", web).stdout)[0]["State"]
    assert state["ExitCode"] == 0  # SIGQUIT: nginx shut down by itself, not killed
    assert "gracefully shutting down" in docker.logs(web)
