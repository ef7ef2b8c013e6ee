"""Campaign posts' insights read from Meta's Graph API (services/insights.py)."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from .base import BaseModel, _meta

STATE_KEY, STATE_DAY = "#impor", "status"


class PostInsightRecord(BaseModel):
    """One day's figures of one campaign post, one item per post per WIB day (a second read on the
    same day replaces it): the curve Evaluasi draws is one Query per post.

    ``post_key`` is ``<campaign code>#<post id>``; the item ``#impor``/``status`` holds the last
    import run's summary (JSON): when, how far it got, why it stopped or paused."""

    Meta = _meta("post_insights")
    post_key = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # WIB date
    views = NumberAttribute(null=True)
    reach = NumberAttribute(null=True)
    likes = NumberAttribute(null=True)
    comments = NumberAttribute(null=True)
    shares = NumberAttribute(null=True)
    saves = NumberAttribute(null=True)
    interactions = NumberAttribute(null=True)
    questions = NumberAttribute(null=True)  # comments that ask something (counted; no comment is kept)
    fetched_at = UnicodeAttribute(null=True)
    summary = UnicodeAttribute(null=True)  # the state item's JSON
