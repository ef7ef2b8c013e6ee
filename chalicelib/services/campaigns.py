"""Outreach campaigns (the proposal's third stage): a code for the signup link, its QR poster, and the social-media
interaction staff read off each post (likes, comments, questions).

A campaign's registrations are counted (domain/counters.py) as they arrive (the signup page
copies ``?src=CODE`` into the registration's `campaign`); this module only keeps the campaign
itself. Posts: several per campaign (one per platform post), kept inside the campaign item;
their numbers are snapshots that staff overwrite as they grow, not increments.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from .. import clock, settings
from ..domain import rules, validation
from ..domain.errors import Conflict, InputError, NotFound
from ..store import campaigns as store
from ..store.unit_of_work import Cancelled, UnitOfWork

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..store.models import CampaignRecord

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # the same rule the signup page and validation apply
POST_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_POSTS = 100
MAX_COUNT = 10_000_000
RESERVED_PREFIX = "wa-"  # WhatsApp broadcasts (services/broadcasts.py)


def site_url() -> str:
    return settings.site_url() or settings.LOCAL_SITE_URL


def link(code: str) -> str:
    """The signup link that carries the campaign code."""
    return f"{site_url()}/?src={code}"


def short_link(code: str) -> str:
    """The link as printed on a poster: without the scheme."""
    return re.sub(r"^https?://", "", link(code))



# --- reading -------------------------------------------------------------------------------------

def list_campaigns() -> list:
    """Every campaign: one Query on the team partition, newest first."""
    return sorted(store.all(), key=lambda c: c.created_at, reverse=True)


def get_or_none(code: str):
    return store.get(code) if isinstance(code, str) and CODE_RE.match(code) else None


def get(code: str):
    record = store.get(code) if isinstance(code, str) and CODE_RE.match(code) else None
    if record is None:
        raise NotFound({"_form": "Kampanye tidak ditemukan."})
    return record


def interaction(c: CampaignRecord) -> dict:
    return {k: sum(int(getattr(p, k) or 0) for p in c.posts or []) for k in ("likes", "comments", "questions")}


def reading(c: CampaignRecord) -> dict:
    """Views of the posts read from Meta (None when none is) and how many posts staff typed."""
    posts = list(c.posts or [])
    read = [p for p in posts if p.media_id]
    return {"views": sum(int(p.views or 0) for p in read) if read else None, "typed_posts": len(posts) - len(read)}


def _number(value) -> int | None:
    return int(value) if value is not None else None


def post_view(p) -> dict:
    """One post; `source` "api": read every day from Meta's Graph API, "manual": typed by staff."""
    return {"id": p.post_id, "platform": p.platform, "platform_label": rules.SOURCES.get(p.platform, p.platform),
            "url": p.url, "posted_on": p.posted_on, "likes": int(p.likes or 0), "comments": int(p.comments or 0),
            "questions": int(p.questions or 0), "updated_at": p.updated_at, "updated_by": p.updated_by,
            "source": "api" if p.media_id else "manual", "views": _number(p.views), "reach": _number(p.reach),
            "shares": _number(p.shares), "saves": _number(p.saves), "interactions": _number(p.interactions),
            "imported_on": p.imported_on, "import_problem": p.import_problem}


def view(c: CampaignRecord, registrations: int | None = None) -> dict:
    return {
        "code": c.code, "name": c.name, "channel": c.channel, "channel_label": rules.SOURCES.get(c.channel, c.channel),
        "link": link(c.code), "short_link": short_link(c.code),
        "poster_svg": f"/staff/campaigns/{c.code}/poster.svg", "poster_png": f"/staff/campaigns/{c.code}/poster.png",
        "created_at": c.created_at, "updated_at": c.updated_at, "broadcast_id": c.broadcast_id, "ends_on": c.ends_on,
        "posts": [post_view(p) for p in c.posts or []], "interaction": interaction(c), "reading": reading(c),
        "registrations": registrations,
    }


# --- writing -------------------------------------------------------------------------------------

