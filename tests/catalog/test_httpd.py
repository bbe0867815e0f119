"""httpd:2.4: the official layout under /usr/local/apache2, "It works!" on 80, htpasswd."""

from __future__ import annotations

from catalog_helpers import wait_for

IMAGE = "httpd:2.4"


def test_serves_it_works_and_copied_htdocs(docker, tmp_path):
    docker.pull(IMAGE)
    docker.pull("busybox:1.37")
    net = docker.network()
    web = docker.name("httpd")
    docker("run", "-d", "--name", web, "--network", net, IMAGE)

    def get(url):
        r = docker("run", "--rm", "--network", net, "busybox:1.37", "wget", "-q", "-O-", url, check=False)
        return r.stdout if r.returncode == 0 else None

    assert wait_for("httpd to answer", lambda: get(f"http://{web}/"), 30) == "<html><body><h1>It works!</h1></body></html>\n"
    assert '"GET / HTTP/1.1" 200' in docker("logs", web).stdout

    site = tmp_path / "public-html"
    site.mkdir()
    (site / "index.html").write_text("mine\n")
    (tmp_path / "Dockerfile").write_text("FROM httpd:2.4\nCOPY ./public-html/ /usr/local/apache2/htdocs/\n")
    tag = docker.tag("my-apache2")
    docker("build", "-q", "-t", tag, str(tmp_path))
    mine = docker.name("mine")
    docker("run", "-d", "--name", mine, "--network", net, tag)
    assert wait_for("the built site", lambda: get(f"http://{mine}/"), 30) == "mine\n"


def test_layout_and_tools(docker):
    docker.pull(IMAGE)
    out = docker("run", "--rm", IMAGE, "sh", "-c",
                 "pwd; httpd -v | head -1; command -v htpasswd; command -v httpd-foreground; "
                 "test -f conf/httpd.conf && echo conf").stdout.splitlines()
    assert out[0] == "/usr/local/apache2"
    assert out[1].startswith("Server version: Apache/2.4.")
    assert out[2:] == ["/usr/local/apache2/bin/htpasswd", "/usr/local/apache2/bin/httpd-foreground", "conf"]
    assert docker("image", "inspect", "--format", "{{.Config.StopSignal}} {{json .Config.Cmd}}", IMAGE).stdout.strip() == \
        'SIGWINCH ["httpd-foreground"]'
