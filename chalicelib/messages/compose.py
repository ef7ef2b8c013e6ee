"""What a record says, from the data of the moment it is sent (or previewed for staff).

`build(record, data, now)` finds the recipient and the template's context; it raises `Skip`
(no longer true, no address, opted out: the reason is shown to staff), `Defer` (not yet: an
online confirmation waits for its Zoom link) or `ConfigError` (the system is not set up for it).
Each template has its own context builder in `BUILDERS`; `render` turns a built message into
the WhatsApp parameters or the e-mail with its iCalendar invitation.

`Data` reads each item at most once per run or staff page.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Callable

from .. import settings
from ..domain import flows, meetings, replies, rules, words
from ..domain.message_status import TOLD
from ..store import outbox as outbox_store
from ..store import registrations as registrations_store
from ..store import sessions as sessions_store
from ..store import team as team_store
from . import catalog, ical, timing
from .catalog import (
    BROADCAST_PREFIX,
    BY_NAME,
    CONSULTANT,
    DAYS,
    EMAIL,
    MONTHS,
    REPLY_WINDOW_HOURS,
    WHATSAPP,
    ConfigError,
    Defer,
    Kind,
    Skip,
    days_text,
    format_reference,
    long_date,
    session_times,
)
from .context import feedback_link, payload, session_context, status_link_for
from .records import dedupe_key, message_id_for
from .render import Rendered, phrase, render_email, render_whatsapp, site

if TYPE_CHECKING:
    from ..store.models import OutboxRecord, Registration, SessionRecord

LINK_WAIT = timedelta(hours=6)  # an online confirmation waits this long for the Zoom link...
LINK_WAIT_BEFORE_START = timedelta(hours=2)  # ...but never closer than this to the session
DEFER_SECONDS = 60


class Data:
    """Reads for one run or one staff page, each item at most once."""

    def __init__(self):
        self._regs: dict = {}
        self._sessions: dict = {}
        self._consultants: dict | None = None
        self._rooms: dict | None = None
        self._optouts: dict = {}
        self._days: dict = {}

    def registration(self, reference: str | None):
        if not reference:
            return None
        if reference not in self._regs:
            self._regs[reference] = registrations_store.get(reference)
        return self._regs[reference]

    def prefetch_registrations(self, references) -> None:
        """Read many registrations in BatchGetItem calls instead of one GetItem each."""
        wanted = {r for r in references if r and r not in self._regs}
        found = registrations_store.get_many(wanted)
        for reference in wanted:
            self._regs[reference] = found.get(reference)

    def session(self, session_id: str | None):
        if not session_id:
            return None
        if session_id not in self._sessions:
            self._sessions[session_id] = sessions_store.get(session_id)
        return self._sessions[session_id]

    def consultants(self) -> dict:
        if self._consultants is None:
            self._consultants = {c.consultant_id: c for c in team_store.consultants()}
        return self._consultants

    def consultant(self, consultant_id: str | None):
        return self.consultants().get(consultant_id) if consultant_id else None

    def room_name(self, room_id: str | None) -> str | None:
        if not room_id:
            return None
        if self._rooms is None:
            self._rooms = {r.room_id: r.name for r in team_store.rooms()}
        return self._rooms.get(room_id, room_id)

    def opted_out(self, phone: str | None) -> bool:
        if not phone:
            return False
        if phone not in self._optouts:
            self._optouts[phone] = outbox_store.opted_out(phone)
        return self._optouts[phone]

    def sessions_of_day(self, day: str) -> list:
        if day not in self._days:
            self._days[day] = sessions_store.of_day(day)
            for s in self._days[day]:
                self._sessions.setdefault(s.session_id, s)
        return self._days[day]


@dataclass
class Built:
    kind: Kind
    to: str
    to_name: str
    phone: str | None  # for the opt-out check
    ctx: dict
    session: object = None  # the session a calendar invite is about
    calendar_method: str | None = None


@dataclass
class Inputs:
    """What a context builder gets."""

    built: Built
    record: object
    params: dict
    data: Data
    now: datetime
    registration: object = None
    session: object = None


# --- shared context -------------------------------------------------------------------------------------





def _visitor_context(reg: Registration, params: dict) -> dict:
    return {
        "nama": reg.name, "kode": format_reference(reg.reference), "tautan_status": status_link_for(reg),
        "layanan": rules.SERVICES.get(reg.service, reg.service), "cara": rules.MODES.get(reg.mode, reg.mode),
        "tanggal_pilihan": days_text(params.get("days") or reg.days),
        # The waiting-time estimate the visitor saw when registering (services/forecast.py).
        "perkiraan": words.estimate_after_label(params.get("estimate")),
        "oleh": params.get("by", "kantor"), "antre": bool(params.get("requeue")), "sesi_lama": None,
    }


def _told(session_id: str, channel: str) -> bool:
    """Was the visitor told about this session on this channel (confirmation or change sent)?"""
    return any(outbox_store.status_of(message_id_for(dedupe_key(t, session_id, channel))) in TOLD
               for t in (catalog.SESI_TERJADWAL, catalog.SESI_DIUBAH))




def _session_link(session: SessionRecord) -> str | None:
    return meetings.join_link(session) if session.mode == rules.MODE_DARING else None




def session_buttons(i: "Inputs") -> list[str]:
    """The payloads of "Saya hadir", "Batalkan", "Minta jadwal lain" (WhatsApp only)."""
    if i.record.channel != WHATSAPP or not i.built.kind.buttons:
        return []
    return [payload(action, i.session.session_id, i.record) for action, _ in replies.TEMPLATE_BUTTONS]


# --- one builder per template ----------------------------------------------------------------------------

def _scheduled(i: Inputs) -> None:
    """cc_sesi_terjadwal / cc_sesi_diubah: the session's time and place; online ones wait for the link."""
    session, now = i.session, i.now
    if session.status != rules.SESSION_SCHEDULED:
        raise Skip("sesi sudah tidak terjadwal")
    if rules.parse_utc_iso(session.start) <= now:
        raise Skip("sesi sudah dimulai")
    link = _session_link(session)
    if session.mode == rules.MODE_DARING and not link and session.meeting_state != meetings.FAILED:
        waited = now - rules.parse_utc_iso(i.record.created_at)
        before_start = rules.parse_utc_iso(session.start) - now
        if waited < LINK_WAIT and before_start > LINK_WAIT_BEFORE_START:
            raise Defer("menunggu tautan Zoom", DEFER_SECONDS)
    i.built.ctx.update(session_context(session, i.data, link))
    i.built.ctx["button_payloads"] = session_buttons(i)
    i.built.session, i.built.calendar_method = session, "REQUEST"


