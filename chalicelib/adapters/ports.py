"""The interfaces the layers use for the outside systems (structural: any object with these
members will do, so a test's fake needs no base class).

Each adapter module implements one of them; `senders.for_channel`, `zoom.provider` and
`launcher.launch` pick the implementation for the environment.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .zoom import Meeting, MeetingSpec


class OutgoingMessage(Protocol):
    """A rendered message as a sender reads it (messages/render.py `Rendered`)."""

    kind: str  # the template's name
    channel: str  # "whatsapp" | "email"
    text: str
    parameters: list[str]  # WhatsApp template body parameters, in order
    subject: str | None
    html: str | None
    calendar: str | None  # iCalendar text
    calendar_method: str | None
    buttons: list[tuple[str, str]]  # (title, payload) of a template's quick replies
    interactive: dict | None  # a free-form answer's buttons or list
    reply: bool  # a free-form answer, not a template
    reply_to: str | None  # an e-mail's Reply-To
    flow_token: str | None  # a template's FLOW button: the token of the Flow it opens


# An adjustable sender given a shorter `timeout` spends at most this share of it connecting; the
# rest waits for the answer (messages/send.py starts a call only when that rest can hold one).
CONNECT_SHARE = 0.1


@runtime_checkable
class MessageSender(Protocol):
    """Delivers one message on one channel; returns the provider's message id, or raises
    `send_errors.Retryable`, `Unknown`, `Permanent` or `Paused` (see that module)."""

    label: str  # for staff: "WhatsApp Cloud API", "Amazon SES", "Kotak keluar lokal (demo)"
    timeout_seconds: float  # the longest a send can take
    adjustable_timeout: bool  # True: `timeout` may shorten a send; False: it always takes timeout_seconds

    def send(self, to: str, to_name: str | None, rendered: OutgoingMessage, message_id: str,
             timeout: float | None = None) -> str: ...


@runtime_checkable
class MeetingProvider(Protocol):
    """Online meetings for the sessions (Zoom, or the local stand-in)."""

    label: str
    local: bool  # the stand-in: links that lead nowhere, never in prod
    deadline: object  # budget.Deadline of the run, or None: no call may outlive it

    def create_meeting(self, spec: MeetingSpec) -> Meeting: ...

    def update_meeting(self, meeting_id: str, spec: MeetingSpec) -> None: ...

    def delete_meeting(self, meeting_id: str) -> None: ...

    def close_meeting(self, meeting_id: str) -> str: ...

    def start_url(self, meeting_id: str) -> str: ...

    def list_upcoming_meetings(self, host: str | None = None) -> list[Meeting]: ...


class StaffDirectory(Protocol):
    """The staff accounts' directory (the Cognito user pool)."""

    def set_enabled(self, email: str | None, enabled: bool) -> bool: ...


class JobLauncher(Protocol):
    """Starts a job in the background; returns how ("lambda", "thread" or "inline")."""

    def __call__(self, kind: str, detail: dict, runner: Callable[[], object]) -> str: ...
