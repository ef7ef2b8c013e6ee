"""LOCAL PROVIDER (demo only): messages are written to files, nothing is sent to anyone.

Used when WhatsApp / SES credentials are absent and LOCAL_OUTBOX_DIR is set (`make run` sets it
to .local/outbox). Each message becomes ``<UTC time>_<message id>_<channel>.json`` holding
what the recipient would see (WhatsApp text, template parameters and buttons with their payloads,
or an answer's interactive buttons / list; e-mail subject, text, HTML and calendar); e-mails also get a ``.eml`` file that a mail program can open. The provider
id is ``local-<random>``, so the admin page's "Kotak keluar" labels these as not really sent.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from .. import clock
from .ports import OutgoingMessage
from .send_errors import LOCAL_PREFIX
from .ses import build_mime

LOCAL_FROM = "no-reply@cleanclear.local"


class LocalOutbox:
    label = "Kotak keluar lokal (demo)"
    timeout_seconds = 1.0
    adjustable_timeout = False

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def send(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str,
             timeout: float | None = None) -> str:
        provider_id = LOCAL_PREFIX + secrets.token_hex(8)
        now = clock.now()
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{now:%Y%m%dT%H%M%S%fZ}_{message_id}_{rendered.channel}"
        record = {
            "provider": "LOKAL (demo): tidak dikirim",
            "provider_message_id": provider_id,
            "message_id": message_id,
            "channel": rendered.channel,
            "template": rendered.kind,
            "to": to,
            "to_name": to_name,
            "written_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": rendered.subject,
            "text": rendered.text,
            "parameters": rendered.parameters or None,
            "html": rendered.html,
            "calendar": rendered.calendar,
            # What a tap would send back to the webhook (a local test of the buttons can post it).
            "buttons": [{"title": title, "payload": payload} for title, payload in rendered.buttons] or None,
            "interactive": rendered.interactive,
        }
        self._write(self.directory / f"{stem}.json", json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        if rendered.channel == "email":
            raw = build_mime(from_address=LOCAL_FROM, to_address=to, to_name=to_name, subject=rendered.subject,
                             text=rendered.text, html=rendered.html, calendar=rendered.calendar,
                             calendar_method=rendered.calendar_method, reply_to=rendered.reply_to,
                             message_id=message_id)
            self._write(self.directory / f"{stem}.eml", raw)
        return provider_id

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
