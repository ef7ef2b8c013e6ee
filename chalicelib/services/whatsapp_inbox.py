"""WhatsApp as the visitor's remote control: what a visitor's reply does.

Buttons (payloads signed and bound to one session and one message: domain/replies.py):
  "Saya hadir"         the session is confirmed by the visitor; a short thank-you (a second tap
                       changes nothing and says nothing);
  "Batalkan"           asks once ("Ya, batalkan" / "Tidak"); "Ya" cancels exactly as the status
                       page does (services/self_service.py) and the freed seat goes to the queue
                       at once;
  "Minta jadwal lain"  a list of the coming bookable days; a pick puts the registration back in
                       the queue with its place kept (more picks, or day names written as text,
                       add days), as the status page's other-dates form does.
Words: STATUS / LINK send the private status link back to that number; BATAL starts the same
cancellation; BERHENTI / MULAI as before; anything else gets a short help, at most once a day per
number. A tap from a number that is not the registration's, or a payload that does not verify,
changes nothing.

Each inbound message is handled at most once: its wamid is written with ``attribute_not_exists``
(store/inbox.py) in the transaction of what it changes; a cancellation or new dates carry the
wamid on the registration (their own transaction is full), so a webhook Meta delivers again finds
its own change and does nothing twice. A reply about a session that has changed since (moved,
cancelled, over) gets a polite answer saying what is true now. Answers are free-form messages
(WhatsApp allows them for 24 hours after the visitor wrote), written to the outbox in the same
transaction and sent at once (messages/send.send_now).
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .. import clock, links
from ..adapters import metrics
from ..adapters.whatsapp_inbound import Inbound
from ..domain import counters, outcomes, replies, rules
from ..domain.errors import Conflict, InputError
from ..domain.references import normalize_reference
from ..messages import catalog, events, reminders, send
from ..messages.records import dedupe_key, message_id_for
from ..store import inbox as inbox_store
from ..store import outbox as outbox_store
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store import stats as stats_store
from ..store.unit_of_work import Cancelled, UnitOfWork
from . import booking, capacity, flows, registrations, self_service
from .booking import VISITOR as ACTOR

if TYPE_CHECKING:
    from ..store.models import InboundRecord, Registration, SessionRecord

logger = logging.getLogger(__name__)

LIVE = (rules.STATUS_WAITING, rules.STATUS_SCHEDULED, rules.STATUS_EXPIRED)
LIST_DAYS = 10  # rows of a WhatsApp list
TEXT_DAYS_WINDOW = timedelta(hours=24)  # day names count as an answer to a list this recent
MAX_CHOICES = 3  # reply buttons



RECEIVED_MAX_AGE = timedelta(days=8)
RECEIVED_MAX_AHEAD = timedelta(minutes=10)


@dataclass
class Reply:
    """One inbound message being handled."""

    m: Inbound
    now: datetime
    answers: list[str] = field(default_factory=list)  # outbox ids to send at once
    tapped: str | None = None  # the outbox record whose button or list row was tapped

    @property
    def received(self) -> datetime:
        """Meta's timestamp, or now when there is none or it is impossible: Meta redelivers for
        up to 7 days and clocks drift by minutes, so one outside that window (year 9999, year 1000)
        would only break date arithmetic and the staff's conversation view."""
        at = self.m.received_at
        if at is None or not self.now - RECEIVED_MAX_AGE <= at <= self.now + RECEIVED_MAX_AHEAD:
            return self.now
        return at

    def record(self, action: str, outcome: str, *, reference=None, session_id=None, in_reply_to=None):
        return inbox_store.build(self.m.message_id, kind=self.m.kind, text=self.m.text, action=action,
                                 outcome=outcome, received_at=self.received, now=self.now, reference=reference,
                                 session_id=session_id, in_reply_to=in_reply_to or self.tapped)

    def answer(self, template: str, *, subject: str | None = None, reference=None, session_id=None, **params):
        return events.answer(template, to=self.m.phone, subject=subject or self.m.message_id,
                             received_at=self.received, answers_to=self.m.message_id, now=self.now, reference=reference, session_id=session_id,
                             params=params)


