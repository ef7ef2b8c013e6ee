"""LOCAL DEMO: the clinic's last service days, made by the system's own use cases at the time they
would have happened, so the dashboard, the reports, "Lewat WhatsApp" and the Kotak keluar show
something at the first `make run`, whatever the day.

The clock is moved with time-machine (only in this seeding process): visitors register two days
ahead, the allocator books them, the confirmations and the day-before reminders go to the local
outbox, some visitors tap "Saya hadir" (one cancels on WhatsApp, one asks a question), one visitor
a day walks in and is seated at the Loket, staff record who came and who did not, those who came answer the feedback form, and the office sends
one WhatsApp broadcast that is delivered and read. Everything goes through the same services as
in production: the counters, the audit and the messages are the ones they would be.

Made once: a second `make run` finds the first visitor of the history and leaves it alone.
"""
from __future__ import annotations

import hashlib
import json
import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import time_machine

from chalicelib import clock, links, settings
from chalicelib.adapters import whatsapp_inbound
from chalicelib.domain import outcomes, rules, skm
from chalicelib.messages import catalog
from chalicelib.services import (
    allocation, booking, broadcasts, campaigns, desk, feedback, insights, jobs, registrations, sessions, webhooks)
from infra.local import whatsapp_reply

STAFF = "admin@demo.local"
SERVICE_DAYS = 4  # how many past service days the history covers


@dataclass(frozen=True)
class Visitor:
    name: str
    phone: str
    kecamatan: str
    service: str
    org: str
    topics: tuple[str, ...]
    mode: str
    story: str  # hadir | konfirmasi (taps "Saya hadir", comes) | tidak_hadir | batal (cancels on WhatsApp) | tanya
    scores: tuple[int, int, int] | None = None  # satisfaction, helpfulness, recommend (when they came)
    improve: str = ""


# Two visitors per service day: a cooperative in the morning, a small business in the afternoon.
HISTORY = (
    Visitor("Hendra Gunawan", "0812-2000-0101", "Cibinong", "koperasi", "Koperasi Karyawan Maju", ("tata_kelola_rat",),
            "tatap_muka", "konfirmasi", (5, 5, 10), "Penjelasannya jelas, contoh laporan RAT sangat membantu."),
    Visitor("Sri Wahyuni", "0813-2000-0102", "Ciawi", "ukm", "Dapur Sri", ("pemasaran",), "daring", "hadir", (4, 5, 9)),
    Visitor("Asep Saepudin", "0857-2000-0103", "Jonggol", "koperasi", "Koperasi Tani Jonggol", ("pendirian_koperasi",),
            "tatap_muka", "tidak_hadir"),
    Visitor("Yuli Astuti", "0821-2000-0104", "Cileungsi", "ukm", "Batik Yuli", ("legalitas", "pemasaran"), "tatap_muka",
            "konfirmasi", (3, 3, 6), "Waktunya terasa kurang; mohon sesi bisa lebih dari 30 menit."),
    Visitor("Dadang Kurnia", "0838-2000-0105", "Parung", "koperasi", "KSP Sejahtera Parung", ("simpan_pinjam",), "daring",
            "batal"),
    Visitor("Wati Rohayati", "0812-2000-0106", "Cisarua", "ukm", "Kerupuk Wati", ("keuangan",), "daring", "tanya",
            (5, 4, 8)),
    Visitor("Iwan Setiawan", "0813-2000-0107", "Leuwiliang", "koperasi", "Koperasi Wanita Leuwiliang",
            ("kesehatan_koperasi", "keuangan"), "tatap_muka", "hadir", (4, 4, 7)),
    Visitor("Neneng Hasanah", "0857-2000-0108", "Gunung Putri", "ukm", "Konveksi Neneng", ("pengembangan_produk",),
            "tatap_muka", "tidak_hadir"),
)
SECTOR = {"Dapur Sri": "kuliner", "Batik Yuli": "fesyen", "Kerupuk Wati": "kuliner", "Konveksi Neneng": "fesyen",
          "Keripik Lilis": "kuliner"}
