"""pytest wiring: options, the engine fixture, collection of pages, the record, the update mode."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sybil import Sybil
from sybil.integration.pytest import SybilFile, SybilItem

from docproof import engine as engine_module
from docproof import expect, recording, rig
from docproof.blocks import PageError
from docproof.page import OPEN_RUNS, EngineWatch, PageRun, Rewrite, Settings
from docproof.parser import PageParser
from docproof.replay import Replay
from docproof.record import Recorder


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("docproof", "running the guide's pages against Docker")
    group.addoption(
        "--docker-host", default=None, metavar="URL",
        help="run against this existing daemon instead of the suite's own one. Pages run destructive "
        "commands (docker system prune -a); only what a page creates is removed afterwards",
    )
    group.addoption(
        "--update-output", action="store_true", default=False,
        help="rerun pages and rewrite the output shown in their console blocks from what the commands "
        "printed, keeping shown lines (with wildcards) that still match",
    )
    group.addoption(
        "--command-timeout", type=float, default=180.0, metavar="SECONDS",
        help="seconds a command may run before it is killed, unless its directive says otherwise",
    )
    group.addoption(
        "--record", default="build/verification.json", metavar="PATH",
        help="where to write the verification record the site build reads",
    )
    group.addoption(
        "--no-recordings", action="store_true", default=False,
        help="do not record what each visible block's terminal shows (by default a passing block's "
        "recording is written to the folder `recordings` beside the record, for the site's players)",
    )
    group.addoption(
        "--shard", default=None, metavar="K/N",
        help="prove only every N-th page, starting with the K-th (in path order), so CI runners can "
        "split the chapters; other tests are not affected",
    )
    group.addoption(
        "--pages-with-machines", default=None, choices=("only", "leave-out"),
        help="only: prove only the pages that need machines the suite makes beside its own engine "
        "(extra hosts `<!-- docproof: hosts=... -->` or ordinary users `users=...`); leave-out: do not "
        "collect them, so a run on a daemon named with --docker-host, which could only skip their "
        "blocks, writes no record for them",
    )
    group.addoption(
        "--replay", action="store_true", default=False,
        help="replay pages as a reader: only what the site's copy buttons give, in order, no hidden "
        "block, from an empty folder, pausing between blocks; exit statuses must be the page's, "
        "differing outputs are reported at the end (docproof/replay.py)",
    )
    group.addoption(
        "--replay-site", default="build/site", metavar="DIR",
        help="the built site whose copy buttons --replay takes the commands from",
    )
    group.addoption(
        "--replay-pause", type=float, default=3.0, metavar="SECONDS",
        help="seconds --replay waits before each block, as a reader reading the page does",
    )
    parser.addini("docproof_pages", "folders whose Markdown files are pages to prove", type="paths", default=[])


def _is_page(config: pytest.Config, path: Path) -> bool:
    if path.suffix != ".md":
        return False
    roots = config.getini("docproof_pages")
    named = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    return path in named or any(path.is_relative_to(root) for root in roots)


class PageFile(SybilFile):
    """A Markdown page; a page the harness refuses is a collection error naming file and line."""

    def collect(self):
        try:
            yield from super().collect()
        except PageError as error:
            raise self.CollectError(f"{error}") from None

    def teardown(self) -> None:
        for document in self.documents:
            run: PageRun | None = document.namespace.get("page_run")
            if run is None:
                continue
            problems = run.close()
            if run.settings.update and run.rewrites:
                _rewrite(Path(document.path), run.rewrites)
            if problems:
                raise AssertionError("\n".join(problems))


def _rewrite(path: Path, rewrites: list[Rewrite]) -> None:
    """Replaces the output shown under each updated `$ ` line, keeping the fence's indentation."""
    lines = path.read_text().split("\n")
    for rewrite in sorted(rewrites, key=lambda r: r.first, reverse=True):
        fence = lines[rewrite.fence_line - 1]
        prefix = fence[: len(fence) - len(fence.lstrip())]
        lines[rewrite.first:rewrite.end] = [prefix + line if line else line for line in rewrite.lines]
    path.write_text("\n".join(lines))


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A CI job that times out, or `kill`, sends SIGTERM: end as after Ctrl-C, so pytest's session
    # end still closes the open pages and stops the engine instead of leaving them behind.
    signal.signal(signal.SIGTERM, _terminated)
    root = Path(config.rootpath)
    config._docproof_sybil = Sybil(
        parsers=[PageParser(root)], patterns=["*.md"],
        fixtures=["docker_engine", "docproof_settings", "docproof_watch"],
    )
    config._docproof_record = Recorder(root / config.getoption("--record"))
    replay = None
    if config.getoption("--replay"):
        site = root / config.getoption("--replay-site")
        if not (site / "index.html").is_file():
            raise pytest.UsageError(f"--replay takes the commands from a built site; there is none in {site} "
                                    "(build it: mkdocs build --site-dir build/site)")
        replay = Replay(site, config.getoption("--replay-pause"))
    config._docproof_settings = Settings(
        root, config.getoption("--command-timeout"), config.getoption("--update-output"), replay)
    if not config.getoption("--no-recordings") and replay is None:
        config._docproof_settings.recordings = recording.folder_for(config._docproof_record.path)


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    replay = getattr(config, "_docproof_settings", None) and config._docproof_settings.replay
    if replay is not None:
        terminalreporter.write_sep("=", "reader's replay")
        terminalreporter.write_line(replay.summary())


def _needs_machines(item: pytest.Item) -> bool:
    """The page declares extra hosts or ordinary users, which only the suite's own engine has."""
    parsed = item.example.region.parsed
    return bool(parsed.page_hosts or parsed.page_users)


