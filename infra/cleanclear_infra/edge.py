"""AWS WAF in front of CloudFront: its web ACL must live in us-east-1, so it has its own small
stack (CleanClearEdge-<stage>), referenced by the main stack across regions.

Rules, in order: Amazon's IP reputation list, the common rule set and known bad inputs (AWS
managed rule groups), and a rate limit on the signup (POST /api/registrations) per client IP
over five minutes: a bot cannot flood the queue, a family sharing one phone network can still
register. The limit is a setting (`waf_registration_limit`); WAF is on in prod, off in dev
unless `waf=on` (its cost is in infra/README.md)."""
from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

MANAGED_GROUPS = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
                  "AWSManagedRulesKnownBadInputsRuleSet")


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(cloud_watch_metrics_enabled=True, metric_name=name,
                                                     sampled_requests_enabled=True)


def _matches(field: dict, value: str, position: str) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
        field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(**field), positional_constraint=position,
        search_string=value,
        text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")]))


class EdgeStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, stage: str, registration_limit: int, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        rules = []
        for priority, group in enumerate(MANAGED_GROUPS):
            rules.append(wafv2.CfnWebACL.RuleProperty(
                name=group, priority=priority, override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group)),
                visibility_config=_visibility(group)))
        signup = wafv2.CfnWebACL.StatementProperty(and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=[
            _matches({"uri_path": {}}, "/api/registrations", "STARTS_WITH"),
            _matches({"method": {}}, "POST", "EXACTLY"),
        ]))
        rules.append(wafv2.CfnWebACL.RuleProperty(
            name="SignupRateLimit", priority=len(MANAGED_GROUPS),
            action=wafv2.CfnWebACL.RuleActionProperty(block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=429))),
            statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP", limit=registration_limit, evaluation_window_sec=300,
                scope_down_statement=signup)),
            visibility_config=_visibility("SignupRateLimit")))
        self.web_acl = wafv2.CfnWebACL(
            self, "WebAcl", name=f"cleanclear-{stage}-edge", scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"cleanclear-{stage}-edge"), rules=rules)
