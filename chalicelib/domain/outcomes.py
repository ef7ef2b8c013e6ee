"""What came of a consultation three months on: the one WhatsApp question after an attended
session, its answers per service, and how they are counted per cohort. Pure (no I/O).

About OUTCOME_DAYS after the session (at 10.00 WIB), the visitor gets one template message with
quick-reply buttons suited to the service: for a cooperative the things that make it active and
healthy (RAT held, books in order, legal entity updated, registered as aktif), for a small
business the things that make it grow (NIB or a permit, a product certification, selling online,
sales up), and "Belum ada" / "Jangan tanya lagi". One question per session, at most once; the
first tap counts. Counters per cohort (the WIB month of the session, item ``OUT#<month>``):
``out|asked|<svc>``, ``out|answered|<svc>``, ``out|<svc>|<code>``; every share is shown with its base.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from . import rules

OUTCOME_DAYS = 90
ASK_AT = time(10, 0)  # WIB
LATE = timedelta(days=2)  # a question not sent by then is not sent (the reminders run was down)
STOP = "stop"
NONE = "belum"

# (code, button title: at most 25 characters, label for staff), per service; the button's payload
# carries the position (1..6).
CHOICES: dict[str, tuple[tuple[str, str, str], ...]] = {
    rules.SERVICE_KOPERASI: (
        ("rat", "RAT sudah digelar", "RAT sudah digelar"),
        ("pembukuan", "Pembukuan tertib", "Pembukuan tertib"),
        ("badan_hukum", "Badan hukum diperbarui", "Badan hukum diperbarui"),
        ("aktif", "Terdaftar koperasi aktif", "Terdaftar sebagai koperasi aktif"),
        (NONE, "Belum ada", "Belum ada hasil"),
        (STOP, "Jangan tanya lagi", "Tidak mau ditanya lagi"),
    ),
    rules.SERVICE_UKM: (
        ("nib", "NIB/izin terbit", "NIB atau izin usaha terbit"),
        ("sertifikasi", "Sertifikasi produk", "Sertifikasi produk (halal, PIRT, SNI...)"),
        ("online", "Mulai jualan online", "Mulai berjualan online"),
        ("omzet", "Penjualan naik", "Penjualan naik"),
        (NONE, "Belum ada", "Belum ada hasil"),
        (STOP, "Jangan tanya lagi", "Tidak mau ditanya lagi"),
    ),
}
BUTTON_MAX = 25


def titles(service: str) -> tuple[str, ...]:
    return tuple(title for _, title, _ in CHOICES[service])


def choice(service: str, position: str | None) -> str | None:
    """The answer's code from a button's position ("1".."6"), or None."""
    options = CHOICES.get(service, ())
    if not position or not position.isdigit() or not 1 <= int(position) <= len(options):
        return None
    return options[int(position) - 1][0]


def moment(session_day: date) -> datetime:
    """When the question is sent: 10.00 WIB, OUTCOME_DAYS after the session's day."""
    return datetime.combine(session_day + timedelta(days=OUTCOME_DAYS), ASK_AT, tzinfo=rules.WIB)


def period(session_day: str) -> str:
    return "OUT#" + session_day[:7]


def asked(service: str) -> dict[str, int]:
    return {f"out|asked|{service}": 1}


def answered(service: str, code: str) -> dict[str, int]:
    return {f"out|answered|{service}": 1, f"out|{service}|{code}": 1}


def cohort_view(month: str, counters: dict) -> dict:
    """One cohort (the month of the sessions) as Evaluasi shows it: per service the questions
    sent, the answers and the answer rate, and each answer with its count and its share of the
    answers (never a percentage without its base)."""
    services = []
    for service, options in CHOICES.items():
        n_asked = int(counters.get(f"out|asked|{service}", 0))
        n_answered = int(counters.get(f"out|answered|{service}", 0))
        services.append({
            "service": service, "label": rules.SERVICES[service], "asked": n_asked, "answered": n_answered,
            "answer_rate": round(n_answered / n_asked, 3) if n_asked else None,
            "answers": [{"code": code, "label": label, "count": int(counters.get(f"out|{service}|{code}", 0)),
                         "share": round(int(counters.get(f"out|{service}|{code}", 0)) / n_answered, 3)
                         if n_answered else None} for code, _, label in options],
        })
    return {"month": month, "services": services}
