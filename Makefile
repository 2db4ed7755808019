# The two commands a newcomer needs: `make demo` and `make test`. Each builds its own
# project-local virtual environment from the lock files first (needs only python3.11 and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test lint format migrations messages check lock clean e2e-deps

$(STAMP): requirements/dev.lock requirements/base.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/phoihop demo --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# No model change without a migration, and no generated migration names (STYLE.md §5).
migrations: $(STAMP)
	DEBUG=true $(BIN)/phoihop makemigrations --check --dry-run
	@if git ls-files --others --cached 'src/phoihop/*/migrations/*_auto_*.py' | grep -q .; then \
		echo "Give migrations names that say what they do (makemigrations --name ...)"; exit 1; fi

messages: $(STAMP)
	cd src/phoihop && DEBUG=true ../../$(BIN)/phoihop makemessages -l vi --no-obsolete --no-location
	$(BIN)/python scripts/check_messages.py src/phoihop/locale/vi/LC_MESSAGES/django.po
	cd src/phoihop && DEBUG=true ../../$(BIN)/phoihop compilemessages -l vi

check: lint migrations test

# Regenerate the lock files after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements/base.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --extra dev -o requirements/dev.lock pyproject.toml

clean:
	rm -rf $(VENV) data
