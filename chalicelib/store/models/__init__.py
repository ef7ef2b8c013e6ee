"""PynamoDB models: every DynamoDB table of the system and its indexes.

Only chalicelib/store imports this package (the messages' tables are in `messaging`): the rest of the app calls the store's functions
per aggregate. Table names are `<TABLE_PREFIX>-<name>` (the prefix carries the stage).
`DYNAMODB_ENDPOINT` points the models at DynamoDB Local (make run); unset, they talk to AWS (or
to moto in tests). Every request path reads with GetItem or Query on a key or GSI: nothing here
is meant to Scan.

infra/cleanclear_infra/tables.py derives the AWS tables from `ALL_MODELS`, so this module
imports nothing of the app but the connection.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from .base import TEAM, BaseModel, _gsi, _meta
from .messaging import BroadcastRecord, FlowTokenRecord, InboundRecord, OptOutRecord, OutboxRecord
from .reporting import MonthlyReportRecord, ReportNoteRecord
from .social import PostInsightRecord


class Registration(BaseModel):
    """A visitor's request for a consultation.

    Access patterns:
      - by reference (GetItem): the visitor's private link, staff detail view;
      - by status + created_at (GSI by_status): staff list, the allocator's waiting queue;
      - by phone + created_at (GSI by_phone): open-registration limit, staff search by phone;
      - by created_month + created_at (GSI by_month): staff list by date range, name search;
      - by service / kecamatan + created_at (GSIs by_service, by_kecamatan): staff filters.
    """

    Meta = _meta("registrations")
    reference = UnicodeAttribute(hash_key=True)
    token_hash = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()  # UTC ISO 8601
    created_month = UnicodeAttribute()  # "2026-11" (WIB month), GSI partition
    queued_at = UnicodeAttribute()  # the place in the queue (UTC ISO); kept on re-offer
    updated_at = UnicodeAttribute()

    name = UnicodeAttribute()
    name_search = UnicodeAttribute()  # casefolded name, for staff search
    phone = UnicodeAttribute()  # E.164
    email = UnicodeAttribute(null=True)
    kecamatan = UnicodeAttribute()
    desa = UnicodeAttribute(null=True)
    service = UnicodeAttribute()
    org_name = UnicodeAttribute()
    coop_status = UnicodeAttribute(null=True)
    business_sector = UnicodeAttribute(null=True)
    nib = UnicodeAttribute(null=True)
    topics = ListAttribute(of=UnicodeAttribute)
    description = UnicodeAttribute()
    mode = UnicodeAttribute()
    days = ListAttribute(of=UnicodeAttribute)  # ISO dates (WIB), visitor's order
    source = UnicodeAttribute()
    campaign = UnicodeAttribute(null=True)
    consent_at = UnicodeAttribute()
    consent_version = UnicodeAttribute()

    # Set when a session is booked.
    session_id = UnicodeAttribute(null=True)
    # A follow-up asked for on the feedback page: the reference of the earlier registration.
    follow_up_of = UnicodeAttribute(null=True)
    # The visitor's last WhatsApp reply that changed the registration (its wamid): a reply Meta
    # delivers again finds its own change here (services/whatsapp_inbox.py).
    inbound_id = UnicodeAttribute(null=True)
    # Seats the office took away from this registration (cancelled with a place kept in the queue):
    # never offered to it again (domain/allocation.Request.avoid).
    avoid_seats = ListAttribute(of=UnicodeAttribute, null=True)
    # How it came in (rules.CHANNELS); absent: the web form. At the walk-in desk: who asked for
    # the visitor's consent aloud (the staff member's e-mail), recorded with consent_at.
    channel = UnicodeAttribute(null=True)
    consent_by = UnicodeAttribute(null=True)

    by_status = _gsi("by_status", "status")
    by_phone = _gsi("by_phone", "phone")
    by_month = _gsi("by_month", "created_month")
    by_service = _gsi("by_service", "service")
    by_kecamatan = _gsi("by_kecamatan", "kecamatan")


class IdempotencyRecord(BaseModel):
    """The first answer to a client-generated idempotency key, kept for a day.

    Written in the same transaction as what it protects, so a retry either finds it (and
    gets the first answer back) or finds nothing at all: never a half-done request.
    """

    Meta = _meta("idempotency")
    key = UnicodeAttribute(hash_key=True)
    response = UnicodeAttribute()  # JSON of the first answer
    created_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class ConsultantRecord(BaseModel):
    """A consultant (narasumber). Listed with one Query on the constant partition."""

    Meta = _meta("consultants")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    consultant_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    services = ListAttribute(of=UnicodeAttribute)
    topics = ListAttribute(of=UnicodeAttribute)
    modes = ListAttribute(of=UnicodeAttribute)
    active = BooleanAttribute(default=True)
    staff_email = UnicodeAttribute(null=True)  # the linked staff account
    zoom_user = UnicodeAttribute(null=True)  # their e-mail in the office's Zoom account: they host their meetings
    updated_at = UnicodeAttribute()


class RoomRecord(BaseModel):
    """A consultation room at the office: holds one face-to-face session at a time."""

    Meta = _meta("rooms")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    room_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    updated_at = UnicodeAttribute()


class RosterRecord(BaseModel):
    """Duty roster entries in one partition, told apart by the sort key:

    - weekly pattern: ``rule#<consultant_id>#<weekday>#<service>``
    - dated exception: ``exc#<YYYY-MM-DD>#<consultant_id>#<service>`` with kind cuti/tambahan
      (a date range is one Query with ``between`` on the sort key).
    """

    Meta = _meta("roster")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    sk = UnicodeAttribute(range_key=True)
    consultant_id = UnicodeAttribute()
    service = UnicodeAttribute()
    weekday = NumberAttribute(null=True)
    day = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class ClosureRecord(BaseModel):
    """An office closure staff entered (holidays come from the `holidays` package).

    Key: year, then ``<YYYY-MM-DD>#<service|all>``.
    """

    Meta = _meta("closures")
    year = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    day = UnicodeAttribute()
    service = UnicodeAttribute(null=True)
    reason = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class AuditRecord(BaseModel):
    """Who changed what, when: one item per staff write, partitioned by WIB day."""

    Meta = _meta("audit")
    day = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "<UTC ISO>#<random>"
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    target = UnicodeAttribute()
    details = UnicodeAttribute(default="{}")  # JSON


class SessionRecord(BaseModel):
    """A booked consultation session (one seat: consultant x start time).

    Access patterns: by id; by WIB day (GSI by_day: the day/room/week views, capacity);
    by consultant and start (GSI by_consultant: "Jadwal saya").
    """

    Meta = _meta("sessions")
    session_id = UnicodeAttribute(hash_key=True)
    reference = UnicodeAttribute()
    seat_id = UnicodeAttribute()
    start = UnicodeAttribute()  # UTC ISO
    day = UnicodeAttribute()  # WIB date
    service = UnicodeAttribute()
    mode = UnicodeAttribute()
    consultant_id = UnicodeAttribute()
    room_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    fixed = BooleanAttribute(default=False)  # booked by staff by hand: the allocator never moves it
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    visitor_confirmed_at = UnicodeAttribute(null=True)  # UTC ISO: the visitor tapped "Saya hadir"
    refill_of = UnicodeAttribute(null=True)  # UTC ISO: when the seat this booking took was freed
    walk_in = BooleanAttribute(null=True)  # booked at the walk-in desk for a visitor at the office
    outcome = UnicodeAttribute(null=True)  # the answer to the three-months question (domain/outcomes.py)
    outcome_at = UnicodeAttribute(null=True)  # UTC ISO: when it was answered (the first tap only)

    # The Zoom meeting of an online session (chalicelib/services/meetings.py). meeting_next_try is set
    # only while there is work to do (or a failure for staff to see): the GSI by_meeting_state
    # is sparse, so the sync job finds its work with a Query and done sessions drop out of it.
    meeting_state = UnicodeAttribute(null=True)
    meeting_id = UnicodeAttribute(null=True)
    join_url = UnicodeAttribute(null=True)
    meeting_attempts = NumberAttribute(null=True)
    meeting_next_try = UnicodeAttribute(null=True)  # UTC ISO; the claim's expiry while claimed
    meeting_error = UnicodeAttribute(null=True)
    meeting_claim = UnicodeAttribute(null=True)  # token of the run holding the session
    meeting_claimed_at = UnicodeAttribute(null=True)  # last creation claim: Zoom may hold a meeting
    meeting_host = UnicodeAttribute(null=True)  # the Zoom user the meeting was made for ("me" = the office's)

    by_day = _gsi("by_day", "day", "start")
    by_consultant = _gsi("by_consultant", "consultant_id", "start")
    by_meeting_state = _gsi("by_meeting_state", "meeting_state", "meeting_next_try")


class LockRecord(BaseModel):
    """Uniqueness guards written in the same transaction as a session:

    ``seat#<seat_id>`` (one session per consultant and start), ``room#<room>#<start>``
    (one face-to-face session per room and start), ``reg#<reference>`` (one open session per
    registration). A conditional put on these makes double booking impossible, whoever writes.
    """

    Meta = _meta("locks")
    lock_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class NoteRecord(BaseModel):
    """A consultant's notes on one session; staff read them, other consultants never do."""

    Meta = _meta("notes")
    session_id = UnicodeAttribute(hash_key=True)
    consultant_id = UnicodeAttribute()
    reference = UnicodeAttribute()
    problem = UnicodeAttribute(null=True)
    advice = UnicodeAttribute(null=True)
    follow_up = BooleanAttribute(default=False)
    referral = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class FeedbackRecord(BaseModel):
    """A visitor's answer to the feedback form, one per session (conditional put on the key).

    Access patterns: by session (GetItem: "already answered?"); by WIB month of the answer +
    created_at (GSI by_month: the evaluation dashboard's date ranges, per-topic/per-service
    counts aggregated from the month's items); by consultant + created_at (GSI by_consultant:
    one consultant's feedback over a period). The copied session fields (consultant, service,
    mode, topics, day) let the dashboard aggregate without reading sessions or registrations.
    """

    Meta = _meta("feedback")
    session_id = UnicodeAttribute(hash_key=True)
    reference = UnicodeAttribute()  # the registration the session served
    consultant_id = UnicodeAttribute()
    service = UnicodeAttribute()
    mode = UnicodeAttribute()
    topics = ListAttribute(of=UnicodeAttribute)
    session_day = UnicodeAttribute()  # WIB date of the session
    satisfaction = NumberAttribute()  # 1-5
    answered = UnicodeAttribute()  # ya | sebagian | tidak
    helpfulness = NumberAttribute()  # 1-5
    recommend = NumberAttribute()  # 0-10
    improve = UnicodeAttribute(null=True)  # free text, at most 1000 characters
    follow_up = UnicodeAttribute(null=True)  # reference of the follow-up registration, if asked for
    skm = MapAttribute(null=True)  # the SKM's unsur answered: {"u1": 1..4, ...} (domain/skm.py)
    profile = MapAttribute(null=True)  # the respondent's profile for the SKM report, only what was given
    created_at = UnicodeAttribute()  # UTC ISO
    month = UnicodeAttribute()  # "2026-11": WIB month of created_at, GSI partition

    by_month = _gsi("by_month", "month")
    by_consultant = _gsi("by_consultant", "consultant_id")


