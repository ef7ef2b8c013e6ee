"""The staff token signing keys over HTTPS: the Cognito user pool's JWKS document.

`fetch(url, timeout)` answers the document as parsed JSON or raises `Unavailable` (no answer, an
HTTP error, not JSON); what the keys mean, and how long they are kept, is staff_auth/jwks.py's.
"""
from __future__ import annotations

import requests


class Unavailable(Exception):
    """The key set could not be read; the text is the error's kind only (the URL is public)."""


def fetch(url: str, timeout: float) -> object:
    try:
        response = requests.get(url, timeout=timeout, allow_redirects=False)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise Unavailable(type(exc).__name__) from None
