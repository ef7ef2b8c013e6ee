"""Outbox records: their ids, statuses and the factory every message is made with.

Lifecycle of a record::

    pending --claim--> (sending) --provider ok--> sent --webhook--> delivered --> read
       ^                   | retryable error (429, 5xx, refused connection): back to pending,
       |                   |   next_attempt_at = now + 1, 2, 4, 8, 16 min (or Retry-After)
       |                   | the request may have reached the provider but no answer came
       |                   |   (read timeout, lost connection; or the run died mid-send): unknown
       |                   | permanent error, or the 6th attempt failed: failed (+ FailedMessages)
       |                   | no longer true / no address / opted out: skipped (with the reason)
       +---- staff retry (failed only)

    unknown --status webhook / SES event for the record's id--> sent / delivered / read / failed
       | no status within UNKNOWN_WAIT_SECONDS: sent again (counted in `resends`, shown to staff);
       | after the last attempt it stays unknown (never "failed": it may well have arrived)

An unknown outcome is settled by the provider: every WhatsApp message carries its record id as
`biz_opaque_callback_data`, every e-mail an SES tag `outbox_id`, and both come back with the
statuses (messages/webhook.py).

Ids are deterministic: a hash of ``<template>#<subject>#<channel>``, written with
``attribute_not_exists``, so a retried write never makes a second message; subjects are unique
per change (a session id, a reference, or a reference plus the change's time).

What a message needs later is put on its record when it is made (`params`: facts of the event
that the data will not remember, such as a broadcast's id); the text itself is rendered when it
is sent, from the data of that moment (messages/compose.py).
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from ..domain.message_status import DELIVERED, FAILED, PENDING, READ, SENT, SKIPPED, UNKNOWN
from ..store import outbox as store
from . import catalog
from .catalog import BY_NAME, CHANNELS

if TYPE_CHECKING:
    from ..store.models import OutboxRecord

UNKNOWN_WAIT_SECONDS = 15 * 60  # how long a status may take before an unknown send is sent again
RETENTION_DAYS = store.RETENTION_DAYS

MAX_ATTEMPTS = 6

# A broadcast message's status -> the broadcast counter it adds to (services/broadcasts.py).
BROADCAST_COUNTERS = {SENT: "sent", DELIVERED: "delivered", READ: "read", FAILED: "failed", SKIPPED: "not_sent"}


def dedupe_key(template: str, subject: str, channel: str) -> str:
    return f"{template}#{subject}#{channel}"


def message_id_for(key: str) -> str:
    return "M-" + hashlib.sha256(key.encode()).hexdigest()[:24].upper()


def new_record(template: str, channel: str, subject: str, *, recipient_kind: str, now: datetime,
               reference: str | None = None, session_id: str | None = None, consultant_id: str | None = None,
               params: dict | None = None, not_before: datetime | None = None):
    """A pending record (not yet stored): for a unit of work (store.outbox.add) or store.outbox.put_new."""
    if template not in BY_NAME or channel not in CHANNELS:
        raise ValueError(f"unknown message {template}/{channel}")
    key = dedupe_key(template, subject, channel)
    return store.build(message_id_for(key), dedupe_key=key, template=template, channel=channel,
                       recipient_kind=recipient_kind, now=now, reference=reference, session_id=session_id,
                       consultant_id=consultant_id, params=params or {}, not_before=not_before)


def broadcast_counts(record: OutboxRecord, status: str, before: str | None = None) -> tuple[str, list[str]] | None:
    """(broadcast id, counters to ADD) when a broadcast message moves to `status`, else None."""
    import json

    if not (record.template or "").startswith(catalog.BROADCAST_PREFIX) or status not in BROADCAST_COUNTERS:
        return None
    try:
        broadcast_id = json.loads(record.params or "{}").get("broadcast")
    except ValueError:
        broadcast_id = None
    if not broadcast_id:
        return None
    names = [BROADCAST_COUNTERS[status]]
    if status in (DELIVERED, READ) and before in (PENDING, UNKNOWN):
        names.append(BROADCAST_COUNTERS[SENT])  # settled by its webhook: it was sent, never counted so
    if status == READ and before in (SENT, PENDING, UNKNOWN):
        names.append(BROADCAST_COUNTERS[DELIVERED])  # read implies delivered (that status may come late or never)
    return broadcast_id, names