def handle(m: Inbound, now: datetime | None = None) -> str:
    """Handle one visitor's message (at most once); returns what was done (domain/replies.OUTCOMES)."""
    if not m.message_id:
        return "tanpa_id"
    if inbox_store.get(m.message_id) is not None:
        return "duplikat"
    r = Reply(m, now or clock.now())
    if m.kind == "flow":
        outcome = _flow_done(r)
    elif m.kind in ("button", "interactive") and replies.is_ours(m.payload):
        payload = replies.decode(m.payload, links.reply_signature)
        outcome = _tap(r, payload) if payload is not None else _refuse(r, "tanda_tidak_sah")
    else:
        outcome = _text(r)  # a text, or a button that is not ours (Meta's "Stop promotions"): its words
    if r.answers:
        send.send_now(r.answers)  # now, not when handling began: the change made its messages since
    metrics.emit("WhatsAppReplies")
    logger.info("whatsapp reply: %s", outcome)  # never the number or the words
    return outcome


# --- storing what a message did --------------------------------------------------------------------

def _commit(r: Reply, uow: UnitOfWork, record: InboundRecord, answers: list) -> str | None:
    """Write the message's record, its change and its answers together. Returns the outcome,
    "duplikat" when another delivery of the same message was first, or None when the change's
    own condition failed (the caller looks again)."""
    inbox_store.add(uow, record)
    outbox_store.add(uow, answers)
    try:
        uow.commit()
    except Cancelled as exc:
        if exc.on(inbox_store.INBOUND):
            return "duplikat"
        return None
    r.answers += [a.message_id for a in answers]
    return record.outcome


def _only(r: Reply, record: InboundRecord, answers: list | None = None) -> str:
    """A message that changes nothing but its own record (and perhaps an answer)."""
    return _commit(r, UnitOfWork(), record, answers or []) or "duplikat"


def _refuse(r: Reply, outcome: str, reference=None) -> str:
    """A forged payload, or a tap from another number: nothing changes, nothing is answered."""
    metrics.emit("WhatsAppRefusedReplies")
    return _only(r, r.record(replies.BANTUAN, outcome, reference=reference))


def _state(r: Reply, action: str, code: str, reg: Registration, session: SessionRecord=None, **params) -> str:
    """The polite answer saying what is true now."""
    reference = reg.reference if reg is not None else None
    session_id = session.session_id if session is not None else None
    return _only(r, r.record(action, "keadaan", reference=reference, session_id=session_id),
                 [r.answer(catalog.BALAS_KEADAAN, reference=reference, session_id=session_id, keadaan=code, **params)])


# --- buttons ---------------------------------------------------------------------------------------------

def _tap(r: Reply, p: replies.Payload) -> str:
    r.tapped = p.message_id
    session = sessions_store.get(p.subject, consistent=True) if p.is_session else None
    reg = registrations_store.get(session.reference if session else p.subject, consistent=True)
    if reg is None or (p.is_session and session is None):
        return _refuse(r, "tanda_tidak_sah")
    if reg.phone != r.m.phone:
        return _refuse(r, "nomor_lain", reg.reference)
    carrier = outbox_store.get(p.message_id)
    if (carrier is None or (carrier.reference != reg.reference and carrier.recipient != reg.phone)
            or not _tapped_on(carrier, r.m.context_id)):
        return _refuse(r, "tanda_tidak_sah", reg.reference)
    return TAPS[p.action](r, p, reg, session)


def _tapped_on(carrier, context_id: str | None) -> bool:
    """A tap names the message it was on (`context.id`, Meta's wamid of our message): it must be
    there, and be the wamid of the message the payload names. (The local demo outbox has no
    wamids: its own provider id stands in.)"""
    if not context_id:
        return False
    return carrier.provider_message_id == context_id or (carrier.provider_message_id or "").startswith("local-")


def _session_moved_on(r: Reply, action: str, reg: Registration, session: SessionRecord) -> str | None:
    """The answer when the session is no longer what the button was about, else None."""
    started = rules.parse_utc_iso(session.start) <= r.now
    rebooked = bool(reg.session_id and reg.session_id != session.session_id)
    code = replies.session_now(session.status, started=started, rebooked=rebooked)
    return _state(r, action, code, reg, session) if code else None


def _no_longer(r: Reply, action: str, reg: Registration, session: SessionRecord) -> str | None:
    """The answer when what a button was about changed since (the session moved on, or the
    registration without a session is closed), else None."""
    if session is not None:
        return _session_moved_on(r, action, reg, session)
    if reg.status not in LIVE:
        return _state(r, action, replies.NOW_CLOSED, reg)
    return None