def _select_pages_with_machines(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--pages-with-machines: keeps only the pages that declare extra hosts or users, or leaves them out."""
    choice = config.getoption("--pages-with-machines")
    if choice is None:
        return
    if choice == "only" and config.getoption("--docker-host"):
        raise pytest.UsageError("--pages-with-machines only proves pages whose extra hosts or users the suite "
                                "makes beside its own engine; with --docker-host their blocks are skipped")
    wanted = choice == "only"
    keep = [item for item in items if not isinstance(item, SybilItem) or _needs_machines(item) == wanted]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _select_pages_with_machines(config, items)
    shard = config.getoption("--shard")
    if not shard:
        return
    try:
        k, n = (int(x) for x in shard.split("/"))
        assert 1 <= k <= n
    except (ValueError, AssertionError):
        raise pytest.UsageError(f"--shard takes K/N with 1 <= K <= N, not {shard!r}") from None
    pages = sorted({item.path for item in items if isinstance(item, SybilItem)})
    mine = {page for index, page in enumerate(pages) if index % n == k - 1}
    keep = [item for item in items if not isinstance(item, SybilItem) or item.path in mine]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if _is_page(parent.config, file_path):
        return PageFile.from_parent(parent, path=file_path, sybils=[parent.config._docproof_sybil])
    return None


@pytest.fixture(scope="session")
def docker_engine(request: pytest.FixtureRequest) -> engine_module.Engine:
    """The engine pages and contract tests talk to: the suite's own, started and seeded if needed."""
    url = request.config.getoption("--docker-host")
    if url:
        engine = engine_module.external_engine(url)
        if not engine.answers(timeout=5):
            pytest.exit(f"docproof: no Docker engine answers at {url}", returncode=3)
        from docproof import downloads

        # Pages' shells run on this host here: their curl is pointed at a server of ours for the
        # site's host name (downloads.curl_home), so a chapter's download is this checkout's.
        folder = Path(tempfile.mkdtemp(prefix="docproof-site-"))
        request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
        try:
            downloads.make_certificate(folder / "site.crt", folder / "site.key")
            server = downloads.serve("127.0.0.1", folder / "site.crt", folder / "site.key", port=0)
        except OSError as error:
            pytest.exit(f"docproof: cannot serve the chapters' downloads: {error}", returncode=3)
        request.addfinalizer(server.shutdown)
        request.config._docproof_settings.curl_home = downloads.curl_home(
            folder / "curl", server.server_address[1], folder / "site.crt")
    else:
        try:
            engine = engine_module.own_engine()
            engine.claim()
            started = engine.up()
        except engine_module.EngineError as error:
            pytest.exit(f"docproof: {error}", returncode=3)
        if started:
            request.addfinalizer(engine.down)
            request.addfinalizer(_close_open_pages)  # finalizers run last-in first-out
        from docproof import catalog, downloads

        catalog.seed(engine)
        # Pages fetch their chapter's files from the site's address; on the engine's machine
        # that address is this server (Machine._site_host).
        try:
            server = downloads.serve(engine.slot.host_ip, engine.slot.site_cert, engine.slot.site_key)
            request.addfinalizer(server.shutdown)
        except OSError as error:
            # The run holding the engine's claim (our parent: engine.claim) serves them already.
            if error.errno != errno.EADDRINUSE or not os.environ.get(engine_module.CLAIM_ENV):
                pytest.exit(f"docproof: cannot serve the chapters' downloads: {error}", returncode=3)
    version = engine.client().version()
    client = _client_version(engine.docker("version", "--format", "{{.Client.Version}}"))
    # As Docker's packages print them: the record's versions appear on every stamp (docproof/rig.py).
    (server, client), _ = rig.readers_view([version.get("Version", "unknown"), client])
    request.config._docproof_record.versions(server, client)
    return engine


def _client_version(argv: list[str]) -> str:
    """The docker CLI's version, run where pages run it (Engine.docker gives the argv)."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    return out or "unknown"


@pytest.fixture(scope="session")
def docproof_settings(request: pytest.FixtureRequest) -> Settings:
    """How pages run in this session: the repository root, default timeout, update mode."""
    return request.config._docproof_settings


@pytest.fixture(scope="session")
def docproof_watch(docker_engine: engine_module.Engine) -> EngineWatch:
    """Shared by all pages: once the engine is found dead, every later block fails at once."""
    return EngineWatch(docker_engine)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if isinstance(item, SybilItem) and (report.when == "call" or (report.when == "setup" and not report.passed)):
        block = item.example.region.parsed
        reason = None
        if report.skipped:
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else None
            result = "skipped"
        elif report.failed:
            error = call.excinfo.value if call.excinfo else None
            text = str(getattr(error, "result", None) or error or "failed")  # SybilFailure keeps our text in .result
            reason = text.splitlines()[0] if text else "failed"
            result = "failed"
        else:
            result = "passed"
        run = item.example.namespace.get("page_run")
        shown, notes = run.proven(block) if run and result == "passed" and block.kind == "console" else (None, None)
        item.config._docproof_record.add(block, result, reason, report.duration, shown, notes)
        folder = item.config._docproof_settings.recordings
        cast = run.casts.pop(block.line, None) if run else None
        if folder is not None and cast is not None and result == "passed":
            recording.save(folder, block, cast)
        elif folder is not None:
            recording.remove(folder, block)  # never a recording of a block that did not pass
    return report


def _close_open_pages() -> None:
    for run in list(OPEN_RUNS):  # interrupted pages: pytest did not tear them down
        run.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _close_open_pages()
    if session.config._docproof_settings.replay is None:  # a replay proves nothing for the site
        session.config._docproof_record.write()
