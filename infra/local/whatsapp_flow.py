"""Play the visitor's WhatsApp through the signup Flow, against the local stack (`make run`).

    python -m infra.local.whatsapp_flow 0813-2000-0009
    python -m infra.local.whatsapp_flow 0813-2000-0009 --campaign IG-POSTER --service koperasi --mode daring

It writes "DAFTAR [code]" to the webhook as Meta would, takes the Flow message the system answers
with from the local outbox, then does what WhatsApp does with a Flow: every data-exchange request
is encrypted with the endpoint's public key (a fresh AES-128 key under RSA-OAEP, AES-GCM data) and
signed with the app secret; each answer is decrypted with the flipped IV. It walks the screens
(service and mode, the first offered days, details, consent), prints what each screen shows, and
finally sends the completion (`nfm_reply`) to the webhook: the confirmation appears in the outbox.
The same class drives the tests and the bench (their own transports).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from chalicelib import clock
from chalicelib.adapters import flow_crypto
from chalicelib.adapters.whatsapp_inbound import signature_for
from infra.local import whatsapp_reply

ROOT = Path(__file__).resolve().parents[2]
FLOW_PATH = "/webhooks/whatsapp-flow"
Transport = Callable[[str, bytes, dict], tuple[int, str]]  # (path, body, headers) -> (status, text)


class FlowVisitor:
    """WhatsApp's side of one Flow: encrypted requests with the Flow's token, decrypted answers."""

    def __init__(self, post: Transport, public_pem: str, app_secret: str, token: str, version: str = "3.0"):
        self.post, self.public_pem, self.app_secret = post, public_pem, app_secret
        self.token, self.version = token, version

    def raw(self, payload: dict, *, sign_with: str | None = None, public_pem: str | None = None) -> tuple[int, dict | str]:
        body, key, iv = flow_crypto.encrypt_request(payload, public_pem or self.public_pem)
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json",
                   "X-Hub-Signature-256": signature_for(raw, sign_with or self.app_secret)}
        status, text = self.post(FLOW_PATH, raw, headers)
        if status not in (200, 427) or not text:  # 421, 432 and the like carry no encrypted answer
            return status, text
        return status, flow_crypto.decrypt_response(text, key, iv)

    def request(self, action: str, screen: str | None = None, data: dict | None = None,
                token: str | None = None) -> tuple[int, dict]:
        payload = {"version": self.version, "action": action, "flow_token": token or self.token}
        if screen:
            payload["screen"] = screen
        if data is not None:
            payload["data"] = data
        return self.raw(payload)

    def exchange(self, screen: str, data: dict) -> dict:
        status, answer = self.request("data_exchange", screen, data)
        if status != 200:
            raise RuntimeError(f"endpoint answered {status}: {answer}")
        return answer


def walk(visitor: FlowVisitor, *, service: str = "ukm", mode: str = "tatap_muka", days: int = 1,
         details: dict | None = None, show: Callable[[str], None] = lambda _: None) -> dict:
    """Fill the Flow as a visitor would: the answers of each screen, the final screen's data."""
    hari = visitor.exchange("LAYANAN", {"service": service, "mode": mode})
    if hari.get("screen") != "HARI":
        raise RuntimeError(hari.get("data", {}).get("error_message", "tidak ada tanggal"))
    offered = hari["data"]["days"]
    show("Tanggal: " + "; ".join(f"{d['title']} ({d['description']})" for d in offered))
    picked = [d["id"] for d in offered[:days]]
    topics = [hari["data"]["topics"][0]["id"]]
    diri = visitor.exchange("HARI", {"service": service, "mode": mode, "days": picked, "topics": topics})
    show("Perkiraan: " + diri["data"].get("estimate", ""))
    carried = {k: diri["data"][k] for k in ("service", "mode", "days", "topics")}
    form = {"name": "Pengunjung Formulir WhatsApp", "kecamatan": "Cibinong", "desa": "", "email": "",
            "org_name": "Usaha Contoh WhatsApp", "org_choice": diri["data"]["org_options"][0]["id"], "nib": "",
            "description": "Ingin belajar mencatat keuangan usaha dengan rapi setiap hari.", "source": "",
            **(details or {})}
    done = visitor.exchange("PERSETUJUAN", {**carried, **form, "consent": True})
    if done.get("screen") == "SELESAI":
        show(f"Kode pendaftaran: {done['data']['reference']}. {done['data']['message']}")
    else:
        show("Galat: " + done["data"].get("error_message", ""))
    return done


def completion(number: str, token: str, reference: str, message_id: str | None = None) -> bytes:
    """Meta's messages webhook for a completed Flow (`interactive.nfm_reply`)."""
    response_json = json.dumps({"flow_token": token, "reference": reference})
    item = {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {
        "name": "flow", "body": "Sent", "response_json": response_json}}}
    if message_id:
        raw = json.loads(whatsapp_reply.webhook(number, item))
        raw["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = message_id
        return json.dumps(raw).encode()
    return whatsapp_reply.webhook(number, item)


def flow_message(outbox: Path, number: str) -> dict:
    return whatsapp_reply.newest_message_with(outbox, number,
                                              lambda m: (m.get("interactive") or {}).get("type") == "flow")


def http_transport(api: str) -> Transport:
    def post(path: str, raw: bytes, headers: dict) -> tuple[int, str]:
        request = urllib.request.Request(api.rstrip("/") + path, data=raw, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
    return post


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mendaftar lewat formulir WhatsApp (Flow) di stack lokal.")
    parser.add_argument("phone", help="nomor pengunjung, mis. 0813-2000-0009")
    parser.add_argument("--campaign", help="kode kampanye, seperti pada tautan klik-untuk-chat")
    parser.add_argument("--service", default="ukm", choices=("ukm", "koperasi"))
    parser.add_argument("--mode", default="tatap_muka", choices=("tatap_muka", "daring"))
    parser.add_argument("--data", help="folder data stack lokal (bawaan .local)")
    args = parser.parse_args(argv)
    data = Path(args.data or os.environ.get("LOCAL_DATA_DIR", ROOT / ".local")).resolve()
    if not (data / "flow-private-key.pem").exists():
        raise SystemExit(f"Tidak ada stack lokal di {data}: jalankan `make run` dulu.")
    number = whatsapp_reply.meta_number(args.phone)
    print(json.dumps(whatsapp_reply.reply(args.phone, text=" ".join(filter(None, ["DAFTAR", args.campaign])), data=data)))
    message = flow_message(data / "outbox", number)
    print("WhatsApp:", message["interactive"]["body"]["text"])
    token = message["interactive"]["action"]["parameters"]["flow_token"]
    public = flow_crypto.public_key_pem(flow_crypto._load((data / "flow-private-key.pem").read_bytes(), None))
    app_secret = (data / "whatsapp-app-secret").read_text().strip()
    api = whatsapp_reply.running_api(data)
    done = walk(FlowVisitor(http_transport(api), public, app_secret, token), service=args.service,
                mode=args.mode, show=lambda line: print("Formulir:", line))
    if done.get("screen") == "SELESAI":
        raw = completion(number, token, done["data"]["reference"], "wamid.LOCAL" + secrets.token_hex(10).upper())
        print(json.dumps(whatsapp_reply.post(api, raw, app_secret)))
        print("Selesai", clock.now().isoformat(timespec="seconds"), "- konfirmasi ada di", data / "outbox")


if __name__ == "__main__":
    sys.exit(main())
