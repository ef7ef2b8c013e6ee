"""Meta's Graph API for the office's Instagram account and Facebook Page: finding a campaign's post
and reading its insights (services/insights.py). Requests with `requests`, a system-user token
from Secrets Manager (`META_INSIGHTS_SECRET_ARN`: access_token, ig_user_id, page_id; locally
`META_INSIGHTS_ACCESS_TOKEN` ...), the Graph version a setting (`META_GRAPH_VERSION`).

Requests (graph.facebook.com/<version>):
  GET /{ig-user-id}/media?fields=id,permalink,timestamp&limit=100   (paging.cursors.after)
  GET /{page-id}/posts?fields=id,permalink_url,created_time&limit=100
  GET /{ig-media-id}/insights?metric=views,reach,likes,comments,shares,saved,total_interactions
  GET /{page-post-id}/insights?metric=post_media_view,post_total_media_view_unique
  GET /{page-post-id}?fields=shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)
  GET /{id}/comments?fields=text (Instagram) | fields=message (Facebook)  (counted, never kept)
Answers: {"data": [...], "paging": {"cursors": {"before", "after"}, "next"}}; insights items
{"name", "period", "values": [{"value"}]} or {"total_value": {"value"}}. Errors: {"error":
{"message", "type", "code", "error_subcode", "fbtrace_id"}}: 4, 17, 32, 613 and 80001-80014 are
rate limits (`RateLimited`), 190, 102 and permissions (10, 200-299) a refused token (`TokenRefused`),
100/33 an object that does not exist or is not ours (`NotFound`). Every answer's X-App-Usage and
X-Business-Use-Case-Usage headers are kept (`last_headers`) for the caller to obey.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

import requests

from .. import settings
from . import secrets_manager
from .http import pooled_session

TIMEOUT = (3.05, 15.0)
USAGE_HEADERS = ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage")
RATE_LIMIT_CODES = {4, 17, 32, 613, *range(80001, 80015)}
TOKEN_CODES = {190, 102, 10, *range(200, 300)}
MAX_PAGES = 10  # 1,000 of the account's newest posts are looked through for a pasted link
IG_MEDIA_FIELDS = "id,permalink,timestamp"
FB_POST_FIELDS = "id,permalink_url,created_time"
FB_COUNT_FIELDS = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"


class GraphError(Exception):
    """A refusal about one object (not found, not ours, a bad request): the others go on."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None, subcode: int | None = None):
        super().__init__(message)
        self.status, self.code, self.subcode = status, code, subcode


class NotFound(GraphError):
    """The object does not exist (deleted), or the token may not see it (not our account, private)."""


class RateLimited(GraphError):
    """Meta throttles the app, the Page or the account: stop and go on at the next run."""


class TokenRefused(GraphError):
    """The token expired or was revoked, or lacks a permission: nothing can be read until staff renew it."""


class Unavailable(GraphError):
    """Meta's side failed or did not answer: the next run tries again."""


@dataclass
class Found:
    media_id: str
    permalink: str
    posted_at: str | None  # ISO 8601 from the API


@dataclass
class Reading:
    """What the API says about one post; comment texts are only counted by the caller."""

    insights: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)


def classify(response: requests.Response) -> GraphError:
    try:
        error = (response.json() or {}).get("error") or {}
    except ValueError:
        error = {}
    code, subcode = error.get("code"), error.get("error_subcode")
    message = str(error.get("message") or response.reason or "error")[:200]
    kw = {"status": response.status_code, "code": code, "subcode": subcode}
    if code in RATE_LIMIT_CODES or response.status_code == 429:
        return RateLimited(f"Graph API: {message}", **kw)
    if code in TOKEN_CODES and "not enough viewers" not in message.lower() or response.status_code == 401:
        return TokenRefused(f"Graph API: {message}", **kw)
    if (code == 100 and subcode == 33) or response.status_code == 404:
        return NotFound(f"Graph API: {message}", **kw)
    if response.status_code >= 500 or code in (1, 2):
        return Unavailable(f"Graph API: {message}", **kw)
    return GraphError(f"Graph API: {message}", **kw)


def _values(items) -> dict:
    """{"name": value} from insights items ("values"[0]["value"] or "total_value"["value"])."""
    out = {}
    for item in items or []:
        if not isinstance(item, dict) or "name" not in item:
            continue
        value = (item.get("total_value") or {}).get("value")
        if value is None and item.get("values"):
            value = (item["values"][-1] or {}).get("value")
        if isinstance(value, int) and not isinstance(value, bool):
            out[item["name"]] = value
    return out


