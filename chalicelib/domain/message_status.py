"""The statuses of an outbox record as they are stored, and what staff read for each (the
lifecycle is drawn in messages/records.py). Every layer names a status through these."""
from __future__ import annotations

PENDING = "pending"
SENT = "sent"
DELIVERED = "delivered"
READ = "read"
FAILED = "failed"
SKIPPED = "skipped"
UNKNOWN = "unknown"
STATUS_LABELS = {
    PENDING: "Menunggu dikirim",
    SENT: "Terkirim",
    DELIVERED: "Sampai",
    READ: "Dibaca",
    FAILED: "Gagal",
    SKIPPED: "Tidak dikirim",
    UNKNOWN: "Belum pasti",
}
DELIVERY_RANK = {PENDING: 0, SENT: 1, DELIVERED: 2, READ: 3}
TOLD = (SENT, DELIVERED, READ, UNKNOWN)  # the recipient may have it (unknown: perhaps)
