"""The messages' tables: the outbox, WhatsApp opt-outs, broadcasts and the visitors' replies."""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute

from .base import TEAM, BaseModel, _gsi, _meta


class OutboxRecord(BaseModel):
    """One message to one recipient on one channel (WhatsApp or e-mail).

    Written in the same transaction as the change it tells about (chalicelib/messages/events.py), with a
    deterministic id (a hash of its dedupe key) and `attribute_not_exists`, so a retried write
    never makes a second message. The text is rendered when it is sent, from current data.

    Access patterns:
      - by id (GetItem): the sender, staff retry;
      - due (GSI `due`: hash "pending" while the record still has to go out, range
        next_attempt_at): the sender's Query; sparse, sent/failed/skipped records drop out;
      - by WIB day of creation + created_at (GSI by_day): staff "Kotak keluar";
      - by status + created_at (GSI by_status): staff list of failed messages;
      - by provider message id (GSI by_provider_id): WhatsApp delivery statuses (webhook);
      - by reference + created_at (GSI by_reference): one visitor's conversation.
    """

    Meta = _meta("outbox")
    message_id = UnicodeAttribute(hash_key=True)  # "M-" + hash of dedupe_key
    dedupe_key = UnicodeAttribute()  # "<template>#<subject>#<channel>"
    recipient_kind = UnicodeAttribute()  # visitor | consultant
    reference = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    consultant_id = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()  # whatsapp | email
    template = UnicodeAttribute()
    params = UnicodeAttribute(default="{}")  # JSON: facts of the event (not derivable later)
    status = UnicodeAttribute()  # pending | sent | delivered | read | failed | skipped
    attempts = NumberAttribute(default=0)
    resends = NumberAttribute(null=True)  # sent again after an unknown outcome (messages/records.py)
    due = UnicodeAttribute(null=True)  # "pending" while due work; removed after
    next_attempt_at = UnicodeAttribute(null=True)  # UTC ISO; the claim's expiry while claimed
    claim = UnicodeAttribute(null=True)  # token of the run sending it
    provider_message_id = UnicodeAttribute(null=True)  # wamid..., SES MessageId, local-...
    error = UnicodeAttribute(null=True)  # last error or why it was skipped (no personal data)
    waiting = UnicodeAttribute(null=True)  # why it is not sent yet (e.g. the Zoom link): information, not an error
    recipient = UnicodeAttribute(null=True)  # the address it went to (set when sent)
    rendered = UnicodeAttribute(null=True)  # JSON snapshot of what was sent (staff view)
    day = UnicodeAttribute()  # WIB date of created_at
    created_at = UnicodeAttribute()
    made_at = UnicodeAttribute(null=True)  # created_at to the microsecond (the order of a conversation)
    price_category = UnicodeAttribute(null=True)  # what Meta charged it as (domain/costs.py), once
    price_micro = NumberAttribute(null=True)  # its price in micro-US$ at the office's rate then
    sent_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)  # kept OUTBOX_RETENTION_DAYS, then DynamoDB deletes it

    due_index = _gsi("due", "due", "next_attempt_at")
    by_day = _gsi("by_day", "day", "created_at")
    by_status = _gsi("by_status", "status", "created_at")
    by_provider_id = _gsi("by_provider_id", "provider_message_id", None)
    by_reference = _gsi("by_reference", "reference")  # a visitor's conversation (Kotak keluar)


class OptOutRecord(BaseModel):
    """A WhatsApp number that replied BERHENTI/STOP: it gets essential messages only."""

    Meta = _meta("optouts")
    phone = UnicodeAttribute(hash_key=True)  # E.164
    keyword = UnicodeAttribute()
    opted_out_at = UnicodeAttribute()


