# --- Infrastructure: AWS CDK in infra/ ------------------------------------------------
# Included by the top-level Makefile (after VENV, PY, PIP, APT_GET, the
# $(VENV)/.installed rule and the `site` target).

#
#   make infra-deps                 aws-cdk-lib + cfn-lint into .venv, the CDK CLI into infra/node_modules
#   make synth [STAGE=dev|prod]     build the site, `cdk synth` offline, cfn-lint the template
#   make deploy STAGE=prod SITE_URL=https://… CERTIFICATE_ARN=… CONTACT_EMAIL=… CONTACT_WHATSAPP="0812-…"
#                                   build the site and deploy (needs AWS credentials)
#   make deploy STAGE=dev           the same on the CloudFront address (found by itself, see below)
#   make diff STAGE=prod …          what a deploy would change (needs AWS credentials)
#   make bootstrap ACCOUNT=123456789012   once per account and region (needs AWS credentials)
#   make test-infra                 only the CDK assertion tests (tests/infra, part of `make test`)
# Options (CDK context, see infra/app.py): SITE_URL CERTIFICATE_ARN MAIL_DOMAIN MAIL_FROM
#   ALARM_EMAIL ZOOM_PROVIDER FEEDBACK_LINK_DAYS RETENTION_MONTHS BROADCAST_PER_MINUTE
#   BROADCAST_DAILY_LIMIT AUTH_DOMAIN_PREFIX WAF WAF_REGISTRATION_LIMIT CONTACT_EMAIL CONTACT_WHATSAPP WHATSAPP_FLOW_ID REGION.
#   prod needs SITE_URL, CERTIFICATE_ARN, CONTACT_EMAIL and CONTACT_WHATSAPP. WAF (on in prod) lives in the us-east-1 stack CleanClearEdge-<stage>, deployed first.
# SITE_URL on dev: the functions need the site's address for the links in messages, but the
# CloudFront address exists only after the first deploy and cannot be wired in the same one (a
# dependency cycle). So `make deploy`/`make diff` on a non-prod stage without SITE_URL take the
# deployed stack's SiteUrl output; the very first deploy runs twice (second pass with that URL).
# `make test` runs tests/infra too, so give `test` the prerequisite `infra-deps`.

STAGE  ?= dev
REGION ?= ap-southeast-3
INFRA_STAMP := $(VENV)/.infra-installed
# VARIABLE:context_key for every optional setting; only those given are passed.
CDK_OPTIONS := MAIL_DOMAIN:mail_domain MAIL_FROM:mail_from ALARM_EMAIL:alarm_email \
	CERTIFICATE_ARN:certificate_arn ZOOM_PROVIDER:zoom_provider FEEDBACK_LINK_DAYS:feedback_link_days \
	RETENTION_MONTHS:retention_months BROADCAST_PER_MINUTE:broadcast_per_minute \
	BROADCAST_DAILY_LIMIT:broadcast_daily_limit AUTH_DOMAIN_PREFIX:auth_domain_prefix \
	WAF:waf WAF_REGISTRATION_LIMIT:waf_registration_limit \
	CONTACT_EMAIL:contact_email CONTACT_WHATSAPP:contact_whatsapp WHATSAPP_FLOW_ID:whatsapp_flow_id
_opt_var = $(word 1,$(subst :, ,$(1)))
_opt_key = $(word 2,$(subst :, ,$(1)))
# Each value quoted: a number written "+62 812-3456-7890" reaches the CDK as one value.
CDK_CONTEXT := -c stage=$(STAGE) -c region=$(REGION) \
	$(foreach o,$(CDK_OPTIONS),$(if $($(call _opt_var,$(o))),-c "$(call _opt_key,$(o))=$($(call _opt_var,$(o)))"))
SITE_URL_HELPER := $(abspath $(PY)) $(abspath infra/site_url.py)
# Shell snippet: url = SITE_URL, else (not prod) the deployed stack's SiteUrl output, else empty.
RESOLVE_SITE_URL = url="$(SITE_URL)"; \
	if [ -z "$$url" ] && [ "$(STAGE)" != prod ]; then \
	  url=$$($(SITE_URL_HELPER) deployed --stage $(STAGE) --region $(REGION)) || exit 1; \
	  if [ -n "$$url" ]; then echo "SITE_URL=$$url (SiteUrl of the deployed CleanClear-$(STAGE))"; fi; \
	fi
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
	$(CDK) synth $(CDK_CONTEXT) $(if $(SITE_URL),-c site_url=$(SITE_URL)) --quiet
	$(VENV)/bin/cfn-lint --ignore-checks W3005 -- infra/cdk.out/$(STAGE)/CleanClear-$(STAGE).template.json
	@echo "template: infra/cdk.out/$(STAGE)/CleanClear-$(STAGE).template.json (cfn-lint clean)"

# The CDK runs in a subshell each time ($(CDK) starts with `cd infra`).
deploy: $(INFRA_STAMP) site
	@$(RESOLVE_SITE_URL); \
	( $(CDK) deploy $(CDK_CONTEXT) $${url:+-c site_url=$$url} --require-approval broadening \
	    --outputs-file outputs-$(STAGE).json CleanClear-$(STAGE) ) || exit 1; \
	if [ -z "$$url" ] && [ "$(STAGE)" != prod ]; then \
	  url=$$($(SITE_URL_HELPER) outputs infra/outputs-$(STAGE).json --stage $(STAGE)) || exit 1; \
	  echo "First deploy of $(STAGE): deploying again with SITE_URL=$$url for the links in messages"; \
	  ( $(CDK) deploy $(CDK_CONTEXT) -c site_url=$$url --require-approval broadening \
	      --outputs-file outputs-$(STAGE).json CleanClear-$(STAGE) ) || exit 1; \
	fi; \
	echo "stack outputs: infra/outputs-$(STAGE).json"

diff: $(INFRA_STAMP) site
	@$(RESOLVE_SITE_URL); \
	( $(CDK) diff $(CDK_CONTEXT) $${url:+-c site_url=$$url} CleanClear-$(STAGE) )

bootstrap: $(INFRA_STAMP)
	@test -n "$(ACCOUNT)" || { echo "usage: make bootstrap ACCOUNT=<12-digit account id> [REGION=ap-southeast-3]"; exit 2; }
	$(CDK) bootstrap aws://$(ACCOUNT)/$(REGION) aws://$(ACCOUNT)/us-east-1

test-infra: $(INFRA_STAMP) site
	$(PY) -m pytest -q tests/infra
