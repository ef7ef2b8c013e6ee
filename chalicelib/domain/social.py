"""Social-media posts of a campaign and what Meta's Graph API says about them (services/insights.py).
Pure: which post a pasted link names, which comments ask something, how close a run is to Meta's
rate limits, and when a post is still read.

Metrics (checked against Meta's documentation of 2025-2026): Instagram media insights give
`views` (which replaced `impressions` and `plays` in April 2025), `reach`, `likes`, `comments`,
`shares`, `saved` and `total_interactions`; Facebook Page posts give `post_media_view` (views)
and `post_total_media_view_unique` (reach, the alternative Meta names for the retired
`post_impressions_unique`), and the post's own `reactions`, `comments` and `shares` counts. No
retired metric (`impressions`, `plays`, `video_views`, `post_impressions*`, `page_fans`...) is
asked for.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta

INSTAGRAM, FACEBOOK = "instagram", "facebook"
INSTAGRAM_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
FACEBOOK_METRICS = ("post_media_view", "post_total_media_view_unique")
# What a snapshot keeps, the same names for both platforms.
FIGURES = ("views", "reach", "likes", "comments", "shares", "saves", "interactions", "questions")
AFTER_CAMPAIGN_DAYS = 30  # a post is read while its campaign runs and for 30 days after
STOP_AT_PERCENT = 80  # a run stops when Meta says any of its budgets is this far used

_IG = re.compile(r"^https?://(?:www\.|m\.)?instagram\.com/(?:[A-Za-z0-9_.]+/)?(p|reel|reels|tv)/([A-Za-z0-9_-]{5,40})/?(?:[?#].*)?$")
_FB_HOSTS = r"(?:www\.|m\.|web\.|mbasic\.)?facebook\.com"
_FB_POST = re.compile(rf"^https?://{_FB_HOSTS}/(?:[A-Za-z0-9_.-]+/)?(?:posts|videos|photos|reel)/(?:[A-Za-z0-9_.-]+/)?([A-Za-z0-9]{{5,60}})/?(?:[?#].*)?$")
_FB_STORY = re.compile(rf"^https?://{_FB_HOSTS}/(?:story|permalink)\.php\?(?:.*&)?story_fbid=([A-Za-z0-9]{{5,60}})")
_FB_SHARE = re.compile(rf"^https?://{_FB_HOSTS}/share/[pvr]/([A-Za-z0-9]{{5,40}})/?(?:[?#].*)?$")


@dataclass(frozen=True)
class PostLink:
    platform: str  # instagram | facebook
    key: str  # the shortcode (Instagram) or the post/story id (Facebook) in the link
    url: str  # the link as compared with the API's permalinks (no query, no trailing slash)


def parse_link(url: object) -> tuple[PostLink | None, str | None]:
    """(the post a pasted link names, None) or (None, what is wrong with it, in Indonesian)."""
    if not isinstance(url, str) or not url.strip():
        return None, "Tempel tautan unggahan Instagram atau Facebook."
    text = url.strip()
    if len(text) > 500:
        return None, "Tautan terlalu panjang."
    m = _IG.match(text)
    if m:
        return PostLink(INSTAGRAM, m.group(2), canonical(text)), None
    for pattern in (_FB_POST, _FB_STORY):
        m = pattern.match(text)
        if m:
            return PostLink(FACEBOOK, m.group(1), canonical(text)), None
    if _FB_SHARE.match(text):
        # A share link names the post by a code of its own, which the Page's posts do not list.
        return None, ("Tautan \u201cshare\u201d Facebook tidak bisa dicocokkan. Buka unggahannya di peramban, "
                      "lalu salin alamatnya dari bilah alamat (berisi /posts/ atau story_fbid=).")
    if re.match(r"^https?://(?:[a-z]+\.)?(?:instagram|facebook)\.com/", text):
        return None, ("Itu bukan tautan satu unggahan. Buka unggahannya, pilih \u201cSalin tautan\u201d, "
                      "lalu tempel di sini.")
    return None, "Hanya unggahan Instagram atau Facebook yang bisa dibaca otomatis; untuk yang lain isi angkanya."


def canonical(url: str) -> str:
    """A link as the API's permalinks are compared: scheme and host in one form, no query or
    fragment (except a story's ids), no trailing slash."""
    text = url.strip()
    if "story_fbid=" in text:
        return re.sub(r"^https?://(?:[a-z]+\.)?facebook\.com", "https://www.facebook.com", text.split("#")[0])
    text = re.split(r"[?#]", text)[0].rstrip("/")
    return re.sub(r"^https?://(?:[a-z]+\.)?(instagram|facebook)\.com", r"https://www.\1.com", text)


def same_post(link: PostLink, permalink: str | None) -> bool:
    """The API's permalink is the pasted post (Instagram: the shortcode; Facebook: the id or the
    whole link, since a share link names the post differently)."""
    if not permalink:
        return False
    if link.platform == INSTAGRAM:
        m = _IG.match(permalink.strip())
        return bool(m) and m.group(2) == link.key
    return canonical(permalink) == link.url or canonical(permalink).endswith("/" + link.key) \
        or f"story_fbid={link.key}" in permalink


# Question words of everyday Indonesian (and the usual short forms in comments).
_QUESTION_WORDS = ("apa", "apakah", "bagaimana", "gimana", "gmn", "kapan", "dimana", "di mana", "mana", "berapa",
                   "brp", "siapa", "kenapa", "mengapa", "knp", "bisakah", "bolehkah", "caranya",
                   "syaratnya", "daftarnya", "info", "tanya", "nanya")
_QUESTION_RE = re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in _QUESTION_WORDS) + r")(?![\w])", re.IGNORECASE)