# One visitor a day walks in at the office and is seated at the Loket (services/desk.py).
WALK_INS = (
    Visitor("Ujang Suryana", "0812-2000-0201", "Cibinong", "koperasi", "Koperasi Pasar Cibinong", ("keuangan",),
            "tatap_muka", "hadir", (5, 5, 9), "Langsung dilayani walau datang tanpa daftar."),
    Visitor("Eti Rusmiati", "0813-2000-0202", "Babakan Madang", "ukm", "Opak Eti", ("pemasaran",), "tatap_muka", "hadir",
            (4, 4, 8)),
    Visitor("Tatang Sutarman", "0857-2000-0203", "Ciawi", "koperasi", "Koperasi Peternak Ciawi", ("legalitas",),
            "tatap_muka", "hadir", (4, 5, 9)),
    Visitor("Imas Masitoh", "0821-2000-0204", "Cisarua", "ukm", "Kopi Puncak Imas", ("keuangan",), "tatap_muka",
            "hadir", (5, 4, 10)),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=rules.WIB)


def _travel(moment: datetime):
    """The process's clock at `moment` (and running on from there)."""
    return time_machine.travel(moment, tick=True)


def past_service_days(today: date, n: int = SERVICE_DAYS) -> list[date]:
    """The last `n` days before `today` on which the clinic served (working days, no holiday or closure)."""
    start = today - timedelta(days=21)  # bookable_days looks 28 days ahead of it: past today
    return [d for d in registrations.bookable_days(start) if d < today][-n:]


def registration_moment(day: date) -> datetime:
    """09.00 WIB on the latest calendar day, at least two days before `day`, from which the
    allocator may book `day`."""
    for back in range(2, 9):
        moment = _at(day - timedelta(days=back), 9)
        if allocation.booking_window(moment + timedelta(hours=1))[1] <= _at(day, 0):
            return moment
    raise RuntimeError(f"no day from which {day} could be booked")


def _mode_for(v: Visitor, day: date) -> str:
    """The visitor's way of meeting, or the other one when no consultant offers theirs that day
    (the signup page would not offer the day for it either)."""
    offer = registrations.signup_options()["offer"][v.service]
    seats = {mode: offer[mode].get(day.isoformat(), {}).get("seats", 0) for mode in rules.MODES}
    return v.mode if seats[v.mode] else max(seats, key=seats.get)


def _register(v: Visitor, day: date) -> str:
    payload = {"name": v.name, "whatsapp": v.phone, "email": "", "kecamatan": v.kecamatan, "service": v.service,
               "org_name": v.org, "topics": list(v.topics), "mode": _mode_for(v, day), "days": [day.isoformat()],
               "description": "Contoh riwayat untuk demo lokal: " + ", ".join(rules.TOPICS[t].lower() for t in v.topics) + ".",
               "source": "whatsapp" if v.mode == "daring" else "teman", "consent": True,
               **({"coop_status": "aktif"} if v.service == "koperasi" else {"business_sector": SECTOR[v.org]})}
    key = "demo-history-" + hashlib.sha256(f"{v.phone}{day}".encode()).hexdigest()[:24]
    outcome = registrations.create_registration(payload, key)
    if outcome.status != 201:
        raise RuntimeError(f"demo history: {v.name} for {day} refused: {outcome.body.get('errors')}")
    return outcome.body["reference"]


def _walk_in(v: Visitor, day: date) -> str | None:
    """Seated at the Loket on the day, at the first free face-to-face seat of their service."""
    with _travel(_at(day, 9 if v.service == "koperasi" else 13, 5)):
        seats = desk.seats(v.service, list(v.topics))["seats"]
        if not seats or seats[0]["day"] != day.isoformat():
            return None
        choice = f"{v.service}:aktif" if v.service == "koperasi" else f"ukm:{SECTOR.get(v.org, 'kuliner')}"
        key = "demo-walkin-" + hashlib.sha256(f"{v.phone}{day}".encode()).hexdigest()[:24]
        answer = desk.seat(STAFF, {"whatsapp": v.phone, "name": v.name, "org_name": v.org, "kecamatan": v.kecamatan,
                                   "choice": choice, "topics": list(v.topics), "consent": True, "seat": seats[0]}, key)
        jobs.send_messages()
        return answer["reference"]


def _signed_post(raw: bytes) -> dict:
    """The webhook POST as Meta signs it (with the local stack's app secret)."""
    app_secret, _ = whatsapp_inbound.webhook_settings()
    return webhooks.whatsapp_webhook(raw, whatsapp_inbound.signature_for(raw, app_secret))


