"""What the HTTP adapters share."""
from datetime import datetime

from chalicelib.adapters.http import retry_after_seconds
from chalicelib.domain import rules


def test_retry_after_is_read_as_seconds_or_date(travel):
    travel.move_to(datetime.fromtimestamp(1_800_000_000, rules.UTC), tick=False)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(datetime.fromtimestamp(1_800_000_600, rules.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")) == 600
    assert retry_after_seconds(datetime.fromtimestamp(1_800_003_600, rules.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")) == 3600
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
