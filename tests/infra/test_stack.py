"""CDK assertion tests on the synthesised prod template.

The module runs the real `cdk synth` twice, in parallel (the same command `make synth` runs,
with the project-local CDK CLI): prod on its own domain, and dev as at its first deploy (no
SITE_URL yet), and checks the templates with aws_cdk.assertions. The synth packages the Chalice
app, so the first run on a machine may download the Lambda's wheels (a minute); later runs reuse
chalice's cache. Nothing is skipped: a missing tool fails with a message saying how to install it.

A few fast tests at the end build only the model-derived tables in-process, to show that a model
added to ALL_MODELS (range key, number key, LSI, INCLUDE projection, TTL) gets its table.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
CDK_CLI = INFRA / "node_modules" / ".bin" / "cdk"
STACK = "CleanClear-prod"
MAIL_DOMAIN = "diskopukm.bogorkab.go.id"
ALARM_EMAIL = "it-office@example.go.id"
SITE_HOST = "konsultasi.example.go.id"
SITE_URL = f"https://{SITE_HOST}"
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
PROD_CONTEXT = [
    "stage=prod", f"mail_domain={MAIL_DOMAIN}", f"alarm_email={ALARM_EMAIL}",
    f"site_url={SITE_URL}/", f"certificate_arn={CERTIFICATE_ARN}", "retention_months=36",
    "contact_email=cleanandclear@diskopukm.bogorkab.go.id", "contact_whatsapp=+62 812-8100-2024",
]
DEV_CONTEXT = ["stage=dev"]

CSP_DIRECTIVES = [
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
# CloudFront managed policies (fixed ids, documented by AWS).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
APP_ENV = [
    "TABLE_PREFIX",
    "AUTH_MODE",
    "COGNITO_REGION",
    "COGNITO_USER_POOL_ID",
    "COGNITO_APP_CLIENT_ID",
    "ZOOM_SECRET_ARN",
    "WHATSAPP_SECRET_ARN",
    "META_INSIGHTS_SECRET_ARN",
    "APP_SECRET_ARN",
    "SES_FROM_ADDRESS",
    "ZOOM_PROVIDER",
]
GUARDED_SERVICES = ("dynamodb", "secretsmanager", "ses")


def _require_toolchain():
    if shutil.which("node") is None:
        pytest.fail(
            "node is not installed: the CDK (jsii and the CDK CLI) needs Node.js >= 20. "
            "Install it (apt-get install nodejs npm) and run `make infra-deps`."
        )
    if not CDK_CLI.exists():
        pytest.fail(f"{CDK_CLI} is missing: run `make infra-deps` (npm ci --prefix infra).")
    for module in ("aws_cdk", "constructs", "cfnlint"):
        try:
            importlib.import_module(module)
        except ImportError:
            pytest.fail(f"python module {module} is missing: pip install -r requirements-infra.txt")


def _ensure_site_build():
    site = REPO / "static_site" / "_build"
    if not site.is_dir():  # `make test` builds it first; build it here when run on its own
        built = subprocess.run([sys.executable, "static_site/build.py"], cwd=REPO, capture_output=True, text=True)
        if built.returncode != 0 or not site.is_dir():
            pytest.fail(f"static_site/_build is missing and `python static_site/build.py` failed:\n{built.stderr[-3000:]}")


def _cdk_env():
    env = dict(os.environ)
    # The test session's own settings (TABLE_PREFIX=cleanclear-test, moto credentials...) must
    # not leak into the CDK app; the app sets what it needs per stage.
    for key in ("TABLE_PREFIX", "STAGE", "APP_STAGE", "DYNAMODB_ENDPOINT", "AUTH_MODE", "SITE_URL"):
        env.pop(key, None)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    return env


def _synth_command(out, context):
    command = [str(CDK_CLI), "synth", "--app", f"{sys.executable} app.py", "--quiet", "--no-notices", "--output", str(out)]
    for item in context:
        command += ["-c", item]
    return command


@pytest.fixture(scope="module")
def synths(tmp_path_factory):
    """`cdk synth` of prod and of dev, run in parallel once for the module.

    {stage: (template dict, template path, seconds, cdk.out directory)}."""
    _require_toolchain()
    _ensure_site_build()
    env = _cdk_env()
    running = {}
    for stage, context in (("prod", PROD_CONTEXT), ("dev", DEV_CONTEXT)):
        out = tmp_path_factory.mktemp(f"cdk-{stage}") / "cdk.out"
        running[stage] = (out, time.monotonic(), subprocess.Popen(
            _synth_command(out, context), cwd=INFRA, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))
    results = {}
    for stage, (out, started, proc) in running.items():
        try:
            stdout, stderr = proc.communicate(timeout=1200)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"cdk synth of {stage} took more than 20 minutes")
        if proc.returncode != 0:
            pytest.fail(f"cdk synth of {stage} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-6000:]}")
        path = out / f"CleanClear-{stage}.template.json"
        results[stage] = (json.loads(path.read_text()), path, time.monotonic() - started, out)
    return results


@pytest.fixture(scope="module")
def synth(synths):
    return synths["prod"][:3]


@pytest.fixture(scope="module")
def dev_template(synths):
    return synths["dev"][0]


@pytest.fixture(scope="module")
def template(synth):
    return synth[0]


@pytest.fixture(scope="module")
def assertions(template):
    from aws_cdk.assertions import Template

    return Template.from_json(template)


def resources(template, type_):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def functions(template):
    return resources(template, "AWS::Serverless::Function")


def keys(key_schema):
    return {(k["AttributeName"], k["KeyType"]) for k in key_schema}


def as_list(value):
    return value if isinstance(value, list) else [value]


def all_statements(template):
    """Every IAM policy statement of every role / policy in the template: (where, statement)."""
    found = []
    for logical_id, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                for st in as_list(policy["PolicyDocument"]["Statement"]):
                    found.append((logical_id, st))
        elif res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            for st in as_list(props["PolicyDocument"]["Statement"]):
                found.append((logical_id, st))
    return found


def ref_id(value):
    """The logical id behind {"Ref": id} / {"Fn::GetAtt": [id, ...]}."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def render(value):
    """A template string value as text: Fn::Join flattened, references shown as ${Id}."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(render(p) for p in parts)
    rid = ref_id(value)
    if rid:
        return "${%s}" % rid
    raise AssertionError(f"cannot render {value!r}")


def refs_in(value):
    """All logical ids referenced anywhere inside a template value."""
    found = set()
    if isinstance(value, dict):
        rid = ref_id(value)
        if rid:
            found.add(rid)
        for v in value.values():
            found |= refs_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs_in(v)
    return found


# --- the synth itself ---------------------------------------------------------------------------


def test_synth_produces_the_prod_and_dev_stacks_and_cfn_lint_passes(synths):
    for stage, (template, path, seconds, _) in synths.items():
        print(f"cdk synth {stage} took {seconds:.1f} s (both in parallel)")
        assert template["Transform"] == "AWS::Serverless-2016-10-31"  # the embedded Chalice app
        assert functions(template), "the Chalice app has no function in the template"
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "cfn-lint"), "--ignore-checks", "W3005", "--", str(path)],
            capture_output=True, text=True,
        )
        assert proc.returncode == 0, stage + ": " + proc.stdout + proc.stderr


def test_prod_without_its_own_domain_is_refused_before_anything_is_built(tmp_path):
    _require_toolchain()
    for context, message in (
        (["stage=prod"], "prod needs the site's own domain name: SITE_URL=https://"),
        (["stage=prod", f"site_url={SITE_URL}"], "needs CERTIFICATE_ARN=arn:aws:acm:us-east-1:"),
        (["stage=prod", f"site_url={SITE_URL}", f"certificate_arn={CERTIFICATE_ARN}", "zoom_provider=local"],
         "zoom_provider=local is refused for prod"),
    ):
        proc = subprocess.run(_synth_command(tmp_path / "out", context), cwd=INFRA, env=_cdk_env(),
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode != 0, context
        assert message in proc.stderr, proc.stderr[-3000:]
        assert not (tmp_path / "out" / f"{STACK}.template.json").exists()


# --- DynamoDB -----------------------------------------------------------------------------------


def test_every_model_has_an_on_demand_pitr_table_with_its_keys_indexes_and_ttl(template):
    from chalicelib import settings
    from chalicelib.store import models

    tables = {t["Properties"]["TableName"]: t["Properties"] for t in resources(template, "AWS::DynamoDB::Table").values()}
    assert models.ALL_MODELS
    for model in models.ALL_MODELS:
        suffix = model.Meta.table_name[len(settings.table_prefix()) + 1:]
        name = f"cleanclear-prod-{suffix}"
        assert name in tables, f"no table for {model.__name__} ({name})"
        props = tables[name]
        schema = model._get_schema()
        assert keys(props["KeySchema"]) == keys(schema["key_schema"])
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert {g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])} == {
            g["index_name"] for g in schema["global_secondary_indexes"]
        }
        for index in props.get("GlobalSecondaryIndexes", []):
            expected = next(g for g in schema["global_secondary_indexes"] if g["index_name"] == index["IndexName"])
            assert keys(index["KeySchema"]) == keys(expected["key_schema"])
            assert index["Projection"]["ProjectionType"] == expected["projection"]["ProjectionType"]
        ttl = model._ttl_attribute()
        if ttl is not None:
            assert props["TimeToLiveSpecification"] == {"AttributeName": ttl.attr_name, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in props
    assert len(tables) == len(models.ALL_MODELS), "a table in the template belongs to no model"


def test_pitr_on_every_table(assertions, template):
    count = len(resources(template, "AWS::DynamoDB::Table"))
    assert count >= 1
    matching = assertions.find_resources(
        "AWS::DynamoDB::Table",
        {"Properties": {"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}}},
    )
    assert len(matching) == count
    assertions.all_resources_properties("AWS::DynamoDB::Table", {"BillingMode": "PAY_PER_REQUEST"})


def test_prod_tables_have_deletion_protection_and_are_retained(template):
    for logical_id, table in resources(template, "AWS::DynamoDB::Table").items():
        assert table["Properties"]["DeletionProtectionEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == "Retain", logical_id
        assert table["UpdateReplacePolicy"] == "Retain", logical_id


# --- the static site ----------------------------------------------------------------------------


def test_no_public_bucket_and_ssl_enforced(assertions, template):
    buckets = resources(template, "AWS::S3::Bucket")
    assert buckets
    assertions.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
        },
    )
    for bucket in buckets.values():
        assert "WebsiteConfiguration" not in bucket["Properties"]
        assert "AccessControl" not in bucket["Properties"]
    policies = resources(template, "AWS::S3::BucketPolicy")
    assert {ref_id(p["Properties"]["Bucket"]) for p in policies.values()} <= set(buckets)
    distributions = set(resources(template, "AWS::CloudFront::Distribution"))
    for policy in policies.values():
        statements = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
        assert any(
            st["Effect"] == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for st in statements
        ), "the bucket does not enforce SSL"
        for st in statements:
            if st["Effect"] != "Allow":
                continue
            if st["Principal"] == {"Service": "logging.s3.amazonaws.com"}:
                # The log bucket: only S3's log delivery may write, for this stack's site bucket.
                assert as_list(st["Action"]) == ["s3:PutObject"], st
                assert refs_in(st["Condition"]["ArnLike"]["aws:SourceArn"]) <= set(buckets), st
                continue
            # Only CloudFront (origin access control) of this stack's distribution may read.
            assert st["Principal"] == {"Service": "cloudfront.amazonaws.com"}, st
            assert as_list(st["Action"]) == ["s3:GetObject"], st
            source = st["Condition"]["StringEquals"]["AWS:SourceArn"]
            assert refs_in(source) & distributions, st


def test_cloudfront_https_oac_api_behaviour_and_security_headers(template):
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    for behavior in config.get("CacheBehaviors", []):
        assert behavior["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    origins = {o["Id"]: o for o in config["Origins"]}
    s3_origin = origins[default["TargetOriginId"]]
    assert ref_id(s3_origin["OriginAccessControlId"]) in resources(template, "AWS::CloudFront::OriginAccessControl")
    assert s3_origin["S3OriginConfig"].get("OriginAccessIdentity", "") == ""

    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    api_origin = origins[api["TargetOriginId"]]
    assert "RestAPI" in refs_in(api_origin["DomainName"])
    assert ".execute-api." in json.dumps(api_origin["DomainName"])
    assert not api_origin.get("OriginPath"), "the API stage is 'api': /api/x must reach stage api + /x"
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"

    policies = resources(template, "AWS::CloudFront::ResponseHeadersPolicy")
    for behavior in [default, *config["CacheBehaviors"]]:
        assert ref_id(behavior["ResponseHeadersPolicyId"]) in policies
    (headers,) = policies.values()
    security = headers["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = render(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = [d.strip() for d in csp.split(";")]
    for directive in CSP_DIRECTIVES:
        assert directive in directives, f"CSP lacks {directive!r}: {csp}"
    # connect-src: the site itself and only this stack's Cognito hosted-UI domain (token exchange)
    (domain,) = resources(template, "AWS::Cognito::UserPoolDomain")
    connect = next(d for d in directives if d.startswith("connect-src"))
    assert connect.split() == [
        "connect-src", "'self'", "https://${%s}.auth.ap-southeast-3.amazoncognito.com" % domain
    ], connect
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    # /admin/ must serve admin/index.html (CloudFront's root object covers "/" only)
    (association,) = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    assert ref_id(association["FunctionARN"]) in resources(template, "AWS::CloudFront::Function")


def test_prod_site_answers_on_its_own_domain_with_the_certificate(template, dev_template):
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    assert config["Aliases"] == [SITE_HOST]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert template["Outputs"]["SiteUrl"]["Value"] == SITE_URL
    (distribution_id,) = resources(template, "AWS::CloudFront::Distribution")
    assert refs_in(template["Outputs"]["DistributionDomainName"]["Value"]) == {distribution_id}
    # dev: the CloudFront address and its default certificate
    (dev_dist,) = resources(dev_template, "AWS::CloudFront::Distribution").values()
    assert "Aliases" not in dev_dist["Properties"]["DistributionConfig"]
    assert "AcmCertificateArn" not in json.dumps(dev_dist["Properties"]["DistributionConfig"])


def test_binary_answers_pass_through_api_gateway_and_cloudfront(template):
    """Poster PNG and XLSX: API Gateway returns a base64 Lambda answer as binary only for the
    binaryMediaTypes of the REST API, and only when the request's Accept header names the type,
    so CloudFront must forward Accept (the managed AllViewerExceptHostHeader policy does)."""
    from app import app as chalice_app

    assert "image/png" in chalice_app.api.binary_types
    media = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-binary-media-types"]
    assert set(chalice_app.api.binary_types) <= set(media)
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    (api,) = [b for b in dist["Properties"]["DistributionConfig"]["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER  # all viewer headers but Host
    assert api["CachePolicyId"] == CACHING_DISABLED  # a staff member's poster is never served to another


def _admin_config(template):
    (deployment,) = resources(template, "Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    (bucket,) = [k for k, b in resources(template, "AWS::S3::Bucket").items() if "LoggingConfiguration" in b["Properties"]]
    assert ref_id(props["DestinationBucketName"]) == bucket  # the site bucket (the one whose access is logged)
    assert len(props["SourceObjectKeys"]) == 2  # the built site + admin/config.json
    markers = {k: render(v) for k, v in props["SourceMarkers"][1].items()}
    return props["SourceObjectKeys"][1], markers


def test_site_content_and_admin_sign_in_config_are_deployed(synths):
    template, _, _, out = synths["prod"]
    key, markers = _admin_config(template)
    (client,) = resources(template, "AWS::Cognito::UserPoolClient")
    assert '"${%s}"' % client in set(markers.values())
    # On its own domain the sign-in callback is plain text in the deployed admin/config.json.
    text = (out / f"asset.{key.removesuffix('.zip')}" / "admin" / "config.json").read_text()
    for marker, value in markers.items():
        text = text.replace(marker, value)
    config = json.loads(text)
    assert config["auth"] == "cognito" and config["client_id"] == "${%s}" % client
    assert config["redirect_uri"] == config["logout_uri"] == f"{SITE_URL}/admin/"


def test_dev_admin_config_uses_the_cloudfront_address(dev_template):
    _, markers = _admin_config(dev_template)
    (distribution,) = resources(dev_template, "AWS::CloudFront::Distribution")
    assert '"https://${%s}/admin/"' % distribution in set(markers.values())


# --- IAM ----------------------------------------------------------------------------------------


def _service_actions():
    """IAM action names per service, from cfn-lint's copy of the IAM reference."""
    import cfnlint

    data = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return json.loads(data.read_text())


