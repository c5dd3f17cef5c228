# Two commands on a fresh machine: `make demo` and `make test` (README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOME_DIR ?= $(if $(IP_PIPELINE_HOME),$(IP_PIPELINE_HOME),data)
PYTEST_ARGS ?=

.PHONY: demo test lint install system-deps ui clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# System packages: the report's CJK font (Debian's fonts-wqy-microhei, for `demo` too);
# tools the tests drive for real: poppler (pdftoppm, pdffonts) for the report,
# Debian's Chromium for the UI test. Installed when missing and we may (root + apt);
# elsewhere the tests that need them skip with a reason (and fail in CI).
system-deps:
	@missing=""; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing; tests needing them will skip (or fail in CI)"; \
	  else \
	    echo "note: missing$$missing (install them for the report and UI tests)"; \
	  fi; \
	fi

demo: $(STAMP) system-deps
	$(BIN)/ip-pipeline demo --home $(HOME_DIR)

# The lint runs first: it takes seconds, the suite half an hour.
test: $(STAMP) system-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff, configured in pyproject.toml: the rules, then the formatting.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `dg dev` (Dagster 1.13's successor of `dagster dev`; project metadata in pyproject [tool.dg]),
# on the data directory's own instance (dagster.yaml with the warehouse pool), bound to localhost.
ui: $(STAMP)
	$(BIN)/python -m ip_pipeline.defs.instance $(HOME_DIR) >/dev/null
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(BIN)):$$PATH \
	  IP_PIPELINE_HOME=$(abspath $(HOME_DIR)) DAGSTER_HOME=$(abspath $(HOME_DIR))/dagster_home \
	  DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS=1 \
	  $(BIN)/dg dev -h 127.0.0.1 -p 3000

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