class BroadcastRecord(BaseModel):
    """A WhatsApp broadcast to past clients (chalicelib/services/broadcasts.py): one partition, sorted by
    id (which starts with the creation time). The recipients are not stored: each paced run
    continues the Query over past clients from `cursor` and writes outbox records with ids
    derived from broadcast + phone. The counters (queued/sent/delivered/read/failed) are ADDed
    in the same transactions as the outbox records and their status changes."""

    Meta = _meta("broadcasts")
    team = UnicodeAttribute(hash_key=True, default=TEAM)
    broadcast_id = UnicodeAttribute(range_key=True)  # "B<yyyymmddHHMMSS><rand>"
    template = UnicodeAttribute()
    params = UnicodeAttribute(default="{}")  # JSON
    service = UnicodeAttribute(null=True)
    kecamatan = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()  # berjalan | selesai | dibatalkan
    cursor = UnicodeAttribute(null=True)  # JSON: where the recipient Query continues
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    queued = NumberAttribute(default=0)  # outbox records written
    skipped = NumberAttribute(default=0)  # numbers that replied BERHENTI: a record marked skipped, not sent
    # What became of the queued messages (ADDed when an outbox record of this broadcast changes).
    sent = NumberAttribute(default=0)
    delivered = NumberAttribute(default=0)  # reached "delivered" or "read"
    read = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    not_sent = NumberAttribute(default=0)  # the sender skipped it (opted out, no number any more)


class InboundRecord(BaseModel):
    """A WhatsApp message FROM a visitor (a button tap, a list pick or a text), once handled.

    ``message_id`` is the inbound message's wamid: written with ``attribute_not_exists``, in the
    same transaction as what the message changed where that fits (services/whatsapp_inbox.py),
    so a webhook Meta delivers twice is handled once. The visitor's words are kept for staff (the
    conversation in the Kotak keluar) for as long as the outbox keeps its messages.

    Access patterns: by id (GetItem: seen before?); by reference + received_at (GSI
    by_reference: the conversation); by WIB day + received_at (GSI by_day: the day's replies).
    """

    Meta = _meta("inbound")
    message_id = UnicodeAttribute(hash_key=True)  # wamid of the visitor's message
    reference = UnicodeAttribute(null=True)  # the registration it was about (none: an unknown number)
    session_id = UnicodeAttribute(null=True)
    in_reply_to = UnicodeAttribute(null=True)  # the outbox record whose button or list it answered
    kind = UnicodeAttribute()  # button | interactive | text
    text = UnicodeAttribute(null=True)  # what the visitor sent or tapped (at most 500 characters)
    action = UnicodeAttribute()  # what the system understood (domain/replies.py ACTIONS)
    outcome = UnicodeAttribute()  # what it did (domain/replies.py OUTCOMES)
    received_at = UnicodeAttribute()  # UTC ISO: Meta's timestamp of the message
    handled_at = UnicodeAttribute()  # UTC ISO to the microsecond (the order of a conversation)
    day = UnicodeAttribute()  # WIB date of received_at
    expires_at = TTLAttribute(null=True)

    by_reference = _gsi("by_reference", "reference", "received_at")
    by_day = _gsi("by_day", "day", "received_at")


class FlowTokenRecord(BaseModel):
    """A signup Flow sent to one WhatsApp number (services/flows.py): the `flow_token` Meta sends
    back with every endpoint request and the completion names this record, which binds it to the
    number it was sent to and the campaign it came from. The registration the Flow made is found by
    its idempotency key (``flow-<token_id>``), written in the registration's own transaction.

    Access pattern: by id (GetItem) on every endpoint request. Gone after `expires_at` (TTL)."""

    Meta = _meta("flow_tokens")
    token_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()  # E.164: the registration's number (never typed in the Flow)
    campaign = UnicodeAttribute(null=True)
    another = BooleanAttribute(default=False)  # the visitor was told of an open registration and still asked
    created_at = UnicodeAttribute()
    valid_until = UnicodeAttribute()  # UTC ISO: endpoint requests after it are refused (HTTP 427)
    expires_at = TTLAttribute(null=True)
