"""The files of each chapter as one download, so that a reader has what the page builds and runs.

A chapter whose files live in `snippets/CHAPTER/` gets `downloads/CHAPTER.tar.gz` on the site
(site_hooks/downloads.py writes it), holding `snippets/CHAPTER/...`, and shows the command that
fetches and unpacks it. The archive is made the same way byte for byte wherever it is made
(sorted entries, fixed times and owners), so the suite can serve these very bytes to the engine's
machine under the site's own host name (`serve`) and the page's download command is proven.
"""

from __future__ import annotations

import gzip
import io
import ssl
import subprocess
import tarfile
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parent.parent


def chapters(root: Path = ROOT) -> list[str]:
    """Chapters with files of their own: docs/NAME.md beside snippets/NAME/."""
    snippets = root / "snippets"
    return sorted(d.name for d in snippets.iterdir() if d.is_dir() and (root / "docs" / f"{d.name}.md").is_file())


def archive(name: str, root: Path = ROOT) -> bytes:
    """snippets/NAME as a .tar.gz that is the same bytes on every machine."""
    folder = root / "snippets" / name
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in [folder, *sorted(folder.rglob("*"))]:
            if "__pycache__" in path.parts:
                continue
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(root)))
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if path.is_dir() or path.stat().st_mode & 0o100 else 0o644
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def site_url(root: Path = ROOT) -> str:
    """The published site's address (mkdocs.yml's site_url), ending in /."""
    # mkdocs.yml has !!python/name tags for extensions: read only the line we need.
    for line in (root / "mkdocs.yml").read_text().splitlines():
        if line.startswith("site_url:"):
            url = yaml.safe_load(line)["site_url"]
            return url if url.endswith("/") else url + "/"
    raise ValueError("mkdocs.yml has no site_url")


def url(name: str, root: Path = ROOT) -> str:
    return f"{site_url(root)}downloads/{name}.tar.gz"


def host(root: Path = ROOT) -> str:
    return urlparse(site_url(root)).hostname or ""


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, *args, files: dict[str, bytes], **kwargs):
        self.files = files
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/gzip" if body is not None else "text/plain")
        body = body if body is not None else b"not found\n"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def make_certificate(cert: Path, key: Path, root: Path = ROOT) -> None:
    """A self-signed certificate for the site's host name, unless `cert` exists already."""
    if cert.exists():
        return
    site = host(root)
    result = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={site}",
         "-addext", f"subjectAltName=DNS:{site}", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, text=True)
    if result.returncode != 0:
        raise OSError(f"openssl could not make the site's certificate: {result.stderr.strip()}")


def trusted_bundle(cert: Path) -> str:
    """The system's CA bundle plus `cert`: what a shell that fetches from the suite trusts."""
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    return (system.read_text() if system.exists() else "") + cert.read_text()


def curl_home(folder: Path, port: int, cert: Path, root: Path = ROOT) -> Path:
    """A CURL_HOME whose .curlrc sends curl's requests for the site's host to this suite's server
    on 127.0.0.1:`port`, trusting its certificate. For pages run on a daemon of the host (not on
    the engine's machine, whose /etc/hosts does this): the page's download command runs as
    written and fetches what this checkout would publish, not what the live site has now."""
    folder.mkdir(parents=True, exist_ok=True)
    bundle = folder / "ca-certificates.crt"
    bundle.write_text(trusted_bundle(cert))
    (folder / ".curlrc").write_text(f'connect-to = "{host(root)}:443:127.0.0.1:{port}"\ncacert = "{bundle}"\n')
    return folder


def serve(address: str, cert: Path, key: Path, root: Path = ROOT, port: int = 443) -> ThreadingHTTPServer:
    """Serves every chapter's download over HTTPS on address:port (0: any free port, see
    `server_address`) at the site's own paths, in a thread of this process, until `shutdown()`."""
    base = urlparse(site_url(root)).path
    files = {f"{base}downloads/{name}.tar.gz": archive(name, root) for name in chapters(root)}
    server = ThreadingHTTPServer((address, port), partial(_Handler, files=files))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="docproof-downloads", daemon=True).start()
    return server