class GraphClient:
    label = "Meta Graph API"

    def __init__(self, access_token: str, ig_user_id: str, page_id: str, session: requests.Session | None = None):
        self.token, self.ig_user_id, self.page_id = access_token, ig_user_id, page_id
        self.http = session or pooled_session(8)
        self.calls = 0
        self.last_headers: dict = {}
        self.usage_headers: list[dict] = []  # every answer's usage headers (several threads read at once)

    def get(self, path: str, params: dict | None = None) -> dict:
        url = f"{settings.meta_graph_base()}/{settings.meta_graph_version()}/{path.lstrip('/')}"
        self.calls += 1
        try:
            response = self.http.get(url, params=params or {}, timeout=TIMEOUT,
                                     headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as exc:
            raise Unavailable(f"Graph API: {type(exc).__name__}") from None
        self.last_headers = dict(response.headers)
        self.usage_headers.append({k: v for k, v in response.headers.items() if k.lower() in USAGE_HEADERS})
        if response.status_code >= 400:
            raise classify(response)
        try:
            return response.json() or {}
        except ValueError:
            raise Unavailable("Graph API: jawaban bukan JSON") from None

    def pages(self, path: str, params: dict, max_pages: int = MAX_PAGES) -> Iterator[dict]:
        """The items of a list, following `paging.cursors.after` while there is a next page."""
        params = dict(params)
        for _ in range(max_pages):
            answer = self.get(path, params)
            yield from answer.get("data") or []
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return
            params["after"] = after

    def instagram_media(self) -> Iterator[Found]:
        for item in self.pages(f"{self.ig_user_id}/media", {"fields": IG_MEDIA_FIELDS, "limit": 100}):
            yield Found(str(item.get("id")), str(item.get("permalink") or ""), item.get("timestamp"))

    def page_posts(self) -> Iterator[Found]:
        for item in self.pages(f"{self.page_id}/posts", {"fields": FB_POST_FIELDS, "limit": 100}):
            yield Found(str(item.get("id")), str(item.get("permalink_url") or ""), item.get("created_time"))

    def read_instagram(self, media_id: str, metrics: tuple[str, ...]) -> Reading:
        try:
            insights = _values(self.get(f"{media_id}/insights", {"metric": ",".join(metrics)}).get("data"))
        except TokenRefused as exc:
            if "not enough viewers" in str(exc).lower():
                insights = {}
            else:
                raise
        texts = [c.get("text") for c in self.pages(f"{media_id}/comments", {"fields": "text", "limit": 50}, 4)]
        return Reading(insights, {}, texts)

    def read_facebook(self, post_id: str, metrics: tuple[str, ...]) -> Reading:
        insights = _values(self.get(f"{post_id}/insights", {"metric": ",".join(metrics)}).get("data"))
        own = self.get(post_id, {"fields": FB_COUNT_FIELDS})
        counts = {"reactions": ((own.get("reactions") or {}).get("summary") or {}).get("total_count"),
                  "comments": ((own.get("comments") or {}).get("summary") or {}).get("total_count"),
                  "shares": (own.get("shares") or {}).get("count", 0)}
        texts = [c.get("message") for c in self.pages(f"{post_id}/comments",
                                                       {"fields": "message", "filter": "toplevel", "limit": 100}, 4)]
        return Reading(insights, counts, texts)


class LocalGraph:
    """LOCAL DEMO stand-in (`make run`, no token): finds any well-formed link and answers with demo
    figures that grow day by day, shaped like the Graph API's. Clearly labelled; never in AWS."""

    label = "Contoh lokal (bukan data Meta)"

    def __init__(self, today_ordinal: int):
        self.today, self.calls, self.last_headers = today_ordinal, 0, {"X-App-Usage": '{"call_count": 1}'}
        self.usage_headers = [self.last_headers]
        self.ig_user_id = self.page_id = "local"

    def _seed(self, media_id: str) -> int:
        return sum(ord(c) for c in media_id) % 97 + 3

    def instagram_media(self) -> Iterator[Found]:
        return iter(())

    page_posts = instagram_media

    def find_local(self, platform: str, key: str, url: str) -> Found:
        self.calls += 1
        return Found(f"local-{platform}-{re.sub(r'[^A-Za-z0-9]', '', key)[:30]}", url, None)

    def _grow(self, media_id: str) -> float:
        """Lifetime figures only grow: a little every day (from 2026-01-01, day 739617)."""
        return 1 + max(0, self.today - 739617) / 60

    def read_instagram(self, media_id: str, metrics: tuple[str, ...]) -> Reading:
        self.calls += 2
        s, g = self._seed(media_id), self._grow(media_id)
        likes, comments, shares, saved = int(s * 3 * g), int(s / 4 * g), int(s / 5 * g), int(s / 6 * g)
        insights = {"views": int(s * 40 * g), "reach": int(s * 25 * g), "likes": likes, "comments": comments,
                    "shares": shares, "saved": saved, "total_interactions": likes + comments + shares + saved}
        texts = ["Daftarnya bagaimana?" if i % 3 == 0 else "Mantap" for i in range(comments)]
        return Reading({k: v for k, v in insights.items() if k in metrics}, {}, texts)

    def read_facebook(self, post_id: str, metrics: tuple[str, ...]) -> Reading:
        self.calls += 3
        s, g = self._seed(post_id), self._grow(post_id)
        comments = int(s / 5 * g)
        insights = {"post_media_view": int(s * 30 * g), "post_total_media_view_unique": int(s * 20 * g)}
        texts = ["Kapan jadwalnya?" if i % 4 == 0 else "Terima kasih infonya" for i in range(comments)]
        return Reading(insights, {"reactions": int(s * 2 * g), "comments": comments, "shares": int(s / 6 * g)}, texts)


def client(today_ordinal: int, env=None):
    """The Graph client of this environment: the office's token when the secret is set, the local
    stand-in in the demo (LOCAL_OUTBOX_DIR set), else None (not configured: the import waits)."""
    creds = secrets_manager.get("META_INSIGHTS", ("access_token", "ig_user_id", "page_id"), env)
    if creds:
        return GraphClient(creds["access_token"], creds["ig_user_id"], creds["page_id"])
    if settings.local_outbox_dir(env):
        return LocalGraph(today_ordinal)
    return None
