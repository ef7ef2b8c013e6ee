"""The signup Flow's set-up with Meta: its Flow JSON and the endpoint's key pair.

    python -m infra.whatsapp_flow json --site https://<domain> > flow.json   # upload in WhatsApp Manager
    python -m infra.whatsapp_flow setup-key --stage prod                      # one command, once

`json` writes the Flow JSON for the site's domain (the privacy notice's link); the copy kept in the
repo (`chalicelib/templates/messages/flow_pendaftaran.json`) is the same for the example domain,
and a test keeps it current. `setup-key` makes a new RSA key pair, stores the private key in the
stage's WhatsApp secret (`cleanclear/<stage>/whatsapp`, key ``flow_private_key``) and uploads the
public key to Meta for the business phone number (Graph API ``POST /<phone_number_id>/
whatsapp_business_encryption``, field ``business_public_key``), with the access token of that same
secret. Needs AWS credentials for the stage. Running it again rotates the key: WhatsApp then gets
HTTP 421 from the endpoint once and fetches the new public key.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib import settings
from chalicelib.adapters import flow_crypto
from chalicelib.domain import flow_json

EXAMPLE_SITE = "https://cleanclear.example.go.id"
KEPT = Path(__file__).resolve().parents[1] / "chalicelib" / "templates" / "messages" / "flow_pendaftaran.json"


def text(site: str) -> str:
    return json.dumps(flow_json.flow_json(site), ensure_ascii=False, indent=2) + "\n"


def setup_key(stage: str) -> None:
    import boto3
    import requests

    name = f"cleanclear/{stage}/whatsapp"
    client = boto3.client("secretsmanager")
    secret = json.loads(client.get_secret_value(SecretId=name)["SecretString"])
    if not secret.get("access_token") or not secret.get("phone_number_id"):
        raise SystemExit(f"{name} has no access_token / phone_number_id yet: fill them in first (README).")
    pem = flow_crypto.new_private_key_pem()
    public = flow_crypto.public_key_pem(flow_crypto._load(pem.encode(), None))
    url = f"https://graph.facebook.com/{settings.whatsapp_graph_version()}/{secret['phone_number_id']}/whatsapp_business_encryption"
    answer = requests.post(url, data={"business_public_key": public},
                           headers={"Authorization": f"Bearer {secret['access_token']}"}, timeout=30)
    if answer.status_code != 200:
        raise SystemExit(f"Meta refused the public key ({answer.status_code}): {answer.text[:300]}")
    client.put_secret_value(SecretId=name, SecretString=json.dumps({**secret, "flow_private_key": pem}))
    print(f"Public key uploaded for number {secret['phone_number_id']}; private key stored in {name}.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    j = sub.add_parser("json", help="print the Flow JSON for a site")
    j.add_argument("--site", default=EXAMPLE_SITE)
    k = sub.add_parser("setup-key", help="new key pair: private key into the secret, public key to Meta")
    k.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    if args.command == "json":
        sys.stdout.write(text(args.site))
    else:
        setup_key(args.stage)


if __name__ == "__main__":
    main()
