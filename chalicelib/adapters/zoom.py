"""Zoom meetings through the Server-to-Server OAuth API, or a clearly labelled local stand-in.

`provider()` gives a `ZoomClient` when the ZOOM credentials are configured (Secrets Manager in
AWS, `ZOOM_ACCOUNT_ID` / `ZOOM_CLIENT_ID` / `ZOOM_CLIENT_SECRET` locally; optional `user_id`,
default "me"), and the `LocalZoom` provider otherwise (the local demo; never in prod).

Token: `POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=...` with
HTTP Basic client_id:client_secret. It lives an hour; it is kept in module memory (one Lambda
container) and reused until five minutes before it expires. A 401 with code 124 ("Invalid access
token") drops it and the call is tried once more with a fresh one.

Errors are typed for the caller's retry policy: `ZoomRetryable` (timeouts, connection errors,
5xx, 429 with its Retry-After as the earliest next try) or `ZoomPermanent` (other 4xx, bad
credentials); `MeetingGone` (404, code 3001) is a permanent error callers may treat as "done".
Messages carry status codes, Zoom error codes and ids only: no personal data.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime

import requests

from .. import clock, settings
from ..domain import rules
from . import secrets_manager
from .http import pooled_session, retry_after_seconds

OAUTH_URL = "https://zoom.us/oauth/token"  # the defaults of settings.zoom_oauth_url / zoom_api_base
API_BASE = "https://api.zoom.us/v2"
TIMEOUT = (3.05, 10)  # connect, read (seconds): a Lambda run must not hang on Zoom
STORE_RESERVE_SECONDS = 3.0  # kept after a call to store its result before the deadline
TOKEN_MARGIN_SECONDS = 300  # refresh this long before the token expires
ZOOM_TIMEZONE = "Asia/Jakarta"
LOCAL_LABEL = "Zoom (lokal, demo)"
ZOOM_LABEL = "Zoom"
LOCAL_PREFIX = "local-"

# (account_id, client_id) -> (access_token, expires_at as clock.epoch_seconds()). One Lambda container
# serves one invocation at a time; the lock only matters for threaded local use.
_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_LOCK = threading.Lock()


class ZoomError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.status, self.code = status, code

    def short(self) -> str:
        """For the session record and logs: status, Zoom code, message (no personal data)."""
        parts = [str(self.status) if self.status else None, f"code {self.code}" if self.code is not None else None, str(self)]
        return " · ".join(p for p in parts if p)[:300]


class ZoomRetryable(ZoomError):
    """Try again later; `retry_after` (seconds) is the earliest Zoom allows, when it said so."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class ZoomOutOfTime(ZoomRetryable):
    """Not enough of the invocation is left for this call to finish (and its result to be stored):
    it was never started. Not an attempt: the session is simply taken up by the next run."""



class ZoomPermanent(ZoomError):
    """Trying again will not help (bad request, bad credentials, missing scope)."""


class MeetingGone(ZoomPermanent):
    """404 code 3001: the meeting does not exist (deleted, or never was)."""


class ZoomNotConfigured(Exception):
    """In AWS without credentials: no real meetings can be made, and no fake ones may be."""


DAILY_USER_LIMIT = 100  # Zoom: meeting create/update requests per user per day
DONE_ON_DELETE = {3001, 3007}  # gone, already ended: nothing to delete (3002 in progress: ended by close_meeting)
CANCELLED_TOPIC = "[DIBATALKAN] Sesi Klinik Clean & Clear ini dibatalkan atau dipindah"


@dataclass(frozen=True)
class MeetingSpec:
    session_id: str
    topic: str
    start: datetime  # aware
    duration_minutes: int
    agenda: str
    host: str | None = None  # the Zoom user who hosts it (the consultant); None: the client's user
    alternative_hosts: tuple = ()  # e-mails of licensed users who may start it (the consultant)

    def body(self) -> dict:
        """The create/update body: WIB wall-clock start with timezone Asia/Jakarta."""
        return {
            "topic": self.topic[:200],
            "type": 2,  # scheduled meeting
            "start_time": self.start.astimezone(rules.WIB).strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": ZOOM_TIMEZONE,
            "duration": self.duration_minutes,
            "agenda": self.agenda[:2000],
            "settings": {
                # The host (the consultant, or their alternative-host seat on the office's meeting)
                # starts it and admits the visitor from the waiting room.
                "waiting_room": True,
                "join_before_host": False,
                "mute_upon_entry": True,
                "approval_type": 2,  # no registration
                "auto_recording": "none",  # UU PDP: nothing recorded
                **({"alternative_hosts": ";".join(self.alternative_hosts),
                    "alternative_hosts_email_notification": False} if self.alternative_hosts else {}),
            },
        }


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str | None
    topic: str = ""
    agenda: str = ""
    start_time: str | None = None

    @classmethod
    def from_api(cls, data: dict) -> "Meeting":
        return cls(str(data["id"]), data.get("join_url"), data.get("topic") or "", data.get("agenda") or "",
                   data.get("start_time"))

    def carries(self, marker: str) -> bool:
        return marker in self.topic or marker in self.agenda