def _cancelled(i: Inputs) -> None:
    """cc_sesi_dibatalkan: only when the visitor was told about the session, and not when a move
    succeeded (its "changed" message says it all)."""
    session, reg, params = i.session, i.registration, i.params
    if not _told(session.session_id, i.record.channel):
        raise Skip("jadwal sesi ini belum pernah terkirim ke pengunjung")
    if params.get("moving") and reg.session_id and reg.session_id != session.session_id:
        new = i.data.session(reg.session_id)
        if new is not None and new.status == rules.SESSION_SCHEDULED:
            raise Skip("digantikan pesan perubahan jadwal")
    ctx = i.built.ctx
    ctx.update(session_context(session, i.data, None))
    ctx["keterangan"] = phrase("keterangan_batal", oleh=params.get("by", "kantor"), antre=bool(params.get("requeue")))
    i.built.session, i.built.calendar_method = session, "CANCEL"


def _new_days(i: Inputs) -> None:
    """cc_tanggal_baru_diterima: the new dates, and the released session if the visitor knew it."""
    session, ctx = i.session, i.built.ctx
    if session is not None and _told(session.session_id, i.record.channel):
        day, jam, _ = session_times(session.start)
        ctx["sesi_lama"] = {"tanggal": long_date(day), "jam": jam}
        ctx.update({k: v for k, v in session_context(session, i.data, None).items() if k not in ctx})
        i.built.session, i.built.calendar_method = session, "CANCEL"
    ctx["keterangan"] = phrase("keterangan_tanggal_baru", sesi_lama=ctx["sesi_lama"])


def _dates_unavailable(i: Inputs) -> None:
    if i.registration.status != rules.STATUS_EXPIRED:
        raise Skip("pendaftaran sudah berubah (tanggal baru atau jadwal dari petugas)")


