"""The errors a sender raises, classified for the outbox's retry policy.

`Retryable`: the provider did not take the message; try later (`retry_after` seconds when the
provider said so; `throttled` when the whole channel should pause for this run). `Unknown`: the
request may have reached the provider and no answer came (a read timeout, a connection lost after
sending): sending again could deliver it twice, so the outbox waits for the provider's status.
`Permanent`: trying again will not help. `Paused`: nothing can go out on the channel until staff
renew its credentials; the messages wait (not counted as attempts).
Texts carry status codes, provider codes and short provider messages: no personal data.
"""
from __future__ import annotations

import re

LOCAL_PREFIX = "local-"  # provider ids of the local demo outbox
OUTBOX_TAG = "outbox_id"  # the SES message tag that carries the outbox record id


class SendError(Exception):
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, code: object = None,
                 retry_after: float | None = None, throttled: bool = False):
        super().__init__(message)
        self.status, self.code, self.retry_after, self.throttled = status, code, retry_after, throttled

    def short(self) -> str:
        parts = [str(self.status) if self.status else None,
                 f"code {self.code}" if self.code not in (None, "") else None,
                 _scrub(str(self))]
        return " · ".join(p for p in parts if p)[:300]


class Retryable(SendError):
    retryable = True


class Unknown(SendError):
    retryable = True


class Permanent(SendError):
    retryable = False


class Paused(SendError):
    """The channel cannot send anything (its access token expired or lost a permission): every
    message stays pending, the channel stops for the run, and staff are alarmed to fix it."""

    retryable = True


def _scrub(text: str) -> str:
    """Provider messages rarely hold personal data; drop anything that looks like a number or address."""
    text = re.sub(r"\+?\d[\d\s-]{7,}\d", "[nomor]", text)
    return re.sub(r"[\w.+-]+@[\w-]+\.[\w.-]+", "[e-mail]", text)
