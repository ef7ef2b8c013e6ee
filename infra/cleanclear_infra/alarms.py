"""Alarms to the office: Lambda errors of every function and the app's own metrics, to an SNS
topic (e-mail)."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions

from .settings import StageSettings

# Custom metrics the app emits (chalicelib/adapters/metrics.py: CloudWatch embedded metric format), with
# exactly one dimension Stage. Each of these raises an alarm at any value >= 1 in 5 minutes.
CUSTOM_METRIC_NAMESPACE = "CleanClear"
CUSTOM_METRICS = {
    "FailedMessages": "A WhatsApp / e-mail message failed for good (after its retries); see Kotak keluar.",
    "UnknownResends": (
        "A message whose send got no answer was sent again because no status came from WhatsApp / SES "
        "within 15 minutes: the recipient may have it twice. Check the webhook and the SES events."
    ),
    "AllocationFailures": "An allocation run crashed; waiting registrations got no session in it.",
    "WhatsAppPaused": (
        "Meta refused the WhatsApp access token (error 190 expired/invalid, or a missing permission): "
        "no WhatsApp message goes out, they all wait in Kotak keluar. What to do: in Meta Business "
        "Manager create a new System User token with whatsapp_business_messaging, put it in the "
        "secret cleanclear/<stage>/whatsapp (access_token); sending resumes within 15 minutes."
    ),
    "WhatsAppRepliesFailed": (
        "A visitor's WhatsApp message could not be handled for good (a bug or data no rule expects); "
        "the rest of its batch was, and Meta is not asked to send it again. The log names its wamid: "
        "open the visitor's conversation in Kotak keluar and answer by hand."
    ),
    "InsightsPaused": (
        "Meta refused the token of the social-media insights import (error 190 expired/invalid, or a "
        "missing permission): campaign posts are not read. What to do: in Meta Business Manager create "
        "a new System User token with instagram_basic, instagram_manage_insights, pages_read_engagement "
        "and read_insights, put it in the secret cleanclear/<stage>/meta_insights (access_token); the "
        "next daily run reads again."
    ),
    "ZoomFailures": (
        "A Zoom meeting could not be created/changed for good, or Zoom is not configured while "
        "online sessions wait for a link; see the session's meeting state (gagal)."
    ),
}
# Metrics the app emits that deliberately raise no alarm (the infra tests require every emitted
# metric to be in one of the two lists, so a new one gets a decision).
UNALARMED_METRICS = {
    "FlowRegistrations": (
        "A visitor registered inside WhatsApp (the signup Flow): volume, like the web form's signups."
    ),
    "FlowRefused": (
        "The Flow endpoint refused a request (bad signature 432, undecryptable 421, unknown or expired "
        "token 427): a visitor reopening an old Flow is normal; Meta's own endpoint health webhooks "
        "and the API's 4xx alarm cover a misconfiguration."
    ),
    "UnknownMessages": (
        "A send got no answer (timeout or lost connection after the request left); the provider's "
        "status settles it. Only a resend without a status is an incident (UnknownResends)."
    ),
    "BroadcastRefusals": (
        "Meta refused a marketing broadcast message for good (the number blocks marketing, a quality "
        "or frequency limit): counted on the broadcast, not an incident of the clinic's own messages."
    ),
    "AllocationConflicts": (
        "A slot was taken by a concurrent change (staff booking by hand) during an allocation run; "
        "the run plans again at once (and a freed seat is settled again). Normal, not an incident."
    ),
    "WhatsAppReplies": (
        "A visitor's WhatsApp message was handled (a tap or a text): volume, for the dashboard's "
        "trend. A reply that could not be handled for now (DynamoDB away) fails the webhook (5XX "
        "alarm) and Meta sends it again; one that cannot be handled at all is WhatsAppRepliesFailed."
    ),
    "WhatsAppRefusedReplies": (
        "A tap whose payload did not verify, or from a number that is not the registration's: "
        "nothing changed. Watched on the dashboard; a burst is someone trying payloads, which cannot pass."
    ),
}


def add_alarms(stack, settings: StageSettings) -> None:
    """Adds alarm_topic and one alarm per function and per custom metric to `stack`."""
    stage = settings.stage
    stack.alarm_topic = sns.Topic(
        stack,
        "AlarmTopic",
        topic_name=f"cleanclear-{stage}-alarms",
        display_name=f"Clean & Clear {stage} alarms",
        enforce_ssl=True,
    )
    if settings.alarm_email:
        stack.alarm_topic.add_subscription(subscriptions.EmailSubscription(settings.alarm_email))
    alarm_action = cw_actions.SnsAction(stack.alarm_topic)

    def alarm(id: str, metric: cloudwatch.Metric, description: str) -> cloudwatch.Alarm:
        created = cloudwatch.Alarm(
            stack,
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

    for function_id in stack.function_ids:
        alarm(
            f"{function_id}Errors",
            cloudwatch.Metric(
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions_map={"FunctionName": stack.chalice.get_resource(function_id).ref},
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