def _reply(phone: str, *, tap: str | None = None, text: str | None = None) -> dict:
    """What Meta would post when the visitor taps `tap` on their newest message, or writes `text`."""
    number = whatsapp_reply.meta_number(phone)
    outbox = Path(settings.local_outbox_dir())
    item = whatsapp_reply.tap(outbox, number, tap) if tap else {"type": "text", "text": {"body": text}}
    return _signed_post(whatsapp_reply.webhook(number, item))


def _messages_now() -> None:
    jobs.sync_meetings()
    jobs.queue_reminders()
    jobs.send_messages()


def _replies(visitors: list[Visitor]) -> None:
    for v in visitors:
        if v.story == "konfirmasi":
            _reply(v.phone, tap="Saya hadir")
        elif v.story == "batal":
            _reply(v.phone, tap="Batalkan")
            _reply(v.phone, tap="Ya, batalkan")
        elif v.story == "tanya":
            _reply(v.phone, text="Apakah sesi daring bisa diikuti lewat HP? Terima kasih.")


def _session_of(reference: str) -> dict | None:
    return sessions.registration_detail(reference).get("session")


def _attendance_and_feedback(visitors: list[Visitor], refs: dict[str, str], day: date) -> None:
    with _travel(_at(day, 16, 30)):
        held = []
        for v in visitors:
            session = _session_of(refs[v.phone])
            if session is None or session["status"] != rules.SESSION_SCHEDULED:
                continue
            came = v.story != "tidak_hadir"
            booking.mark_attendance(STAFF, session["id"], rules.SESSION_ATTENDED if came else rules.SESSION_NO_SHOW)
            if came and v.scores:
                held.append((v, session["id"]))
        _messages_now()  # the feedback requests
    with _travel(_at(day, 19, 15)):
        for v, session_id in held:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(links.feedback_link(session_id)).fragment)
            satisfaction, helpfulness, recommend = v.scores
            feedback.submit(session_id, {"e": query["e"][0], "t": query["t"][0], "satisfaction": satisfaction,
                                         "answered": "ya" if satisfaction >= 4 else "sebagian",
                                         "helpfulness": helpfulness, "recommend": recommend, "improve": v.improve,
                                         "follow_up": False, **_survey(v)})


def _survey(v: Visitor) -> dict:
    """The SKM answers of a visitor who came (domain/skm.py), in line with their scores: the free
    service answered "Gratis", complaints handling the weakest (the clinic has no complaint desk
    yet), and an optional profile most give in part."""
    satisfaction = v.scores[0]
    base = 4 if satisfaction >= 5 else 3 if satisfaction >= 3 else 2
    seed = sum(int(c) for c in v.phone if c.isdigit())
    answers = {key: max(1, min(4, base - (1 if (seed + n) % 5 == 0 else 0))) for n, key in enumerate(skm.KEYS)}
    answers.update({"u4": 4, "u8": max(1, base - 1 - seed % 2)})
    profile = {"sex": "LP"[seed % 2], "age": ("u25", "u35", "u45", "u55", "o55")[seed % 5],
               "job": ("wirausaha", "swasta", "lainnya")[seed % 3]}
    if seed % 4:
        profile["edu"] = ("sma", "d3", "s1", "smp")[seed % 4]
    return {"skm": answers, "profile": profile}


def _one_day(day: date, visitors: list[Visitor], walk_in: Visitor | None = None) -> None:
    moment = registration_moment(day)
    with _travel(moment):
        refs = {v.phone: _register(v, day) for v in visitors}
    with _travel(moment + timedelta(hours=1)):
        allocation.run()
        _messages_now()  # the confirmations (a Zoom link for the online ones)
    with _travel(moment + timedelta(hours=3)):
        _replies(visitors)
    with _travel(_at(day - timedelta(days=1), 16, 5)):
        _messages_now()  # the day-before reminders, and the consultants' schedules
    seated = _walk_in(walk_in, day) if walk_in else None
    if seated:
        visitors, refs = [*visitors, walk_in], {**refs, walk_in.phone: seated}
    _attendance_and_feedback(visitors, refs, day)


