#!/usr/bin/env python3
"""CDK app for Clean & Clear: `cdk synth -c stage=prod -c site_url=… -c certificate_arn=…`.

Context (`-c key=value`; the make targets pass them from the variables in infra/infra.mk):
  stage        dev (default) | prod
  region       AWS region, default ap-southeast-3 (Jakarta)
  mail_domain  SES sending domain, default diskopukm.bogorkab.go.id
  mail_from    sender address, default cleanandclear@<mail_domain>
  alarm_email  e-mail address subscribed to the alarm topic (confirm the SNS mail once)
  site_url     public origin of the site (https://host), passed to the functions as SITE_URL and
               used for the sign-in callback. Required for prod (the office's own domain, with
               certificate_arn). For dev it is the CloudFront address, which `make deploy`
               finds by itself (see cleanclear_infra/settings.py for why).
  certificate_arn  ACM certificate (us-east-1) of site_url's own domain
  zoom_provider    zoom | local (dev default: labelled stand-in links while the Zoom secret is
               empty; refused for prod)
  feedback_link_days, retention_months, broadcast_per_minute, broadcast_daily_limit
               optional app settings (positive whole numbers; the app's defaults otherwise)
  auth_domain_prefix  Cognito hosted-UI domain prefix, default cleanclear-<stage>-<account id>
  waf          on | off: AWS WAF in front of CloudFront (default on in prod, off in dev), in the
               us-east-1 stack CleanClearEdge-<stage>; waf_registration_limit (default 100):
               signups per client IP per 5 minutes
A wrong or missing setting stops the synth with a message saying what to pass.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parent
REPO_ROOT = INFRA_DIR.parent
# chalice imports the *project's* app.py with `import app`: the repo root must come before this
# directory (which holds this app.py) on sys.path.
sys.path[:] = [str(REPO_ROOT), str(INFRA_DIR)] + [
    p for p in sys.path if Path(p or ".").resolve() not in (REPO_ROOT, INFRA_DIR)
]

import aws_cdk as cdk  # noqa: E402

from cleanclear_infra.settings import SettingsError, settings_from_context  # noqa: E402
from cleanclear_infra.edge import EdgeStack  # noqa: E402
from cleanclear_infra.stack import CleanClearStack  # noqa: E402


def main() -> None:
    app = cdk.App()
    try:
        settings, region = settings_from_context(app.node.try_get_context)
    except SettingsError as exc:
        raise SystemExit(f"Clean & Clear: {exc}") from None
    # chalice package asks botocore for a region (service principals); use the stack's.
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region

    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    edge = None
    if settings.waf:
        # CloudFront's web ACL lives in us-east-1: its own stack, referenced across regions.
        edge = EdgeStack(app, f"CleanClearEdge-{settings.stage}", stage=settings.stage,
                         registration_limit=settings.waf_registration_limit,
                         env=cdk.Environment(account=account, region="us-east-1"), cross_region_references=True,
                         description=f"Clean & Clear ({settings.stage}): AWS WAF in front of CloudFront")
    stack = CleanClearStack(
        app,
        f"CleanClear-{settings.stage}",
        settings=settings,
        web_acl_arn=edge.web_acl.attr_arn if edge else None,
        cross_region_references=edge is not None,
        env=cdk.Environment(account=account, region=region),
        description=f"Clean & Clear ({settings.stage}): Diskopukm Kabupaten Bogor consultation clinic",
        termination_protection=settings.prod,
    )
    try:
        app.synth()
    finally:
        # The Chalice package (deployment.zip, SAM template) is copied into cdk.out by now.
        shutil.rmtree(stack.chalice_workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