def _confirm(r: Reply, p, reg: Registration, session: SessionRecord | None, *, again: bool = False) -> str:
    if session is None:  # a payload about the registration, not a session: say what is true now
        if reg.status not in LIVE:
            return _state(r, replies.HADIR, replies.NOW_CLOSED, reg)
        booked = reg.status == rules.STATUS_SCHEDULED and reg.session_id
        return _state(r, replies.HADIR, replies.NOW_MOVED if booked else replies.NOW_WAITING, reg)
    moved_on = _session_moved_on(r, replies.HADIR, reg, session)
    if moved_on:
        return moved_on
    record = r.record(replies.HADIR, "dikonfirmasi", reference=reg.reference, session_id=session.session_id)
    if session.visitor_confirmed_at:
        record.outcome = "sudah_dikonfirmasi"
        return _only(r, record)
    uow = UnitOfWork(ACTOR, "sesi.konfirmasi_hadir", reg.reference, {"session": session.session_id, "lewat": "WhatsApp"})
    sessions_store.confirm_by_visitor(uow, session, rules.to_utc_iso(r.now))
    stats_store.add(uow, counters.visitor_confirmed(day=session.day))
    outcome = _commit(r, uow, record, [r.answer(catalog.BALAS_HADIR, reference=reg.reference,
                                                session_id=session.session_id)])
    if outcome is not None:
        return outcome
    if again:
        raise RuntimeError("session kept changing under a confirmation")  # the webhook fails; Meta resends
    # Confirmed or changed meanwhile (two taps at once): look again, once.
    return _confirm(r, p, reg, sessions_store.get(session.session_id, consistent=True), again=True)


