"""Credentials for the outside services (Zoom, WhatsApp), read at run time.

In AWS, `<NAME>_SECRET_ARN` points at a Secrets Manager secret holding a JSON object; it is read
once per Lambda container and cached. Locally (and in tests) the same keys come from the
environment as `<NAME>_<KEY>` (e.g. `ZOOM_CLIENT_ID`). A secret with no usable values means
"not configured": callers then use their clearly labelled local stand-in.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache


@lru_cache(maxsize=8)
def _from_secrets_manager(arn: str) -> dict:
    import boto3  # in the Lambda runtime; imported only when a secret is really read

    value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    data = json.loads(value)
    return data if isinstance(data, dict) else {}


def get(name: str, keys: tuple[str, ...], env=None) -> dict | None:
    """The secret `name` (e.g. "ZOOM") as {key: value}, or None when it is not configured."""
    env = os.environ if env is None else env
    arn = env.get(f"{name}_SECRET_ARN")
    if arn:
        data = _from_secrets_manager(arn)
        values = {k: str(data.get(k) or "") for k in keys}
    else:
        values = {k: env.get(f"{name}_{k.upper()}", "") for k in keys}
    if not all(values.values()):
        return None
    return values


def clear_cache() -> None:
    _from_secrets_manager.cache_clear()