class StatsRecord(BaseModel):
    """Evaluation counters: one item per period (``W#2026-W48`` = ISO week in WIB, ``ALL``),
    many numeric attributes named by chalicelib/domain/counters.py and updated with ``ADD`` in the same
    transaction as the change they count. Read with BatchGetItem on the period keys (the
    attributes are dynamic, so they are read raw, not through this class).

    ``RETENTION`` is one more item: ``through`` = the created_at up to which the retention job
    has anonymised finished registrations.
    """

    Meta = _meta("stats")
    period = UnicodeAttribute(hash_key=True)
    through = UnicodeAttribute(null=True)


class CampaignPost(MapAttribute):
    """One social-media post of a campaign, with the interaction staff read off the platform
    (a snapshot: staff overwrite the numbers as they grow)."""

    post_id = UnicodeAttribute()
    platform = UnicodeAttribute()  # instagram | facebook | whatsapp | ... (rules.SOURCES keys)
    url = UnicodeAttribute(null=True)
    posted_on = UnicodeAttribute(null=True)  # WIB date
    likes = NumberAttribute(default=0)
    comments = NumberAttribute(default=0)
    questions = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    # Read from Meta's Graph API (services/insights.py): the post's id there, and the latest figures
    # (likes, comments and questions above too). Absent: typed by staff from the app.
    media_id = UnicodeAttribute(null=True)
    views = NumberAttribute(null=True)
    reach = NumberAttribute(null=True)
    shares = NumberAttribute(null=True)
    saves = NumberAttribute(null=True)
    interactions = NumberAttribute(null=True)
    imported_on = UnicodeAttribute(null=True)  # WIB day of the latest reading
    import_problem = UnicodeAttribute(null=True)  # why it could not be read (deleted, not ours)


