"""Who is on duty when (the proposal's second stage): weekly patterns, dated exceptions (leave
and extra duty), office closures and public holidays. Every write carries its audit entry.

The calendar itself is the pure `domain.service_calendar.generate_slots`, fed by `calendar_inputs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .. import clock
from ..domain import rules, validation, words
from ..domain.errors import Conflict, InputError, NotFound
from ..domain.holidays import holiday_closures
from ..domain.service_calendar import (EXCEPTION_EXTRA, EXCEPTION_OFF, Closure, Room, RosterException, RosterRule,
                                       service_week)
from ..domain.validation import parse_day
from ..store import team as store
from ..store.unit_of_work import MAX_ITEMS, Cancelled, UnitOfWork
from .team import get_consultant, list_consultants, list_rooms, to_calendar_consultant

WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"]


def _now_iso() -> str:
    return rules.to_utc_iso(clock.now())


# --- roster ------------------------------------------------------------------------------

def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def list_rules() -> list[RosterRule]:
    return [RosterRule(r.consultant_id, int(r.weekday), r.service) for r in store.roster_rules()]


def list_exceptions(start: date, end: date) -> list[RosterException]:
    return [RosterException(r.consultant_id, date.fromisoformat(r.day), r.service, r.kind)
            for r in store.roster_exceptions(start, end)]


def _write_in_chunks(actor: str, action: str, target: str, details, changes: list[tuple[str, object]]) -> None:
    """Roster changes in transactions of at most MAX_ITEMS (one item is the audit entry).
    `details` is a dict, or a function of the chunk for per-chunk details."""
    step = MAX_ITEMS - 1
    for i in range(0, len(changes), step):
        chunk = changes[i:i + step]
        uow = UnitOfWork(actor, action, target, details(chunk) if callable(details) else details)
        for kind, record in chunk:
            (store.put_roster if kind == "save" else store.delete_roster)(uow, record)
        uow.commit()


def set_weekly_pattern(actor: str, consultant_id: str, entries: object) -> list[RosterRule]:
    """Replace one consultant's weekly pattern with `entries` [{weekday, service}]."""
    consultant = get_consultant(consultant_id)
    if not isinstance(entries, list) or len(entries) > 10:
        raise InputError({"entries": "Daftar jadwal tidak valid."})
    wanted: set[tuple[int, str]] = set()
    for e in entries:
        weekday = e.get("weekday") if isinstance(e, dict) else None
        service = e.get("service") if isinstance(e, dict) else None
        if not isinstance(weekday, int) or isinstance(weekday, bool) or weekday not in rules.DEFAULT_RULES.workdays:
            raise InputError({"entries": "Hari harus Senin sampai Jumat."})
        if not validation.one_of(service, rules.SERVICES):
            raise InputError({"entries": "Layanan tidak dikenal."})
        if service not in consultant.services:
            raise InputError({"entries": f"{consultant.name} tidak melayani {words.mid_sentence(rules.SERVICES[service])}."})
        wanted.add((weekday, service))
    current = {(r.weekday, r.service) for r in list_rules() if r.consultant_id == consultant_id}
    now = _now_iso()
    saves = [store.build_rule(consultant_id, d, s, now) for d, s in sorted(wanted - current)]
    deletes = [store.roster_entry(store.rule_key(consultant_id, d, s)) for d, s in sorted(current - wanted)]
    changes = [("save", m) for m in saves] + [("delete", m) for m in deletes]
    _write_in_chunks(actor, "piket.pola", consultant_id, {"pola": [f"{WEEKDAYS[d]} {s}" for d, s in sorted(wanted)]},
                     changes)
    return sorted((RosterRule(consultant_id, d, s) for d, s in wanted), key=lambda r: (r.weekday, r.service))


def add_exception(actor: str, payload: dict) -> RosterException:
    errors = validation.Errors()
    consultant_id = payload.get("consultant_id")
    service = payload.get("service")
    kind = payload.get("kind")
    try:
        day = parse_day(payload.get("day"), "day")
    except InputError as exc:
        errors.update(exc.errors)
        day = None
    if not validation.one_of(service, rules.SERVICES):
        errors.add("service", "Pilih layanan.")
    if kind not in (EXCEPTION_OFF, EXCEPTION_EXTRA):
        errors.add("kind", "Pilih cuti atau tugas tambahan.")
    if day and day.weekday() not in rules.DEFAULT_RULES.workdays:
        errors.add("day", "Layanan hanya Senin sampai Jumat.")
    if not isinstance(consultant_id, str) or not consultant_id:
        errors.add("consultant_id", "Pilih konsultan.")
    if errors:
        raise InputError(errors)
    consultant = get_consultant(consultant_id)
    if kind == EXCEPTION_EXTRA and service not in consultant.services:
        raise InputError({"service": f"{consultant.name} tidak melayani {words.mid_sentence(rules.SERVICES[service])}."})
    uow = UnitOfWork(actor, f"piket.{kind}", consultant_id, {"day": day.isoformat(), "service": service})
    store.put_roster(uow, store.build_exception(day, consultant_id, service, kind, _now_iso()))
    uow.commit()
    return RosterException(consultant_id, day, service, kind)