def marker(session_id: str) -> str:
    """The tag put in a meeting's topic and agenda: how a later run recognises its meeting."""
    return f"[{session_id}]"


def is_local_meeting(meeting_id: str | None) -> bool:
    return bool(meeting_id) and meeting_id.startswith(LOCAL_PREFIX)


def _error_code(response: requests.Response) -> tuple[int | None, str]:
    try:
        data = response.json()
    except ValueError:
        return None, response.reason or "error"
    if not isinstance(data, dict):
        return None, response.reason or "error"
    code = data.get("code")
    message = data.get("message") or data.get("reason") or data.get("error") or response.reason or "error"
    return (code if isinstance(code, int) else None), str(message)[:200]


def _classify(response: requests.Response, what: str) -> ZoomError:
    code, message = _error_code(response)
    status = response.status_code
    text = f"{what}: {message}"
    if status == 429:
        return ZoomRetryable(text, status=status, code=code, retry_after=retry_after_seconds(response.headers.get("Retry-After")))
    if status >= 500:
        return ZoomRetryable(text, status=status, code=code)
    if status == 404 and code == 3001:
        return MeetingGone(text, status=status, code=code)
    return ZoomPermanent(text, status=status, code=code)


class ZoomClient:
    """The real Zoom API for one Server-to-Server OAuth app and one Zoom user."""

    label = ZOOM_LABEL
    local = False

    def __init__(self, account_id: str, client_id: str, client_secret: str, user_id: str = "me",
                 http: requests.Session | None = None, timeout=TIMEOUT):
        self.account_id, self.client_id, self._secret = account_id, client_id, client_secret
        self.user_id = user_id or "me"
        self.http = http or pooled_session(16, hosts=2)
        self.timeout = timeout
        self.deadline = None  # set by the sync run: no call may outlive the invocation

    def _timeout(self, what: str):
        """(connect, read): the client's own, or less so that the call ends STORE_RESERVE_SECONDS
        before the run's deadline; ZoomOutOfTime when even a short call would not fit."""
        if self.deadline is None:
            return self.timeout
        left = self.deadline.call_timeout(float(sum(self.timeout)), STORE_RESERVE_SECONDS)
        if left is None:
            raise ZoomOutOfTime(f"{what}: waktu putaran habis, dicoba putaran berikutnya")
        connect = min(float(self.timeout[0]), left / 3)
        return (connect, max(0.5, left - connect))

    # --- token -----------------------------------------------------------------------------
    def _cache_key(self) -> tuple[str, str]:
        return (self.account_id, self.client_id)

    def _token(self, force: bool = False) -> str:
        with _LOCK:
            cached = _TOKENS.get(self._cache_key())
            if cached and not force and clock.epoch_seconds() < cached[1] - TOKEN_MARGIN_SECONDS:
                return cached[0]
            basic = base64.b64encode(f"{self.client_id}:{self._secret}".encode()).decode()
            try:
                response = self.http.post(
                    settings.zoom_oauth_url(), params={"grant_type": "account_credentials", "account_id": self.account_id},
                    headers={"Authorization": f"Basic {basic}"}, timeout=self._timeout("token"))
            except requests.Timeout:
                raise ZoomRetryable("token: timeout") from None
            except requests.ConnectionError:
                raise ZoomRetryable("token: connection error") from None
            if response.status_code != 200:  # 400/401: wrong credentials or app not activated
                raise _classify(response, "token")
            data = response.json()
            token = data["access_token"]
            _TOKENS[self._cache_key()] = (token, clock.epoch_seconds() + float(data.get("expires_in") or 3600))
            return token

    # --- calls -----------------------------------------------------------------------------
    def _call(self, method: str, path: str, what: str, *, json: dict | None = None, params: dict | None = None,
              ok: tuple[int, ...] = (200,)) -> requests.Response:
        for attempt in (1, 2):
            token = self._token(force=attempt == 2)
            try:
                response = self.http.request(method, settings.zoom_api_base() + path, json=json, params=params,
                                             headers={"Authorization": f"Bearer {token}"},
                                             timeout=self._timeout(what))
            except requests.Timeout:
                raise ZoomRetryable(f"{what}: timeout") from None
            except requests.ConnectionError:
                raise ZoomRetryable(f"{what}: connection error") from None
            if response.status_code in ok:
                return response
            if response.status_code == 401 and attempt == 1 and _error_code(response)[0] == 124:
                continue  # the token was revoked or expired early: one fresh token, one more try
            raise _classify(response, what)
        raise AssertionError("unreachable")

    def create_meeting(self, spec: MeetingSpec) -> Meeting:
        response = self._call("POST", f"/users/{spec.host or self.user_id}/meetings", "create", json=spec.body(),
                              ok=(201, 200))
        return Meeting.from_api(response.json())

    def start_url(self, meeting_id: str) -> str:
        """A fresh start link (it expires within hours, so it is fetched when the host clicks)."""
        data = self._call("GET", f"/meetings/{meeting_id}", "get").json()
        url = data.get("start_url")
        if not url:
            raise ZoomPermanent("get: no start_url")
        return url

    def update_meeting(self, meeting_id: str, spec: MeetingSpec) -> None:
        self._call("PATCH", f"/meetings/{meeting_id}", "update", json=spec.body(), ok=(204, 200))

    def delete_meeting(self, meeting_id: str) -> None:
        """Delete; a meeting that is gone (3001) or already ended (3007) counts as deleted: there is
        nothing left to take out of anyone's calendar. Other refusals (3002: in progress) raise:
        the caller closes the meeting instead (close_meeting)."""
        try:
            self._call("DELETE", f"/meetings/{meeting_id}", "delete", ok=(204, 200))
        except ZoomPermanent as exc:
            if exc.code in DONE_ON_DELETE:
                return
            raise

    def close_meeting(self, meeting_id: str) -> str:
        """A meeting we no longer need that Zoom refused to delete for good: end it if it is live
        (PUT /meetings/{id}/status {"action": "end"}), then take away its old join link's use: a new
        passcode (the link carries the old one, encrypted, in `pwd`), the waiting room on and
        nobody in before the host, and a topic that says it is cancelled. Returns "gone" when the
        meeting no longer exists, "closed" otherwise; raises ZoomError when the update fails."""
        try:
            self._call("PUT", f"/meetings/{meeting_id}/status", "end", json={"action": "end"}, ok=(204, 200))
        except MeetingGone:
            return "gone"
        except ZoomPermanent:
            pass  # not live (a scheduled meeting cannot be ended): the update below closes it
        try:
            self._call("PATCH", f"/meetings/{meeting_id}", "close", ok=(204, 200), json={
                "topic": CANCELLED_TOPIC, "agenda": CANCELLED_TOPIC, "password": secrets.token_hex(5),
                "settings": {"waiting_room": True, "join_before_host": False}})
        except MeetingGone:
            return "gone"
        return "closed"

    def list_upcoming_meetings(self, host: str | None = None) -> list[Meeting]:
        out: list[Meeting] = []
        params = {"type": "upcoming", "page_size": 300}
        while True:
            data = self._call("GET", f"/users/{host or self.user_id}/meetings", "list", params=params).json()
            out.extend(Meeting.from_api(m) for m in data.get("meetings") or [])
            token = data.get("next_page_token")
            if not token:
                return out
            params = {**params, "next_page_token": token}