def _reminder(i: Inputs) -> None:
    session = i.session
    if session.status != rules.SESSION_SCHEDULED:
        raise Skip("sesi sudah tidak terjadwal")
    late = timing.reminder_skip_reason(i.built.kind.name, session, i.now)
    if late:
        raise Skip(late)
    i.built.ctx.update(session_context(session, i.data, _session_link(session)))
    i.built.ctx["button_payloads"] = session_buttons(i)


def _feedback_request(i: Inputs) -> None:
    if i.session.status != rules.SESSION_ATTENDED:
        raise Skip("sesi tidak tercatat hadir")
    i.built.ctx.update(session_context(i.session, i.data, None))
    i.built.ctx["tautan"] = feedback_link(i.session.session_id, i.now)


def _outcome_question(i: Inputs) -> None:
    """cc_hasil_*: about an attended session; six answers, each a signed payload with its position."""
    if i.session.status != rules.SESSION_ATTENDED:
        raise Skip("sesi tidak tercatat hadir")
    i.built.ctx.update(session_context(i.session, i.data, None), button_payloads=[
        payload(replies.HASIL, i.session.session_id, i.record, str(n)) for n in range(1, len(i.built.kind.buttons) + 1)])


def _plain(i: Inputs) -> None:
    """Nothing beyond the visitor's own details (registration received / cancelled)."""


def _received(i: Inputs) -> None:
    """cc_pendaftaran_diterima; skipped for a walk-in seated meanwhile (events.DESK_HOLD)."""
    if i.params.get("desk") and i.registration.session_id:
        raise Skip("pengunjung datang langsung sudah dijadwalkan; konfirmasi jadwal menggantikannya")


def _broadcast(i: Inputs) -> None:
    """A staff broadcast: the staff's text and the signup link (or its Flow's token), from the record's params."""
    i.built.ctx.update({k: v for k, v in i.params.items() if (k in i.built.kind.params and k != "nama") or k == "flow_token"})


def _consultant_schedule(i: Inputs) -> None:
    """cc_jadwal_konsultan: the consultant's sessions of the next day."""
    day = date.fromisoformat(i.params["day"])
    late = timing.schedule_skip_reason(day, i.now)
    if late:
        raise Skip(late)
    sessions = sorted((s for s in i.data.sessions_of_day(day.isoformat())
                       if s.consultant_id == i.record.consultant_id and s.status == rules.SESSION_SCHEDULED),
                      key=lambda s: s.start)
    if not sessions:
        raise Skip("tidak ada sesi pada hari itu")
    rows, short = [], []
    for s in sessions:
        reg = i.data.registration(s.reference)
        _, jam, jam_mulai = session_times(s.start)
        daring = s.mode == rules.MODE_DARING
        ruang = i.data.room_name(s.room_id)
        peserta = reg.name if reg else "-"
        organisasi = reg.org_name if reg else "-"
        rows.append({"jam": jam, "peserta": peserta, "organisasi": organisasi,
                     "layanan": rules.SERVICES.get(s.service, s.service),
                     "cara": phrase("cara_singkat", daring=daring),
                     "tempat": "Zoom" if daring else (ruang or "-"),
                     "topik": ", ".join(rules.TOPICS.get(t, t) for t in (reg.topics if reg else [])) or "-",
                     "kode": format_reference(s.reference)})
        short.append(phrase("sesi_singkat", jam=jam_mulai.replace(" WIB", ""), peserta=peserta,
                            organisasi=organisasi, daring=daring, ruang=ruang))
    i.built.ctx.update({"tanggal": long_date(day), "jumlah": str(len(sessions)), "daftar": "; ".join(short),
                        "sesi": rows})


# --- answers to the visitor's own WhatsApp message (catalog.REPLY_KINDS) ----------------------------

REPLY_MARGIN = timedelta(minutes=10)  # never start a free-form send this close to the window's end

