"""Evaluation counters, kept up to date as data arrives (the program's "Metode Evaluasi").

Every event that matters to the evaluation (a registration created, a session booked or
released, attendance recorded, feedback given, a registration cancelled or expired) adds to a
few numeric attributes of one item per ISO week (WIB) in the `stats` table, in the SAME
DynamoDB transaction as the change itself: a change and its counts are written together or not
at all, so the counters never drift, and the dashboard reads one item per week however many
registrations exist (no Scan, no stream that could count twice).

Items (`StatsRecord.period`):
    ``W#2026-W48``  one ISO week (Monday..Sunday, WIB dates)
    ``ALL``         all-time totals per campaign (the campaign list and broadcasts)

Two kinds of week, on purpose:
    cohort counters sit in the week the REGISTRATION was created (``reg...``, ``sched``, ``att``,
    ``fb``, ``cancel``, ``exp``): "of the people who registered in these weeks, how many were
    scheduled, came, gave feedback" -- a funnel that can never show more attendees than
    registrants;
    session counters sit in the week of the SESSION's day (``seat...``, ``s|...``, ``wait|...``,
    ``fb|...``): seats used, attendance and no-shows, waiting time and the feedback on the
    consultations held in those weeks.

Counter names are plain strings joined with ``|`` (DynamoDB takes any attribute name through
expression attribute names, which PynamoDB always uses); their parts come from closed lists
(services, topics, sources, the 40 kecamatan, consultant ids, campaign codes checked against
``[A-Za-z0-9_-]``), anything else is counted under ``lainnya``.

Pure: chalicelib/store/stats.py writes the changes (ADD) and reads the items.
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from . import rules, skm

ALL = "ALL"
OTHER = "lainnya"
APPLY_CHUNK = 50
WAIT_MAX_DAYS = 60
FEEDBACK_FIELDS = ("n", "sat", "help", "rec", "prom", "pas", "det", "ans_ya", "ans_sebagian", "ans_tidak")

_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Changes = dict[str, dict[str, int]]  # period key -> counter -> delta


# --- the counters' names: written here only, read through these by every layer ------------------

REG, SCHED, ATT, FB, CANCEL, EXP, SEAT = "reg", "sched", "att", "fb", "cancel", "exp", "seat"
REG_FOLLOW_UP = "reg|fu"
S_ATT, S_NOSHOW, S_ATT_CONF, S_NOSHOW_CONF = "s|att", "s|noshow", "s|att_conf", "s|noshow_conf"
S_CANCEL_VISITOR, S_CANCEL_OFFICE, S_CANCEL_WHATSAPP = "s|cancel_v", "s|cancel_o", "s|cancel_wa"
S_WA_CONFIRM, S_REFILL, S_REFILL_MS = "s|wa_confirm", "s|refill", "s|refill_ms"
S_OTHER_DATES = "s|other_dates"  # given up for other dates (not a cancellation)
WAIT_PREFIX = "wait|"  # wait|0 .. wait|60, then wait|61+
WAIT_OVER = f"{WAIT_PREFIX}{WAIT_MAX_DAYS + 1}+"
# The dimensions a registration (reg|...) or a seat (seat|...) is counted by.
BY_SERVICE, BY_SOURCE, BY_KECAMATAN, BY_MODE, BY_TOPIC, BY_CAMPAIGN = "svc", "src", "kec", "mode", "top", "camp"
# reg|ch|datang_langsung: registrations by channel other than the web form (the web form is the
# rest: registrations before channels were counted came from it); seat|walkin|<service>: seats
# booked at the walk-in desk (they never went through the queue; the forecast counts them apart).
BY_CHANNEL, BY_WALK_IN = "ch", "walkin"


def reg_key(dimension: str, value: str = "") -> str:
    """`reg|svc|koperasi`; with no value, the prefix of the dimension (for `by_prefix`)."""
    return f"{REG}|{dimension}|{value}"


def seat_key(dimension: str, value: str = "") -> str:
    return f"{SEAT}|{dimension}|{value}"


def feedback_key(scope: str, key: str = "", name: str | None = None) -> str:
    """`fb|con|K-SITI|sat`; without `name`, the prefix of a scope (and key)."""
    prefix = f"{FB}|{scope}|{key}" if key else f"{FB}|{scope}|"
    return f"{prefix}|{name}" if name else prefix


# --- periods ---------------------------------------------------------------------------------

def week_key(day: date) -> str:
    iso = day.isocalendar()
    return f"W#{iso.year}-W{iso.week:02d}"


def week_label(day: date) -> str:
    return week_key(day)[2:]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def wib_day(instant_iso: str) -> date:
    """The WIB calendar day of a stored UTC instant (seconds or microseconds precision)."""
    text = instant_iso.rstrip("Z")
    moment = datetime.fromisoformat(text).replace(tzinfo=rules.UTC)
    return moment.astimezone(rules.WIB).date()


def weeks_covering(start: date, end: date) -> list[date]:
    """Mondays of the ISO weeks that cover start..end (the dashboard's unit is the week)."""
    monday, out = week_start(start), []
    while monday <= end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


# --- names -------------------------------------------------------------------------------------

def _pick(value: object, allowed) -> str:
    return value if isinstance(value, str) and value in allowed else OTHER


def _code(value: object) -> str | None:
    return value if isinstance(value, str) and _CODE_RE.match(value) else None


def _ident(value: object) -> str:
    return value if isinstance(value, str) and _ID_RE.match(value) else OTHER


def wait_bucket(days: int) -> str:
    return f"{WAIT_PREFIX}{max(0, days)}" if days <= WAIT_MAX_DAYS else WAIT_OVER


def waiting_days(registration_created_at: str, session_day: str | date) -> int:
    """Calendar days (WIB) from the registration to its session."""
    day = session_day if isinstance(session_day, date) else date.fromisoformat(session_day)
    return (day - wib_day(registration_created_at)).days


# --- events (pure) -------------------------------------------------------------------------------

SKM_PREFIX = "SKM#"  # the SKM's running totals, one item per WIB month of the answers: SKM#2026-12


def skm_period(month: str) -> str:
    return SKM_PREFIX + month


def skm_answered(*, month: str, service: str, answers: dict, profile: dict) -> Changes:
    """One SKM respondent: its unsur's sums and counts and its profile, for the clinic and for the
    service, in the month it answered (domain/skm.py reads them back)."""
    names = {**skm.counter_names("all", answers, profile),
             **skm.counter_names(_pick(service, rules.SERVICES), answers, profile)}
    return {skm_period(month): names} if names else {}


def merge(*changes: Changes) -> Changes:
    """Add several events' changes up per period, dropping counters that cancel out (one
    transaction may touch an item only once)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for change in changes:
        for period, counters in change.items():
            for name, delta in counters.items():
                out[period][name] += delta
    return {p: {n: d for n, d in c.items() if d} for p, c in out.items() if any(c.values())}


def registration_created(*, created_at: str, service: str, topics, source: str, campaign: str | None,
                         kecamatan: str, mode: str, follow_up: bool = False, channel: str | None = None) -> Changes:
    week = week_key(wib_day(created_at))
    counters = {REG: 1, reg_key(BY_SERVICE, _pick(service, rules.SERVICES)): 1,
                reg_key(BY_SOURCE, _pick(source, rules.SOURCE_LABELS)): 1,
                reg_key(BY_KECAMATAN, _pick(kecamatan, rules.kecamatan_list())): 1,
                reg_key(BY_MODE, _pick(mode, rules.MODES)): 1}
    if rules.channel_of(channel) != rules.CHANNEL_WEB:
        counters[reg_key(BY_CHANNEL, rules.channel_of(channel))] = 1
    for topic in sorted(set(topics or ())):
        name = reg_key(BY_TOPIC, _pick(topic, rules.TOPICS))
        counters[name] = counters.get(name, 0) + 1
    if follow_up:
        counters[REG_FOLLOW_UP] = 1
    code = _code(campaign)
    out: Changes = {week: counters}
    if code:  # the all-time item only when there is a campaign: fewer writes on a shared item
        counters[reg_key(BY_CAMPAIGN, code)] = 1
        out[ALL] = {reg_key(BY_CAMPAIGN, code): 1}
    return out


def _seat_counters(sign: int, *, registration_created_at: str, day: str, service: str, mode: str,
                   walk_in: bool = False) -> dict:
    out = {SEAT: sign, seat_key(BY_SERVICE, _pick(service, rules.SERVICES)): sign,
           seat_key(BY_MODE, _pick(mode, rules.MODES)): sign,
           wait_bucket(waiting_days(registration_created_at, day)): sign}
    if walk_in:
        out[seat_key(BY_WALK_IN, _pick(service, rules.SERVICES))] = sign
    return out


def session_booked(*, registration_created_at: str, first: bool, day: str, service: str, mode: str,
                   refill_ms: int | None = None, walk_in: bool = False) -> Changes:
    """A session now holds a seat. `first`: the registration's first session ever (the funnel's
    "scheduled" step; a rebooking after a cancellation or a move is not counted again).
    `refill_ms`: the seat had just been given back by a visitor and went to the queue at
    once, this many milliseconds after (``s|refill``, ``s|refill_ms``). `walk_in`: booked at the
    walk-in desk (``seat|walkin|<service>``)."""
    seat = _seat_counters(1, registration_created_at=registration_created_at, day=day, service=service, mode=mode,
                          walk_in=walk_in)
    if refill_ms is not None:
        seat.update({S_REFILL: 1, S_REFILL_MS: max(0, int(refill_ms))})
    out: Changes = {week_key(date.fromisoformat(day)): seat}
    if first:
        out = merge(out, {week_key(wib_day(registration_created_at)): {SCHED: 1}})
    return out


def session_released(*, registration_created_at: str, day: str, service: str, mode: str, new_status: str,
                     registration_status: str, moving: bool = False, whatsapp: bool = False,
                     walk_in: bool = False) -> Changes:
    """A scheduled session gave its seat back (cancelled by either side, or moved). `whatsapp`:
    the visitor did it from WhatsApp (``s|cancel_wa``, besides ``s|cancel_v``)."""
    counters = _seat_counters(-1, registration_created_at=registration_created_at, day=day, service=service, mode=mode,
                              walk_in=walk_in)
    if new_status == rules.SESSION_OTHER_DATES:
        counters[S_OTHER_DATES] = 1
    elif not moving:
        by_visitor = new_status == rules.SESSION_CANCELLED_VISITOR
        counters[S_CANCEL_VISITOR if by_visitor else S_CANCEL_OFFICE] = 1
        if whatsapp and by_visitor:
            counters[S_CANCEL_WHATSAPP] = 1
    out: Changes = {week_key(date.fromisoformat(day)): counters}
    if registration_status == rules.STATUS_CANCELLED:
        out = merge(out, registration_cancelled(registration_created_at=registration_created_at))
    return out


def attendance_changed(*, registration_created_at: str, day: str, old: str, new: str,
                       confirmed: bool = False) -> Changes:
    """hadir / tidak_hadir recorded or corrected (old may be terjadwal). `confirmed`: the visitor
    had tapped "Saya hadir" (counted apart too: ``s|att_conf``, ``s|noshow_conf``)."""
    session: dict[str, int] = defaultdict(int)
    cohort: dict[str, int] = defaultdict(int)
    for status, sign in ((old, -1), (new, 1)):
        if status == rules.SESSION_ATTENDED:
            session[S_ATT] += sign
            cohort[ATT] += sign
            if confirmed:
                session[S_ATT_CONF] += sign
        elif status == rules.SESSION_NO_SHOW:
            session[S_NOSHOW] += sign
            if confirmed:
                session[S_NOSHOW_CONF] += sign
    return merge({week_key(date.fromisoformat(day)): dict(session)},
                 {week_key(wib_day(registration_created_at)): dict(cohort)})


def visitor_confirmed(*, day: str) -> Changes:
    """The visitor tapped "Saya hadir" for a session on `day`."""
    return {week_key(date.fromisoformat(day)): {S_WA_CONFIRM: 1}}


def registration_cancelled(*, registration_created_at: str) -> Changes:
    return {week_key(wib_day(registration_created_at)): {CANCEL: 1}}


def registration_expired(*, registration_created_at: str) -> Changes:
    return {week_key(wib_day(registration_created_at)): {EXP: 1}}


def feedback_scores(satisfaction: int, helpfulness: int, recommend: int, answered: str) -> dict[str, int]:
    out = {"n": 1, "sat": int(satisfaction), "help": int(helpfulness), "rec": int(recommend)}
    out["prom" if recommend >= 9 else "pas" if recommend >= 7 else "det"] = 1
    out[f"ans_{_pick(answered, ('ya', 'sebagian', 'tidak'))}"] = 1
    return out


def feedback_given(*, registration_created_at: str, day: str, consultant_id: str, service: str, topics,
                   satisfaction: int, helpfulness: int, recommend: int, answered: str,
                   walk_in: bool = False) -> Changes:
    """One feedback answer: sums and counts per consultant, per topic, per service and overall
    in the session's week (averages and NPS come from sums / counts), plus the cohort's
    "feedback given" funnel step. `walk_in`: the session was booked at the walk-in desk (scope
    ``fb|ch|datang_langsung``: the answers of visitors who came in, apart)."""
    scores = feedback_scores(satisfaction, helpfulness, recommend, answered)
    counters: dict[str, int] = {}
    scopes = [("all", "-"), ("con", _ident(consultant_id)), ("svc", _pick(service, rules.SERVICES))]
    if walk_in:
        scopes.append((BY_CHANNEL, rules.CHANNEL_DESK))
    scopes += [("top", _pick(t, rules.TOPICS)) for t in sorted(set(topics or ()))]
    for scope, key in scopes:
        for name, value in scores.items():
            counters[feedback_key(scope, key, name)] = counters.get(feedback_key(scope, key, name), 0) + value
    return merge({week_key(date.fromisoformat(day)): counters},
                 {week_key(wib_day(registration_created_at)): {FB: 1}})


def total(items: list[dict[str, int]], name: str) -> int:
    return sum(item.get(name, 0) for item in items)


def by_prefix(items: list[dict[str, int]], prefix: str) -> dict[str, int]:
    """Sum counters named `<prefix><key>` over items: key -> total."""
    out: dict[str, int] = defaultdict(int)
    for item in items:
        for name, value in item.items():
            if name.startswith(prefix):
                out[name[len(prefix):]] += value
    return dict(out)


def percentile_days(histogram: dict[str, int], q: float) -> int | None:
    """Nearest-rank percentile of the waiting-time histogram, in days (61 = "more than 60")."""
    counts = [(int(k.removeprefix(WAIT_PREFIX).rstrip("+")), v) for k, v in histogram.items() if v > 0]
    n = sum(v for _, v in counts)
    if n == 0:
        return None
    rank, seen = max(1, -(-int(q * 1000) * n // 1000)), 0
    for days, count in sorted(counts):
        seen += count
        if seen >= rank:
            return days
    return sorted(counts)[-1][0]


FEEDBACK_ANSWERED = ("ya", "sebagian", "tidak")


def _ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def feedback_summary(counts: dict[str, int]) -> dict:
    """From one scope's sums and counts: averages, NPS, answered shares."""
    n = counts.get("n", 0)
    return {
        "count": n,
        "avg_satisfaction": _ratio(counts.get("sat", 0), n, 2),
        "avg_helpfulness": _ratio(counts.get("help", 0), n, 2),
        "avg_recommend": _ratio(counts.get("rec", 0), n, 2),
        "nps": round(100 * (counts.get("prom", 0) - counts.get("det", 0)) / n) if n else None,
        "promoters": counts.get("prom", 0), "passives": counts.get("pas", 0), "detractors": counts.get("det", 0),
        "answered": {a: counts.get(f"ans_{a}", 0) for a in FEEDBACK_ANSWERED},
        "answered_share": {a: _ratio(counts.get(f"ans_{a}", 0), n) for a in FEEDBACK_ANSWERED},
    }
