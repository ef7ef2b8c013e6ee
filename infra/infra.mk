# --- Infrastructure (issue 7): AWS CDK in infra/ ------------------------------------------------
# Included by the top-level Makefile (after VENV, PY, PIP, APT_GET, the
# $(VENV)/.installed rule and the `site` target).

#
#   make infra-deps                 aws-cdk-lib + cfn-lint into .venv, the CDK CLI into infra/node_modules
#   make synth [STAGE=dev|prod]     build the site, `cdk synth` offline, cfn-lint the template
#   make deploy STAGE=prod          build the site and deploy (needs AWS credentials; not for CI)
#   make diff STAGE=prod            what a deploy would change (needs AWS credentials)
#   make bootstrap ACCOUNT=123456789012   once per account and region (needs AWS credentials)
#   make test-infra                 only the CDK assertion tests (tests/infra, part of `make test`)
# Optional context: MAIL_DOMAIN=… MAIL_FROM=… ALARM_EMAIL=… SITE_URL=https://… REGION=…
# `make test` runs tests/infra too, so give `test` the prerequisite `infra-deps`.

STAGE  ?= dev
REGION ?= ap-southeast-3
INFRA_STAMP := $(VENV)/.infra-installed
CDK_CONTEXT := -c stage=$(STAGE) -c region=$(REGION) \
	$(if $(MAIL_DOMAIN),-c mail_domain=$(MAIL_DOMAIN)) $(if $(MAIL_FROM),-c mail_from=$(MAIL_FROM)) \
	$(if $(ALARM_EMAIL),-c alarm_email=$(ALARM_EMAIL)) $(if $(SITE_URL),-c site_url=$(SITE_URL))
# Runs in infra/: the local CDK CLI, with the venv's Python as the CDK app. The jsii banner about
# Node 20 being end of life is silenced (upgrade Node to 22+ when you can).
CDK := cd infra && JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 CDK_DISABLE_VERSION_CHECK=1 \
	node_modules/.bin/cdk --app "$(abspath $(PY)) app.py" --output cdk.out/$(STAGE) --no-notices

.PHONY: infra-deps synth deploy diff bootstrap test-infra

$(INFRA_STAMP): $(VENV)/.installed requirements-infra.txt infra/package.json infra/package-lock.json
	@command -v npm >/dev/null || { $(APT_GET) update -qq && $(APT_GET) install -y -qq nodejs npm; }
	$(PIP) install -q -r requirements-infra.txt
	npm ci --prefix infra --no-audit --no-fund --loglevel=error
	touch $@

infra-deps: $(INFRA_STAMP)

# W3005 is ignored: CDK's own BucketDeployment emits a redundant DependsOn.
synth: $(INFRA_STAMP) site
	$(CDK) synth $(CDK_CONTEXT) --quiet
	$(VENV)/bin/cfn-lint --ignore-checks W3005 -- infra/cdk.out/$(STAGE)/CleanClear-$(STAGE).template.json
	@echo "template: infra/cdk.out/$(STAGE)/CleanClear-$(STAGE).template.json (cfn-lint clean)"

deploy: $(INFRA_STAMP) site
	$(CDK) deploy $(CDK_CONTEXT) --require-approval broadening --outputs-file outputs-$(STAGE).json CleanClear-$(STAGE)
	@echo "stack outputs: infra/outputs-$(STAGE).json"

diff: $(INFRA_STAMP) site
	$(CDK) diff $(CDK_CONTEXT) CleanClear-$(STAGE)

bootstrap: $(INFRA_STAMP)
	@test -n "$(ACCOUNT)" || { echo "usage: make bootstrap ACCOUNT=<12-digit account id> [REGION=ap-southeast-3]"; exit 2; }
	$(CDK) bootstrap aws://$(ACCOUNT)/$(REGION)

test-infra: $(INFRA_STAMP) site
	$(PY) -m pytest -q tests/infra