def _broadcast(day: date) -> None:
    """One finished broadcast to past visitors, delivered to all and read by most."""
    kind = next(k for k in catalog.BROADCAST_KINDS if k.name == "cc_siaran_acara")
    sample = catalog.broadcast_sample(kind)
    params = {name: sample[name] for name in kind.params if name not in catalog.BROADCAST_FILLED}
    params["tanggal"] = f"{_long(day + timedelta(days=14))} pukul 09.00 WIB"
    with _travel(_at(day, 10)):
        record, _ = broadcasts.create(STAFF, {"template": kind.name, "params": params}, "demo-history-broadcast")
        for _ in range(5):  # the scheduled function's runs, until the broadcast is done
            jobs.send_broadcasts()
            if broadcasts.get(record.broadcast_id).status != broadcasts.RUNNING:
                break
        jobs.send_messages()
    with _travel(_at(day, 10, 20)):
        sent = [m for m in _outbox_messages() if m["template"] == kind.name]
        statuses = [{"id": m["provider_message_id"], "status": s, "timestamp": str(int(clock.epoch_seconds())),
                     "recipient_id": whatsapp_reply.meta_number(m["to"])}
                    for n, m in enumerate(sent) for s in (("delivered", "read") if n % 4 else ("delivered",))]
        if statuses:
            _signed_post(json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "LOCAL", "changes": [
                {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": statuses}}]}]}).encode())


def _long(day: date) -> str:
    return catalog.long_date(day)


def _outbox_messages() -> list[dict]:
    folder = Path(settings.local_outbox_dir())
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*_whatsapp.json"))]


def _campaign_posts(days: list[date]) -> None:
    """An Instagram poster campaign with its post linked (the labelled local stand-in of the Graph
    API answers) and read on each of the last service days: a curve in Kampanye."""
    with _travel(_at(days[0], 8, 0)):
        if campaigns.get_or_none("ig-poster") is None:
            campaigns.create(STAFF, {"code": "ig-poster", "name": "Poster Instagram klinik", "channel": "instagram"})
        insights.link_post(STAFF, "ig-poster", {"url": "https://www.instagram.com/p/DemoPosterKlinik/"})
    for day in days[1:]:
        with _travel(_at(day, 6, 10)):
            insights.run_import()


# Three months earlier: clients who came, then answered the outcome question (domain/outcomes.py).
EARLIER = (
    Visitor("Rahmat Hidayat", "0812-2000-0301", "Cibinong", "koperasi", "Koperasi Nelayan Situ", ("tata_kelola_rat",),
            "daring", "hadir", (5, 5, 9)),
    Visitor("Lilis Suryani", "0813-2000-0302", "Citeureup", "ukm", "Keripik Lilis", ("pemasaran",), "daring", "hadir",
            (4, 4, 8)),
)
EARLIER_TAPS = {"0812-2000-0301": "RAT sudah digelar", "0813-2000-0302": "Mulai jualan online"}


def _three_months_on(today: date) -> None:
    """A service day about three months ago, and the outcome question at its moment, answered."""
    old = past_service_days(today - timedelta(days=outcomes.OUTCOME_DAYS + 1), 1)
    if not old:
        return
    _one_day(old[0], list(EARLIER))
    with _travel(outcomes.moment(old[0]) + timedelta(minutes=5)):
        _messages_now()
    with _travel(outcomes.moment(old[0]) + timedelta(hours=2)):
        for phone, title in EARLIER_TAPS.items():
            _reply(phone, tap=title)


def _meta_prices() -> None:
    """Meta's status webhooks carry each message's pricing (PMP): the month's WhatsApp spend."""
    categories = [(m, "marketing" if m["template"].startswith(catalog.BROADCAST_PREFIX) else
                   "service" if m["template"].startswith("cc_balas_") else "utility")
                  for m in _outbox_messages() if m.get("provider_message_id")]
    statuses = [{"id": m["provider_message_id"], "status": "delivered", "timestamp": str(int(clock.epoch_seconds())),
                 "recipient_id": whatsapp_reply.meta_number(m["to"]),
                 "pricing": {"billable": True, "pricing_model": "PMP", "category": c, "type": "regular"}}
                for m, c in categories]
    for n in range(0, len(statuses), 50):
        _signed_post(json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "LOCAL", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": statuses[n:n + 50]}}]}]}).encode())


def made_already() -> bool:
    first = HISTORY[0]
    return bool(registrations.staff_list(q=first.phone)["items"])


def load() -> bool:
    """Make the history once (True), or find it made (False)."""
    if made_already():
        return False
    days = past_service_days(clock.today())
    _three_months_on(clock.today())
    for n, day in enumerate(days):
        _one_day(day, [v for i, v in enumerate(HISTORY) if i // 2 == n], WALK_INS[n % len(WALK_INS)])
    if days:
        _broadcast(days[-1])
        _campaign_posts(days)
    _meta_prices()
    return True
