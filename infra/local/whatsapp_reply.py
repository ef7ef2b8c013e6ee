"""LOCAL DEMO: answer the local stack's WhatsApp messages as a visitor would, through the real webhook.

Messages of `make run` go to files in the local outbox (.local/outbox); this posts what Meta
would post when the visitor taps a button of the newest message to that number, or writes a
text, signed with the local stack's app secret (<LOCAL_DATA_DIR>/whatsapp-app-secret). It finds the
running stack's API through <LOCAL_DATA_DIR>/stack.json, which `make run` writes: give the same
LOCAL_DATA_DIR (or --data) as the stack was started with::

    python -m infra.local.whatsapp_reply 0813-2000-0001 --tap "Saya hadir"
    python -m infra.local.whatsapp_reply 0813-2000-0001 --tap "Ya, batalkan"
    python -m infra.local.whatsapp_reply 0813-2000-0001 --pick 2      # the 2nd day of a list
    python -m infra.local.whatsapp_reply 0813-2000-0001 STATUS
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import urllib.request
from pathlib import Path

from chalicelib import clock

ROOT = Path(__file__).resolve().parents[2]


def meta_number(phone: str) -> str:
    """0813-2000-0001 / +62813... -> 62813... (how Meta writes the sender)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "62" + digits[1:] if digits.startswith("0") else digits


def newest_message_with(outbox: Path, number: str, want) -> dict:
    """The newest WhatsApp message in the local outbox to `number` that `want` accepts."""
    files = sorted(outbox.glob("*_whatsapp.json"), reverse=True)
    for path in files:
        message = json.loads(path.read_text(encoding="utf-8"))
        if meta_number(message.get("to") or "") == number and want(message):
            return message
    raise SystemExit("Tidak ada pesan WhatsApp yang cocok di kotak keluar lokal " + str(outbox))


def tap(outbox: Path, number: str, title: str) -> dict:
    """Meta's `button` (a template's quick reply) or `interactive` button_reply message."""
    def has(m):
        titles = [b["title"] for b in m.get("buttons") or []]
        action = (m.get("interactive") or {}).get("action") or {}
        return title in titles or title in [b["reply"]["title"] for b in action.get("buttons", [])]

    message = newest_message_with(outbox, number, has)
    context = {"from": "628120000000", "id": message["provider_message_id"]}
    for b in message.get("buttons") or []:
        if b["title"] == title:
            return {"type": "button", "context": context, "button": {"payload": b["payload"], "text": title}}
    chosen = next(b["reply"] for b in message["interactive"]["action"]["buttons"] if b["reply"]["title"] == title)
    return {"type": "interactive", "context": context, "interactive": {"type": "button_reply", "button_reply": chosen}}


def pick(outbox: Path, number: str, n: int) -> dict:
    """Meta's `interactive` list_reply: the n-th row (from 1) of the newest list."""
    message = newest_message_with(outbox, number, lambda m: (m.get("interactive") or {}).get("type") == "list")
    rows = [r for s in message["interactive"]["action"]["sections"] for r in s["rows"]]
    return {"type": "interactive", "context": {"from": "628120000000", "id": message["provider_message_id"]},
            "interactive": {"type": "list_reply", "list_reply": rows[n - 1]}}


def webhook(number: str, item: dict) -> bytes:
    message = {"from": number, "id": "wamid.LOCAL" + secrets.token_hex(10).upper(), "timestamp": str(int(clock.epoch_seconds())), **item}
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "LOCAL", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "628120000000", "phone_number_id": "LOCAL"},
        "contacts": [{"profile": {"name": "Pengunjung"}, "wa_id": number}], "messages": [message]}}]}]}).encode()


def post(api: str, raw: bytes, app_secret: str) -> dict:
    signature = "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    request = urllib.request.Request(api.rstrip("/") + "/webhooks/whatsapp", data=raw, method="POST",
                                     headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"{}")


def running_api(data: Path) -> str:
    """The API of the stack running on `data` (its stack.json), else API_PORT / 8000."""
    try:
        port = json.loads((data / "stack.json").read_text())["api_port"]
    except (OSError, ValueError, KeyError):
        port = os.environ.get("API_PORT", "8000")
    return f"http://127.0.0.1:{port}"


def reply(phone: str, *, text: str | None = None, tap_title: str | None = None, pick_n: int | None = None,
          data: Path | None = None, api: str | None = None) -> dict:
    data = Path(data or os.environ.get("LOCAL_DATA_DIR", ROOT / ".local")).resolve()
    if not (data / "whatsapp-app-secret").exists():
        raise SystemExit(f"Tidak ada stack lokal di {data}: jalankan `make run`, atau beri LOCAL_DATA_DIR / --data "
                         "yang sama dengan saat stack dijalankan.")
    api = api or running_api(data)
    number = meta_number(phone)
    if tap_title:
        item = tap(data / "outbox", number, tap_title)
    elif pick_n:
        item = pick(data / "outbox", number, pick_n)
    else:
        item = {"type": "text", "text": {"body": text or ""}}
    return post(api, webhook(number, item), (data / "whatsapp-app-secret").read_text().strip())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Balas pesan WhatsApp lokal sebagai pengunjung (demo).")
    parser.add_argument("phone", help="nomor pengunjung, mis. 0813-2000-0001")
    parser.add_argument("text", nargs="?", help="teks yang ditulis pengunjung, mis. STATUS")
    parser.add_argument("--tap", help="judul tombol yang ditekan, mis. \"Saya hadir\"")
    parser.add_argument("--pick", type=int, help="nomor baris daftar tanggal yang dipilih (mulai 1)")
    parser.add_argument("--data", help="folder data stack lokal (LOCAL_DATA_DIR saat `make run`; bawaan .local)")
    args = parser.parse_args(argv)
    if not (args.text or args.tap or args.pick):
        parser.error("tulis teks, atau --tap / --pick")
    print(json.dumps(reply(args.phone, text=args.text, tap_title=args.tap, pick_n=args.pick,
                           data=Path(args.data) if args.data else None), ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