def asks_something(text: object) -> bool:
    """A comment that asks something: a question mark, or a question word (counted only: the
    comment itself is never stored)."""
    if not isinstance(text, str):
        return False
    return "?" in text or "\uff1f" in text or bool(_QUESTION_RE.search(text))


def usage_percent(headers: dict) -> int:
    """The highest share of any budget Meta reports as used (0-100), from X-App-Usage
    ({"call_count": 28, "total_time": 25, "total_cputime": 25}) and X-Business-Use-Case-Usage
    ({"<business id>": [{"type": "pages", "call_count": 5, "total_cputime": 1, "total_time": 2,
    "estimated_time_to_regain_access": 0}]}). Unreadable headers count as 0."""
    highest = 0
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    for name in ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"):
        try:
            data = json.loads(lowered.get(name) or "{}")
        except (TypeError, ValueError):
            continue
        for entry in _usage_entries(data):
            for key in ("call_count", "total_time", "total_cputime", "acc_id_util_pct"):
                value = entry.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    highest = max(highest, int(value))
    return min(highest, 100)


def _usage_entries(data) -> list[dict]:
    if isinstance(data, dict) and any(isinstance(v, list) for v in data.values()):
        return [e for v in data.values() if isinstance(v, list) for e in v if isinstance(e, dict)]
    return [data] if isinstance(data, dict) else []


def regain_minutes(headers: dict) -> int:
    """`estimated_time_to_regain_access` (minutes) of X-Business-Use-Case-Usage, 0 when absent."""
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    try:
        data = json.loads(lowered.get("x-business-use-case-usage") or "{}")
    except (TypeError, ValueError):
        return 0
    values = [e.get("estimated_time_to_regain_access") for e in _usage_entries(data)]
    return max([int(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)] or [0])


def still_read(today: date, ends_on: date | None) -> bool:
    """A post is read while its campaign runs (no end day, or not yet ended) and 30 days after."""
    return ends_on is None or today <= ends_on + timedelta(days=AFTER_CAMPAIGN_DAYS)


def instagram_figures(insights: dict, questions: int) -> dict:
    """Graph API Instagram insights ({metric: value}) as a snapshot's figures."""
    return {"views": insights.get("views"), "reach": insights.get("reach"), "likes": insights.get("likes"),
            "comments": insights.get("comments"), "shares": insights.get("shares"), "saves": insights.get("saved"),
            "interactions": insights.get("total_interactions"), "questions": questions}


def facebook_figures(insights: dict, counts: dict, questions: int) -> dict:
    """A Page post's insights and its own counts (reactions, comments, shares) as a snapshot's figures."""
    likes, comments, shares = counts.get("reactions"), counts.get("comments"), counts.get("shares")
    total = sum(v for v in (likes, comments, shares) if isinstance(v, int))
    return {"views": insights.get("post_media_view"), "reach": insights.get("post_total_media_view_unique"),
            "likes": likes, "comments": comments, "shares": shares, "saves": None, "interactions": total,
            "questions": questions}
