"""pytest wiring: options, the engine fixture, and collection of docs/*.md pages."""

from __future__ import annotations

import pytest

from docproof import engine as engine_module


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("docproof", "running the guide's pages against Docker")
    group.addoption(
        "--docker-host", default=None, metavar="URL",
        help="run against this existing daemon instead of the suite's own one; chapters run "
        "destructive commands (docker system prune -a) there",
    )


@pytest.fixture(scope="session")
def docker_engine(request: pytest.FixtureRequest) -> engine_module.Engine:
    """The engine pages and contract tests talk to, started (and the catalog seeded) if needed."""
    url = request.config.getoption("--docker-host")
    if url:
        return engine_module.external_engine(url)
    try:
        started = engine_module.up()
    except engine_module.EngineError as error:
        pytest.exit(f"docproof: {error}", returncode=3)
    if started:
        request.addfinalizer(engine_module.down)
    try:
        from docproof import catalog
    except ImportError:
        pass
    else:
        catalog.seed(engine_module.OWN_ENGINE)
    return engine_module.OWN_ENGINE
