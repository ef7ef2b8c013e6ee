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
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ses as ses
from constructs import Construct

from chalicelib.api.http import GATEWAY_RESPONSES

from .alarms import CUSTOM_METRIC_NAMESPACE, CUSTOM_METRICS, UNALARMED_METRICS, add_alarms
from .secrets import add_secrets
from .settings import StageSettings
from .headers import CSP_TEMPLATE
from .website import DIRECTORY_INDEX_FUNCTION, SITE_BUILD_DIR, add_site
from .package import SlimChalice
from .policies import add_api_access_logs, app_access_policy
from .tables import REPO_ROOT, ModelTables, load_models, table_prefix, table_specs

__all__ = ["CleanClearStack", "StageSettings", "CUSTOM_METRICS", "UNALARMED_METRICS", "CUSTOM_METRIC_NAMESPACE",
           "CSP_TEMPLATE", "DIRECTORY_INDEX_FUNCTION", "SITE_BUILD_DIR"]


SCHEDULED_EVENT_MAX_AGE = 60  # seconds a scheduled invocation may wait for a free instance
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
    def __init__(self, scope: Construct, id: str, *, settings: StageSettings, web_acl_arn: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.web_acl_arn = web_acl_arn  # AWS WAF (edge.py), None when off
        self.settings = settings
        cdk.Tags.of(self).add("project", "clean-and-clear")
        cdk.Tags.of(self).add("stage", settings.stage)
        # DynamoDB: one table per PynamoDB model.
        self.table_specs = table_specs(load_models(settings.stage), table_prefix(settings.stage))
        self.tables = ModelTables(self, "Tables", specs=self.table_specs, protect=settings.prod)
        self.add_secrets()
        self.add_mail()
        self.add_staff_sign_in()
        self.add_app()
        self.configure_functions()
        self.grant_access()
        self.drop_late_schedules()
        self.configure_api()
        add_site(self, settings)  # private bucket behind CloudFront, /api/* to API Gateway
        add_alarms(self, settings)  # alarms to the office
        self.add_outputs()

    @property
    def retain(self) -> cdk.RemovalPolicy:
        return cdk.RemovalPolicy.RETAIN if self.settings.prod else cdk.RemovalPolicy.DESTROY

    def add_secrets(self) -> None:
        """The outside systems' credentials and the app's own generated keys (secrets.py)."""
        add_secrets(self)

    def add_mail(self) -> None:
        """The SES sending identity and the configuration set whose events settle e-mails."""
        settings, stage = self.settings, self.settings.stage
        self.email_identity = ses.EmailIdentity(
            self,
            "MailDomain",
            identity=ses.Identity.domain(settings.mail_domain),
        )
        self.email_identity_arn = self.format_arn(
            service="ses", resource="identity", resource_name=settings.mail_domain
        )
        # Every e-mail goes through this configuration set: its Send, Delivery, Bounce, Reject and
        # RenderingFailure events (tagged with the outbox record id) reach the ses_events function
        # through the default event bus and settle a send whose answer was lost.
        self.mail_events = ses.ConfigurationSet(
            self, "MailEvents", configuration_set_name=f"cleanclear-{stage}",
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
        )
        self.mail_events.add_event_destination(
            "ToEventBridge",
            destination=ses.EventDestination.event_bus(
                events.EventBus.from_event_bus_name(self, "DefaultBus", "default")),
            events=[ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE,
                    ses.EmailSendingEvent.REJECT, ses.EmailSendingEvent.RENDERING_FAILURE],
        )
        self.mail_events_arn = self.format_arn(
            service="ses", resource="configuration-set", resource_name=f"cleanclear-{stage}"
        )

    def add_staff_sign_in(self) -> None:
        """Cognito: the staff user pool, its groups (roles), the hosted sign-in and the admin page's client."""
        settings, stage, retain = self.settings, self.settings.stage, self.retain
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
            # Staff read every visitor's personal data: a second factor (an authenticator app) is
            # required at every sign-in, for admins and consultants alike.
            mfa=cognito.Mfa.REQUIRED,
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
        self.add_admin_page_client()

    def add_admin_page_client(self) -> None:
        """The admin page's sign-in: the Cognito hosted UI and the page's app client."""
        settings, stage = self.settings, self.settings.stage
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

    def add_app(self) -> None:
        """The Chalice app (Lambda functions, REST API, schedules), packaged for this stage."""
        stage, prefix = self.settings.stage, table_prefix(self.settings.stage)
        # chalice.cdk packages into ./chalice.out: give each synth its own working directory so
        # parallel synths (make synth, the tests) never share one. app.py removes it after synth.
        self.chalice_workdir = tempfile.mkdtemp(prefix="cleanclear-chalice-")
        chalice_scope = _ChaliceStageScope(self, "Api", chalice_stage=stage)
        previous_cwd = os.getcwd()
        os.chdir(self.chalice_workdir)
        try:
            self.chalice = SlimChalice(
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
        # function id -> its role id (each function has its own role: autogen_policy is false).
        self.function_roles = {
            fid: resources[fid]["Properties"]["Role"]["Fn::GetAtt"][0]
            for fid in self.function_ids
            if isinstance(resources[fid]["Properties"].get("Role"), dict)
        }
        self.scheduled_ids = sorted(
            fid for fid in self.function_ids
            if any(e.get("Type") == "Schedule" for e in resources[fid]["Properties"].get("Events", {}).values())
        )
        # Explicit names, so a function can be named (and invoked) before it exists: the API starts
        # the allocation run in the background, and a run that reaches its deadline continues itself.
        self.function_names = {fid: f"cleanclear-{stage}-{fid}" for fid in self.function_ids}

    def configure_functions(self) -> None:
        """Every function's environment, name and log group."""
        settings, stage, retain, prefix = self.settings, self.settings.stage, self.retain, table_prefix(self.settings.stage)
        environment = {
            "ALLOCATE_FUNCTION": self.function_names.get("Allocate", ""),
            "TABLE_PREFIX": prefix,
            "AUTH_MODE": "cognito",
            "COGNITO_REGION": self.region,
            "COGNITO_USER_POOL_ID": self.user_pool.user_pool_id,
            "COGNITO_APP_CLIENT_ID": self.user_pool_client_id,
            "ZOOM_SECRET_ARN": self.zoom_secret.secret_arn,
            "WHATSAPP_SECRET_ARN": self.whatsapp_secret.secret_arn,
            "META_INSIGHTS_SECRET_ARN": self.meta_insights_secret.secret_arn,
            "APP_SECRET_ARN": self.app_secret.secret_arn,
            "SES_FROM_ADDRESS": settings.mail_from,
            "SES_CONFIGURATION_SET": f"cleanclear-{stage}",
            "METRICS_NAMESPACE": CUSTOM_METRIC_NAMESPACE,
            "ZOOM_PROVIDER": settings.zoom_provider,
            **{k: v for k, v in (("CONTACT_EMAIL", settings.contact_email),
                                 ("CONTACT_WHATSAPP", settings.contact_whatsapp),
                                 ("WHATSAPP_FLOW_ID", settings.whatsapp_flow_id)) if v},
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
            self.chalice.get_resource(function_id).add_property_override("FunctionName", self.function_names[function_id])
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
            # JSON lines with the request id (Lambda's JSON log format); the app logs ids and
            # counts only, never personal data.
            self.chalice.get_resource(function_id).add_property_override(
                "LoggingConfig", {"LogGroup": log_group.log_group_name, "LogFormat": "JSON",
                                  "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN"}
            )

    def grant_access(self) -> None:
        """Least privilege, one inline policy per function role."""
        settings = self.settings
        # Least privilege: Chalice creates one role per function (autogen_policy is false); each
        # gets exactly this inline policy plus the AWS basic execution role (CloudWatch Logs).
        table_arns: list[str] = []
        for table in self.tables.tables.values():
            table_arns += [table.table_arn, f"{table.table_arn}/index/*"]
        app_policy = app_access_policy(self, table_arns, self.email_identity_arn, self.mail_events_arn, settings)
        basic_execution = iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AWSLambdaBasicExecutionRole"
        )
        # Starting the allocation run in the background: the API ("run now") and the run itself
        # (it continues in a fresh invocation when its deadline came first). Nobody else.
        allocate_arn = self.format_arn(service="lambda", resource="function",
                                       resource_name=self.function_names.get("Allocate", "none"),
                                       arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
        invoke_policy = iam.PolicyDocument(statements=[iam.PolicyStatement(
            sid="StartTheAllocationRun", actions=["lambda:InvokeFunction"], resources=[allocate_arn])])
        starters = {self.function_roles.get("APIHandler"), self.function_roles.get("Allocate")}
        for role_id in self.role_ids:
            role = self.chalice.get_resource(role_id)
            policies = [{"PolicyName": f"{role_id}AppAccess", "PolicyDocument": app_policy}]
            if role_id in starters:
                policies.append({"PolicyName": f"{role_id}StartAllocation", "PolicyDocument": invoke_policy})
            role.add_property_override("Policies", policies)
            role.add_property_override("ManagedPolicyArns", [basic_execution.managed_policy_arn])

    def drop_late_schedules(self) -> None:
        """Scheduled invocations that could not start in time are dropped, never queued."""
        # Scheduled functions: an invocation that could not start in time (throttled, or a run
        # still going) is dropped, never queued behind the next one: the next schedule does it.
        for function_id in self.scheduled_ids:
            lambda_.CfnEventInvokeConfig(
                self, f"{function_id}AsyncConfig",
                function_name=self.function_names[function_id], qualifier="$LATEST",
                maximum_retry_attempts=0, maximum_event_age_in_seconds=SCHEDULED_EVENT_MAX_AGE,
            ).add_dependency(self.chalice.get_resource(function_id))

    def configure_api(self) -> None:
        """API Gateway: stage throttling, access logs, and its own answers in the API's shape."""
        settings = self.settings
        # API Gateway stage throttling (blunts spam and runaway clients).
        self.rest_api = self.chalice.get_resource("RestAPI")
        add_api_access_logs(self, self.rest_api, settings)
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

        # What API Gateway answers itself (no token, wrong role, unknown path, throttled) in the
        # API's own shape and language: {"errors": {"_form": "..."}} in Indonesian.
        gateway_responses = {}
        for response_type, (status, message) in GATEWAY_RESPONSES.items():
            response = {
                "ResponseTemplates": {"application/json": json.dumps({"errors": {"_form": message}})},
                "ResponseParameters": {"Headers": {"Cache-Control": "'no-store'"}},
            }
            if status:
                response["StatusCode"] = status
            gateway_responses[response_type] = response
        self.rest_api.add_property_override("GatewayResponses", gateway_responses)

    def add_outputs(self) -> None:
        """What the deploy prints: addresses, ids, the secrets' names, the DNS records to add."""
        settings, stage = self.settings, self.settings.stage
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
