"""Registrations: create one from the signup form, show it to its visitor and to staff."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, links, settings
from ..domain import counters, periods, rules, validation, words
from ..domain.errors import InputError, NotFound
from ..domain.references import format_reference, hash_token, new_reference, normalize_reference, token_matches
from ..messages import events
from ..store import outbox as outbox_store
from ..store import phone_limits
from ..store import registrations as store
from ..store import stats as stats_store
from ..store.paging import decode_cursor, encode_cursor
from ..store.unit_of_work import Cancelled, UnitOfWork, conflict_pause
from . import capacity, estimates, roster

if TYPE_CHECKING:
    from ..store.models import Registration

# What a visitor tells us about themselves and their request: copied as a whole by a follow-up.
VISITOR_FIELDS = ("name", "phone", "email", "kecamatan", "desa", "service", "org_name", "coop_status",
                  "business_sector", "nib", "topics", "description", "mode", "source", "campaign",
                  "consent_at", "consent_version")
ATTEMPTS = 8
NOT_FOUND = "Pendaftaran tidak ditemukan. Periksa kembali tautan Anda."


@dataclass
class Outcome:
    """What a use case produced: a status code and a JSON-able body."""

    status: int
    body: dict = field(default_factory=dict)

    @classmethod
    def errors(cls, status: int, errors: dict) -> "Outcome":
        return cls(status, {"errors": dict(errors)})


@dataclass(frozen=True)
class Origin:
    """Who stores a registration: the visitor on the web form (WEB), or a staff member at the
    walk-in desk (`desk(actor)`): the channel is recorded, consent is recorded as asked aloud by
    that staff member (audited), and the "received" message waits for the desk to seat the
    visitor (messages/events.on_registration_received)."""

    channel: str = rules.CHANNEL_WEB
    actor: str | None = None
    hold_message: bool = False

    @classmethod
    def desk(cls, actor: str, *, seating: bool) -> "Origin":
        return cls(rules.CHANNEL_DESK, actor, hold_message=seating)


WEB = Origin()
FLOW = Origin(rules.CHANNEL_WHATSAPP)  # the signup Flow inside WhatsApp: consent is its required opt-in


def closed_days(today: date) -> set[date]:
    """Whole days with no service up to the booking horizon (holidays, office closures)."""
    return roster.closed_days(today, today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days))


def bookable_days(today: date) -> list[date]:
    """The days a visitor may offer now (signup page, other-dates list on WhatsApp)."""
    return validation.bookable_days(today, closed_days(today))


OFFERED_ON_PAGE = 15  # the signup page shows the first 15 bookable days


def signup_options(now: datetime | None = None) -> dict:
    """The days the signup page offers, and for each service, mode and day how many seats the
    roster has and how many are still free (a day without seats has no consultant for that choice)."""
    now = now or clock.now()
    days = bookable_days(rules.wib_now(now).date())
    return {"days": [d.isoformat() for d in days], "offer": capacity.day_offer(days[:OFFERED_ON_PAGE], now)}


def open_count(phone: str) -> int:
    return store.open_count_for_phone(phone)


def limit_message(limit: int) -> str:
    return (f"Nomor ini sudah punya {limit} pendaftaran yang masih berjalan. "
            "Tunggu jadwalnya atau batalkan salah satu lewat tautan status.")


ALREADY_OPEN = ("Nomor WhatsApp ini sudah punya pendaftaran yang masih berjalan. Kami bisa mengirim tautan "
                "pendaftaran itu ke WhatsApp Anda, atau Anda tetap mendaftar lagi untuk topik lain.")
BUSY = "Sedang banyak pendaftaran bersamaan. Tunggu sebentar lalu kirim lagi; data Anda belum tersimpan."


class PhoneLimit:
    """The per-number limit of open registrations for one new registration.

    `precheck` answers the common case with one read; `add` puts the real limit into the
    registration's transaction (store/phone_limits.py), so parallel requests cannot pass it;
    `reached_after_conflict` is what the caller asks when that condition failed."""

    def __init__(self, phone: str, now: datetime):
        self.phone, self.now = phone, now
        self.limit = settings.max_open_per_phone()
        self.key = links.mac("phone-limit:" + phone, 18)
        self.seed = 0

    def precheck(self) -> bool:
        """True when the number already holds the most open registrations allowed."""
        self.seed = open_count(self.phone)
        return self.seed >= self.limit

    def add(self, uow: UnitOfWork, reference: str) -> None:
        phone_limits.add(uow, self.key, reference, seed=self.seed, limit=self.limit, now=self.now)

    def reached_after_conflict(self) -> bool:
        return phone_limits.reconcile(self.key, self.phone, self.now) >= self.limit


def create_registration(payload: object, idempotency_key: str | None, now: datetime | None = None,
                        origin: Origin = WEB) -> Outcome:
    """Validate and store a registration; a retried key returns the first answer. The web form
    and the WhatsApp Flow (services/flows.py, `origin` FLOW) both come here."""
    now = now or clock.now()
    if idempotency_key is not None and not validation.IDEMPOTENCY_RE.match(idempotency_key):
        return Outcome.errors(400, {"_form": "Kunci pengiriman tidak valid; muat ulang halaman lalu kirim lagi."})
    key = f"registration#{idempotency_key}" if idempotency_key else None
    replay = store.replay(key) if key else None
    if replay is not None:
        return Outcome(201, replay)
    if isinstance(payload, dict) and payload.get("kontak_lain"):
        # Honeypot: a field hidden from people; only form-filling bots fill it.
        return Outcome.errors(400, {"_form": "Pendaftaran tidak dapat diproses."})
    today = rules.wib_now(now).date()
    data, errors = validation.validate_registration(payload, today=today, closed=closed_days(today))
    if not errors:
        errors = servable(data.service, data.mode, data.days)
    if errors:
        return Outcome.errors(400, errors)
    return store_registration(data, key, now, another=isinstance(payload, dict) and payload.get("another") is True,
                              origin=origin)


def servable(service: str, mode: str, days) -> validation.Errors:
    """A registration must be able to move: at least one of its days has a seat on the roster for
    its service and mode (booked or not: a seat may come free). Else a field message."""
    errors = validation.Errors()
    if capacity.roster_seats(days, service, mode) == 0:
        errors.add("days", f"Pada tanggal yang Anda pilih belum ada konsultan untuk {words.mid_sentence(rules.SERVICES[service])} "
                           f"{words.mid_sentence(rules.MODES[mode])}. Pilih tanggal lain, atau cara konsultasi yang lain.")
    return errors


def store_registration(data: validation.RegistrationInput, key: str | None, now: datetime, *,
                       another: bool = False, origin: Origin = WEB) -> Outcome:
    """A valid registration into the queue, within the number's limit, once per idempotency key:
    the registration, its idempotency record, its messages and its counters in one transaction."""
    phone_limit = PhoneLimit(data.phone, now)
    if phone_limit.precheck():
        return _replayed(key) or Outcome.errors(429, {"whatsapp": limit_message(phone_limit.limit)})
    if phone_limit.seed and not another:
        # Most often the same person again, who lost the first link: offer it before a second one.
        # (Or this very request, retried while its first try was being stored: answer that one.)
        return _replayed(key) or Outcome(409, {"errors": {"whatsapp": ALREADY_OPEN}, "open_registration": True})
    estimate = estimates.text_for(data.service, data.mode, [d.isoformat() for d in data.days])
    for attempt in range(ATTEMPTS):
        reference = new_reference()
        body = _answer(reference, estimate)
        uow = _registration_writes(data, reference, body["token"], now, phone_limit, key, body, estimate, origin)
        try:
            uow.commit()
        except Cancelled as exc:
            if exc.on("idempotency"):
                replay = _replayed(key)  # the same key won a race with us: answer what it answered
                if replay is not None:
                    return replay
                conflict_pause(attempt)  # its write is not readable yet (or was undone): look again
                continue
            if exc.on(phone_limits.LABEL):
                if phone_limit.reached_after_conflict():
                    return _replayed(key) or Outcome.errors(429, {"whatsapp": limit_message(phone_limit.limit)})
                continue  # some of the listed registrations had closed: there is room again
            if exc.on("registration"):
                continue  # reference collision: draw another
            if not exc.failed and "TransactionConflict" in exc.codes:
                conflict_pause(attempt)  # another registration updated the same counters
                continue
            raise
        return Outcome(201, body)
    # Nothing was written: the visitor's retry (same idempotency key) is safe.
    return Outcome.errors(503, {"_form": BUSY})


def _replayed(key: str | None) -> Outcome | None:
    """The first answer under this key, read consistently. A registration and its idempotency
    record are written in one transaction, so a request that sees the number's registration sees
    the record too."""
    replay = store.replay(key) if key else None
    return Outcome(201, replay) if replay is not None else None


def _answer(reference: str, estimate: str | None) -> dict:
    return {"reference": format_reference(reference), "token": links.status_token(reference),
            "status": rules.STATUS_WAITING, "status_label": rules.REGISTRATION_STATUSES[rules.STATUS_WAITING],
            "estimate": estimate}


def _registration_writes(data: validation.RegistrationInput, reference: str, token: str, now: datetime,
                         phone_limit: PhoneLimit, key: str | None, body: dict, estimate: str | None,
                         origin: Origin = WEB) -> UnitOfWork:
    created = rules.to_utc_iso(now)
    desk = origin.channel == rules.CHANNEL_DESK
    registration = store.build(
        reference, token, now,
        name=data.name, phone=data.phone, email=data.email, kecamatan=data.kecamatan, desa=data.desa,
        service=data.service, org_name=data.org_name, coop_status=data.coop_status,
        business_sector=data.business_sector, nib=data.nib, topics=list(data.topics),
        description=data.description, mode=data.mode, days=list(data.days), source=data.source,
        campaign=data.campaign, consent_at=created, consent_version=validation.CONSENT_VERSION,
        channel=origin.channel if origin.channel != rules.CHANNEL_WEB else None,
        consent_by=origin.actor if desk else None)
    uow = UnitOfWork(origin.actor, "pendaftaran.datang_langsung", reference,
                     {"service": data.service, "consent": "lisan"}) if desk else UnitOfWork()
    store.add_new(uow, registration)
    phone_limit.add(uow, reference)
    if key:
        store.add_idempotency(uow, key, body, now)
    # "Registration received" (WhatsApp, and e-mail when given), and the evaluation counters.
    outbox_store.add(uow, events.on_registration_received(registration, now, estimate=estimate,
                                                          desk_hold=origin.hold_message))
    stats_store.add(uow, counters.registration_created(
        created_at=created, service=data.service, topics=data.topics, source=data.source,
        campaign=data.campaign, kecamatan=data.kecamatan, mode=data.mode, channel=origin.channel))
    return uow


LINK_REQUESTS_PER_DAY = 3
LINK_SENT = ("Bila kode pendaftaran dan nomor WhatsApp itu cocok, tautan status pribadi Anda kami kirim ke "
             "nomor WhatsApp tersebut (dan ke e-mail bila Anda mengisinya) dalam beberapa menit. Demi "
             "keamanan, tautan tidak ditampilkan di sini.")


def request_link(payload: object, now: datetime | None = None) -> dict:
    """A visitor who lost their private link asks for it again with reference and WhatsApp
    number. The link goes to that number (and e-mail) only, never into the answer, and the
    answer is the same whether or not the pair exists. At most LINK_REQUESTS_PER_DAY messages a
    day per registration: each is an outbox record with a slot id, written only if absent."""
    now = now or clock.now()
    payload = payload if isinstance(payload, dict) else {}
    errors = validation.Errors()
    by_number = "reference" not in payload  # from the signup form: the open registrations of that number
    reference = None if by_number else normalize_reference(payload.get("reference"))
    if not by_number and reference is None:
        errors.add("reference", "Kode pendaftaran terdiri dari 6 huruf/angka, misalnya 6F2-5AF.")
    phone, message = validation.normalize_phone(payload.get("whatsapp"))
    if message:
        errors.add("whatsapp", message)
    if errors:
        raise InputError(errors)
    if by_number:
        for registration in store.for_phone(phone):
            if registration.status in rules.OPEN_STATUSES:
                _send_link(registration, now)
        return {"message": LINK_SENT}
    registration = store.get(reference, consistent=True)
    if registration is not None and registration.phone == phone:
        _send_link(registration, now)
    return {"message": LINK_SENT}


def _send_link(registration: Registration, now: datetime) -> None:
    day = rules.wib_now(now).date().isoformat()
    token = links.status_token(registration.reference)
    for n in range(1, LINK_REQUESTS_PER_DAY + 1):
        uow = UnitOfWork()
        if not token_matches(registration.token_hash, token):
            # Made with a random token (before tokens were derived): its lost link is replaced.
            store.update(uow, registration, {"token_hash": hash_token(token)})
        outbox_store.add(uow, events.on_link_requested(registration, f"{day}#{n}", now))
        try:
            uow.commit()
            return
        except Cancelled as exc:
            if not exc.on("outbox"):
                raise
    # The day's allowance is used: nothing more is sent (and nothing different is said).


def find_for_visitor(raw_reference: str, token: str | None):
    """The registration behind a private link, or None (unknown and wrong token look alike)."""
    reference = normalize_reference(raw_reference)
    if reference is None or not token:
        return None
    registration = store.get(reference)
    if registration is None or not token_matches(registration.token_hash, token):
        return None
    return registration


def for_visitor(raw_reference: str, token: str | None):
    """Like find_for_visitor, but a 404 for the caller when there is none."""
    registration = find_for_visitor(raw_reference, token)
    if registration is None:
        raise NotFound({"_form": NOT_FOUND})
    return registration


def visitor_view(registration: Registration) -> dict:
    """What the visitor may see of their own registration."""
    return {
        "reference": format_reference(registration.reference),
        "status": registration.status,
        "status_label": rules.REGISTRATION_STATUSES.get(registration.status, registration.status),
        "name": registration.name,
        "service": registration.service,
        "service_label": rules.SERVICES[registration.service],
        "org_name": registration.org_name,
        "mode": registration.mode,
        "mode_label": rules.MODES[registration.mode],
        "days": list(registration.days),
        "topics": [rules.TOPICS.get(t, t) for t in registration.topics],
        "created_at": registration.created_at,
        # Deleted on request (or after the retention period): nothing personal is left to download
        # or delete, and nothing to change.
        "data_deleted": rules.anonymised(registration.name, registration.phone),
    }


# --- staff views -------------------------------------------------------------------------

PAGE_MAX = 100
MAX_READS = 10


def staff_item(r: Registration) -> dict:
    return {
        "reference": format_reference(r.reference),
        "name": r.name,
        "whatsapp": r.phone,
        "kecamatan": r.kecamatan,
        "service": r.service,
        "mode": r.mode,
        "status": r.status,
        "status_label": rules.REGISTRATION_STATUSES.get(r.status, r.status),
        "created_at": r.created_at,
        "org_name": r.org_name,
        "topics": list(r.topics),
    }


def staff_detail(raw_reference: str) -> dict:
    reference = normalize_reference(raw_reference)
    r = store.get(reference) if reference else None
    if r is None:
        raise NotFound({"_form": "Pendaftaran tidak ditemukan."})
    return {
        **staff_item(r),
        "email": r.email,
        "desa": r.desa,
        "coop_status": r.coop_status,
        "business_sector": r.business_sector,
        "nib": r.nib,
        "description": r.description,
        "days": list(r.days),
        "source": r.source,
        "source_label": rules.SOURCE_LABELS.get(r.source or rules.SOURCE_UNSAID, r.source),
        "campaign": r.campaign,
        "channel": rules.channel_of(r.channel),
        "channel_label": rules.CHANNELS[rules.channel_of(r.channel)],
        "queued_at": r.queued_at,
        "session_id": r.session_id,
        "consent_at": r.consent_at,
    }


def staff_search(params: dict) -> dict:
    """`staff_list` from the fields of a query string or a JSON body (strings, or a number for limit)."""
    def text(name):
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError({name: validation.MSG_TEXT})
        return value or None

    raw_limit = params.get("limit", 25)
    if isinstance(raw_limit, str) and raw_limit.isdigit():
        raw_limit = int(raw_limit)
    if not isinstance(raw_limit, int) or isinstance(raw_limit, bool):
        raise InputError({"limit": "Harus angka."})
    q = text("q")
    if q is not None and validation.unusable_character(q):
        raise InputError({"q": validation.MSG_UNUSABLE})
    return staff_list(status=text("status"), service=text("service"), kecamatan=text("kecamatan"), q=q,
                      cursor=text("cursor"), start=validation.parse_day(text("from"), "from", required=False),
                      end=validation.parse_day(text("to"), "to", required=False), limit=raw_limit)


def staff_list(*, status=None, service=None, kecamatan=None, start: date | None = None, end: date | None = None,
               q: str | None = None, cursor: str | None = None, limit: int = 25, today: date | None = None) -> dict:
    """A page of registrations for staff, newest first, from Queries on the best GSI.

    Filters combine; the most selective one picks the index, the others become filter
    conditions. `q` is a reference (GetItem), a WhatsApp number (GSI by_phone) or part of a
    name (filter). Without dates the list covers the last 12 months.
    """
    errors = validation.Errors()
    if status and not validation.one_of(status, rules.REGISTRATION_STATUSES):
        errors.add("status", "Status tidak dikenal.")
    if service and not validation.one_of(service, rules.SERVICES):
        errors.add("service", "Layanan tidak dikenal.")
    if kecamatan and kecamatan not in rules.kecamatan_list():
        errors.add("kecamatan", "Kecamatan tidak dikenal.")
    if not 1 <= limit <= PAGE_MAX:
        errors.add("limit", f"Antara 1 dan {PAGE_MAX}.")
    if start and end and end < start:
        errors.add("to", "Tanggal akhir sebelum tanggal awal.")
    if errors:
        raise InputError(errors)

    today = today or clock.today()
    end = end or today
    start = start or date(end.year - 1, end.month, 1)
    lo = rules.to_utc_iso(datetime.combine(start, datetime.min.time(), tzinfo=rules.WIB))
    hi = rules.to_utc_iso(datetime.combine(end, datetime.max.time().replace(microsecond=0), tzinfo=rules.WIB))

    q = (q or "").strip()
    if q:
        reference = normalize_reference(q)
        if reference:
            r = store.get(reference)
            if r is not None:
                return {"items": [staff_item(r)], "next_cursor": None}
    phone = None
    if q and sum(ch.isdigit() for ch in q) >= 8:
        phone, _msg = validation.normalize_phone(q)
    name = q if q and not phone else None

    if phone:
        index, partitions = "by_phone", [phone]
        filters = {"status": status, "service": service, "kecamatan": kecamatan}
    elif status:
        index, partitions = "by_status", [status]
        filters = {"service": service, "kecamatan": kecamatan}
    elif kecamatan:
        index, partitions = "by_kecamatan", [kecamatan]
        filters = {"service": service}
    elif service:
        index, partitions, filters = "by_service", [service], {}
    else:
        index, partitions, filters = "by_month", periods.months_desc(start, end), {}

    state = decode_cursor(cursor) if cursor else {"p": 0, "k": None}
    return _page_of(index, partitions, int(state.get("p", 0)), state.get("k"), limit,
                    lo=lo, hi=hi, filters=filters, name_contains=name)


def _page_of(index: str, partitions: list[str], part: int, last_key: dict | None, limit: int, **query) -> dict:
    """`limit` registrations from (partition `part`, after `last_key`), and a cursor only when one
    more was found after them ("masih ada lagi" is then true).

    One DynamoDB page per round, sized to what is still missing plus the one that says there is
    more: each partition (a month) is read at least once, a filter that matches little costs at most
    MAX_READS reads more per request, and then the cursor picks up where it stopped."""
    found: list[tuple[Registration, int, dict]] = []
    reads, budget = 0, MAX_READS + len(partitions) - part
    while part < len(partitions) and len(found) <= limit and reads < budget:
        rows, last_key = store.page(index=index, partition=partitions[part], size=limit + 1 - len(found),
                                    last_key=last_key, **query)
        reads += 1
        found.extend((r, part, position) for r, position in rows)
        if last_key is None:
            part, last_key = part + 1, None
    items = [staff_item(r) for r, _, _ in found[:limit]]
    if len(found) > limit:
        _, at, position = found[limit - 1]
        next_cursor = encode_cursor({"p": at, "k": position})
    elif part < len(partitions):
        next_cursor = encode_cursor({"p": part, "k": last_key})  # not read to the end: there may be more
    else:
        next_cursor = None
    return {"items": items, "next_cursor": next_cursor}
