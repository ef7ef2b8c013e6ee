"""Campaign posts' daily insights and the import's state (table `post_insights`)."""
from __future__ import annotations

import json

from .models import PostInsightRecord
from .models.social import STATE_DAY, STATE_KEY

FIGURES = ("views", "reach", "likes", "comments", "shares", "saves", "interactions", "questions")


def post_key(code: str, post_id: str) -> str:
    return f"{code}#{post_id}"


def put_snapshot(code: str, post_id: str, day: str, figures: dict, fetched_at: str) -> None:
    """The post's figures of `day` (a second reading that day replaces the first: one per day)."""
    values = {k: int(v) for k, v in figures.items() if k in FIGURES and isinstance(v, int) and not isinstance(v, bool)}
    PostInsightRecord(post_key(code, post_id), day, fetched_at=fetched_at, **values).save()


ALL_POSTS = "*"  # the post id of a campaign's daily totals (the sum of its linked posts)


def put_campaign_day(code: str, day: str, totals: dict, fetched_at: str) -> None:
    put_snapshot(code, ALL_POSTS, day, totals, fetched_at)


def campaign_days(code: str, first: str, last: str) -> list[PostInsightRecord]:
    """A campaign's daily totals between two WIB days (one Query)."""
    return list(PostInsightRecord.query(post_key(code, ALL_POSTS), PostInsightRecord.day.between(first, last)))


def snapshots(code: str, post_id: str, limit: int = 120) -> list[PostInsightRecord]:
    """The post's daily figures, oldest first (one Query)."""
    return list(PostInsightRecord.query(post_key(code, post_id), limit=limit))


def save_state(summary: dict, fetched_at: str) -> None:
    PostInsightRecord(STATE_KEY, STATE_DAY, summary=json.dumps(summary, ensure_ascii=False), fetched_at=fetched_at).save()


def state() -> dict | None:
    record = PostInsightRecord.get_or_none(STATE_KEY, STATE_DAY)
    return json.loads(record.summary) if record and record.summary else None