def remove_exception(actor: str, consultant_id: str, day_text: str, service: str) -> None:
    day = parse_day(day_text, "day")
    uow = UnitOfWork(actor, "piket.hapus_pengecualian", consultant_id, {"day": day.isoformat(), "service": service})
    store.delete_roster(uow, store.roster_entry(store.exception_key(day, consultant_id, service)), must_exist=True)
    try:
        uow.commit()
    except Cancelled:
        raise NotFound({"_form": "Pengecualian tidak ditemukan."}) from None


@dataclass(frozen=True)
class Duty:
    day: date
    service: str
    consultant_id: str
    source: str  # "pola" | "tambahan"


def effective_duty(start: date, end: date, consultants, rules_list, exceptions) -> tuple[set, dict]:
    """Who is on duty per (day, service) between start and end (inclusive), ignoring closures.

    Returns ({(day, service, consultant_id)}, {(day, service, consultant_id): source})
    plus off entries marked "cuti" in the sources map.
    """
    active = {c.id for c in consultants if c.active}
    serves = {c.id: c.services for c in consultants}
    duty: dict[tuple, str] = {}
    day = start
    while day <= end:
        for r in rules_list:
            if r.weekday == day.weekday() and r.consultant_id in active and r.service in serves.get(r.consultant_id, ()):
                duty[(day, r.service, r.consultant_id)] = "pola"
        day += timedelta(days=1)
    for e in exceptions:
        key = (e.day, e.service, e.consultant_id)
        if e.kind == EXCEPTION_EXTRA and e.consultant_id in active and start <= e.day <= end:
            duty.setdefault(key, "tambahan")
    off = {(e.day, e.service, e.consultant_id) for e in exceptions if e.kind == EXCEPTION_OFF}
    on = {k for k in duty if k not in off}
    return on, {**duty, **{k: "cuti" for k in off}}


def copy_week(actor: str, from_week: date, to_week: date) -> int:
    """Make the target week's duty equal the source week's, by adding exceptions to the target."""
    src, dst = week_start(from_week), week_start(to_week)
    if src == dst:
        raise InputError({"to_week": "Minggu tujuan sama dengan minggu asal."})
    consultants = [to_calendar_consultant(c) for c in list_consultants()]
    rules_list = list_rules()
    src_on, _ = effective_duty(src, src + timedelta(days=4), consultants, rules_list, list_exceptions(src, src + timedelta(days=4)))
    dst_exc = list_exceptions(dst, dst + timedelta(days=4))
    dst_on, _ = effective_duty(dst, dst + timedelta(days=4), consultants, rules_list, dst_exc)
    shift = dst - src
    wanted = {(d + shift, s, c) for d, s, c in src_on}
    now = _now_iso()
    saves = [store.build_exception(d, c, s, EXCEPTION_EXTRA, now) for d, s, c in sorted(wanted - dst_on)]
    saves += [store.build_exception(d, c, s, EXCEPTION_OFF, now) for d, s, c in sorted(dst_on - wanted)]
    # Exceptions in the target that the copy makes redundant stay: they agree with the result.
    _write_in_chunks(actor, "piket.salin_minggu", dst.isoformat(),
                     lambda chunk: {"from": src.isoformat(), "changes": len(chunk)}, [("save", m) for m in saves])
    return len(saves)


def roster_week(day: date) -> dict:
    start = week_start(day)
    days = [start + timedelta(days=i) for i in range(5)]
    consultants = list_consultants()
    names = {c.consultant_id: c.name for c in consultants}
    cal_consultants = [to_calendar_consultant(c) for c in consultants]
    rules_list = list_rules()
    exceptions = list_exceptions(days[0], days[-1])
    on, sources = effective_duty(days[0], days[-1], cal_consultants, rules_list, exceptions)
    closures = all_closures(days[0], days[-1])
    closed = {(c.day, c.service) for c in closures}
    reasons = {c.day: c.reason for c in closures}
    duty = []
    for d in days:
        for service in rules.SERVICES:
            ids = sorted((c for (dd, s, c) in on if dd == d and s == service), key=lambda i: names.get(i, i))
            off = sorted((c for (dd, s, c), src in sources.items() if dd == d and s == service and src == "cuti"), key=lambda i: names.get(i, i))
            duty.append({
                "day": d.isoformat(),
                "service": service,
                "closed": (d, None) in closed or (d, service) in closed,
                "closure_reason": reasons.get(d),
                "consultants": [{"id": i, "name": names.get(i, i), "source": sources[(d, service, i)]} for i in ids],
                "off": [{"id": i, "name": names.get(i, i)} for i in off],
            })
    return {
        "week_start": start.isoformat(),
        "days": [d.isoformat() for d in days],
        "rules": [{"consultant_id": r.consultant_id, "weekday": r.weekday, "service": r.service} for r in rules_list],
        "exceptions": [{"consultant_id": e.consultant_id, "day": e.day.isoformat(), "service": e.service, "kind": e.kind} for e in exceptions],
        "duty": duty,
    }


