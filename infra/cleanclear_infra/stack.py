"""The Clean & Clear stack: the Chalice app (Lambda + API Gateway) and everything around it.

One stack per stage (dev, prod). Resource names carry the stage; tables are derived from the
PynamoDB models (see tables.py). Read infra/README.md for the deploy walkthrough.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import custom_resources as cr
from chalice.cdk import Chalice
from constructs import Construct

from .settings import StageSettings
from .tables import REPO_ROOT, ModelTables, load_models, table_prefix, table_specs

__all__ = ["CleanClearStack", "StageSettings"]

SITE_BUILD_DIR = REPO_ROOT / "static_site" / "_build"

# CloudFront serves index.html only for "/" by itself: map "/admin/" to "/admin/index.html" and
# send "/admin" to "/admin/" so the page's relative links resolve.
DIRECTORY_INDEX_FUNCTION = """
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    var query = [];
    for (var key in request.querystring) {
      var item = request.querystring[key];
      var values = item.multiValue ? item.multiValue : [item];
      for (var i = 0; i < values.length; i++) {
        query.push(encodeURIComponent(key) + '=' + encodeURIComponent(values[i].value));
      }
    }
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: uri + '/' + (query.length ? '?' + query.join('&') : '') } }
    };
  }
  return request;
}
"""

# Same-origin pages only. connect-src also allows the stack's own Cognito hosted-UI domain: the
# staff admin page exchanges its sign-in code for tokens there (POST /oauth2/token).
CSP_TEMPLATE = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' {auth}; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)

# DynamoDB item-level actions the app may use. TransactWriteItems / TransactGetItems have no IAM
# action of their own: they are authorised per item as Put/Update/Delete/ConditionCheck/GetItem.
# Scan is deliberately absent: every request path reads by key or by index (Query).
DYNAMODB_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]

# Custom metrics the app emits (chalicelib/metrics.py: CloudWatch embedded metric format), with
# exactly one dimension Stage. Each of these raises an alarm at any value >= 1 in 5 minutes.
CUSTOM_METRIC_NAMESPACE = "CleanClear"
CUSTOM_METRICS = {
    "FailedMessages": "A WhatsApp / e-mail message failed for good (after its retries); see Kotak keluar.",
    "AllocationFailures": "An allocation run crashed; waiting registrations got no session in it.",
    "ZoomFailures": (
        "A Zoom meeting could not be created/changed for good, or Zoom is not configured while "
        "online sessions wait for a link; see the session's meeting state (gagal)."
    ),
}
# Metrics the app emits that deliberately raise no alarm (the infra tests require every emitted
# metric to be in one of the two lists, so a new one gets a decision).
UNALARMED_METRICS = {
    "AllocationConflicts": (
        "A slot was taken by a concurrent change (staff booking by hand) during an allocation run; "
        "the registration stays in the queue for the next run. Normal, not an incident."
    ),
}

API_THROTTLE_RATE = 20  # requests per second, steady state, for the whole stage
API_THROTTLE_BURST = 40


class _ChaliceStageScope(Construct):
    """A scope whose ``to_string()`` is the Chalice stage name.

    ``chalice.cdk.Chalice`` packages the app for the stage named ``scope.to_string()``; giving it
    this scope makes it use the ``dev`` / ``prod`` stage of .chalice/config.json (environment
    variables, per-function settings) exactly as ``chalice deploy --stage`` would.
    """

    def __init__(self, scope: Construct, id: str, *, chalice_stage: str) -> None:
        super().__init__(scope, id)
        self._chalice_stage = chalice_stage

    def to_string(self) -> str:  # called by chalice.cdk.Chalice (Python side)
        return self._chalice_stage


def _placeholder_policy_file(directory: str) -> str:
    """Chalice (autogen_policy false) needs a policy file; its content is replaced below."""
    path = os.path.join(directory, "placeholder-policy.json")
    with open(path, "w") as f:
        json.dump(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Deny", "Action": "dynamodb:Scan", "Resource": "*", "Sid": "Placeholder"}
                ],
            },
            f,
        )
    return path


class CleanClearStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, settings: StageSettings, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.settings = settings
        stage = settings.stage
        prefix = table_prefix(stage)
        retain = cdk.RemovalPolicy.RETAIN if settings.prod else cdk.RemovalPolicy.DESTROY
        cdk.Tags.of(self).add("project", "clean-and-clear")
        cdk.Tags.of(self).add("stage", stage)

        # --- DynamoDB: one table per PynamoDB model -------------------------------------------
        self.table_specs = table_specs(load_models(stage), prefix)
        self.tables = ModelTables(self, "Tables", specs=self.table_specs, protect=settings.prod)

        # --- Secrets (filled in by hand after the first deploy; see README) --------------------
        self.zoom_secret = secretsmanager.Secret(
            self,
            "ZoomSecret",
            secret_name=f"cleanclear/{stage}/zoom",
            description=(
                "Zoom Server-to-Server OAuth app of the office: account_id, client_id, client_secret; "
                "optional user_id (the Zoom user who hosts the meetings; empty = me, the app's owner)"
            ),
            secret_object_value={
                "account_id": cdk.SecretValue.unsafe_plain_text(""),
                "client_id": cdk.SecretValue.unsafe_plain_text(""),
                "client_secret": cdk.SecretValue.unsafe_plain_text(""),
                "user_id": cdk.SecretValue.unsafe_plain_text(""),
            },
            removal_policy=retain,
        )
        self.whatsapp_secret = secretsmanager.Secret(
            self,
            "WhatsAppSecret",
            secret_name=f"cleanclear/{stage}/whatsapp",
            description=(
                "WhatsApp Cloud API: access_token, phone_number_id, app_secret; verify_token is "
                "generated (paste it into the Meta webhook settings)"
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(
                    {"access_token": "", "phone_number_id": "", "app_secret": ""}
                ),
                generate_string_key="verify_token",
                exclude_punctuation=True,
                include_space=False,
                password_length=40,
            ),
            removal_policy=retain,
        )
        # The app's own keys, generated by Secrets Manager at the first deploy and never typed by
        # anyone: signing_key signs the private feedback links (HMAC-SHA256, chalicelib/feedback.py).
        # Replacing it invalidates every feedback link already sent.
        self.app_secret = secretsmanager.Secret(
            self,
            "AppSecret",
            secret_name=f"cleanclear/{stage}/app",
            description="Generated keys of the app: signing_key (feedback links). Do not edit.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}),
                generate_string_key="signing_key",
                exclude_punctuation=True,
                include_space=False,
                password_length=64,
            ),
            removal_policy=retain,
        )

        # --- SES sending identity --------------------------------------------------------------
        self.email_identity = ses.EmailIdentity(
            self,
            "MailDomain",
            identity=ses.Identity.domain(settings.mail_domain),
        )
        email_identity_arn = self.format_arn(
            service="ses", resource="identity", resource_name=settings.mail_domain
        )

        # --- Cognito: staff sign-in --------------------------------------------------------------
        self.user_pool = cognito.UserPool(
            self,
            "StaffUserPool",
            user_pool_name=f"cleanclear-{stage}-staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            custom_attributes={
                "consultant_id": cognito.StringAttribute(min_len=1, max_len=64, mutable=True),
            },
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(3),
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            user_invitation=cognito.UserInvitationConfig(
                email_subject="Akun staf Clean & Clear",
                email_body=(
                    "Akun staf Clean & Clear Anda sudah dibuat. Nama pengguna: {username} "
                    "Kata sandi sementara: {####} (berlaku 3 hari; Anda akan diminta menggantinya)."
                ),
            ),
            deletion_protection=settings.prod,
            removal_policy=retain,
        )
        for name, precedence, description in (
            ("admin", 0, "Office administrators and coordinators: everything"),
            ("konsultan", 10, "Consultants: their own sessions, attendance and notes"),
        ):
            cognito.CfnUserPoolGroup(
                self,
                f"Group{name.title()}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=name,
                precedence=precedence,
                description=description,
            )
        # The admin page signs staff in through the Cognito hosted UI (authorization code + PKCE,
        # no client secret) and sends the ID token to the API.
        domain_prefix = settings.auth_domain_prefix or cdk.Fn.join(
            "-", ["cleanclear", stage, cdk.Aws.ACCOUNT_ID]
        )
        self.user_pool_domain = self.user_pool.add_domain(
            "StaffSignIn",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix),
        )
        self.auth_host = f"{self.user_pool_domain.domain_name}.auth.{self.region}.amazoncognito.com"
        self.auth_base_url = f"https://{self.auth_host}"
        # One definition of the client, used for the CloudFormation resource and (when the site
        # URL is only known after CloudFront exists) for the UpdateUserPoolClient call below.
        self.client_config: dict[str, Any] = {
            "ClientName": f"cleanclear-{stage}-admin-page",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED",
            "EnableTokenRevocation": True,
            "AccessTokenValidity": 1,
            "IdTokenValidity": 1,
            "RefreshTokenValidity": 12,
            "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "hours"},
            "ReadAttributes": ["email", "email_verified", "name", "custom:consultant_id"],
            # Staff may not set their own consultant_id (that would let them read another
            # consultant's sessions): only admins, through the AWS API, can write it.
            "WriteAttributes": ["name"],
            "SupportedIdentityProviders": ["COGNITO"],
        }
        self.oauth_config: dict[str, Any] = {
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "profile"],
        }
        self.user_pool_client = cognito.CfnUserPoolClient(
            self, "AdminPageClient", user_pool_id=self.user_pool.user_pool_id, generate_secret=False
        )
        client_props = dict(self.client_config)
        if settings.site_url:
            client_props.update(self.oauth_config)
            client_props["CallbackURLs"] = [f"{settings.site_url.rstrip('/')}/admin/"]
            client_props["LogoutURLs"] = [f"{settings.site_url.rstrip('/')}/admin/"]
        for key, value in client_props.items():
            self.user_pool_client.add_property_override(key, value)
        self.user_pool_client_id = self.user_pool_client.ref

        # --- The Chalice app (Lambda functions, REST API, schedules) ------------------------------
        # chalice.cdk packages into ./chalice.out: give each synth its own working directory so
        # parallel synths (make synth, the tests) never share one. app.py removes it after synth.
        self.chalice_workdir = tempfile.mkdtemp(prefix="cleanclear-chalice-")
        chalice_scope = _ChaliceStageScope(self, "Api", chalice_stage=stage)
        previous_cwd = os.getcwd()
        os.chdir(self.chalice_workdir)
        try:
            self.chalice = Chalice(
                chalice_scope,
                "ChaliceApp",
                source_dir=str(REPO_ROOT),
                stage_config={
                    "api_gateway_stage": "api",
                    "api_gateway_endpoint_type": "REGIONAL",
                    "autogen_policy": False,
                    "iam_policy_file": _placeholder_policy_file(self.chalice_workdir),
                    "environment_variables": {
                        "STAGE": stage,
                        "APP_STAGE": stage,
                        "TABLE_PREFIX": prefix,
                        "AUTH_MODE": "cognito",
                    },
                },
            )
        finally:
            os.chdir(previous_cwd)
        sam = json.loads(Path(self.chalice._sam_package_dir, "sam.json").read_text())
        resources = sam["Resources"]
        self.function_ids = sorted(
            k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"
        )
        self.role_ids = sorted(k for k, v in resources.items() if v["Type"] == "AWS::IAM::Role")

        environment = {
            "TABLE_PREFIX": prefix,
            "AUTH_MODE": "cognito",
            "COGNITO_REGION": self.region,
            "COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
            "COGNITO_APP_CLIENT_ID": self.user_pool_client_id,
            "ZOOM_SECRET_ARN": self.zoom_secret.secret_arn,
            "WHATSAPP_SECRET_ARN": self.whatsapp_secret.secret_arn,
            "APP_SECRET_ARN": self.app_secret.secret_arn,
            "SES_FROM_ADDRESS": settings.mail_from,
            "METRICS_NAMESPACE": CUSTOM_METRIC_NAMESPACE,
            "ZOOM_PROVIDER": settings.zoom_provider,
            **dict(settings.app_options),
        }
        if settings.site_url:
            environment["SITE_URL"] = settings.site_url
        else:
            # Only a dev stage's first deploy (settings.py refuses prod without it): the CloudFront
            # address cannot be given to the functions in the same deploy (dependency cycle).
            cdk.Annotations.of(self).add_warning_v2(
                "cleanclear:no-site-url",
                "SITE_URL is not set: messages with links fail until the stack is deployed again "
                "with site_url=<SiteUrl output> (`make deploy` does this second pass by itself).",
            )
        for function_id in self.function_ids:
            for key, value in environment.items():
                self.chalice.add_environment_variable(key, value, function_id)
            # Log retention (UU PDP: keep no longer than needed). The log group exists before the
            # function, so Lambda never creates an unmanaged one. (Chalice's own
            # log_retention_in_days breaks the API handler's template in chalice 1.34.)
            log_group = logs.LogGroup(
                self,
                f"{function_id}Logs",
                log_group_name=f"/aws/lambda/cleanclear-{stage}-{function_id}",
                retention=logs.RetentionDays.THREE_MONTHS if settings.prod else logs.RetentionDays.TWO_WEEKS,
                removal_policy=retain,
            )
            self.chalice.get_resource(function_id).add_property_override(
                "LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "Text"}
            )

        # Least privilege: Chalice creates one role per function (autogen_policy is false); each
        # gets exactly this inline policy plus the AWS basic execution role (CloudWatch Logs).
        table_arns: list[str] = []
        for table in self.tables.tables.values():
            table_arns += [table.table_arn, f"{table.table_arn}/index/*"]
        app_policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="TablesItemAccessNoScan",
                    actions=DYNAMODB_ACTIONS,
                    resources=table_arns,
                ),
                iam.PolicyStatement(
                    sid="ReadAppSecrets",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[
                        self.zoom_secret.secret_arn,
                        self.whatsapp_secret.secret_arn,
                        self.app_secret.secret_arn,
                    ],
                ),
                # SES v2 SendEmail; raw content (the iCalendar invitations) is authorised as
                # SendRawEmail. Only from SES_FROM_ADDRESS (pass it as FromEmailAddress).
                iam.PolicyStatement(
                    sid="SendMailFromOfficeDomain",
                    actions=["ses:SendEmail", "ses:SendRawEmail"],
                    resources=[email_identity_arn],
                    conditions={"StringEquals": {"ses:FromAddress": settings.mail_from}},
                ),
            ]
        )
        basic_execution = iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AWSLambdaBasicExecutionRole"
        )
        for role_id in self.role_ids:
            role = self.chalice.get_resource(role_id)
            role.add_property_override(
                "Policies", [{"PolicyName": f"{role_id}AppAccess", "PolicyDocument": app_policy}]
            )
            role.add_property_override("ManagedPolicyArns", [basic_execution.managed_policy_arn])

        # API Gateway stage throttling (blunts spam and runaway clients).
        self.rest_api = self.chalice.get_resource("RestAPI")
        self.rest_api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": API_THROTTLE_RATE,
                    "ThrottlingBurstLimit": API_THROTTLE_BURST,
                }
            ],
        )

        # --- Static site: private bucket behind CloudFront, /api/* to API Gateway ------------------
        self.site_bucket = s3.Bucket(
            self,
            "SiteBucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,
            # The content is rebuilt from the repo on every deploy; the bucket itself is kept so
            # a stack deletion never fails on a non-empty bucket.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"cleanclear-{stage}-security-headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CSP_TEMPLATE.format(auth=self.auth_base_url),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365),
                    include_subdomains=False,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                # Private links carry a token in the URL fragment: never leak the URL onward.
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(
                        header="Permissions-Policy",
                        value="camera=(), microphone=(), geolocation=(), payment=()",
                        override=True,
                    )
                ]
            ),
        )
        api_domain = f"{self.rest_api.ref}.execute-api.{self.region}.{self.url_suffix}"
        # The site's own domain name (prod): CloudFront answers to it with the office's ACM
        # certificate (us-east-1); DNS gets a CNAME to the DistributionDomainName output.
        certificate = (
            acm.Certificate.from_certificate_arn(self, "SiteCertificate", settings.certificate_arn)
            if settings.own_domain
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Site",
            comment=f"Clean & Clear {stage}: static site + /api",
            domain_names=[settings.site_host] if certificate else None,
            certificate=certificate,
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None
            ),
            default_root_object="index.html",
            price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes the Jakarta edges
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.site_bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                        function=cloudfront.Function(
                            self,
                            "DirectoryIndex",
                            code=cloudfront.FunctionCode.from_inline(DIRECTORY_INDEX_FUNCTION),
                            runtime=cloudfront.FunctionRuntime.JS_2_0,
                            comment="/dir/ -> /dir/index.html; /dir -> 301 /dir/",
                        ),
                    )
                ],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    # The REST API's stage is "api": /api/registrations -> stage api, /registrations.
                    origin=origins.HttpOrigin(
                        api_domain,
                        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
                        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
                    ),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    # Every viewer header but Host reaches API Gateway: Authorization, the WhatsApp
                    # webhook signature, and Accept, which decides whether a binary answer (poster
                    # PNG, XLSX report; binaryMediaTypes from app.api.binary_types) is sent as binary.
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=headers,
                    compress=True,
                )
            },
        )
        self.site_url = (
            settings.site_url.rstrip("/")
            if settings.site_url
            else f"https://{self.distribution.distribution_domain_name}"
        )
        admin_url = f"{self.site_url}/admin/"
        if not settings.site_url:
            # The CloudFront domain exists only after the distribution, which depends (through the
            # API) on the functions that need the client id: set the client's OAuth callback after
            # both exist. The call carries the whole client definition (UpdateUserPoolClient
            # resets what it is not given) and re-runs whenever that definition changes.
            oauth_call = cr.AwsSdkCall(
                service="CognitoIdentityServiceProvider",
                action="updateUserPoolClient",
                parameters={
                    "UserPoolId": self.user_pool.user_pool_id,
                    "ClientId": self.user_pool_client_id,
                    **self.client_config,
                    **self.oauth_config,
                    "CallbackURLs": [admin_url],
                    "LogoutURLs": [admin_url],
                },
                physical_resource_id=cr.PhysicalResourceId.of(f"cleanclear-{stage}-admin-page-oauth"),
            )
            cr.AwsCustomResource(
                self,
                "AdminPageClientOAuth",
                on_create=oauth_call,
                on_update=oauth_call,
                policy=cr.AwsCustomResourcePolicy.from_statements(
                    [
                        iam.PolicyStatement(
                            actions=["cognito-idp:UpdateUserPoolClient"],
                            resources=[self.user_pool.user_pool_arn],
                        )
                    ]
                ),
                install_latest_aws_sdk=False,
            )
        if SITE_BUILD_DIR.is_dir() and any(SITE_BUILD_DIR.iterdir()):
            s3deploy.BucketDeployment(
                self,
                "SiteContent",
                sources=[
                    s3deploy.Source.asset(str(SITE_BUILD_DIR)),
                    # The admin page reads how to sign in from admin/config.json (this replaces
                    # the local-demo one from the build).
                    s3deploy.Source.json_data(
                        "admin/config.json",
                        {
                            "auth": "cognito",
                            "domain": self.auth_host,
                            "client_id": self.user_pool_client_id,
                            "redirect_uri": admin_url,
                            "logout_uri": admin_url,
                            "scope": "openid email profile",
                        },
                    ),
                ],
                destination_bucket=self.site_bucket,
                distribution=self.distribution,
                distribution_paths=["/*"],
                prune=True,
                memory_limit=256,
                cache_control=[s3deploy.CacheControl.from_string("public, max-age=300")],
            )
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "cleanclear:no-site-build",
                f"{SITE_BUILD_DIR} is missing: the site bucket stays empty. "
                "Run `python static_site/build.py` (make synth does) before deploying.",
            )

        # --- Alarms to the office -----------------------------------------------------------------
        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=f"cleanclear-{stage}-alarms",
            display_name=f"Clean & Clear {stage} alarms",
            enforce_ssl=True,
        )
        if settings.alarm_email:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
        alarm_action = cw_actions.SnsAction(self.alarm_topic)

        def alarm(id: str, metric: cloudwatch.Metric, description: str) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(
                self,
                id,
                alarm_description=description,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            created.add_alarm_action(alarm_action)
            return created

        for function_id in self.function_ids:
            alarm(
                f"{function_id}Errors",
                cloudwatch.Metric(
                    namespace="AWS/Lambda",
                    metric_name="Errors",
                    dimensions_map={"FunctionName": self.chalice.get_resource(function_id).ref},
                    statistic="Sum",
                    period=cdk.Duration.minutes(5),
                ),
                f"Clean & Clear {stage}: function {function_id} raised errors",
            )
        for metric_name, description in CUSTOM_METRICS.items():
            alarm(
                f"{metric_name}Alarm",
                cloudwatch.Metric(
                    namespace=CUSTOM_METRIC_NAMESPACE,
                    metric_name=metric_name,
                    dimensions_map={"Stage": stage},
                    statistic="Sum",
                    period=cdk.Duration.minutes(5),
                ),
                f"Clean & Clear {stage}: {description}",
            )

        # --- Outputs ------------------------------------------------------------------------------
        cdk.CfnOutput(self, "SiteUrl", value=self.site_url, description="The public site")
        cdk.CfnOutput(self, "ApiUrl", value=f"{self.site_url}/api", description="The API, same origin")
        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(self, "UserPoolClientId", value=self.user_pool_client_id)
        cdk.CfnOutput(self, "StaffSignInUrl", value=self.auth_base_url)
        cdk.CfnOutput(self, "AdminPageUrl", value=f"{self.site_url}/admin/")
        cdk.CfnOutput(self, "SiteBucketName", value=self.site_bucket.bucket_name)
        cdk.CfnOutput(self, "DistributionId", value=self.distribution.distribution_id)
        cdk.CfnOutput(
            self,
            "DistributionDomainName",
            value=self.distribution.distribution_domain_name,
            description="CNAME target of the site's own domain name",
        )
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.alarm_topic.topic_arn)
        cdk.CfnOutput(self, "ZoomSecretName", value=f"cleanclear/{stage}/zoom")
        cdk.CfnOutput(self, "WhatsAppSecretName", value=f"cleanclear/{stage}/whatsapp")
        cdk.CfnOutput(
            self,
            "WhatsAppWebhookUrl",
            value=f"{self.site_url}/api/webhooks/whatsapp",
            description="Callback URL for the Meta app's WhatsApp webhook (verify token: in the whatsapp secret)",
        )
        for i, record in enumerate(self.email_identity.dkim_records):
            cdk.CfnOutput(
                self,
                f"DkimRecord{i + 1}",
                value=cdk.Fn.join(" ", [record.name, "CNAME", record.value]),
                description=f"DNS record {i + 1}/3 to add for {settings.mail_domain} (SES DKIM)",
            )
