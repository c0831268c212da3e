# Two commands do all set-up on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-runtime run test test-fast chat lint format migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the pins or the project metadata change. `make run` needs only the
# runtime pins (requirements.lock); tests and linters add requirements-dev.lock.
$(RUNTIME_STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP) requirements-dev.lock requirements-encoder.lock
	$(BIN)/pip install --quiet -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -r requirements-encoder.lock
	touch $(STAMP)

install: $(STAMP)

install-runtime: $(RUNTIME_STAMP)

migrate: install-runtime
	$(BIN)/bmad migrate

run: migrate
	$(BIN)/bmad serve --host $(HOST) --port $(PORT)

chat: migrate
	$(BIN)/bmad chat

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) bmad.db .bmad .pytest_cache .ruff_cache .mypy_cache
