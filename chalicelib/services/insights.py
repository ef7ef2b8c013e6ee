"""Social-media interactions imported, not typed: a campaign's Instagram and Facebook posts are
linked once (staff paste the post's link) and read every day from Meta's Graph API while the
campaign runs and for 30 days after (domain/social.py says which metrics and why).

`link_post` finds the pasted post in the office's account (the account's media list by permalink,
or the Page's posts) and keeps its id; it says clearly when it cannot (not our account, deleted,
private, the token refused). `run_import` (the daily scheduled function `import_insights`, and
staff's "Ambil sekarang") reads each linked post once a day: one snapshot per post per day
(post_insights), the post's latest figures in the campaign, and the number of comments that ask
something (the comments themselves are never stored). Within Meta's rules: a run stops when Meta's
usage headers near the limit (or Meta throttles) and the next run goes on from where it stopped
(posts already read today are skipped); a refused token pauses the import, raises the
InsightsPaused alarm and says what to do.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime

from .. import clock
from ..adapters import meta_graph, metrics
from ..budget import Deadline
from ..domain import rules, social
from ..domain.errors import Conflict, InputError
from ..store import insights as store
from . import campaigns

logger = logging.getLogger(__name__)

SAFETY_SECONDS = 20.0  # stop reading when less than this is left of the invocation
WORKERS = 6  # posts read at once (HTTP only; the writes follow each batch in this thread)
GONE = "Unggahan sudah dihapus, diarsipkan, atau tidak lagi milik akun kantor."
PAUSED = ("Token Meta ditolak (kedaluwarsa, dicabut, atau izinnya kurang). Buat token System User baru di "
          "Meta Business Manager dengan izin instagram_basic, instagram_manage_insights, pages_read_engagement "
          "dan read_insights, simpan di secret cleanclear/<stage>/meta_insights (access_token); impor "
          "berjalan lagi pada jadwal berikutnya.")
NOT_CONFIGURED = "Impor otomatis belum disiapkan: token Meta belum diisi. Isi angkanya secara manual."


@dataclass
class ImportSummary:
    status: str = "selesai"  # selesai | berhenti (limit or time: goes on next run) | dijeda (token) | belum
    reason: str | None = None
    posts: int = 0  # linked posts still read
    read: int = 0
    already: int = 0  # read earlier today
    gone: int = 0  # deleted or no longer ours
    failed: int = 0
    requests: int = 0
    usage_percent: int = 0
    finished_at: str | None = None
    source: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# --- linking a post --------------------------------------------------------------------------------

def link_post(actor: str, code: str, payload: object, now: datetime | None = None):
    """Find the pasted post in the office's account and add it to the campaign (read at once)."""
    now = now or clock.now()
    campaigns.get(code)
    link, problem = social.parse_link((payload or {}).get("url") if isinstance(payload, dict) else None)
    if problem:
        raise InputError({"url": problem})
    api = meta_graph.client(rules.wib_now(now).date().toordinal())
    if api is None:
        raise Conflict({"url": NOT_CONFIGURED})
    found = _find(api, link)
    record = campaigns.link_api_post(actor, code, link.platform, link.url, found.media_id,
                                     (found.posted_at or "")[:10] or None, now)
    post = next(p for p in record.posts if p.media_id == found.media_id)
    outcome = _fetch(api, post)
    if isinstance(outcome, meta_graph.Reading):
        _settle([(code, post)], [outcome], api, rules.wib_now(now).date(), rules.to_utc_iso(now), ImportSummary())
    else:  # linked: the daily run reads it
        logger.info("insights: first reading of %s#%s deferred (%s)", code, post.post_id, type(outcome).__name__)
    return campaigns.get(code)


def _find(api, link: social.PostLink) -> meta_graph.Found:
    if isinstance(api, meta_graph.LocalGraph):
        return api.find_local(link.platform, link.key, link.url)
    listing = api.instagram_media if link.platform == social.INSTAGRAM else api.page_posts
    try:
        for found in listing():
            if social.same_post(link, found.permalink):
                return found
    except meta_graph.TokenRefused:
        raise Conflict({"url": PAUSED}) from None
    except meta_graph.RateLimited:
        raise Conflict({"url": "Meta sedang membatasi permintaan kami. Coba tautkan lagi beberapa menit lagi."}) from None
    except meta_graph.GraphError:
        raise Conflict({"url": "Meta tidak dapat dihubungi sekarang. Coba lagi sebentar lagi."}, 503) from None
    where = "akun Instagram kantor" if link.platform == social.INSTAGRAM else "Halaman Facebook kantor"
    raise InputError({"url": f"Unggahan ini tidak ditemukan di {where}. Pastikan unggahannya milik akun kantor, "
                             "masih ada (tidak dihapus atau diarsipkan), lalu tempel tautannya lagi."})


# --- the daily import --------------------------------------------------------------------------------

def run_import(deadline: Deadline | None = None, now: datetime | None = None) -> ImportSummary:
    """Read every linked post not read today, WORKERS at a time, within Meta's limits and the
    invocation's time; the readings are written after each batch (one campaign write per campaign)."""
    now = now or clock.now()
    today, stamp = rules.wib_now(now).date(), rules.to_utc_iso(now)
    summary = ImportSummary()
    api = meta_graph.client(today.toordinal())
    if api is None:
        summary.status, summary.reason = "belum", NOT_CONFIGURED
        return _finish(summary, stamp)
    summary.source = api.label
    due = list(_due(today, summary))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for first in range(0, len(due), WORKERS):
            if deadline is not None and not deadline.allows(SAFETY_SECONDS):
                summary.status, summary.reason = "berhenti", "Waktu fungsi hampir habis; dilanjutkan pada jadwal berikutnya."
                break
            batch = due[first:first + WORKERS]
            outcomes = list(pool.map(lambda item: _fetch(api, item[1]), batch))
            if not _settle(batch, outcomes, api, today, stamp, summary):
                break
    summary.requests = api.calls
    return _finish(summary, stamp)