def _answer(i: Inputs) -> None:
    """What every answer shares: the 24-hour window, the session or registration it is about."""
    received = rules.parse_utc_iso(i.params["received_at"])
    if i.now >= received + timedelta(hours=REPLY_WINDOW_HOURS) - REPLY_MARGIN:
        raise Skip("lewat 24 jam sejak pesan pengunjung: WhatsApp tidak mengizinkan balasan bebas lagi")
    ctx = i.built.ctx
    ctx.setdefault("nama", None)
    ctx["sesi"] = session_context(i.session, i.data, None) if i.session is not None else None
    ANSWERS.get(i.built.kind.name, lambda *_: None)(i, ctx)


def _confirm_cancel(i: Inputs, ctx: dict) -> None:
    subject = i.session.session_id if i.session is not None else i.registration.reference
    ctx["buttons"] = [{"id": payload(action, subject, i.record), "title": title}
                      for action, title in replies.CONFIRM_BUTTONS]


def _pick_registration(i: Inputs, ctx: dict) -> None:
    ctx["buttons"] = [{"id": payload(replies.BATAL, c["subject"], i.record),
                       "title": "Batalkan " + format_reference(c["reference"])} for c in i.params["choices"]]
    ctx["kode_kode"] = [format_reference(c["reference"]) for c in i.params["choices"]]


def short_day(day: date) -> str:
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1][:3]}"


def _day_list(i: Inputs, ctx: dict) -> None:
    ctx.update({"list_button": "Pilih tanggal", "list_title": "Tanggal tersedia", "rows": [
        {"id": payload(replies.HARI, i.registration.reference, i.record, d["day"]),
         "title": short_day(date.fromisoformat(d["day"])),
         "description": "Masih ada kursi kosong" if d["free"] else "Kursi penuh: masuk antrean hari itu"}
        for d in i.params["offer"]]})


def _links(i: Inputs, ctx: dict) -> None:
    regs = [r for r in (i.data.registration(ref) for ref in i.params.get("references", [])) if r is not None]
    ctx["pendaftaran"] = [{"kode": format_reference(r.reference), "tautan": status_link_for(r),
                           "status": rules.REGISTRATION_STATUSES.get(r.status, r.status)} for r in regs]


def _state(i: Inputs, ctx: dict) -> None:
    ctx["keadaan"] = i.params["keadaan"]
    ctx["baru"] = None
    reg = i.registration
    if reg is not None and reg.session_id and (i.session is None or reg.session_id != i.session.session_id):
        new = i.data.session(reg.session_id)
        if new is not None and new.status == rules.SESSION_SCHEDULED:
            ctx["baru"] = session_context(new, i.data, None)
    ctx["tanggal_pilihan"] = days_text(i.params["days"]) if i.params.get("days") else None
    ctx["maks"] = rules.DEFAULT_RULES.max_offered_dates
    ctx["tautan_status"] = status_link_for(reg) if reg is not None else None


def _signup_flow(i: Inputs, ctx: dict) -> None:  # its token was written with the answer's record
    ctx.update(flow=flows.message_parameters(i.params["token"], settings.whatsapp_flow_id()), ulang=bool(i.params.get("again")),
               terbuka=[format_reference(r) for r in i.params.get("open", [])])


ANSWERS: dict[str, Callable[[Inputs, dict], None]] = {  # the others are their template and the visitor's name
    catalog.BALAS_HASIL: lambda i, ctx: ctx.update(berhenti=i.params.get("stop", False)),
    catalog.BALAS_DAFTAR: _signup_flow,
    catalog.BALAS_BATAL_TANYA: _confirm_cancel,
    catalog.BALAS_BATAL_PILIH: _pick_registration,
    catalog.BALAS_PILIH_TANGGAL: _day_list,
    catalog.BALAS_TAUTAN: _links,
    catalog.BALAS_KEADAAN: _state,
}


BUILDERS: dict[str, Callable[[Inputs], None]] = {
    catalog.PENDAFTARAN_DITERIMA: _received,
    catalog.SESI_TERJADWAL: _scheduled,
    catalog.SESI_DIUBAH: _scheduled,
    catalog.SESI_DIBATALKAN: _cancelled,
    catalog.TANGGAL_BARU_DITERIMA: _new_days,
    catalog.PENDAFTARAN_DIBATALKAN: _plain,
    catalog.TANGGAL_TIDAK_TERSEDIA: _dates_unavailable,
    catalog.PENGINGAT_BESOK: _reminder,
    catalog.PENGINGAT_SEJAM: _reminder,
    catalog.UMPAN_BALIK: _feedback_request,
    catalog.HASIL_KOPERASI: _outcome_question,
    catalog.HASIL_UKM: _outcome_question,
    catalog.JADWAL_KONSULTAN: _consultant_schedule,
}


