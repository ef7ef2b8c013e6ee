"""What a refused conditional write looks like, for every store module."""
from __future__ import annotations


def failed_condition(exc: Exception) -> bool:
    """True when DynamoDB refused the write because its condition did not hold (not an outage)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"
