"""What the HTTP adapters share: a pooled session and the one reader of Retry-After."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from requests.adapters import HTTPAdapter

from .. import clock


def pooled_session(per_host: int, hosts: int = 4) -> requests.Session:
    """A session that keeps up to `per_host` connections to each of `hosts` hosts (a run sends with
    a few threads; each holds one connection at a time)."""
    http = requests.Session()
    for scheme in ("https://", "http://"):
        http.mount(scheme, HTTPAdapter(pool_connections=hosts, pool_maxsize=per_host))
    return http


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds, an HTTP date or an ISO 8601 instant (Zoom
    sends that); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    for parse in (parsedate_to_datetime, lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))):
        try:
            at = parse(value)
        except (TypeError, ValueError):
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        return max(0.0, (at - clock.now()).total_seconds())
    return None