def builder_for(name: str) -> Callable[[Inputs], None]:
    if name.startswith(BROADCAST_PREFIX):
        return _broadcast
    if name in ANSWERS or BY_NAME[name].reply:
        return _answer
    return BUILDERS[name]


# --- building and rendering ----------------------------------------------------------------------------

def build(record: OutboxRecord, data: Data, now: datetime) -> Built:
    """Who gets it and what it says now; raises Skip, Defer or ConfigError."""
    kind = BY_NAME.get(record.template)
    if kind is None:
        raise ConfigError(f"jenis pesan tidak dikenal: {record.template}")
    params = json.loads(record.params or "{}")
    email = record.channel == EMAIL

    if kind.audience == CONSULTANT:
        consultant = data.consultant(record.consultant_id)
        if consultant is None or not consultant.active:
            raise Skip("narasumber tidak ada atau tidak aktif")
        to = consultant.email if email else consultant.phone
        if not to:
            raise Skip("narasumber tidak punya " + ("alamat e-mail" if email else "nomor WhatsApp"))
        built = Built(kind, to, consultant.name, consultant.phone, {"nama": consultant.name})
        builder_for(kind.name)(Inputs(built, record, params, data, now))
    elif kind.reply:
        # An answer goes to the number that wrote, whatever registration it is about (if any).
        reg = data.registration(record.reference)
        ctx = _visitor_context(reg, params) if reg is not None else {}
        built = Built(kind, params["to"], reg.name if reg else "", params["to"], ctx)
        builder_for(kind.name)(Inputs(built, record, params, data, now, reg, data.session(record.session_id)))
    else:
        reg = data.registration(record.reference)
        if reg is None:
            raise Skip("pendaftaran sudah tidak ada")
        to = reg.email if email else reg.phone
        if not to:
            raise Skip("pengunjung tidak memberi alamat e-mail" if email else "pengunjung tidak punya nomor WhatsApp")
        built = Built(kind, to, reg.name, reg.phone, _visitor_context(reg, params))
        session = data.session(record.session_id)
        if kind.session and session is None and kind.name != catalog.TANGGAL_BARU_DITERIMA:
            raise Skip("sesi sudah tidak ada")
        builder_for(kind.name)(Inputs(built, record, params, data, now, reg, session))

    if not kind.essential and data.opted_out(built.phone):
        raise Skip("penerima membalas BERHENTI: hanya pesan penting yang dikirim")
    return built


def render(record: OutboxRecord, built: Built, now: datetime) -> Rendered:
    if record.channel != EMAIL:
        return render_whatsapp(built.kind, built.ctx)
    calendar = _calendar(record, built) if built.session is not None and built.calendar_method else None
    return render_email(built.kind, built.ctx, calendar)


def _mail_domain() -> str:
    return (settings.ses_from_address() or "").rpartition("@")[2] or "cleanclear.local"


def _calendar(record: OutboxRecord, built: Built) -> str:
    s = built.session
    start = rules.parse_utc_iso(s.start)
    changed = rules.parse_utc_iso(record.created_at)
    ctx = built.ctx
    return ical.render(ical.Invite(
        method=built.calendar_method,
        uid=f"{s.reference}@{_mail_domain()}",
        sequence=ical.sequence_for(changed),
        start=start,
        end=start + timedelta(minutes=rules.DEFAULT_RULES.session_minutes),
        stamp=changed,
        summary=phrase("kalender_judul", layanan=rules.SERVICES.get(s.service, s.service)),
        location=ctx["tempat"],
        description=phrase("kalender_keterangan", kode=format_reference(s.reference), narasumber=ctx["narasumber"],
                           petunjuk=ctx["petunjuk"], tautan_zoom=ctx.get("tautan_zoom")),
        organizer_email=settings.ses_from_address() or "no-reply@cleanclear.local",
        organizer_name=site()["program"],
        attendee_email=built.to,
        attendee_name=built.to_name,
    ))