def _clean(payload: dict, *, creating: bool) -> dict:
    errors = validation.Errors()
    out: dict = {}
    if creating:
        code = payload.get("code")
        if not isinstance(code, str) or not code.strip():
            errors.add("code", "Isi kode kampanye (huruf, angka, - atau _; tanpa spasi).")
        elif not CODE_RE.match(code.strip()):
            errors.add("code", "Kode hanya boleh huruf, angka, - atau _, paling banyak 40 karakter.")
        elif code.strip().lower().startswith(RESERVED_PREFIX):
            errors.add("code", "Kode yang diawali \u201cwa-\u201d dipakai untuk siaran WhatsApp.")
        else:
            out["code"] = code.strip()
    if creating or "name" in payload:
        name = validation.text_field(payload, errors, "name", 3, 120, required=True, what="Nama kampanye")
        if name:
            out["name"] = name
    if creating or "channel" in payload:
        channel = payload.get("channel")
        if not validation.one_of(channel, rules.SOURCES):
            errors.add("channel", "Pilih saluran kampanye.")
        else:
            out["channel"] = channel
    if "ends_on" in payload:
        ends_on = payload.get("ends_on")
        try:
            out["ends_on"] = date.fromisoformat(ends_on).isoformat() if ends_on not in (None, "") else None
        except (TypeError, ValueError):
            errors.add("ends_on", "Tanggal tidak valid (format TTTT-BB-HH).")
    if errors:
        raise InputError(errors)
    return out


def create(actor: str, payload: dict, *, now: datetime | None = None):
    data = _clean(payload, creating=True)
    stamp = rules.to_utc_iso(now or clock.now())
    record = store.build(data["code"], name=data["name"], channel=data["channel"], created_at=stamp,
                         created_by=actor, updated_at=stamp, posts=[], ends_on=data.get("ends_on"))
    uow = UnitOfWork(actor, "kampanye.buat", data["code"], {"name": data["name"], "channel": data["channel"]})
    store.add_new(uow, record)
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"code": "Kode ini sudah dipakai kampanye lain."}) from None
    return record


def update(actor: str, code: str, payload: dict):
    record = get(code)
    data = _clean(payload, creating=False)
    if not data:
        raise InputError({"_form": "Tidak ada yang diubah."})
    uow = UnitOfWork(actor, "kampanye.ubah", code, data)
    store.update(uow, record, {**data, "updated_at": rules.to_utc_iso(clock.now())})
    uow.commit()
    return get(code)


def _count(payload: dict, errors: validation.Errors, field: str) -> int:
    value = payload.get(field, 0)
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        errors.add(field, "Isi angka bulat 0 atau lebih.")
        return 0
    return value


def save_post(actor: str, code: str, post_id: str | None, payload: dict, now: datetime | None = None):
    """Add a post (post_id None: a new id) or overwrite one post's numbers and details."""
    record = get(code)
    errors = validation.Errors()
    platform = payload.get("platform", record.channel)
    if not validation.one_of(platform, rules.SOURCES):
        errors.add("platform", "Pilih platform unggahan.")
    url = payload.get("url")
    if url in (None, ""):
        url = None
    elif not isinstance(url, str) or len(url) > 500 or not re.match(r"^https?://\S+$", url):
        errors.add("url", "Tautan unggahan harus diawali http:// atau https://.")
    posted_on = payload.get("posted_on")
    if posted_on in (None, ""):
        posted_on = None
    else:
        try:
            posted_on = date.fromisoformat(posted_on).isoformat() if isinstance(posted_on, str) else _bad()
        except ValueError:
            errors.add("posted_on", "Tanggal tidak valid (format TTTT-BB-HH).")
    counts = {f: _count(payload, errors, f) for f in ("likes", "comments", "questions")}
    if post_id is not None and not POST_ID_RE.match(post_id):
        raise NotFound({"_form": "Unggahan tidak ditemukan."})
    if errors:
        raise InputError(errors)
    posts = list(record.posts or [])
    stamp = rules.to_utc_iso(now or clock.now())
    if post_id is None:
        post_id = _new_post_id(posts)
        posts.append(store.build_post(post_id=post_id, platform=platform, url=url, posted_on=posted_on,
                                  updated_at=stamp, updated_by=actor, **counts))
    else:
        found = [p for p in posts if p.post_id == post_id]
        if not found:
            raise NotFound({"_form": "Unggahan tidak ditemukan."})
        p = found[0]
        p.platform, p.url, p.posted_on, p.updated_at, p.updated_by = platform, url, posted_on, stamp, actor
        p.likes, p.comments, p.questions = counts["likes"], counts["comments"], counts["questions"]
    uow = UnitOfWork(actor, "kampanye.unggahan", code, {"post": post_id, **counts})
    store.save_posts(uow, record, posts, stamp)
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Kampanye baru saja diubah orang lain; muat ulang lalu simpan lagi."}) from None
    return get(code)


