"""iCalendar (RFC 5545) invitations for session e-mails, written by hand (no dependency).

One VEVENT per registration: the UID is stable for the registration (``<reference>@<domain>``),
so a moved session replaces the event in the visitor's calendar (METHOD:REQUEST with a higher
SEQUENCE) and a cancellation removes it (METHOD:CANCEL, same UID). SEQUENCE is the number of
seconds from 2024-01-01 to the change that caused the message: it only grows (and fits the
32-bit integers calendar programs use until 2092).

Pure functions: text in, text out. Lines end in CRLF and are folded at 75 octets without
splitting a UTF-8 character; TEXT values are escaped (backslash, semicolon, comma, newline).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
PRODID = "-//Diskopukm Kabupaten Bogor//Clean & Clear//ID"


@dataclass(frozen=True)
class Invite:
    method: str  # REQUEST | CANCEL
    uid: str
    sequence: int
    start: datetime  # aware
    end: datetime  # aware
    stamp: datetime  # aware: when the change happened
    summary: str
    location: str
    description: str
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    url: str | None = None


def sequence_for(changed_at: datetime) -> int:
    return max(0, int((changed_at - SEQUENCE_EPOCH).total_seconds()))


def escape_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _param(value: str) -> str:
    """A parameter value (CN=...): quoted, without the characters a quoted value cannot hold."""
    return '"' + value.replace('"', "'").replace("\r", " ").replace("\n", " ") + '"'


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _utc(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def render(invite: Invite) -> str:
    cancel = invite.method == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invite.method}",
        "BEGIN:VEVENT",
        f"UID:{invite.uid}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{_utc(invite.stamp)}",
        f"DTSTART:{_utc(invite.start)}",
        f"DTEND:{_utc(invite.end)}",
        f"SUMMARY:{escape_text(invite.summary)}",
        f"LOCATION:{escape_text(invite.location)}",
        f"DESCRIPTION:{escape_text(invite.description)}",
        f"ORGANIZER;CN={_param(invite.organizer_name)}:mailto:{invite.organizer_email}",
        f"ATTENDEE;CN={_param(invite.attendee_name)};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
        f"mailto:{invite.attendee_email}",
        f"STATUS:{'CANCELLED' if cancel else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
    ]
    if invite.url:
        lines.append(f"URL:{invite.url}")
    if not cancel:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(invite.summary)}",
            "TRIGGER:-PT60M",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def unfold(text: str) -> list[str]:
    """Content lines of a calendar (tests and previews)."""
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
