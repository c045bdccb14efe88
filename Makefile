# commentsvc: `make run` to try it, `make test` to check it.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test install install-test browser bench spam-eval loadtest lint clean compose-test lock i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/commentsvc db upgrade
	$(BIN)/commentsvc demo --origin http://127.0.0.1:$(PORT) --origin http://localhost:$(PORT)
	$(BIN)/commentsvc serve --port $(PORT)

# Debian's chromium for the browser tests; skipped quietly where apt-get is not ours to run.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "could not install chromium: browser tests will be skipped"; \
	fi

test: install-test browser lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Layers (import-linter contracts in pyproject.toml), module length and imports hidden in
# functions (tests/test_structure.py) are part of lint.
lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests/test_structure.py -q -p no:cacheprovider

# Re-extract the catalogue template from the code, templates and widget, merge it into every
# language's messages.po, and compile the messages.mo files the server reads (both committed).
# A new language: $(BIN)/pybabel init -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) -l xx
CATALOGUE := src/commentsvc/translations
i18n: install-test
	$(BIN)/pybabel extract -F babel.cfg -k t -k nt:1,2 --no-wrap --sort-by-file --add-location=file \
		--project commentsvc --copyright-holder "commentsvc authors" -o $(CATALOGUE)/messages.pot \
		src/commentsvc
	$(BIN)/pybabel update -i $(CATALOGUE)/messages.pot -d $(CATALOGUE) --no-wrap \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(CATALOGUE) --statistics

clean:
	rm -rf $(VENV) instance src/instance .pytest_cache .import_linter_cache .grimp_cache

# The learned spam filter, cross-video: train on two shared YouTube files, test on the third.
SHARED_DATA ?= ../shared/data
spam-eval: install
	$(BIN)/python -m bench.spam_eval --data $(SHARED_DATA)
# The read path against a floor app (see bench/README.md); installs Debian's wrk when root.
bench: install-test
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
		|| echo "could not install wrk: using the Python load client"; \
	fi
	$(BIN)/python bench/read_path.py $(BENCH_ARGS)
# Load and faults against gunicorn (2 workers) over a private PostgreSQL and Redis on loopback:
# 60 s of each scenario; prints the table kept in bench/README.md. A 4-6 s version runs in
# the test suite (tests/test_ops_load.py).
loadtest: install-test
	$(BIN)/python -m bench.loadtest --duration 60 --outage 5

# The production shape against a floor app and Isso, with writes checked in the database and
# the cross-host visibility delay, then the miss's CPU by stage and the round trips per write
# in-process (bench/paths_profile.py; bench/README.md); PostgreSQL database bench_prod on
# 127.0.0.1:5432 (dropped and made again) and Redis DB 10; installs Debian's wrk and nginx when
# root. BENCH_ARGS e.g. "--proxy nginx" (the deployment's nginx in front of every server
# measured, bench/nginx_proxy.py); BENCH_PATHS=0 skips bench.paths_profile.
.PHONY: bench-prod
bench-prod: install-test
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null \
		&& { ! command -v wrk >/dev/null || [ ! -x /usr/sbin/nginx ]; }; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx); \
	fi
	$(BIN)/python -m bench.bench_prod $(BENCH_ARGS)
	@if [ "$(BENCH_PATHS)" != "0" ]; then $(BIN)/python -m bench.paths_profile; fi

# 10,000 vs 1,000,000 comments on the PostgreSQL server at COMMENTSVC_SCALE_URI
# (default postgresql+psycopg://postgres@127.0.0.1:5432): creates commentsvc_scale{,_small}.
.PHONY: scale
scale: install-test
	$(BIN)/python -m bench.scale

# The compose stack under a private Docker daemon, driven over HTTP (root; a few minutes on a
# clean machine, about two once the base images are cached). See deploy/ci/compose-test.sh.
compose-test:
	bash deploy/ci/compose-test.sh

# requirements.lock (the image's pinned dependencies, with hashes) from pyproject.toml.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
		--python-platform linux --custom-compile-command "make lock" -o requirements.lock
	$(BIN)/uv pip compile deploy/requirements-build.in --quiet --generate-hashes \
		--python-version 3.11 --python-platform linux --custom-compile-command "make lock" \
		-o deploy/requirements-build.lock
