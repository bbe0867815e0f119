"""The weekly external link check names the Markdown page and line of each broken link."""

import http.server
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):
        if self.path == "/no-head":
            self.send_error(405)
        else:
            self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
            self.end_headers()

    def do_GET(self):
        self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def far_host():
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)  # not in the script's local hosts
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.2:{server.server_port}"
    server.shutdown()


def site_linking(tmp_path, *urls):
    docs, site = tmp_path / "docs", tmp_path / "site"
    docs.mkdir()
    site.mkdir()
    (docs / "page.md").write_text("# Page\n\n" + "".join(f"See [this]({u}).\n" for u in urls))
    links = "".join(f'<p><a href="{u}">this</a></p>\n' for u in urls)
    (site / "index.html").write_text(
        '<html><body>\n<a href="https://docker-mastery-guide.github.io/docker-mastery-guide/x/">own</a>\n'
        f'<a href="http://127.0.0.1:9/">example</a>\n{links}</body></html>\n'
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_external_links.py"), "--site", str(site), "--docs", str(docs)],
        capture_output=True, text=True,
    )


def test_a_broken_external_link_fails_naming_the_page_and_line(tmp_path, far_host):
    result = site_linking(tmp_path, f"{far_host}/ok", f"{far_host}/gone")
    assert result.returncode == 1
    assert result.stdout == f"docs/page.md:4: {far_host}/gone -> HTTP 404 Not Found\n"
    assert "2 external link(s) checked, 1 broken" in result.stderr


def test_working_links_pass_and_own_site_and_local_examples_are_not_fetched(tmp_path, far_host):
    result = site_linking(tmp_path, f"{far_host}/ok", f"{far_host}/no-head")
    assert result.returncode == 0, result.stdout
    assert "2 external link(s) checked, 0 broken" in result.stderr


def test_without_a_built_site_it_says_what_to_do(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_external_links.py"), "--site", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "no built site" in result.stderr and "build it first" in result.stderr