def _due(today: date, summary: ImportSummary):
    for c in campaigns.list_campaigns():
        if not social.still_read(today, date.fromisoformat(c.ends_on) if c.ends_on else None):
            continue
        for p in c.posts or []:
            if not p.media_id or p.import_problem:
                continue
            summary.posts += 1
            if p.imported_on == today.isoformat():
                summary.already += 1
                continue
            yield c.code, p


def _fetch(api, post):
    """The post's reading from Meta, or the GraphError that refused it (the batch decides)."""
    try:
        if post.platform == social.INSTAGRAM:
            return api.read_instagram(post.media_id, social.INSTAGRAM_METRICS)
        return api.read_facebook(post.media_id, social.FACEBOOK_METRICS)
    except meta_graph.GraphError as exc:
        return exc


def _figures(post, reading: meta_graph.Reading) -> dict:
    questions = sum(social.asks_something(t) for t in reading.comments)  # counted; the texts go no further
    if post.platform == social.INSTAGRAM:
        return social.instagram_figures(reading.insights, questions)
    return social.facebook_figures(reading.insights, reading.counts, questions)


def _settle(batch: list, outcomes: list, api, today: date, stamp: str, summary: ImportSummary) -> bool:
    """Store a batch's readings; False when the run must stop (a refused token, Meta throttling,
    the usage headers near the limit). Posts the batch could not read are read by the next run."""
    go_on, readings = True, defaultdict(dict)
    for (code, post), outcome in zip(batch, outcomes):
        if isinstance(outcome, meta_graph.Reading):
            figures = _figures(post, outcome)
            store.put_snapshot(code, post.post_id, today.isoformat(), figures, stamp)
            readings[code][post.post_id] = (figures, None)
            summary.read += 1
        elif isinstance(outcome, meta_graph.TokenRefused):
            if summary.status != "dijeda":
                metrics.emit("InsightsPaused")
                logger.error("insights: token refused (%s)", outcome)
            summary.status, summary.reason, go_on = "dijeda", PAUSED, False
        elif isinstance(outcome, meta_graph.RateLimited):
            if summary.status != "dijeda":
                minutes = max([social.regain_minutes(h) for h in api.usage_headers] or [0])
                summary.status = "berhenti"
                summary.reason = ("Meta membatasi permintaan" + (f" (pulih dalam {minutes} menit)" if minutes else "")
                                  + "; dilanjutkan pada jadwal berikutnya.")
            go_on = False
        elif isinstance(outcome, meta_graph.NotFound):
            summary.gone += 1
            readings[code][post.post_id] = (None, GONE)
        else:
            summary.failed += 1
            logger.warning("insights: %s#%s not read (%s)", code, post.post_id, outcome)
    for code, found in readings.items():
        saved = campaigns.record_readings(code, found, today.isoformat())
        if saved is not None:
            _campaign_totals(saved, today.isoformat(), stamp)
    summary.usage_percent = max([summary.usage_percent] + [social.usage_percent(h) for h in api.usage_headers])
    api.usage_headers.clear()
    if go_on and summary.usage_percent >= social.STOP_AT_PERCENT:
        summary.status = "berhenti"
        summary.reason = (f"Pemakaian batas Meta {summary.usage_percent}%: berhenti agar tidak diblokir; "
                          "dilanjutkan pada jadwal berikutnya.")
        go_on = False
    return go_on


def _campaign_totals(record, day: str, stamp: str) -> None:
    """The campaign's day: the sum of its linked posts' latest figures, from the campaign as just
    saved (Evaluasi reads one Query per campaign for its curve)."""
    read = [p for p in record.posts or [] if p.media_id and not p.import_problem]
    totals = {name: sum(int(getattr(p, name) or 0) for p in read) for name in store.FIGURES}
    store.put_campaign_day(record.code, day, totals, stamp)


def campaign_days(code: str, first: date, last: date) -> list[dict]:
    """The campaign's daily totals (views, interactions, questions...) between two days."""
    return [_figures_of(s, missing=0) for s in store.campaign_days(code, first.isoformat(), last.isoformat())]


def _figures_of(snapshot, missing: int | None) -> dict:
    """A stored day as {"day", figure: value} (`missing` where Meta gave none)."""
    return {"day": snapshot.day, **{k: int(v) if (v := getattr(snapshot, k)) is not None else missing
                                    for k in store.FIGURES}}


def _finish(summary: ImportSummary, stamp: str) -> ImportSummary:
    summary.finished_at = stamp
    store.save_state(summary.as_dict(), stamp)
    return summary


# --- reading ---------------------------------------------------------------------------------------

def last_run() -> dict | None:
    return store.state()


def post_series(code: str, post_id: str) -> list[dict]:
    """The post's daily figures, oldest first (for the curve)."""
    return [_figures_of(s, missing=None) for s in store.snapshots(code, post_id)]



def campaign_series(code: str) -> dict:
    """The linked posts' curves of a campaign (one Query per linked post) and the last run."""
    record = campaigns.get(code)
    posts = [{"id": p.post_id, "platform": p.platform, "url": p.url, "series": post_series(code, p.post_id)}
             for p in record.posts or [] if p.media_id]
    return {"code": code, "posts": posts, "last_run": last_run()}
