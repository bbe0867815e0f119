"""Seeding: cached by recipe, leaves the engine empty, and explains missing images."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

from docproof import catalog, engine as engine_module
from docproof.catalog import seeding


def test_a_warm_seed_takes_seconds_and_leaves_no_image_or_build_cache(docker_engine, docker):
    started = time.monotonic()
    catalog.seed(docker_engine)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"a warm seed took {elapsed:.1f}s"
    refs = docker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    leftovers = [r for r in refs if r.startswith(("docproof-catalog/", engine_module.own_engine().slot.registry_addr))]
    assert leftovers == []


def test_every_tag_is_known_and_seeded(docker_engine):
    known = catalog.known_images()
    for image in catalog.load():
        version = catalog.up_to_date(image, _digests()[image.name])
        assert version, f"{image.primary} is not seeded with its current recipe"
        for tag in catalog.resolved_tags(image, version):
            assert f"{image.name}:{tag}" in known
            assert tag in catalog.pushed_tags(image.name)
    assert catalog.is_known("docker.io/library/nginx:1.30")
    assert catalog.is_known("library/postgres:17")
    assert not catalog.is_known("nginx")  # latest is not a version the stand-ins can promise
    assert not catalog.is_known("ghcr.io/someone/tool:1")


def _digests(root=None):
    images = catalog.load(root / "images.yaml" if root else catalog.IMAGES_FILE)
    return catalog.recipe_digests(images, catalog.host_extra_certificates())


def test_a_changed_recipe_changes_that_image_and_what_is_built_from_it(tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(catalog.CATALOG_DIR, copy)
    before = _digests()
    assert all(i.recipe_dir.parent == copy for i in catalog.load(copy / "images.yaml"))
    assert _digests(copy) == before  # the digest depends on content, not on where it lives
    with (copy / "nginx" / "default.conf").open("a") as f:
        f.write("# changed\n")
    after_nginx = _digests(copy)
    assert [n for n in before if before[n] != after_nginx[n]] == ["nginx"]
    with (copy / "debian" / "rootfs.sh").open("a") as f:
        f.write("# changed\n")
    after_debian = _digests(copy)
    assert all(before[n] != after_debian[n] for n in before), "every image derives from debian"
    (copy / "nginx" / "default.conf").chmod(0o755)
    assert _digests(copy)["nginx"] != after_debian["nginx"], "the executable bit is part of a recipe"


def test_host_certificates_exclude_debians_own():
    extra = catalog.host_extra_certificates()
    stock = set()
    for crt in catalog.STOCK_CA_DIR.rglob("*.crt"):
        stock.update(catalog.pem_certificates(crt.read_text()))
    assert not stock & set(extra)
    bundle = set(catalog.pem_certificates(catalog.HOST_CA_BUNDLE.read_text()))
    assert set(extra) == bundle - stock


def test_the_missing_image_message_names_image_page_line_and_the_fix():
    message = catalog.missing_image_message("nginx:1.99", "docs/networking.md", 42)
    assert message.startswith("docs/networking.md:42: the image 'nginx:1.99' is not available")
    assert "nginx:1.30" in message  # what the catalog does have
    assert "catalog/images.yaml" in message and "tests/catalog/" in message
    other = catalog.missing_image_message("mysql:8.4", "docs/compose.md", 7)
    assert "no mysql image" in other and "catalog/mysql/" in other
    third_party = catalog.missing_image_message("ghcr.io/acme/tool:1", "docs/ci.md", 3)
    assert "Only official Docker Hub images" in third_party


def test_seed_leaves_a_daemon_it_does_not_own_alone(tmp_path):
    # A daemon that is not the suite's (a runner with Docker Hub): nothing is built or pushed there.
    absent = engine_module.external_engine(f"unix://{tmp_path}/no-such.sock")
    started = time.monotonic()
    catalog.seed(absent)
    assert time.monotonic() - started < 1


def test_the_list_command_names_every_tag_with_its_version():
    result = subprocess.run([sys.executable, "-m", "docproof.catalog", "list"],
                            capture_output=True, text=True, cwd=catalog.CATALOG_DIR.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("nginx:1.30\tversion 1.30.") for line in lines)
    assert any(line.startswith("node:24-slim\tversion 24") for line in lines)
    assert not any("not seeded" in line for line in lines)


class _FakeBuilds:
    """build_with_retry for the level tests: records when each image starts and ends."""

    def __init__(self, failing: set[str] = frozenset()):
        self.failing, self.events, self.running, self.most = failing, [], 0, 0
        self.lock = threading.Lock()

    def __call__(self, image, digest, docker, workdir, host_certs):
        with self.lock:
            self.events.append(("start", image.name))
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)  # long enough for the pool to start all it may
        with self.lock:
            self.running -= 1
            self.events.append(("end", image.name))
        if image.name in self.failing:
            raise catalog.CatalogError(f"{image.name}: the mirror flaked")
        return "1.0"


def _levels(monkeypatch, tmp_path, builds, versions):
    monkeypatch.setattr(seeding, "build_with_retry", builds)
    images = catalog.load()
    levels = seeding._Levels(None, {i.name: "sha256:" + "0" * 64 for i in images}, [], tmp_path, versions)
    levels.build([i for i in images if i.name not in versions])
    return levels


def test_images_build_after_their_parent_in_levels_of_at_most_four(monkeypatch, tmp_path):
    builds = _FakeBuilds()
    levels = _levels(monkeypatch, tmp_path, builds, {})
    assert builds.events[:2] == [("start", "debian"), ("end", "debian")]  # every other image is FROM it
    assert len(builds.events) == 18 and builds.most == seeding.BUILD_WORKERS
    assert levels.failures == [] and len(levels.rebuilt) == 9


def test_a_failed_parent_leaves_its_children_unbuilt_and_named(monkeypatch, tmp_path):
    builds = _FakeBuilds(failing={"debian"})
    levels = _levels(monkeypatch, tmp_path, builds, {})
    assert builds.events == [("start", "debian"), ("end", "debian")]
    assert levels.failures[0] == "debian: debian: the mirror flaked"
    assert levels.failures[1:] == [f"{i.name}: not built, its parent {i.parent} failed"
                                   for i in catalog.load()[1:]]


def test_an_up_to_date_parent_lets_its_children_build_in_the_first_level(monkeypatch, tmp_path):
    builds = _FakeBuilds(failing={"nginx"})
    levels = _levels(monkeypatch, tmp_path, builds, {"debian": "13.8"})
    starts = [name for what, name in builds.events if what == "start"]
    assert sorted(starts) == sorted(i.name for i in catalog.load()[1:])
    assert levels.failures == ["nginx: nginx: the mirror flaked"] and len(levels.rebuilt) == 7
