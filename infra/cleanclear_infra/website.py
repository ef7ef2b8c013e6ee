"""The public site: a private S3 bucket behind CloudFront, `/api/*` routed to API Gateway, the
response-headers policy (CSP, HSTS...), the admin page's Cognito callback and the site content."""
from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import custom_resources as cr

from . import headers as headers_
from .settings import StageSettings
from .tables import REPO_ROOT

SITE_BUILD_DIR = REPO_ROOT / "static_site" / "_build"  # the local build (make run); deploys build their own

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

def build_site(settings: StageSettings) -> Path:
    """static_site/build.py into a fresh folder, with the stage's contacts."""
    spec = importlib.util.spec_from_file_location("cleanclear_site_build", REPO_ROOT / "static_site" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = Path(tempfile.mkdtemp(prefix=f"cleanclear-site-{settings.stage}-")) / "site"
    module.build(out, {"contact_email": settings.contact_email, "contact_whatsapp": settings.contact_whatsapp})
    return out


def log_days(settings: StageSettings) -> int:
    """Access logs are kept 90 days in prod (enough to answer "who called what" after an
    incident), 14 in dev."""
    return 90 if settings.prod else 14


def add_site(stack, settings: StageSettings) -> None:
    """Adds site_bucket, distribution and site_url to `stack` (the CleanClearStack)."""
    _add_buckets(stack, settings)
    _add_distribution(stack, settings, _security_headers(stack, settings))
    stack.site_url = (
        settings.site_url.rstrip("/")
        if settings.site_url
        else f"https://{stack.distribution.distribution_domain_name}"
    )
    admin_url = f"{stack.site_url}/admin/"
    if not settings.site_url:
        _set_sign_in_callback_later(stack, settings, admin_url)
    _deploy_pages(stack, settings, admin_url)


def _add_buckets(stack, settings: StageSettings) -> None:
    # Who called what: CloudFront's standard logs and the site bucket's access logs, private,
    # encrypted, kept LOG_DAYS then deleted by S3 (CloudFront writes with an ACL: object writer).
    stack.log_bucket = s3.Bucket(
        stack,
        "LogBucket",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.S3_MANAGED,
        object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
        lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(log_days(settings)))],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    stack.site_bucket = s3.Bucket(
        stack,
        "SiteBucket",
        server_access_logs_bucket=stack.log_bucket,
        server_access_logs_prefix="s3-site/",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.S3_MANAGED,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=False,
        # The content is rebuilt from the repo on every deploy; the bucket itself is kept so
        # a stack deletion never fails on a non-empty bucket.
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )


def _security_headers(stack, settings: StageSettings) -> cloudfront.ResponseHeadersPolicy:
    stage = settings.stage
    return cloudfront.ResponseHeadersPolicy(
        stack,
        "SecurityHeaders",
        response_headers_policy_name=f"cleanclear-{stage}-security-headers",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=headers_.csp(stack.auth_base_url),
                override=True,
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=cdk.Duration.seconds(headers_.HSTS_SECONDS),
                include_subdomains=False,
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption[headers_.FRAME_OPTIONS], override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy[headers_.REFERRER_POLICY.upper().replace("-", "_")], override=True
            ),
        ),
        custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
            custom_headers=[
                cloudfront.ResponseCustomHeader(
                    header="Permissions-Policy", value=headers_.PERMISSIONS_POLICY, override=True
                )
            ]
        ),
    )


def _add_distribution(stack, settings: StageSettings, headers: cloudfront.ResponseHeadersPolicy) -> None:
    """CloudFront: the site from the private bucket, /api/* to API Gateway, one set of headers."""
    stage = settings.stage
    api_domain = f"{stack.rest_api.ref}.execute-api.{stack.region}.{stack.url_suffix}"
    # The site's own domain name (prod): CloudFront answers to it with the office's ACM
    # certificate (us-east-1); DNS gets a CNAME to the DistributionDomainName output.
    certificate = (
        acm.Certificate.from_certificate_arn(stack, "SiteCertificate", settings.certificate_arn)
        if settings.own_domain
        else None
    )
    stack.distribution = cloudfront.Distribution(
        stack,
        "Site",
        comment=f"Clean & Clear {stage}: static site + /api",
        domain_names=[settings.site_host] if certificate else None,
        certificate=certificate,
        minimum_protocol_version=(
            cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if certificate else None
        ),
        default_root_object="index.html",
        web_acl_id=stack.web_acl_arn,
        enable_logging=True,
        log_bucket=stack.log_bucket,
        log_file_prefix="cloudfront/",
        price_class=cloudfront.PriceClass.PRICE_CLASS_200,  # includes the Jakarta edges
        http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        default_behavior=cloudfront.BehaviorOptions(
            origin=origins.S3BucketOrigin.with_origin_access_control(stack.site_bucket),
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
            cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            response_headers_policy=headers,
            compress=True,
            function_associations=[
                cloudfront.FunctionAssociation(
                    event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    function=cloudfront.Function(
                        stack,
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


def _set_sign_in_callback_later(stack, settings: StageSettings, admin_url: str) -> None:
    """The CloudFront domain exists only after the distribution, which depends (through the API)
    on the functions that need the client id: set the client's OAuth callback after both exist.
    The call carries the whole client definition (UpdateUserPoolClient resets what it is not
    given) and re-runs whenever that definition changes."""
    stage = settings.stage
    oauth_call = cr.AwsSdkCall(
        service="CognitoIdentityServiceProvider",
        action="updateUserPoolClient",
        parameters={
            "UserPoolId": stack.user_pool.user_pool_id,
            "ClientId": stack.user_pool_client_id,
            **stack.client_config,
            **stack.oauth_config,
            "CallbackURLs": [admin_url],
            "LogoutURLs": [admin_url],
        },
        physical_resource_id=cr.PhysicalResourceId.of(f"cleanclear-{stage}-admin-page-oauth"),
    )
    cr.AwsCustomResource(
        stack,
        "AdminPageClientOAuth",
        on_create=oauth_call,
        on_update=oauth_call,
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [
                iam.PolicyStatement(
                    actions=["cognito-idp:UpdateUserPoolClient"],
                    resources=[stack.user_pool.user_pool_arn],
                )
            ]
        ),
        install_latest_aws_sdk=False,
    )


def _deploy_pages(stack, settings: StageSettings, admin_url: str) -> None:
    # The pages are built here, for this stage, with its contacts (never a placeholder in prod).
    site_dir = build_site(settings)
    s3deploy.BucketDeployment(
        stack,
        "SiteContent",
        sources=[
            s3deploy.Source.asset(str(site_dir)),
            # The admin page reads how to sign in from admin/config.json (this replaces
            # the local-demo one from the build).
            s3deploy.Source.json_data(
                "admin/config.json",
                {
                    "auth": "cognito",
                    "domain": stack.auth_host,
                    "client_id": stack.user_pool_client_id,
                    "redirect_uri": admin_url,
                    "logout_uri": admin_url,
                    "scope": "openid email profile",
                },
            ),
        ],
        destination_bucket=stack.site_bucket,
        distribution=stack.distribution,
        distribution_paths=["/*"],
        prune=True,
        memory_limit=256,
        cache_control=[s3deploy.CacheControl.from_string("public, max-age=300")],
    )
