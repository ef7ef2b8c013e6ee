"""What messages say about a session and the links and buttons they carry: shared by the
builders of messages/compose.py (a template's context) and its answers."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .. import links
from ..domain import replies, rules
from ..domain.references import token_matches
from .catalog import ConfigError, long_date, session_times
from .render import phrase

if TYPE_CHECKING:
    from ..store.models import OutboxRecord, Registration, SessionRecord
    from .compose import Data


def session_context(s: SessionRecord, data: Data, link: str | None) -> dict:
    day, jam, jam_mulai = session_times(s.start)
    daring = s.mode == rules.MODE_DARING
    ruang = data.room_name(s.room_id)
    consultant = data.consultant(s.consultant_id)
    return {
        "tanggal": long_date(day), "jam": jam, "jam_mulai": jam_mulai, "daring": daring, "ruang": ruang,
        "narasumber": consultant.name if consultant else "narasumber Clean & Clear",
        "tautan_zoom": link if daring else None,
        "tempat": phrase("tempat", daring=daring, ruang=ruang, tautan_zoom=link if daring else None),
        "petunjuk": phrase("petunjuk", daring=daring),
    }


def status_link_for(reg: Registration) -> str:
    """The visitor's private status link; for a registration whose token was random (made before
    tokens were derived from the reference) the status page, where the link can be asked for again."""
    token = links.status_token(reg.reference)  # no signing key: an error, retried like any other
    try:
        if token_matches(reg.token_hash, token):
            return links.status_link(reg.reference, token)
        return links.absolute("/status.html")
    except links.NotConfigured as exc:
        raise ConfigError(str(exc)) from None


def feedback_link(session_id: str, now: datetime) -> str:
    link = links.feedback_link(session_id, now)  # no signing key: an error, retried like any other
    try:
        return links.absolute(link)
    except links.NotConfigured as exc:
        raise ConfigError(str(exc)) from None


def payload(action: str, subject: str, record: OutboxRecord, extra: str = "") -> str:
    """A button's signed payload (domain/replies.py), bound to the record that carries it."""
    try:
        return replies.encode(replies.Payload(action, subject, record.message_id, extra), links.reply_signature)
    except links.NotConfigured as exc:
        raise ConfigError(str(exc)) from None
