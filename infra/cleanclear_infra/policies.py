"""The one inline policy every function of the app gets: items of its own tables (no Scan), its
own secrets, mail from the office's address, and the staff pool's deactivation calls."""
from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs

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


def app_access_policy(stack, table_arns: list[str], email_identity_arn: str, mail_events_arn: str,
                      settings) -> iam.PolicyDocument:
    return iam.PolicyDocument(
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
                    stack.zoom_secret.secret_arn,
                    stack.whatsapp_secret.secret_arn,
                    stack.meta_insights_secret.secret_arn,
                    stack.app_secret.secret_arn,
                ],
            ),
            # SES v2 SendEmail; raw content (the iCalendar invitations) is authorised as
            # SendRawEmail. Only from SES_FROM_ADDRESS (pass it as FromEmailAddress).
            # A consultant deactivated on the team page loses their account at once
            # (adapters/cognito.py): disabled, signed out everywhere; enabled again
            # when reactivated. Only on this pool.
            iam.PolicyStatement(
                sid="DisableDeactivatedStaff",
                actions=["cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser",
                         "cognito-idp:AdminUserGlobalSignOut"],
                resources=[stack.user_pool.user_pool_arn],
            ),
            iam.PolicyStatement(
                sid="SendMailFromOfficeDomain",
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[email_identity_arn, mail_events_arn],
                conditions={"StringEquals": {"ses:FromAddress": settings.mail_from}},
            ),
        ]
    )


# One JSON line per API request: when, which route (the template path, so no reference or other
# value from the URL), status, latency and the request id. No source IP, no query string, no
# user agent: nothing that identifies a visitor.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "time": "$context.requestTimeEpoch", "method": "$context.httpMethod",
    "route": "$context.resourcePath", "status": "$context.status", "latencyMs": "$context.responseLatency",
    "authorizerError": "$context.authorizer.error", "principal": "$context.authorizer.principalId",
}, separators=(",", ":"))


def add_api_access_logs(stack, rest_api, settings) -> None:
    """API Gateway access logs to a log group kept like the functions' logs, and the account's
    CloudWatch role API Gateway needs to write them."""
    group = logs.LogGroup(
        stack, "ApiAccessLogs", log_group_name=f"/aws/apigateway/cleanclear-{settings.stage}-access",
        retention=logs.RetentionDays.THREE_MONTHS if settings.prod else logs.RetentionDays.TWO_WEEKS,
        removal_policy=cdk.RemovalPolicy.RETAIN if settings.prod else cdk.RemovalPolicy.DESTROY,
    )
    role = iam.Role(
        stack, "ApiGatewayLogsRole", assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AmazonAPIGatewayPushToCloudWatchLogs")],
    )
    account = apigateway.CfnAccount(stack, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    rest_api.add_property_override("AccessLogSetting", {"DestinationArn": group.log_group_arn,
                                                        "Format": ACCESS_LOG_FORMAT})
    rest_api.add_dependency(account)
