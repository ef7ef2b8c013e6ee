#!/usr/bin/env python3
"""The site address of a deployed stage, for `make deploy` / `make diff` (infra/infra.mk).

    site_url.py deployed --stage dev [--region ap-southeast-3]   SiteUrl of the deployed stack,
                                                                 or nothing if it does not exist yet
    site_url.py outputs infra/outputs-dev.json --stage dev       SiteUrl from a `cdk deploy
                                                                 --outputs-file` file

Why: on a stage without its own domain the site's address is the CloudFront one, known only
after the first deploy, and the functions cannot reference it in the same deploy (function ->
distribution -> REST API -> function is a cycle). So each later deploy passes the deployed
address as `site_url`, and the first deploy is followed by a second pass (see
cleanclear_infra/settings.py). Prints the URL (or nothing) on stdout; exits 1 with a message
on any other problem (no credentials, no SiteUrl in the outputs file).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_REGION = "ap-southeast-3"


def stack_name(stage: str) -> str:
    return f"CleanClear-{stage}"


def deployed_site_url(cloudformation, stage: str) -> str | None:
    """SiteUrl output of the deployed stack; None when the stack does not exist (yet)."""
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name(stage))["Stacks"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", ""):
            return None
        raise
    for output in (stacks[0].get("Outputs") or []) if stacks else []:
        if output.get("OutputKey") == "SiteUrl" and str(output.get("OutputValue", "")).startswith("https://"):
            return output["OutputValue"].rstrip("/")
    return None


def outputs_site_url(path: Path, stage: str) -> str:
    """SiteUrl from the outputs file `cdk deploy --outputs-file` wrote; ValueError if absent."""
    data = json.loads(path.read_text())
    url = str((data.get(stack_name(stage)) or {}).get("SiteUrl") or "")
    if not url.startswith("https://"):
        raise ValueError(f"{path} has no SiteUrl for {stack_name(stage)}")
    return url.rstrip("/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    deployed = sub.add_parser("deployed")
    deployed.add_argument("--stage", required=True)
    deployed.add_argument("--region", default=DEFAULT_REGION)
    outputs = sub.add_parser("outputs")
    outputs.add_argument("file", type=Path)
    outputs.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "deployed":
            import botocore.session

            client = botocore.session.get_session().create_client("cloudformation", region_name=args.region)
            url = deployed_site_url(client, args.stage)
        else:
            url = outputs_site_url(args.file, args.stage)
    except Exception as exc:  # noqa: BLE001 - reported to the person deploying, then stop
        print(f"site_url.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if url:
        print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