def _action_matches(pattern: str, action: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def test_policies_for_data_secrets_and_mail_are_scoped(template):
    checked = 0
    for where, st in all_statements(template):
        actions = as_list(st.get("Action", []))
        guarded = [a for a in actions if a == "*" or a.split(":")[0] in GUARDED_SERVICES]
        if not guarded or st["Effect"] != "Allow":
            continue
        checked += 1
        for action in guarded:
            assert "*" not in action, f"{where}: wildcard action {action}"
        for resource in as_list(st["Resource"]):
            assert resource != "*", f"{where}: {guarded} on Resource *"
            if isinstance(resource, str):
                assert "*" not in resource, f"{where}: wildcard resource {resource}"
            else:  # the only wildcard allowed is a table's /index/*
                text = json.dumps(resource)
                assert "*" not in text or text.endswith('"/index/*"]]}'), f"{where}: {text}"
    assert checked >= 3


def test_scan_is_never_allowed(template):
    for where, st in all_statements(template):
        if st["Effect"] != "Allow":
            continue
        for action in as_list(st.get("Action", [])):
            assert not _action_matches(action, "dynamodb:Scan"), f"{where} allows Scan via {action!r}"


def test_every_function_role_has_explicit_least_privilege_policy(template):
    tables = set(resources(template, "AWS::DynamoDB::Table"))
    secrets = set(resources(template, "AWS::SecretsManager::Secret"))
    roles = resources(template, "AWS::IAM::Role")
    known = _service_actions()
    fns = functions(template)
    assert fns
    for name, fn in fns.items():
        role_id = ref_id(fn["Properties"]["Role"])
        assert role_id in roles, f"{name} has no role of its own in the template"
        role = roles[role_id]["Properties"]
        assert any("AWSLambdaBasicExecutionRole" in json.dumps(arn) for arn in role["ManagedPolicyArns"])
        statements = [st for p in role["Policies"] for st in as_list(p["PolicyDocument"]["Statement"])]
        assert all(st["Effect"] == "Allow" for st in statements), "placeholder policy left in place"
        dynamo = [st for st in statements if any(a.startswith("dynamodb:") for a in as_list(st["Action"]))]
        assert dynamo, f"{name}: no DynamoDB statement"
        assert refs_in([st["Resource"] for st in dynamo]) == tables, f"{name}: not scoped to exactly the tables"
        secret_sts = [st for st in statements if "secretsmanager:GetSecretValue" in as_list(st["Action"])]
        assert refs_in([st["Resource"] for st in secret_sts]) == secrets
        ses_sts = [st for st in statements if any(a.startswith("ses:") for a in as_list(st["Action"]))]
        assert ses_sts and all(MAIL_DOMAIN in json.dumps(st["Resource"]) for st in ses_sts)
        for st in statements:
            for action in as_list(st["Action"]):
                service, verb = action.split(":")
                assert verb.lower() in known[service]["Actions"], f"{action} is not an IAM action"


# --- Lambda wiring, schedules, alarms -----------------------------------------------------------


def test_every_function_gets_the_app_environment(template):
    zoom, whatsapp, app_secret = (
        next(k for k in resources(template, "AWS::SecretsManager::Secret") if k.startswith(prefix))
        for prefix in ("ZoomSecret", "WhatsAppSecret", "AppSecret")
    )
    pool = next(iter(resources(template, "AWS::Cognito::UserPool")))
    for name, fn in functions(template).items():
        env = fn["Properties"]["Environment"]["Variables"]
        missing = [k for k in APP_ENV if k not in env]
        assert not missing, f"{name} lacks {missing}"
        assert env["TABLE_PREFIX"] == "cleanclear-prod"
        assert env["AUTH_MODE"] == "cognito"
        assert env["COGNITO_REGION"] == "ap-southeast-3"
        assert ref_id(env["COGNITO_USER_POOL_ID"]) == pool
        assert ref_id(env["ZOOM_SECRET_ARN"]) == zoom
        assert ref_id(env["WHATSAPP_SECRET_ARN"]) == whatsapp
        assert ref_id(env["APP_SECRET_ARN"]) == app_secret
        assert env["SES_FROM_ADDRESS"].endswith("@" + MAIL_DOMAIN)
        assert env["SITE_URL"] == SITE_URL  # links in messages and on posters
        assert env["ZOOM_PROVIDER"] == "zoom"  # never the local stand-in in prod
        assert env["RETENTION_MONTHS"] == "36"  # given as context
        assert "FEEDBACK_LINK_DAYS" not in env  # not given: the app's default
        assert fn["Properties"]["LoggingConfig"]["LogGroup"], f"{name}: no managed log group"
        # Structured logs: JSON lines with the request id, INFO and up from the app.
        assert fn["Properties"]["LoggingConfig"]["LogFormat"] == "JSON", name
        assert fn["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "INFO", name


def test_dev_functions_before_the_site_address_is_known(dev_template):
    """A dev stage's first deploy: no SITE_URL yet (make deploy's second pass adds it), the Zoom
    stand-in while the Zoom secret is empty."""
    for name, fn in functions(dev_template).items():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["TABLE_PREFIX"] == "cleanclear-dev"
        assert "SITE_URL" not in env, name
        assert env["ZOOM_PROVIDER"] == "local"
        assert "RETENTION_MONTHS" not in env


def test_every_app_schedule_has_a_rule(template):
    from chalice.app import CloudWatchEventConfig, ScheduledEventConfig
    from chalice.utils import to_cfn_resource_name

    from app import app as chalice_app

    fns = functions(template)
    template_schedules = {
        (name, event["Properties"]["Schedule"])
        for name, fn in fns.items()
        for event in fn["Properties"].get("Events", {}).values()
        if event["Type"] == "Schedule"
    }
    expected = set()
    for source in chalice_app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            expression = expression if isinstance(expression, str) else expression.to_string()
            expected.add((to_cfn_resource_name(source.name), expression))
        elif isinstance(source, CloudWatchEventConfig):
            events = fns[to_cfn_resource_name(source.name)]["Properties"]["Events"].values()
            assert any(e["Type"] == "CloudWatchEvent" for e in events), source.name
    assert template_schedules == expected
    names = {source.name for source in chalice_app.event_sources if isinstance(source, ScheduledEventConfig)}
    assert {"allocate", "send_messages", "queue_reminders", "sync_meetings"} <= names
    print(f"{len(expected)} schedule(s) in app.py, all in the template: {sorted(names)}")


def test_alarms_on_every_function_and_on_the_app_metrics(template):
    alarms = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()]
    (topic,) = resources(template, "AWS::SNS::Topic")
    for alarm in alarms:
        assert refs_in(alarm["AlarmActions"]) == {topic}
    watched = {
        ref_id(d["Value"])
        for a in alarms
        if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == "Errors"
        for d in a["Dimensions"]
        if d["Name"] == "FunctionName"
    }
    assert watched == set(functions(template)), "a function has no error alarm"
    custom = {a["MetricName"]: a for a in alarms if a.get("Namespace") == "CleanClear"}
    assert set(custom) == {"FailedMessages", "UnknownResends", "AllocationFailures", "ZoomFailures", "WhatsAppPaused",
                           "WhatsAppRepliesFailed", "InsightsPaused"}
    # The paused-WhatsApp and paused-insights alarms say what to do, not only what happened.
    assert "new System User token" in custom["WhatsAppPaused"]["AlarmDescription"]
    assert "cleanclear/<stage>/meta_insights" in custom["InsightsPaused"]["AlarmDescription"]
    for alarm in custom.values():
        # exactly the dimension chalicelib/adapters/metrics.py writes, or the alarm never sees the metric
        assert alarm["Dimensions"] == [{"Name": "Stage", "Value": "prod"}]
        assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    subscriptions = resources(template, "AWS::SNS::Subscription").values()
    assert any(s["Properties"]["Protocol"] == "email" and s["Properties"]["Endpoint"] == ALARM_EMAIL for s in subscriptions)


def test_api_stage_is_throttled(template):
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["StageName"] == "api"
    (setting,) = api["MethodSettings"]
    assert setting["ResourcePath"] == "/*" and setting["HttpMethod"] == "*"
    assert 0 < setting["ThrottlingRateLimit"] <= 50
    assert setting["ThrottlingRateLimit"] <= setting["ThrottlingBurstLimit"] <= 100


# --- Cognito, secrets, SES, outputs ---------------------------------------------------------------


def test_cognito_staff_pool(template):
    (pool,) = resources(template, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up
    assert props["MfaConfiguration"] == "ON"  # required at every staff sign-in
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    password = props["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert {"Name": "consultant_id", "AttributeDataType": "String", "Mutable": True,
            "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}} in props["Schema"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == "Retain"
    groups = {g["Properties"]["GroupName"] for g in resources(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"admin", "konsultan"}
    (client_id, client) = next(iter(resources(template, "AWS::Cognito::UserPoolClient").items()))
    cprops = client["Properties"]
    assert cprops["GenerateSecret"] is False
    assert "ALLOW_USER_SRP_AUTH" in cprops["ExplicitAuthFlows"]
    assert "custom:consultant_id" not in cprops["WriteAttributes"]  # staff cannot re-assign themselves
    assert "custom:consultant_id" in cprops["ReadAttributes"]
    # On its own domain the hosted-UI callback (the admin page) is part of the client itself.
    assert cprops["CallbackURLs"] == cprops["LogoutURLs"] == [f"{SITE_URL}/admin/"]
    assert cprops["AllowedOAuthFlows"] == ["code"] and "openid" in cprops["AllowedOAuthScopes"]
    assert not [r for r in resources(template, "Custom::AWS").values()
                if "updateUserPoolClient" in json.dumps(r["Properties"]["Create"])]


def test_dev_sign_in_callback_is_set_once_cloudfront_exists(dev_template):
    # The hosted-UI callback is the admin page on CloudFront, set once the distribution exists,
    # with the same client definition (UpdateUserPoolClient resets what it is not given).
    (client_id, client) = next(iter(resources(dev_template, "AWS::Cognito::UserPoolClient").items()))
    cprops = client["Properties"]
    assert "CallbackURLs" not in cprops
    (call,) = [
        json.loads(render(r["Properties"]["Create"]))
        for r in resources(dev_template, "Custom::AWS").values()
        if "updateUserPoolClient" in json.dumps(r["Properties"]["Create"])
    ]
    params = call["parameters"]
    assert params["ClientId"] == "${%s}" % client_id
    (distribution,) = resources(dev_template, "AWS::CloudFront::Distribution")
    assert params["CallbackURLs"] == ["https://${%s}/admin/" % distribution]
    assert params["AllowedOAuthFlows"] == ["code"] and "openid" in params["AllowedOAuthScopes"]
    for key, value in cprops.items():
        if key not in ("UserPoolId", "GenerateSecret"):
            assert params[key] == value, f"UpdateUserPoolClient would change {key}"


def test_secrets_are_placeholders_with_a_generated_verify_token_and_signing_key(template):
    raw = resources(template, "AWS::SecretsManager::Secret")
    secrets = {k: v["Properties"] for k, v in raw.items()}
    assert len(secrets) == 4
    assert {s["Name"] for s in secrets.values()} == {
        "cleanclear/prod/zoom", "cleanclear/prod/whatsapp", "cleanclear/prod/app", "cleanclear/prod/meta_insights"
    }
    meta = next(v for k, v in secrets.items() if k.startswith("MetaInsightsSecret"))
    assert json.loads(meta["SecretString"]) == {"access_token": "", "ig_user_id": "", "page_id": ""}
    assert all(v["DeletionPolicy"] == "Retain" for v in raw.values())
    zoom = next(v for k, v in secrets.items() if k.startswith("ZoomSecret"))
    # user_id is optional (empty: "me", the Zoom app's owner, hosts the meetings)
    assert json.loads(zoom["SecretString"]) == {"account_id": "", "client_id": "", "client_secret": "", "user_id": ""}
    whatsapp = next(v for k, v in secrets.items() if k.startswith("WhatsAppSecret"))
    generated = whatsapp["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "verify_token"
    assert set(json.loads(generated["SecretStringTemplate"])) == {"access_token", "phone_number_id", "app_secret",
                                                                  "flow_private_key"}
    # The feedback links' HMAC key: generated by Secrets Manager, nobody types or sees it.
    app_secret = next(v for k, v in secrets.items() if k.startswith("AppSecret"))
    assert "SecretString" not in app_secret
    generated = app_secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "signing_key"
    assert json.loads(generated["SecretStringTemplate"]) == {}
    assert generated["PasswordLength"] >= 32
    assert generated.get("ExcludePunctuation") is True and generated.get("IncludeSpace") is False


def test_the_functions_read_the_secrets_under_the_names_the_app_uses():
    """secrets_manager.get(NAME, …) reads <NAME>_SECRET_ARN: every NAME the app asks for has one."""
    import re

    names = set()
    for path in [REPO / "app.py", *sorted((REPO / "chalicelib").rglob("*.py"))]:
        names |= set(re.findall(r"secrets_manager\.get\(\s*[\"']([A-Z_]+)[\"']", path.read_text()))
    assert {"ZOOM", "WHATSAPP", "APP"} <= names
    assert {f"{n}_SECRET_ARN" for n in names} <= set(APP_ENV)


def test_ses_identity_and_outputs(template):
    (identity,) = resources(template, "AWS::SES::EmailIdentity").values()
    assert identity["Properties"]["EmailIdentity"] == MAIL_DOMAIN
    outputs = template["Outputs"]
    for key in ("SiteUrl", "ApiUrl", "UserPoolId", "UserPoolClientId", "DistributionDomainName"):
        assert key in outputs, key
    # The Meta webhook callback: the route app.py serves, behind /api on the site's own domain.
    from app import app as chalice_app

    assert "/webhooks/whatsapp" in chalice_app.routes
    assert set(chalice_app.routes["/webhooks/whatsapp"]) == {"GET", "POST"}
    assert outputs["WhatsAppWebhookUrl"]["Value"] == f"{SITE_URL}/api/webhooks/whatsapp"


# --- fast, in-process: tables follow the models ---------------------------------------------------


def _infra_importable():
    # Appended, never first: infra/ holds the CDK app's own app.py, which must not shadow the
    # project's app.py for tests that `import app` later.
    if str(INFRA) not in sys.path:
        sys.path.append(str(INFRA))


def _tables_template(models, stage):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    _infra_importable()
    from cleanclear_infra.tables import ModelTables, table_prefix, table_specs

    app = cdk.App()
    stack = cdk.Stack(app, "TablesOnly")
    ModelTables(stack, "Tables", specs=table_specs(models, table_prefix(stage)), protect=stage == "prod")
    return Template.from_stack(stack).to_json()


def _extra_model(prefix):
    from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
    from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, LocalSecondaryIndex
    from pynamodb.models import Model

    class ByDay(LocalSecondaryIndex):
        class Meta:
            index_name = "by_day"
            projection = IncludeProjection(["status"])

        consultant_id = UnicodeAttribute(hash_key=True)
        day = UnicodeAttribute(range_key=True)

    class ByRoom(GlobalSecondaryIndex):
        class Meta:
            index_name = "by_room"
            projection = KeysOnlyProjection()

        room = UnicodeAttribute(hash_key=True)

    class Slot(Model):
        class Meta:
            table_name = f"{prefix}-slots"
            region = "ap-southeast-3"

        consultant_id = UnicodeAttribute(hash_key=True)
        start = NumberAttribute(range_key=True)
        day = UnicodeAttribute()
        room = UnicodeAttribute()
        status = UnicodeAttribute()
        gone_at = TTLAttribute(null=True)
        by_day = ByDay()
        by_room = ByRoom()

    return Slot


def test_a_new_model_gets_its_table_with_keys_indexes_and_ttl():
    _require_toolchain()
    template = _tables_template([_extra_model("cleanclear-dev")], "dev")
    (table,) = template["Resources"].values()
    props = table["Properties"]
    assert props["TableName"] == "cleanclear-dev-slots"
    assert props["KeySchema"] == [
        {"AttributeName": "consultant_id", "KeyType": "HASH"},
        {"AttributeName": "start", "KeyType": "RANGE"},
    ]
    assert {"AttributeName": "start", "AttributeType": "N"} in props["AttributeDefinitions"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["TimeToLiveSpecification"] == {"AttributeName": "gone_at", "Enabled": True}
    (lsi,) = props["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by_day"
    assert lsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["status"]}
    (gsi,) = props["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_room" and gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    # dev: no deletion protection, removed with the stack
    assert props["DeletionProtectionEnabled"] is False
    assert table["DeletionPolicy"] == "Delete"


def test_a_model_outside_the_table_prefix_is_refused():
    _require_toolchain()
    _infra_importable()
    from cleanclear_infra.tables import table_spec

    with pytest.raises(ValueError, match="TABLE_PREFIX"):
        table_spec(_extra_model("someone-else"), "cleanclear-dev")


def test_load_models_uses_the_stage_prefix_even_after_the_app_imported_them():
    _require_toolchain()
    _infra_importable()
    from cleanclear_infra.tables import load_models

    before = os.environ.get("TABLE_PREFIX")
    try:
        names = sorted(m.Meta.table_name for m in load_models("prod"))
    finally:
        if before is None:
            os.environ.pop("TABLE_PREFIX", None)
        else:
            os.environ["TABLE_PREFIX"] = before
    from chalicelib.store import models

    assert names and all(n.startswith("cleanclear-prod-") for n in names)
    assert len(names) == len(models.ALL_MODELS)


# --- fast, in-process: every emitted metric has an alarm decision -----------------------------------


def _emitted_metrics():
    """{metric name: [(file:line, keyword names)]} of every metrics.emit("Name", …) in the app."""
    import ast

    found: dict[str, list[tuple[str, list[str]]]] = {}
    for path in [REPO / "app.py", *sorted((REPO / "chalicelib").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "metrics"):
                continue
            assert node.args and isinstance(node.args[0], ast.Constant), f"{path.name}:{node.lineno}: metric name not literal"
            found.setdefault(node.args[0].value, []).append(
                (f"{path.name}:{node.lineno}", [k.arg for k in node.keywords if k.arg not in ("value", "unit")])
            )
    return found


def test_every_emitted_metric_is_alarmed_or_deliberately_not():
    _require_toolchain()
    _infra_importable()
    from cleanclear_infra import stack

    from chalicelib.adapters import metrics

    emitted = _emitted_metrics()
    assert {"FailedMessages", "UnknownResends", "AllocationFailures", "ZoomFailures", "WhatsAppPaused", "WhatsAppRepliesFailed",
            "InsightsPaused"} <= set(emitted)
    assert set(stack.CUSTOM_METRICS) == {"FailedMessages", "UnknownResends", "AllocationFailures", "ZoomFailures", "WhatsAppPaused",
                                         "WhatsAppRepliesFailed", "InsightsPaused"}
    undecided = set(emitted) - set(stack.CUSTOM_METRICS) - set(stack.UNALARMED_METRICS)
    assert not undecided, f"new metric(s) {undecided}: add to CUSTOM_METRICS (alarm) or UNALARMED_METRICS (why not)"
    assert not set(stack.CUSTOM_METRICS) & set(stack.UNALARMED_METRICS)
    assert metrics.NAMESPACE == stack.CUSTOM_METRIC_NAMESPACE
    for name in stack.CUSTOM_METRICS:
        for where, extra_dimensions in emitted.get(name, []):
            # The alarm watches {Stage} only; another dimension would make a different metric.
            assert not extra_dimensions, f"{where}: {name} emitted with dimensions {extra_dimensions}"


def test_metrics_emit_writes_the_metric_the_alarm_watches(monkeypatch, capsys):
    from chalicelib.adapters import metrics

    monkeypatch.setenv("STAGE", "prod")
    metrics.emit("ZoomFailures")
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CleanClear" and directive["Dimensions"] == [["Stage"]]
    assert record["Stage"] == "prod" and record["ZoomFailures"] == 1


# --- fast, in-process: deploy settings -----------------------------------------------------------


def _settings(**context):
    _infra_importable()
    from cleanclear_infra.settings import settings_from_context

    return settings_from_context(lambda key: context.get(key))


def _settings_error(**context):
    _infra_importable()
    from cleanclear_infra.settings import SettingsError

    with pytest.raises(SettingsError) as info:
        _settings(**context)
    return str(info.value)


CONTACTS = {"contact_email": "cleanandclear@diskopukm.bogorkab.go.id", "contact_whatsapp": "+62 812-8100-2024"}


def test_settings_prod_needs_the_offices_real_contacts():
    prod = {"stage": "prod", "site_url": SITE_URL, "certificate_arn": CERTIFICATE_ARN}
    assert "CONTACT_EMAIL" in _settings_error(**prod, contact_whatsapp=CONTACTS["contact_whatsapp"])
    assert "CONTACT_EMAIL" in _settings_error(**prod, **{**CONTACTS, "contact_email": "cleanandclear@example.go.id"})
    assert "CONTACT_WHATSAPP" in _settings_error(**prod, **{**CONTACTS, "contact_whatsapp": "+62 812-0000-0000"})
    assert "contact_email=" in _settings_error(stage="dev", contact_email="not an address")
    settings, _ = _settings(**prod, **CONTACTS)
    assert settings.contact_email == CONTACTS["contact_email"]
    dev, _ = _settings(stage="dev")  # dev may keep the placeholders of site.json
    assert dev.contact_email is None


@pytest.mark.parametrize("written", ["0812-8100-2024", "+62 812-8100-2024", "6281281002024", "(0812) 8100 2024",
                                     "+62 812 8100 2024"])
def test_the_offices_number_is_accepted_as_people_write_it(written):
    prod = {"stage": "prod", "site_url": SITE_URL, "certificate_arn": CERTIFICATE_ARN}
    settings, _ = _settings(**prod, contact_email=CONTACTS["contact_email"], contact_whatsapp=written)
    assert settings.contact_whatsapp == "+62 812-8100-2024"
    assert "0812-3456-7890" in _settings_error(stage="dev", contact_whatsapp="kantor")


def test_the_readmes_prod_deploy_command_passes_every_setting_prod_needs_through_make():
    """The command infra/README.md gives, with a number written with spaces, reaches the CDK as
    one value per setting (make -n prints what would run; nothing is deployed)."""
    import shlex
    import subprocess

    readme = (REPO / "infra" / "README.md").read_text()
    command = re.search(r"^(make deploy STAGE=prod .*?)(?:\n(?!  ))", readme, re.S | re.M).group(1)
    args = shlex.split(command.replace("\\\n", " "))
    assert {"SITE_URL", "CERTIFICATE_ARN", "CONTACT_EMAIL", "CONTACT_WHATSAPP"} <= {a.split("=")[0] for a in args}
    args = [a if not a.startswith("CONTACT_WHATSAPP=") else "CONTACT_WHATSAPP=+62 812-8100-2024" for a in args]
    dry = subprocess.run([*args, "-n"], cwd=REPO, capture_output=True, text=True, timeout=120)
    line = next(line for line in dry.stdout.splitlines() if " deploy " in line and "-c stage=prod" in line)
    cdk_args = shlex.split(line[line.index("node_modules/.bin/cdk"):line.index("--require-approval")])
    assert "contact_whatsapp=+62 812-8100-2024" in cdk_args
    assert f"contact_email={CONTACTS['contact_email']}" in cdk_args


def test_the_deployed_pages_and_messages_carry_the_configured_contacts(template, synths):
    functions = resources(template, "AWS::Serverless::Function")
    assert all(f["Properties"]["Environment"]["Variables"]["CONTACT_EMAIL"] == CONTACTS["contact_email"]
               for f in functions.values())
    _infra_importable()
    from cleanclear_infra.settings import settings_from_context
    from cleanclear_infra.website import build_site

    settings, _ = settings_from_context(lambda key: {"stage": "prod", "site_url": SITE_URL,
                                                      "certificate_arn": CERTIFICATE_ARN, **CONTACTS}.get(key))
    page = (build_site(settings) / "privasi.html").read_text(encoding="utf-8")
    assert CONTACTS["contact_email"] in page and CONTACTS["contact_whatsapp"] in page
    assert "example.go.id" not in page and "0000-0000" not in page


def test_messages_use_the_configured_contacts(monkeypatch):
    from chalicelib.messages import render

    monkeypatch.setenv("CONTACT_WHATSAPP", CONTACTS["contact_whatsapp"])
    assert render.site_context()["contact_whatsapp"] == CONTACTS["contact_whatsapp"]


def test_settings_prod_needs_its_own_domain_with_a_us_east_1_certificate():
    assert "prod needs the site's own domain" in _settings_error(stage="prod")
    assert "CERTIFICATE_ARN" in _settings_error(stage="prod", site_url=SITE_URL)
    assert "CloudFront address" in _settings_error(stage="prod", site_url="https://d111111abcdef8.cloudfront.net")
    wrong_region = CERTIFICATE_ARN.replace("us-east-1", "ap-southeast-3")
    assert "us-east-1" in _settings_error(stage="prod", site_url=SITE_URL, certificate_arn=wrong_region)
    settings, region = _settings(stage="prod", site_url=f" {SITE_URL.upper()}/ ", certificate_arn=CERTIFICATE_ARN,
                                 **CONTACTS)
    assert (settings.site_url, settings.site_host, settings.own_domain) == (SITE_URL, SITE_HOST, True)
    assert settings.certificate_arn == CERTIFICATE_ARN and region == "ap-southeast-3"
    assert settings.zoom_provider == "zoom"


@pytest.mark.parametrize("bad", [
    "http://konsultasi.example.go.id", "konsultasi.example.go.id", "https://konsultasi.example.go.id/app",
    "https://konsultasi.example.go.id?x=1", "https://konsultasi.example.go.id:8443", "https://bad_host.example",
    "https://user@konsultasi.example.go.id",
])
def test_settings_site_url_is_an_https_origin(bad):
    assert "site_url=" in _settings_error(stage="dev", site_url=bad)


def test_settings_dev_runs_on_the_cloudfront_address_or_its_own_domain():
    settings, _ = _settings(stage="dev")
    assert settings.site_url is None and settings.zoom_provider == "local" and settings.app_options == ()
    settings, _ = _settings(stage="dev", site_url="https://d111111abcdef8.cloudfront.net/")
    assert settings.site_url == "https://d111111abcdef8.cloudfront.net" and not settings.own_domain
    assert settings.certificate_arn is None
    assert "only for a site with its own domain" in _settings_error(stage="dev", certificate_arn=CERTIFICATE_ARN)
    assert "CERTIFICATE_ARN" in _settings_error(stage="dev", site_url=SITE_URL)
    assert _settings(stage="dev", zoom_provider="zoom")[0].zoom_provider == "zoom"


def test_settings_zoom_stand_in_is_refused_for_prod_and_options_are_positive_numbers():
    prod = dict(stage="prod", site_url=SITE_URL, certificate_arn=CERTIFICATE_ARN)
    assert "refused for prod" in _settings_error(**prod, zoom_provider="local")
    assert "use one of" in _settings_error(stage="dev", zoom_provider="fake")
    assert "use one of" in _settings_error(stage="staging")
    for bad in ("0", "-3", "two", "1.5", "9999999"):
        assert "feedback_link_days=" in _settings_error(stage="dev", feedback_link_days=bad)
    settings, _ = _settings(**prod, **CONTACTS, feedback_link_days="7", retention_months="036", broadcast_per_minute="10")
    assert dict(settings.app_options) == {"FEEDBACK_LINK_DAYS": "7", "RETENTION_MONTHS": "36", "BROADCAST_PER_MINUTE": "10"}


# --- fast, in-process: make deploy's site address lookup (infra/site_url.py) ----------------------


def _site_url_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cleanclear_site_url_helper", INFRA / "site_url.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cloudformation():
    import botocore.session

    return botocore.session.get_session().create_client(
        "cloudformation", region_name="ap-southeast-3", aws_access_key_id="x", aws_secret_access_key="x"
    )


def test_site_url_helper_reads_the_deployed_stack_and_the_outputs_file(tmp_path):
    from botocore.stub import Stubber

    helper = _site_url_module()
    client = _cloudformation()
    stack = {"StackName": "CleanClear-dev", "CreationTime": "2026-11-01T00:00:00Z", "StackStatus": "UPDATE_COMPLETE"}
    with Stubber(client) as stub:
        stub.add_client_error("describe_stacks", "ValidationError", "Stack with id CleanClear-dev does not exist",
                              expected_params={"StackName": "CleanClear-dev"})
        stub.add_response("describe_stacks", {"Stacks": [{**stack, "Outputs": [
            {"OutputKey": "ApiUrl", "OutputValue": "https://d1.cloudfront.net/api"},
            {"OutputKey": "SiteUrl", "OutputValue": "https://d1.cloudfront.net"},
        ]}]})
        stub.add_response("describe_stacks", {"Stacks": [{**stack, "StackStatus": "ROLLBACK_COMPLETE"}]})
        stub.add_client_error("describe_stacks", "AccessDenied", "not allowed")
        assert helper.deployed_site_url(client, "dev") is None  # first deploy
        assert helper.deployed_site_url(client, "dev") == "https://d1.cloudfront.net"
        assert helper.deployed_site_url(client, "dev") is None  # a failed first create: no outputs
        with pytest.raises(Exception, match="not allowed"):  # anything else stops the deploy
            helper.deployed_site_url(client, "dev")
    outputs = tmp_path / "outputs-dev.json"
    outputs.write_text(json.dumps({"CleanClear-dev": {"SiteUrl": "https://d1.cloudfront.net/", "ApiUrl": "x"}}))
    assert helper.outputs_site_url(outputs, "dev") == "https://d1.cloudfront.net"
    assert helper.main(["outputs", str(outputs), "--stage", "dev"]) == 0
    assert helper.main(["outputs", str(outputs), "--stage", "prod"]) == 1


# --- the unattended work: timeouts, memory, schedules, background runs -------------------------------

def _period_seconds(expression: str) -> int:
    """The shortest gap between two firings of a rate(...) or cron(...) schedule."""
    import re

    rate = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if rate:
        return int(rate.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[rate.group(2).rstrip("s")]
    minutes = re.fullmatch(r"cron\((\S+) (\S+) .*\)", expression)
    assert minutes, expression
    minute, hour = minutes.group(1), minutes.group(2)
    if minute.startswith("0/"):
        return int(minute[2:]) * 60
    if "/" not in minute and "*" not in minute and "," not in minute and "-" not in minute and hour.isdigit():
        return 86400
    raise AssertionError(f"unknown schedule {expression}")


def test_every_function_has_the_timeout_and_memory_its_work_needs(template):
    """The timeouts and memory of .chalice/config.json reach the template, and no scheduled
    function can run longer than the gap to its next firing (runs do not pile up)."""
    config = json.loads((REPO / ".chalice" / "config.json").read_text())["lambda_functions"]
    from chalice.utils import to_cfn_resource_name

    fns = functions(template)
    by_id = {("APIHandler" if name == "api_handler" else to_cfn_resource_name(name)): (name, spec)
             for name, spec in config.items()}
    assert set(fns) == set(by_id), "every function has its own timeout and memory in .chalice/config.json"
    for fid, fn in fns.items():
        name, spec = by_id[fid]
        props = fn["Properties"]
        assert props["Timeout"] == spec["lambda_timeout"], name
        assert props["MemorySize"] == spec["lambda_memory_size"], name
        for event in props.get("Events", {}).values():
            if event["Type"] == "Schedule":
                assert props["Timeout"] < _period_seconds(event["Properties"]["Schedule"]), name
    assert fns["APIHandler"]["Properties"]["Timeout"] <= 30  # API Gateway answers within 29 s
    assert fns["Allocate"]["Properties"]["MemorySize"] >= 1024  # the allocator and 1,000s of bookings


def test_scheduled_invocations_are_dropped_not_queued_when_late(template):
    configs = resources(template, "AWS::Lambda::EventInvokeConfig")
    scheduled = {fid for fid, fn in functions(template).items()
                 if any(e["Type"] == "Schedule" for e in fn["Properties"].get("Events", {}).values())}
    assert scheduled and {c["Properties"]["FunctionName"] for c in configs.values()} == {
        f"cleanclear-prod-{fid}" for fid in scheduled}
    for c in configs.values():
        assert c["Properties"]["MaximumRetryAttempts"] == 0
        assert c["Properties"]["MaximumEventAgeInSeconds"] <= 60


def test_only_the_api_and_the_allocation_run_may_start_the_allocation_run(template):
    fns = functions(template)
    allocate = fns["Allocate"]["Properties"]
    assert allocate["FunctionName"] == "cleanclear-prod-Allocate"
    for fid in ("APIHandler", "Allocate"):
        assert fns[fid]["Properties"]["Environment"]["Variables"]["ALLOCATE_FUNCTION"] == "cleanclear-prod-Allocate"
    starters = set()
    for rid, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                if any(a.startswith("lambda:") for a in actions):
                    assert actions == ["lambda:InvokeFunction"] or actions == "lambda:InvokeFunction"
                    assert "cleanclear-prod-Allocate" in json.dumps(statement["Resource"])
                    starters.add(rid)
    roles = {fns[fid]["Properties"]["Role"]["Fn::GetAtt"][0] for fid in ("APIHandler", "Allocate")}
    assert starters == roles


def test_api_gateway_answers_in_the_apis_shape_and_language(template):
    """What API Gateway says itself (no token, wrong role, unknown path, throttled) reads like
    every other 4xx of the API: {"errors": {"_form": ...}} in Indonesian."""
    responses_ = template["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "THROTTLED", "DEFAULT_4XX",
            "DEFAULT_5XX"} <= set(responses_)
    assert responses_["UNAUTHORIZED"]["StatusCode"] == "401"
    for response in responses_.values():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body) == {"errors"} and body["errors"]["_form"]
        assert not any(word in body["errors"]["_form"] for word in ("Unauthorized", "Forbidden", "Missing"))
    assert "masuk" in json.loads(responses_["UNAUTHORIZED"]["ResponseTemplates"]["application/json"])["errors"]["_form"]


def test_mail_goes_through_a_configuration_set_whose_events_reach_the_app(template):
    (config_set,) = resources(template, "AWS::SES::ConfigurationSet").values()
    name = config_set["Properties"]["Name"]
    (destination,) = resources(template, "AWS::SES::ConfigurationSetEventDestination").values()
    dest = destination["Properties"]["EventDestination"]
    assert dest["Enabled"] is True and "EventBridgeDestination" in dest
    assert {"send", "delivery", "bounce", "reject", "renderingFailure"} <= set(dest["MatchingEventTypes"])
    functions = resources(template, "AWS::Serverless::Function")
    assert all(f["Properties"]["Environment"]["Variables"]["SES_CONFIGURATION_SET"] == name for f in functions.values())
    # The ses_events function is the target of a rule on SES's events.
    rules_ = [r for r in resources(template, "AWS::Events::Rule").values()
              if r["Properties"].get("EventPattern", {}).get("source") == ["aws.ses"]]
    events_ = [e for f in functions.values() for e in f["Properties"].get("Events", {}).values()
               if e.get("Properties", {}).get("Pattern", {}).get("source") == ["aws.ses"]]
    assert len(rules_) + len(events_) == 1
    # Sending is allowed through that configuration set too (SES checks both resources).
    statements = [s for p in resources(template, "AWS::IAM::Role").values()
                  for pol in p["Properties"].get("Policies", []) for s in pol["PolicyDocument"]["Statement"]
                  if s.get("Sid") == "SendMailFromOfficeDomain"]
    assert statements and all(any("configuration-set" in json.dumps(r) for r in s["Resource"]) for s in statements)


def test_the_local_site_server_sends_what_cloudfront_sends(template):
    """The browser tests run against the local site server: its headers are the policy's headers."""
    import threading
    import urllib.request
    from functools import partial
    from http.server import ThreadingHTTPServer

    from infra.cleanclear_infra import headers as policy
    from infra.local import site_server

    (headers,) = resources(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    config = headers["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    cloudfront = {
        "Content-Security-Policy": render(security["ContentSecurityPolicy"]["ContentSecurityPolicy"]),
        "Strict-Transport-Security": f"max-age={security['StrictTransportSecurity']['AccessControlMaxAgeSec']}",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
        **{h["Header"]: h["Value"] for h in config["CustomHeadersConfig"]["Items"]},
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(site_server.Handler, directory=str(site_server.SITE)))
    site_server.Handler.api_port = 9  # nothing listens there: /api answers 502, with the headers too
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for path in ("/", "/admin/", "/api/public/options"):
            try:
                answer = urllib.request.urlopen(base + path)
            except urllib.error.HTTPError as exc:
                answer = exc
            local = {name: answer.headers.get(name) for name in cloudfront}
            # The same values; only CloudFront's CSP also allows the stack's sign-in domain.
            expected = dict(cloudfront, **{"Content-Security-Policy": policy.csp()})
            assert local == expected, path
            assert cloudfront["Content-Security-Policy"] == policy.csp(
                cloudfront["Content-Security-Policy"].split("connect-src 'self' ")[1].split(";")[0])
    finally:
        server.shutdown()


def test_the_lambda_package_leaves_the_sdk_to_the_runtime_and_stays_under_12_mb(synths, tmp_path):
    """The deployed zip has no boto3/botocore (the Python Lambda runtime ships them), is at most
    12 MB, and the app imports from it with only the runtime's SDK beside it."""
    import zipfile

    _infra_importable()
    from cleanclear_infra.package import LIMIT_BYTES, provided_by_runtime

    out = synths["prod"][3]
    packages = [p for p in out.glob("asset.*.zip") if "chalicelib/__init__.py" in zipfile.ZipFile(p).namelist()]
    assert len(packages) == 1, packages
    package = packages[0]
    names = zipfile.ZipFile(package).namelist()
    assert not [n for n in names if provided_by_runtime(n)]
    assert not [n for n in names if n.startswith(("botocore", "boto3"))]
    assert package.stat().st_size <= LIMIT_BYTES, f"{package.stat().st_size / 1e6:.1f} MB"
    assert {"app.py", "chalicelib/api/public.py", "pynamodb/__init__.py", "jinja2/__init__.py"} <= set(names)

    code = tmp_path / "task"
    zipfile.ZipFile(package).extractall(code)
    runtime = tmp_path / "runtime"  # what /var/runtime holds: the SDK, nothing else of ours
    runtime.mkdir()
    import botocore

    site = Path(botocore.__file__).parents[1]
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py"):
        if (site / name).exists():
            (runtime / name).symlink_to(site / name)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{code}:{runtime}", "AWS_DEFAULT_REGION": "ap-southeast-3",
           "STAGE": "prod", "APP_STAGE": "prod", "TABLE_PREFIX": "cleanclear-prod", "AUTH_MODE": "cognito"}
    done = subprocess.run([sys.executable, "-S", "-c", "import app; print(len(app.app.routes))"], cwd=code, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip()) > 20


def test_deactivating_a_consultant_may_disable_their_account_and_nothing_more(template):
    """The functions may disable, enable and sign out users of the staff pool, of no other pool."""
    (pool_id,) = resources(template, "AWS::Cognito::UserPool")
    statements = [s for _, s in all_statements(template) if s.get("Sid") == "DisableDeactivatedStaff"]
    assert statements
    for s in statements:
        assert sorted(as_list(s["Action"])) == ["cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser",
                                                "cognito-idp:AdminUserGlobalSignOut"]
        assert refs_in(s["Resource"]) == {pool_id}
    assert not [s for _, s in all_statements(template) if any("cognito-idp:*" == a for a in as_list(s.get("Action", [])))]


def test_who_called_what_is_logged_privately_without_personal_data(template, dev_template):
    """API Gateway access logs (route templates, no IP), CloudFront standard logs and the site
    bucket's access logs, into private encrypted storage that deletes them after 90 days."""
    api = template["Resources"]["RestAPI"]
    setting = api["Properties"]["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert {"requestId", "route", "status"} <= set(fields)
    assert "$context.resourcePath" == fields["route"]  # the template path: no reference from the URL
    assert not any(v in setting["Format"] for v in ("sourceIp", "userAgent", "$context.path", "querystring"))
    groups = resources(template, "AWS::Logs::LogGroup")
    assert ref_id(setting["DestinationArn"]) in groups
    assert groups[ref_id(setting["DestinationArn"])]["Properties"]["RetentionInDays"] == 90
    (account,) = resources(template, "AWS::ApiGateway::Account").values()
    assert account["Properties"]["CloudWatchRoleArn"]

    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    log_bucket = ref_id(distribution["Properties"]["DistributionConfig"]["Logging"]["Bucket"])
    buckets = resources(template, "AWS::S3::Bucket")
    assert log_bucket in buckets
    props = buckets[log_bucket]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert [r["ExpirationInDays"] for r in props["LifecycleConfiguration"]["Rules"]] == [90]
    site = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    assert site and all(ref_id(b["Properties"]["LoggingConfiguration"]["DestinationBucketName"]) == log_bucket for b in site)
    dev_buckets = resources(dev_template, "AWS::S3::Bucket").values()
    assert [r["ExpirationInDays"] for b in dev_buckets if "LifecycleConfiguration" in b["Properties"]
            for r in b["Properties"]["LifecycleConfiguration"]["Rules"]] == [14]


def test_aws_waf_guards_cloudfront_in_prod_with_a_signup_rate_limit(synths, template, dev_template):
    """A us-east-1 stack holds the web ACL (CloudFront's WAF lives there): AWS managed rule groups
    and a rate limit on POST /api/registrations per client IP; the prod distribution uses it."""
    edge_path = synths["prod"][3] / "CleanClearEdge-prod.template.json"
    edge = json.loads(edge_path.read_text())
    (acl,) = resources(edge, "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "CLOUDFRONT" and props["DefaultAction"] == {"Allow": {}}
    groups = [r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in props["Rules"] if "ManagedRuleGroupStatement" in r["Statement"]]
    assert groups == ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                      "AWSManagedRulesKnownBadInputsRuleSet"]
    (limit,) = [r for r in props["Rules"] if r["Name"] == "SignupRateLimit"]
    rate = limit["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP" and rate["Limit"] == 100 and rate["EvaluationWindowSec"] == 300
    matches = [s["ByteMatchStatement"] for s in rate["ScopeDownStatement"]["AndStatement"]["Statements"]]
    assert {(m["SearchString"], m["PositionalConstraint"]) for m in matches} == {("/api/registrations", "STARTS_WITH"),
                                                                                  ("POST", "EXACTLY")}
    assert limit["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    assert "WebACLId" in distribution["Properties"]["DistributionConfig"]
    (dev_distribution,) = resources(dev_template, "AWS::CloudFront::Distribution").values()
    assert "WebACLId" not in dev_distribution["Properties"]["DistributionConfig"]  # off in dev unless waf=on
    assert not (synths["dev"][3] / "CleanClearEdge-dev.template.json").exists()


def test_the_waf_settings_are_checked():
    _infra_importable()
    from cleanclear_infra.settings import SettingsError, settings_from_context

    def ctx(**given):
        return lambda key: given.get(key)

    assert settings_from_context(ctx(stage="dev"))[0].waf is False
    assert settings_from_context(ctx(stage="dev", waf="on", waf_registration_limit="50"))[0].waf_registration_limit == 50
    for bad in ({"waf": "maybe"}, {"waf_registration_limit": "5"}, {"waf_registration_limit": "banyak"}):
        with pytest.raises(SettingsError):
            settings_from_context(ctx(stage="dev", **bad))


def test_the_published_flow_reaches_the_functions_and_a_wrong_id_is_refused():
    from cleanclear_infra.settings import SettingsError, settings_from_context

    given = {"stage": "dev", "whatsapp_flow_id": "1234567890123"}
    settings, _ = settings_from_context(given.get)
    assert settings.whatsapp_flow_id == "1234567890123"
    with pytest.raises(SettingsError, match="whatsapp_flow_id"):
        settings_from_context({"stage": "dev", "whatsapp_flow_id": "my-flow"}.get)