# --- closures ----------------------------------------------------------------------------

def office_closures(start: date, end: date) -> list[Closure]:
    return [Closure(date.fromisoformat(r.day), r.reason, r.service) for r in store.closures(start, end)]


def all_closures(start: date, end: date) -> list[Closure]:
    """Public holidays and cuti bersama (package) plus office closures (staff) in the range."""
    out = [c for year in range(start.year, end.year + 1) for c in holiday_closures(year) if start <= c.day <= end]
    return out + office_closures(start, end)


def closed_days(start: date, end: date) -> set[date]:
    """Days closed for the whole day (what the signup page must not offer)."""
    return {c.day for c in all_closures(start, end) if c.service is None}


def add_closure(actor: str, payload: dict) -> Closure:
    errors = validation.Errors()
    try:
        day = parse_day(payload.get("day"), "day")
    except InputError as exc:
        errors.update(exc.errors)
        day = None
    if day and day.weekday() not in rules.DEFAULT_RULES.workdays:
        errors.add("day", "Sabtu dan Minggu memang tidak ada layanan; hari tutup hanya untuk Senin sampai Jumat.")
    service = payload.get("service") or None
    if service is not None and not validation.one_of(service, rules.SERVICES):
        errors.add("service", "Layanan tidak dikenal.")
    reason = validation.text_field(payload, errors, "reason", 3, 120, required=True, what="Alasan")
    if errors:
        raise InputError(errors)
    uow = UnitOfWork(actor, "tutup.tambah", day.isoformat(), {"service": service, "reason": reason})
    store.put_closure(uow, store.build_closure(day, service, reason=reason, created_by=actor, updated_at=_now_iso()))
    try:
        uow.commit()
    except Cancelled:
        raise Conflict({"day": "Hari tutup untuk tanggal dan layanan ini sudah ada."}) from None
    return Closure(day, reason, service)


def remove_closure(actor: str, day_text: str, service: str) -> None:
    day = parse_day(day_text, "day")
    service = None if service == "all" else service
    uow = UnitOfWork(actor, "tutup.hapus", day.isoformat(), {"service": service})
    store.delete_closure(uow, day, service)
    try:
        uow.commit()
    except Cancelled:
        raise NotFound({"_form": "Hari tutup tidak ditemukan."}) from None


def closures_for_year(year: int) -> dict:
    start, end = date(year, 1, 1), date(year, 12, 31)
    return {
        "holidays": [{"day": c.day.isoformat(), "reason": c.reason} for c in holiday_closures(year)],
        "office": [{"day": c.day.isoformat(), "service": c.service, "reason": c.reason}
                   for c in sorted(office_closures(start, end), key=lambda c: (c.day, c.service or ""))],
    }


# --- calendar inputs ---------------------------------------------------------------------

def staff_calendar(now=None) -> dict:
    """The days the admin page starts from, by one rule for everyone (the server's clock): today,
    "this week" (domain.service_calendar.service_week), the first day a visitor could be booked,
    and a working day about a week ahead for the what-if (never a weekend or a holiday)."""
    now = now or clock.now()
    today = rules.wib_now(now).date()
    horizon = today + timedelta(days=rules.DEFAULT_RULES.booking_horizon_days)
    bookable = validation.bookable_days(today, closed_days(today, horizon))
    ahead = next((d for d in bookable if d >= today + timedelta(days=7)), bookable[-1] if bookable else today)
    return {"today": today.isoformat(), "this_week": service_week(now).isoformat(),
            "first_bookable_day": bookable[0].isoformat() if bookable else None, "what_if_day": ahead.isoformat()}


def calendar_inputs(start: date, end: date) -> dict:
    """Everything `service_calendar.generate_slots` needs for a date range, read with Queries."""
    return {
        "consultants": [to_calendar_consultant(c) for c in list_consultants()],
        "rooms": [Room(r.room_id, r.name, bool(r.active)) for r in list_rooms()],
        "roster_rules": list_rules(),
        "exceptions": list_exceptions(start, end),
        "closures": all_closures(start, end),
    }
