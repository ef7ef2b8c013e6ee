"""What verification raises: no valid token (401), or a valid one without the role (403).

Nothing here logs a token, a claim value or an e-mail address; ``reason`` is a short, fixed
description that is safe to log.
"""
from __future__ import annotations


class AuthError(Exception):
    """The request carries no valid token: answer 401.

    ``reason`` is a short, fixed description that is safe to log; it never contains the
    token or any claim value.
    """

    status = 401

    def __init__(self, reason: str = "invalid token") -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """Authenticated, but the principal's roles do not allow this: answer 403."""

    status = 403

    def __init__(self, reason: str = "forbidden") -> None:
        super().__init__(reason)
        self.reason = reason
