"""How long to wait before trying an outside call again: one backoff for messages and meetings."""
from __future__ import annotations

BASE_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600


def backoff_seconds(attempts: int, base: int = BASE_BACKOFF_SECONDS, cap: int = MAX_BACKOFF_SECONDS) -> int:
    """Wait after `attempts` failed tries: 60, 120, 240, 480, 960 s ... at most an hour."""
    return min(base * 2 ** max(0, attempts - 1), cap)
