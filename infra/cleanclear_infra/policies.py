"""The one inline policy every function of the app gets: items of its own tables (no Scan), its
own secrets, mail from the office's address, and the staff pool's deactivation calls."""
from __future__ import annotations

from aws_cdk import aws_iam as iam

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
                    stack.app_secret.secret_arn,
                ],
            ),
            # SES v2 SendEmail; raw content (the iCalendar invitations) is authorised as
            # SendRawEmail. Only from SES_FROM_ADDRESS (pass it as FromEmailAddress).
            # A consultant deactivated on the team page loses their account at once
            # (services/cognito_users.py): disabled, signed out everywhere; enabled again
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