class LocalZoom:
    """The local demo's stand-in: no network, ids `local-...`, join URLs on `zoom.invalid`
    (a reserved name that never resolves), labelled "Zoom (lokal, demo)".

    Ids are derived from the session id, so "creating" twice gives the same meeting.
    """

    label = LOCAL_LABEL
    local = True
    deadline = None  # no network: nothing to time

    def create_meeting(self, spec: MeetingSpec) -> Meeting:
        digest = hashlib.sha256(spec.session_id.encode()).hexdigest()[:11]
        meeting_id = f"{LOCAL_PREFIX}{digest}"
        return Meeting(meeting_id, f"https://zoom.invalid/j/{meeting_id}", spec.topic, spec.agenda)

    def update_meeting(self, meeting_id: str, spec: MeetingSpec) -> None:
        return None

    def delete_meeting(self, meeting_id: str) -> None:
        return None

    def close_meeting(self, meeting_id: str) -> str:
        return "closed"

    def start_url(self, meeting_id: str) -> str:
        return f"https://zoom.invalid/s/{meeting_id}"

    def list_upcoming_meetings(self, host: str | None = None) -> list[Meeting]:
        return []


def provider(env=None):
    """The Zoom client for this environment.

    Real credentials -> ZoomClient. None: in AWS (`ZOOM_SECRET_ARN` set) or on the prod stage
    that is an error (visitors must never get fake links) unless a non-prod stage says
    `ZOOM_PROVIDER=local`; elsewhere (make run, tests) the local provider.
    """
    env = os.environ if env is None else env
    creds = secrets_manager.get("ZOOM", ("account_id", "client_id", "client_secret"), env)
    if creds:
        user = (secrets_manager.get("ZOOM", ("user_id",), env) or {}).get("user_id") or "me"
        return ZoomClient(creds["account_id"], creds["client_id"], creds["client_secret"], user)
    if settings.is_prod_stage(env):
        raise ZoomNotConfigured("ZOOM credentials missing on prod")
    if env.get("ZOOM_SECRET_ARN") and settings.zoom_provider(env) != "local":
        raise ZoomNotConfigured("ZOOM secret has no credentials (set ZOOM_PROVIDER=local for a demo stage)")
    return LocalZoom()


def clear_token_cache() -> None:
    _TOKENS.clear()
