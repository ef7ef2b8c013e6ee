#!/usr/bin/env python3
"""CDK app for Clean & Clear: `cdk synth -c stage=prod` (see infra/README.md).

Context (all optional, `-c key=value`):
  stage        dev (default) | prod
  region       AWS region, default ap-southeast-3 (Jakarta)
  mail_domain  SES sending domain, default diskopukm.bogorkab.go.id
  mail_from    sender address, default cleanandclear@<mail_domain>
  alarm_email  e-mail address subscribed to the alarm topic (confirm the SNS mail once)
  site_url     public URL of the site if it has its own domain (https://...; passed to the app as
               SITE_URL and used for the sign-in callback); default: the CloudFront domain
  auth_domain_prefix  Cognito hosted-UI domain prefix, default cleanclear-<stage>-<account id>
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

from cleanclear_infra.stack import CleanClearStack, StageSettings  # noqa: E402

STAGES = ("dev", "prod")
DEFAULT_REGION = "ap-southeast-3"
DEFAULT_MAIL_DOMAIN = "diskopukm.bogorkab.go.id"


def settings_from_context(app: cdk.App) -> tuple[StageSettings, str]:
    def ctx(key: str, default: str | None = None) -> str | None:
        value = app.node.try_get_context(key)
        return str(value).strip() if value not in (None, "") else default

    stage = ctx("stage", "dev")
    if stage not in STAGES:
        raise SystemExit(f"-c stage={stage!r}: use one of {', '.join(STAGES)}")
    mail_domain = ctx("mail_domain", DEFAULT_MAIL_DOMAIN)
    settings = StageSettings(
        stage=stage,
        mail_domain=mail_domain,
        mail_from=ctx("mail_from", f"cleanandclear@{mail_domain}"),
        alarm_email=ctx("alarm_email"),
        site_url=ctx("site_url"),
        auth_domain_prefix=ctx("auth_domain_prefix"),
    )
    return settings, ctx("region", DEFAULT_REGION)


def main() -> None:
    app = cdk.App()
    settings, region = settings_from_context(app)
    # chalice package asks botocore for a region (service principals); use the stack's.
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region

    stack = CleanClearStack(
        app,
        f"CleanClear-{settings.stage}",
        settings=settings,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region),
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