class CampaignRecord(BaseModel):
    """An outreach campaign: its code goes on the signup link (``?src=CODE``) and QR poster.

    One partition (tens to hundreds of campaigns): the list is one Query. Posts live in the
    item (at most MAX_POSTS). A WhatsApp broadcast is a campaign too (code ``wa-<id>``).
    """

    Meta = _meta("campaigns")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    code = UnicodeAttribute(range_key=True)  # [A-Za-z0-9_-]{1,40}
    name = UnicodeAttribute()
    channel = UnicodeAttribute()  # rules.SOURCES key
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    posts = ListAttribute(of=CampaignPost, default=list)
    broadcast_id = UnicodeAttribute(null=True)
    ends_on = UnicodeAttribute(null=True)  # WIB day the campaign ends; its posts are read 30 days more


class RunRecord(BaseModel):
    """A run of a scheduled job that staff can start and watch ("Jalankan penjadwalan sekarang"),
    and the lease that keeps two runs of one job from working at once.

    ``run_id`` ``R<yyyymmddHHMMSS><rand>`` (a run, kept 30 days) or ``lease#<kind>`` (the lease:
    ``holder`` = the run holding it until ``lease_until``)."""

    Meta = _meta("runs")
    run_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # allocate
    status = UnicodeAttribute(null=True)  # antre | berjalan | selesai | berlanjut | gagal
    requested_by = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    waiting = NumberAttribute(null=True)
    booked = NumberAttribute(null=True)
    conflicts = NumberAttribute(null=True)
    expired = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    holder = UnicodeAttribute(null=True)
    lease_until = UnicodeAttribute(null=True)
    n = NumberAttribute(null=True)  # ``zoomquota#<host>#<day>``: Zoom create/update calls that UTC day
    expires_at = TTLAttribute(null=True)