def _new_post_id(posts: list) -> str:
    """The first free id P1, P2...; Conflict when the campaign holds MAX_POSTS already."""
    if len(posts) >= MAX_POSTS:
        raise Conflict({"_form": f"Satu kampanye paling banyak {MAX_POSTS} unggahan."})
    taken = {p.post_id for p in posts}
    return next(f"P{n}" for n in range(1, MAX_POSTS + 2) if f"P{n}" not in taken)


def link_api_post(actor: str, code: str, platform: str, url: str, media_id: str, posted_on: str | None,
                  now: datetime | None = None):
    """Add a post found through Meta's Graph API (services/insights.py): its figures are read, not typed."""
    record = get(code)
    posts = list(record.posts or [])
    if any(p.media_id == media_id for p in posts):
        raise Conflict({"url": "Unggahan ini sudah ditautkan ke kampanye ini."})
    post_id = _new_post_id(posts)
    stamp = rules.to_utc_iso(now or clock.now())
    posts.append(store.build_post(post_id=post_id, platform=platform, url=url, posted_on=posted_on, updated_at=stamp,
                                  updated_by=actor, likes=0, comments=0, questions=0, media_id=media_id))
    uow = UnitOfWork(actor, "kampanye.tautkan_unggahan", code, {"post": post_id, "platform": platform})
    store.save_posts(uow, record, posts, stamp)
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Kampanye baru saja diubah orang lain; muat ulang lalu coba lagi."}) from None
    return get(code)


READ_FIELDS = ("views", "reach", "likes", "comments", "shares", "saves", "interactions", "questions")


def record_readings(code: str, readings: dict, day: str):
    """The latest figures Meta gave for linked posts ({post_id: (figures, problem)}: figures, or
    why the post cannot be read), in one write of the campaign; a save that meets a staff edit
    reads the campaign again and applies them to it. Returns the campaign as saved (None if gone
    or not saved)."""
    for _ in range(3):
        record = store.get(code)
        if record is None:
            return None
        for post in record.posts or []:
            if post.post_id not in readings or not post.media_id:
                continue  # unlinked or deleted meanwhile
            figures, problem = readings[post.post_id]
            for name in READ_FIELDS:
                value = (figures or {}).get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    setattr(post, name, value)
            post.imported_on, post.import_problem = day, problem
        uow = UnitOfWork()
        store.save_posts(uow, record, list(record.posts or []), record.updated_at)
        try:
            uow.commit()
            return record
        except Cancelled:
            continue
    logger.warning("campaign %s: readings not saved (it kept changing)", code)
    return None


def delete_post(actor: str, code: str, post_id: str):
    record = get(code)
    posts = [p for p in record.posts or [] if p.post_id != post_id]
    if len(posts) == len(record.posts or []):
        raise NotFound({"_form": "Unggahan tidak ditemukan."})
    uow = UnitOfWork(actor, "kampanye.hapus_unggahan", code, {"post": post_id})
    store.save_posts(uow, record, posts, rules.to_utc_iso(clock.now()))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"_form": "Kampanye baru saja diubah orang lain; muat ulang lalu coba lagi."}) from None
    return get(code)


def _bad():
    raise ValueError