def _ask_cancel(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    changed = _no_longer(r, replies.BATAL, reg, session)
    if changed:
        return changed
    if session is None and reg.status == rules.STATUS_SCHEDULED and reg.session_id:
        session = sessions_store.get(reg.session_id, consistent=True)  # ask about the session it has now
    session_id = session.session_id if session is not None else None
    return _only(r, r.record(replies.BATAL, "ditanya", reference=reg.reference, session_id=session_id),
                 [r.answer(catalog.BALAS_BATAL_TANYA, reference=reg.reference, session_id=session_id)])


def _cancel(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    record = r.record(replies.BATAL_YA, "dibatalkan", reference=reg.reference,
                      session_id=session.session_id if session else None)
    if reg.inbound_id == r.m.message_id:
        return _only(r, record)  # this very message cancelled it; its record was not stored yet
    changed = _no_longer(r, replies.BATAL_YA, reg, session)
    if changed:
        return changed
    if session is not None and reg.session_id != session.session_id:
        return _state(r, replies.BATAL_YA, replies.NOW_MOVED, reg, session)
    try:
        self_service.cancel(reg, inbound_id=r.m.message_id)
    except Conflict:
        current = registrations_store.get(reg.reference, consistent=True)
        if current is None or current.inbound_id != r.m.message_id:
            return _state(r, replies.BATAL_YA, replies.NOW_CLOSED, current or reg, session)
    _send_told_at_once(r, reg, session or (sessions_store.get(reg.session_id) if reg.session_id else None))
    return _only(r, record)  # the cancellation's own messages are the answer


def _keep(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    changed = _no_longer(r, replies.BATAL_TIDAK, reg, session)
    if changed:
        return changed
    session_id = session.session_id if session is not None and session.status == rules.SESSION_SCHEDULED else None
    return _only(r, r.record(replies.BATAL_TIDAK, "tetap", reference=reg.reference, session_id=session_id),
                 [r.answer(catalog.BALAS_BATAL_TIDAK, reference=reg.reference, session_id=session_id)])


def offered_days(reg: Registration, now: datetime) -> list[dict]:
    """The coming bookable days (at most 10) and whether a seat of the visitor's service and
    mode is still free on each."""
    today = rules.wib_now(now).date()
    days = registrations.bookable_days(today)[:LIST_DAYS + 1]
    if not days:
        return []
    free = {s.start.astimezone(rules.WIB).date() for s in capacity.free_slots(days[0], days[-1])
            if s.service == reg.service and reg.mode in s.modes and s.start > now}
    # Not the day of the session being given up: the visitor asks for another one.
    session = sessions_store.get(reg.session_id) if reg.status == rules.STATUS_SCHEDULED and reg.session_id else None
    giving_up = session.day if session is not None else None
    return [{"day": d.isoformat(), "free": d in free} for d in days if d.isoformat() != giving_up][:LIST_DAYS]


def _list_days(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    changed = _no_longer(r, replies.LAIN, reg, session)
    if changed:
        return changed
    session_id = session.session_id if session is not None else None
    return _only(r, r.record(replies.LAIN, "daftar_tanggal", reference=reg.reference, session_id=session_id),
                 [r.answer(catalog.BALAS_PILIH_TANGGAL, reference=reg.reference, session_id=session_id,
                           offer=offered_days(reg, r.now))])


def _pick_day(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    earlier = [x for x in inbox_store.latest_of_reference(reg.reference, rules.to_utc_iso(r.now - TEXT_DAYS_WINDOW))
               if x.action in (replies.HARI, replies.HARI_TEKS) and x.outcome == "tanggal_baru"
               and x.in_reply_to == p.message_id]
    return _new_days(r, replies.HARI, reg, [p.extra], add=bool(earlier), in_reply_to=p.message_id)


def _new_days(r: Reply, action: str, reg: Registration, picked: list[str], *, add: bool, in_reply_to: str | None) -> str:
    record = r.record(action, "tanggal_baru", reference=reg.reference, in_reply_to=in_reply_to)
    if reg.inbound_id == r.m.message_id:
        return _only(r, record)
    if reg.status not in LIVE:
        return _state(r, action, replies.NOW_CLOSED, reg)
    if add and reg.status == rules.STATUS_SCHEDULED:
        # A day picked earlier from this list has been served already: say so, change nothing.
        return _state(r, action, replies.NOW_MOVED, reg)
    days = list(dict.fromkeys((list(reg.days) if add else []) + picked))
    if len(days) > rules.DEFAULT_RULES.max_offered_dates:
        return _state(r, action, replies.NOW_TOO_MANY_DAYS, reg, days=list(reg.days))
    try:
        self_service.new_days(reg, days, inbound_id=r.m.message_id, confirm=True)
    except Conflict:  # (a Conflict is an InputError too: it is asked first)
        current = registrations_store.get(reg.reference, consistent=True)
        if current is None or current.inbound_id != r.m.message_id:
            return _state(r, action, replies.NOW_CLOSED, current or reg)
    except InputError as exc:
        problem = exc.errors.get("days", "")
        if problem == booking.UNCHANGED_DAYS:
            return _state(r, action, replies.NOW_SAME_DAYS, reg, days=list(reg.days))
        if "konsultan" in problem:
            return _state(r, action, replies.NOW_NO_CONSULTANT, reg)
        return _state(r, action, replies.NOW_DAY_GONE, reg)
    _send_told_at_once(r, reg, sessions_store.get(reg.session_id) if reg.session_id else None)
    return _only(r, record)  # "Tanggal baru diterima" is the answer


TOLD_AT_ONCE = (catalog.SESI_DIBATALKAN, catalog.PENDAFTARAN_DIBATALKAN, catalog.TANGGAL_BARU_DITERIMA)


def _send_told_at_once(r: Reply, reg: Registration, session: SessionRecord=None) -> None:
    """The WhatsApp messages the change just queued for this visitor go out with the answers: the
    cancellation's own ids, and what the registration's index shows from the last minute (a
    message the index does not show yet goes at the next run)."""
    since = rules.to_utc_iso(r.now - timedelta(minutes=1))
    ids = [message_id_for(dedupe_key(catalog.PENDAFTARAN_DIBATALKAN, reg.reference, "whatsapp"))]
    if session is not None:
        ids.append(message_id_for(dedupe_key(catalog.SESI_DIBATALKAN, session.session_id, "whatsapp")))
    ids += [x.message_id for x in outbox_store.of_reference(reg.reference)
            if x.due and x.channel == "whatsapp" and x.created_at >= since and x.template in TOLD_AT_ONCE]
    r.answers += list(dict.fromkeys(ids))


def _outcome(r: Reply, p, reg: Registration, session: SessionRecord) -> str:
    """An answer to the three-months question (domain/outcomes.py): the first tap counts for the
    session's cohort and is thanked; a later tap changes nothing and says nothing. "Jangan tanya
    lagi" also keeps this number from every later outcome question."""
    if session is None:  # about the registration, not a session: say what is true now
        return _state(r, replies.HASIL, replies.NOW_CLOSED if reg.status not in LIVE else replies.NOW_WAITING, reg)
    code = outcomes.choice(session.service, p.extra)
    if code is None:
        return _refuse(r, "tanda_tidak_sah", reg.reference)
    record = r.record(replies.HASIL, "hasil", reference=reg.reference, session_id=session.session_id)
    if session.outcome:
        record.outcome = "hasil_sudah"
        return _only(r, record)
    uow = UnitOfWork(ACTOR, "sesi.hasil", reg.reference, {"session": session.session_id, "hasil": code})
    sessions_store.record_outcome(uow, session, code, rules.to_utc_iso(r.now))
    stats_store.add(uow, {outcomes.period(session.day): outcomes.answered(session.service, code)})
    answer = r.answer(catalog.BALAS_HASIL, reference=reg.reference, session_id=session.session_id,
                      stop=code == outcomes.STOP)
    done = _commit(r, uow, record, [answer])
    if done is None:  # answered meanwhile (two taps at once): the first one counted
        record.outcome = "hasil_sudah"
        return _only(r, record)
    if code == outcomes.STOP:
        outbox_store.opt_out(reminders.OUTCOME_OPT_OUT + r.m.phone, "hasil", r.now)
    return done


TAPS = {replies.HADIR: _confirm, replies.BATAL: _ask_cancel, replies.BATAL_YA: _cancel,
        replies.BATAL_TIDAK: _keep, replies.LAIN: _list_days, replies.HARI: _pick_day, replies.HASIL: _outcome}


# --- words ---------------------------------------------------------------------------------------------

def _of_number(phone: str) -> tuple[list, Registration | None]:
    """The number's registrations still going on (newest first), and the one a message is filed
    under (the conversation; the visitor's data rights): the newest going on, else the newest."""
    every = sorted(registrations_store.for_phone(phone), key=lambda x: x.created_at, reverse=True)
    live = [x for x in every if x.status in LIVE]
    return live, live[0] if live else (every[0] if every else None)


def _text(r: Reply) -> str:
    live, latest = _of_number(r.m.phone)
    word = replies.keyword(r.m.text) or (replies.keyword(r.m.payload) if r.m.payload else None)
    if word in (replies.BERHENTI, replies.MULAI):
        return _opt(r, word, latest)
    asked, campaign = replies.signup_request(r.m.text)
    if asked:
        return _signup(r, live, latest, campaign)
    if word == replies.STATUS:
        return _only(r, r.record(word, "tautan", reference=latest.reference if latest else None),
                     [r.answer(catalog.BALAS_TAUTAN, reference=latest.reference if latest else None,
                               references=[x.reference for x in live[:MAX_CHOICES]])])
    if word == replies.BATAL:
        if not live:
            return _state(r, word, replies.NOW_NO_REGISTRATION, latest)
        if len(live) == 1:
            return _ask_cancel(r, None, live[0], None)
        choices = [{"reference": x.reference, "subject": x.session_id if x.status == rules.STATUS_SCHEDULED and
                    x.session_id else x.reference} for x in live[:MAX_CHOICES]]
        return _only(r, r.record(word, "ditanya", reference=latest.reference),
                     [r.answer(catalog.BALAS_BATAL_PILIH, reference=latest.reference, choices=choices)])
    for reg in live:
        asked, picked = _asked_for_days(reg, r.now)
        if asked:
            words = replies.day_words(r.m.text, [date.fromisoformat(d["day"]) for d in offered_days(reg, r.now)])
            if words is not None:
                if not words.days:
                    return _state(r, replies.HARI_TEKS, replies.NOW_DAYS_UNKNOWN, reg)
                # After a pick from the list, named days add to it (as further picks do).
                return _new_days(r, replies.HARI_TEKS, reg, [d.isoformat() for d in words.days], add=picked,
                                 in_reply_to=None)
    return _help(r, latest)


FLOWS_PER_DAY = 3


def _signup(r: Reply, live: list, latest: Registration | None, campaign: str | None, *, again: bool = False) -> str:
    """DAFTAR: the signup Flow (services/flows.py), its token bound to this number and campaign.
    A number with a registration still going on is told so first (and may still register for
    something else). At most FLOWS_PER_DAY a day per number: the answer's id is the number's keyed
    hash, the day and a count, so a fourth is refused by the write itself."""
    reference = latest.reference if latest else None
    base = f"{links.mac('wa-flow:' + r.m.phone, 12)}#{rules.wib_now(r.now).date().isoformat()}"
    action, outcome = (replies.FLOW_DONE, "formulir_ulang") if again else (replies.DAFTAR, "formulir")
    for n in range(1, FLOWS_PER_DAY + 1):
        uow = UnitOfWork()
        token = flows.start(uow, r.m.phone, campaign, bool(live), r.now)
        answer = r.answer(catalog.BALAS_DAFTAR, subject=f"{base}#{n}", reference=reference, token=token,
                          open=[x.reference for x in live[:MAX_CHOICES]], again=again)
        done = _commit(r, uow, r.record(action, outcome, reference=reference), [answer])
        if done is not None:
            return done
    return _only(r, r.record(action, "formulir_sudah", reference=reference))


def _flow_done(r: Reply) -> str:
    """A completed signup Flow (`nfm_reply`). The endpoint stored its registration when the
    visitor sent the last screen (services/flows.py): its confirmation goes out now, in this chat.
    A completion whose registration is not there (it was never stored) gets a new Flow."""
    try:
        response = json.loads(r.m.payload or "")
        record = flows.token_record(response.get("flow_token") if isinstance(response, dict) else None,
                                    late_ok=True)
    except (ValueError, flows.Refused):
        return _refuse(r, "tanda_tidak_sah")
    if record.phone != r.m.phone:
        return _refuse(r, "nomor_lain")
    done = flows.registered(record)
    if done is None:
        live, latest = _of_number(r.m.phone)
        return _signup(r, live, latest, record.campaign, again=True)
    reference = normalize_reference(done["reference"])
    r.answers.append(message_id_for(dedupe_key(catalog.PENDAFTARAN_DITERIMA, reference, "whatsapp")))
    return _only(r, r.record(replies.FLOW_DONE, "terdaftar", reference=reference))


def _opt(r: Reply, word: str, latest: Registration | None) -> str:
    """BERHENTI / MULAI: the number's choice for reminders and broadcasts, acknowledged in one
    line when it changed something (a second BERHENTI changes nothing and is not answered)."""
    reference = latest.reference if latest else None
    stop = word == replies.BERHENTI
    was_out = outbox_store.opted_out(r.m.phone)
    if stop:
        outbox_store.opt_out(r.m.phone, replies.fold(r.m.text)[:20], r.now)
    else:
        outbox_store.opt_in(r.m.phone)
    record = r.record(word, "berhenti" if stop else "mulai", reference=reference)
    if was_out == stop:
        return _only(r, record)
    return _only(r, record, [r.answer(catalog.BALAS_BERHENTI if stop else catalog.BALAS_MULAI, reference=reference)])


def _asked_for_days(reg: Registration, now: datetime) -> tuple[bool, bool]:
    """(a day list was sent within the window, days were picked or named since it was)."""
    recent = inbox_store.latest_of_reference(reg.reference, rules.to_utc_iso(now - TEXT_DAYS_WINDOW))
    lists = [x.received_at for x in recent if x.action == replies.LAIN and x.outcome == "daftar_tanggal"]
    if not lists:
        return False, False
    since = max(lists)
    return True, any(x.action in (replies.HARI, replies.HARI_TEKS) and x.outcome == "tanggal_baru"
                     and x.received_at >= since for x in recent)


def _help(r: Reply, reg: Registration) -> str:
    """The short help, at most once a day per number: its outbox id is made of the number's
    keyed hash and the day, so a second one today is refused by the write itself."""
    reference = reg.reference if reg is not None else None
    day = rules.wib_now(r.now).date().isoformat()
    subject = f"{links.mac('wa-help:' + r.m.phone, 12)}#{day}"
    record = r.record(replies.BANTUAN, "bantuan", reference=reference)
    uow = UnitOfWork()
    outcome = _commit(r, uow, record, [r.answer(catalog.BALAS_BANTUAN, subject=subject, reference=reference)])
    if outcome is not None:
        return outcome
    record.outcome = "bantuan_sudah"
    return _only(r, record)