class PhoneLimitRecord(BaseModel):
    """The open registrations of one WhatsApp number, so that the per-number limit is a condition
    of the registration's own transaction (store/phone_limits.py). ``phone_key`` is a keyed hash
    of the number, never the number; ``refs`` may still list registrations that closed since."""

    Meta = _meta("phone-limits")
    phone_key = UnicodeAttribute(hash_key=True)
    refs = UnicodeSetAttribute(null=True)
    n = NumberAttribute(default=0)  # len(refs)
    version = NumberAttribute(default=0)  # +1 on every write: reconciling never loses an add
    expires_at = TTLAttribute(null=True)


class ForecastRecord(BaseModel):
    """The latest capacity forecast (services/forecast.py), one small item read by GetItem:
    ``public`` (what the signup page shows) and ``staff`` (the needs of the coming weeks)."""

    Meta = _meta("forecasts")
    key = UnicodeAttribute(hash_key=True)
    payload = UnicodeAttribute()  # JSON
    computed_at = UnicodeAttribute()


__all__ = ["TEAM", "BaseModel", "BroadcastRecord", "InboundRecord", "OptOutRecord", "OutboxRecord", "PostInsightRecord"]

ALL_MODELS: list[type[BaseModel]] = [
    Registration, IdempotencyRecord, ConsultantRecord, RoomRecord, RosterRecord, ClosureRecord, AuditRecord,
    SessionRecord, LockRecord, NoteRecord, FeedbackRecord, OutboxRecord, OptOutRecord, StatsRecord,
    CampaignRecord, BroadcastRecord, RunRecord, PhoneLimitRecord, ForecastRecord, InboundRecord, PostInsightRecord,
    FlowTokenRecord, ReportNoteRecord, MonthlyReportRecord,
]
