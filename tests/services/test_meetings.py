"""Zoom meetings for online sessions: the client (token reuse, every failure kind) and the sync
job (no duplicate meetings, retries, cancellation, moves), against Zoom's real request and
response shapes served by `responses`. Sessions are real: an online UKM consultant, a visitor
registered through the API and the allocation run."""
import base64
import itertools
import json
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from chalicelib.adapters import metrics
from chalicelib.domain import meetings as meeting_rules
from chalicelib.domain import rules
from chalicelib.adapters import zoom
from chalicelib.domain.retry import backoff_seconds
from chalicelib.services import allocation, booking
from chalicelib.services import meetings as zoom_sync
from chalicelib.store.models import Registration, SessionRecord
from tests.services.test_booking import clinic, first_day, register, status_page  # noqa: F401 - fixture

API = "https://api.zoom.us/v2"
CREDS = {"ZOOM_ACCOUNT_ID": "acc-Xy12", "ZOOM_CLIENT_ID": "cid-Ab34", "ZOOM_CLIENT_SECRET": "sec-Cd56"}


class FakeZoom:
    """Zoom's OAuth and Meetings endpoints with their real shapes, plus fault injection."""

    def __init__(self, rsps: responses.RequestsMock, user: str = "me"):
        self.meetings: dict[int, dict] = {}
        self.link_passwords: dict[int, str] = {}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every API call
        self.bodies: list[dict] = []  # JSON bodies of POST/PATCH
        self.token_calls = 0
        self.valid_tokens: set[str] = set()
        self.faults: dict[str, list] = {}
        self._ids = itertools.count(85746065432)
        rsps.add_callback(responses.POST, zoom.OAUTH_URL, callback=self._token)
        rsps.add_callback(responses.POST, f"{API}/users/{user}/meetings", callback=self._create)
        rsps.add_callback(responses.GET, f"{API}/users/{user}/meetings", callback=self._list)
        rsps.add_callback(responses.PATCH, re.compile(rf"{API}/meetings/\d+$"), callback=self._patch)
        rsps.add_callback(responses.DELETE, re.compile(rf"{API}/meetings/\d+$"), callback=self._delete)
        rsps.add_callback(responses.PUT, re.compile(rf"{API}/meetings/\d+/status$"), callback=self._status)

    # fault injection: the next call of `method` gets this instead
    def fail(self, method: str, status: int | None = None, *, exc: Exception | None = None, body: dict | None = None,
             headers: dict | None = None, after: bool = False):
        self.faults.setdefault(method, []).append((status, exc, body, headers, after))

    def admits(self, join_url: str) -> bool:
        """Would Zoom let someone in straight from this join link? The meeting exists, has not
        ended, and still has the passcode the link carries (a new one asks for it)."""
        meeting_id = int(urlparse(join_url).path.rsplit("/", 1)[1])
        meeting = self.meetings.get(meeting_id)
        return (meeting is not None and meeting["status"] != "finished"
                and meeting["password"] == self.link_passwords[meeting_id])

    def count(self, method: str, path_part: str = "") -> int:
        return sum(1 for m, p in self.calls if m == method and path_part in p)

    def _token(self, request):
        self.token_calls += 1
        query = parse_qs(urlparse(request.url).query)
        assert query == {"grant_type": ["account_credentials"], "account_id": [CREDS["ZOOM_ACCOUNT_ID"]]}
        expected = base64.b64encode(f"{CREDS['ZOOM_CLIENT_ID']}:{CREDS['ZOOM_CLIENT_SECRET']}".encode()).decode()
        assert request.headers["Authorization"] == f"Basic {expected}"
        token = f"eyJ.tok{self.token_calls}"
        self.valid_tokens.add(token)
        return 200, {}, json.dumps({"access_token": token, "token_type": "bearer", "expires_in": 3599,
                                    "scope": "meeting:write:meeting:admin meeting:read:list_meetings:admin "
                                             "meeting:update:meeting:admin meeting:delete:meeting:admin"})

    def _api(self, request, handler):
        path = urlparse(request.url).path
        self.calls.append((request.method, path))
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return 401, {}, json.dumps({"code": 124, "message": "Invalid access token."})
        if request.body:
            self.bodies.append(json.loads(request.body))
        fault = (self.faults.get(request.method) or [None]).pop(0) if self.faults.get(request.method) else None
        if fault and fault[4]:  # Zoom did the work, then the answer was lost
            handler(request)
            raise requests.ReadTimeout("read timed out")
        if fault:
            status, exc, body, headers, _ = fault
            if exc is not None:
                raise exc
            return status, headers or {}, json.dumps(body or {"code": 300, "message": "Error"})
        return handler(request)

    def _create(self, request):
        def handle(req):
            body = json.loads(req.body)
            meeting_id = next(self._ids)
            start_utc = (datetime.fromisoformat(body["start_time"]).replace(tzinfo=rules.WIB)
                         .astimezone(rules.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            meeting = {
                "uuid": f"Q{meeting_id}Zz==", "id": meeting_id, "host_id": "KDcuGIm1QgePTO8WbOqwIQ",
                "host_email": "klinik@diskopukm.example", "topic": body["topic"], "type": 2, "status": "waiting",
                "start_time": start_utc, "duration": body["duration"], "timezone": body["timezone"],
                "agenda": body.get("agenda", ""), "created_at": "2026-11-20T02:00:00Z",
                "start_url": f"https://us06web.zoom.us/s/{meeting_id}?zak=eyJ0eXAi", "join_url": f"https://us06web.zoom.us/j/{meeting_id}?pwd=Zk9ZbUtW",
                "password": "a1B2c3", "h323_password": "123456", "pstn_password": "123456", "encrypted_password": "Zk9ZbUtW",
                "settings": {**body.get("settings", {}), "host_video": False}, "pre_schedule": False,
            }
            self.meetings[meeting_id] = meeting
            self.link_passwords[meeting_id] = meeting["password"]  # what the join link's pwd carries
            return 201, {}, json.dumps(meeting)
        return self._api(request, handle)

    def _list(self, request):
        def handle(req):
            query = parse_qs(urlparse(req.url).query)
            assert query["type"] == ["upcoming"] and query["page_size"] == ["300"]
            items = [{k: m[k] for k in ("uuid", "id", "host_id", "topic", "type", "start_time", "duration", "timezone",
                                        "agenda", "created_at", "join_url")} for m in self.meetings.values()]
            return 200, {}, json.dumps({"page_size": 300, "total_records": len(items), "next_page_token": "", "meetings": items})
        return self._api(request, handle)

    def _patch(self, request):
        def handle(req):
            meeting_id = int(urlparse(req.url).path.rsplit("/", 1)[1])
            if meeting_id not in self.meetings:
                return 404, {}, json.dumps({"code": 3001, "message": "Meeting does not exist: %d." % meeting_id})
            self.meetings[meeting_id].update(json.loads(req.body))
            return 204, {}, ""
        return self._api(request, handle)

    def _status(self, request):
        """PUT /meetings/{id}/status {"action": "end"}: 204 (a live meeting ends), 404 3001."""
        def handle(req):
            meeting_id = int(urlparse(req.url).path.rsplit("/", 2)[1])
            assert json.loads(req.body) == {"action": "end"}
            if meeting_id not in self.meetings:
                return 404, {}, json.dumps({"code": 3001, "message": "Meeting does not exist: %d." % meeting_id})
            if self.meetings[meeting_id]["status"] == "started":
                self.meetings[meeting_id]["status"] = "finished"
            return 204, {}, ""
        return self._api(request, handle)

    def _delete(self, request):
        def handle(req):
            meeting_id = int(urlparse(req.url).path.rsplit("/", 1)[1])
            if self.meetings.pop(meeting_id, None) is None:
                return 404, {}, json.dumps({"code": 3001, "message": "Meeting does not exist: %d." % meeting_id})
            return 204, {}, ""
        return self._api(request, handle)


@pytest.fixture
def emitted(monkeypatch):
    names: list[str] = []
    monkeypatch.setattr(metrics, "emit", lambda name, *a, **k: names.append(name))
    return names


@pytest.fixture
def fake_zoom(monkeypatch):
    for key, value in CREDS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ZOOM_USER_ID", raising=False)
    zoom.clear_token_cache()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeZoom(rsps)
    zoom.clear_token_cache()


@pytest.fixture
def no_zoom_credentials(monkeypatch):
    for key in (*CREDS, "ZOOM_SECRET_ARN", "ZOOM_USER_ID", "ZOOM_PROVIDER"):
        monkeypatch.delenv(key, raising=False)


VISITORS: dict[str, dict] = {}  # session id -> the registration answer (reference + private token)


def book_online(client, n: int = 1) -> list[SessionRecord]:
    regs = [register(client, name=f"Ahmad {i}", phone=f"0812-3000-00{i:02d}", service="ukm", mode="daring") for i in range(n)]
    allocation.run()
    sessions = [SessionRecord.get(Registration.get(r["reference"].replace("-", "")).session_id) for r in regs]
    VISITORS.update({s.session_id: r for s, r in zip(sessions, regs)})
    return sessions


def visitor_meeting(client, session) -> dict:
    """The meeting as the visitor's status page gets it."""
    return status_page(client, VISITORS[session.session_id])["session"]["meeting"]


def now_utc() -> datetime:
    return datetime.now(rules.UTC) + timedelta(seconds=1)


def fresh(session: SessionRecord) -> SessionRecord:
    return SessionRecord.get(session.session_id)


# --- the client: token ----------------------------------------------------------------------------

def spec(session_id="S-TEST01"):
    return zoom.MeetingSpec(session_id, f"Klinik Clean & Clear [{session_id}]", datetime(2026, 12, 1, 2, 0, tzinfo=rules.UTC), 30,
                            f"Sesi [{session_id}]")


def client_from_env():
    client = zoom.provider()
    assert isinstance(client, zoom.ZoomClient)
    return client


def test_token_is_fetched_once_and_reused_for_many_calls(fake_zoom):
    client = client_from_env()
    for i in range(5):
        client.create_meeting(spec(f"S-{i}"))
    client.list_upcoming_meetings()
    zoom_client_again = client_from_env()  # a new client in the same container shares the token
    zoom_client_again.delete_meeting(next(iter(fake_zoom.meetings)))
    assert fake_zoom.token_calls == 1
    assert fake_zoom.count("POST", "/meetings") == 5


def test_token_is_refreshed_five_minutes_before_it_expires(fake_zoom, travel):
    travel.move_to(datetime.fromtimestamp(1_800_000_000, rules.UTC), tick=False)
    client = client_from_env()
    client.list_upcoming_meetings()
    travel.shift(3599 - 301)  # just over five minutes left: still reused
    client.list_upcoming_meetings()
    assert fake_zoom.token_calls == 1
    travel.shift(2)  # under five minutes left: a new token before calling
    client.list_upcoming_meetings()
    assert fake_zoom.token_calls == 2


def test_an_invalid_token_answer_refreshes_once_then_gives_up(fake_zoom):
    client = client_from_env()
    client.list_upcoming_meetings()
    fake_zoom.valid_tokens.clear()  # Zoom revoked it (e.g. another token was issued)
    client.create_meeting(spec())
    assert fake_zoom.token_calls == 2 and len(fake_zoom.meetings) == 1
    fake_zoom.fail("GET", 401, body={"code": 124, "message": "Invalid access token."})
    fake_zoom.fail("GET", 401, body={"code": 124, "message": "Invalid access token."})
    with pytest.raises(zoom.ZoomPermanent):
        client.list_upcoming_meetings()
    assert fake_zoom.token_calls == 3  # one refresh only, no loop


def test_bad_credentials_are_permanent_and_token_outage_is_retryable(fake_zoom):
    with responses.RequestsMock() as rsps:  # takes precedence over the fake for these two calls
        rsps.add(responses.POST, zoom.OAUTH_URL, status=400, json={"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
        with pytest.raises(zoom.ZoomPermanent):
            client_from_env().list_upcoming_meetings()
        rsps.add(responses.POST, zoom.OAUTH_URL, body=requests.ConnectTimeout("connect timed out"))
        with pytest.raises(zoom.ZoomRetryable):
            client_from_env().list_upcoming_meetings()


def test_zoom_user_is_configurable(fake_zoom, monkeypatch):
    monkeypatch.setenv("ZOOM_USER_ID", "klinik@diskopukm.example")
    client = client_from_env()
    assert client.user_id == "klinik@diskopukm.example"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(responses.POST, zoom.OAUTH_URL, json={"access_token": "t", "token_type": "bearer", "expires_in": 3599, "scope": ""})
        rsps.add(responses.POST, f"{API}/users/klinik@diskopukm.example/meetings", status=201,
                 json={"id": 81234567890, "uuid": "u==", "join_url": "https://us06web.zoom.us/j/81234567890", "start_url": "s", "password": "p"})
        zoom.clear_token_cache()
        assert client.create_meeting(spec()).id == "81234567890"


# --- the sync job ------------------------------------------------------------------------------

def test_online_session_gets_a_meeting_with_zooms_request_shape(client, clinic, fake_zoom, admin, emitted, dynamo_ops):
    [session] = book_online(client)
    assert session.meeting_state == "perlu_dibuat" and session.join_url is None
    assert visitor_meeting(client, session)["join_url"] is None

    dynamo_ops.clear()
    summary = zoom_sync.run(now_utc())
    assert summary.created == 1 and summary.failed == 0
    assert "Scan" not in dynamo_ops and "Query" in dynamo_ops

    [body] = fake_zoom.bodies
    start_wib = rules.parse_utc_iso(session.start).astimezone(rules.WIB)
    assert body["type"] == 2 and body["timezone"] == "Asia/Jakarta" and body["duration"] == 30
    assert body["start_time"] == start_wib.strftime("%Y-%m-%dT%H:%M:%S") and body["start_time"].endswith("T13:00:00")
    assert body["settings"]["waiting_room"] is True and body["settings"]["join_before_host"] is False
    assert f"[{session.session_id}]" in body["agenda"] and f"[{session.session_id}]" in body["topic"]
    assert "Ahmad" not in json.dumps(body)  # no personal data to Zoom

    stored = fresh(session)
    meeting = fake_zoom.meetings[int(stored.meeting_id)]
    assert stored.meeting_state == "siap" and stored.join_url == meeting["join_url"]
    assert stored.meeting_next_try is None  # out of the sparse index
    page = visitor_meeting(client, session)
    assert page["join_url"] == meeting["join_url"] and page["provider_label"] == "Zoom"
    day = session.day
    [listed] = admin.get(f"/staff/sessions?from={day}&to={day}").json_body["items"]
    assert listed["meeting"]["state"] == "siap" and listed["meeting"]["meeting_id"] == str(meeting["id"])

    again = zoom_sync.run(now_utc() + timedelta(minutes=5))
    assert again.due == 0 and fake_zoom.count("POST") == 1 and not emitted


@pytest.mark.parametrize("fault", [
    dict(exc=requests.ReadTimeout("read timed out")),
    dict(exc=requests.ConnectionError("connection reset")),
    dict(status=500, body={"code": 500, "message": "Internal server error"}),
    dict(status=503, body={"code": 503, "message": "Service unavailable"}),
    dict(status=429, body={"code": 429, "message": "You have reached the maximum per-second rate limit for this API."},
         headers={"Retry-After": "900"}),
], ids=["timeout", "connection-error", "500", "503", "429-retry-after"])
def test_retryable_failures_are_retried_later_and_end_with_one_meeting(client, clinic, fake_zoom, fault, emitted):
    [session] = book_online(client)
    t0 = now_utc()
    fake_zoom.fail("POST", **fault)
    summary = zoom_sync.run(t0)
    assert summary.retry + summary.throttled == 1
    failed = fresh(session)
    wait = 900 if fault.get("status") == 429 else backoff_seconds(1)
    assert failed.meeting_state == "perlu_dibuat" and failed.meeting_attempts == 1 and failed.meeting_error
    assert failed.meeting_next_try == rules.to_utc_iso(t0 + timedelta(seconds=wait))

    calls = len(fake_zoom.calls)
    assert zoom_sync.run(t0 + timedelta(seconds=wait - 1)).due == 0  # not before its time
    assert len(fake_zoom.calls) == calls

    done = zoom_sync.run(t0 + timedelta(seconds=wait))
    assert done.created == 1
    # Creation was tried before: the run looked for an existing meeting before creating one.
    assert fake_zoom.calls[-2][0] == "GET" and fake_zoom.calls[-1][0] == "POST"
    assert fresh(session).meeting_state == "siap" and len(fake_zoom.meetings) == 1
    assert not emitted


def test_a_timeout_after_zoom_created_the_meeting_adopts_it(client, clinic, fake_zoom):
    [session] = book_online(client)
    t0 = now_utc()
    fake_zoom.fail("POST", after=True)  # Zoom made the meeting, the answer never arrived
    assert zoom_sync.run(t0).retry == 1
    assert zoom_sync.run(t0 + timedelta(minutes=5)).adopted == 1
    assert fake_zoom.count("POST") == 1 and len(fake_zoom.meetings) == 1
    assert fresh(session).meeting_id == str(next(iter(fake_zoom.meetings)))


def test_permanent_failure_marks_failed_alarms_and_staff_can_retry(client, clinic, fake_zoom, admin, emitted):
    [session] = book_online(client)
    t0 = now_utc()
    fake_zoom.fail("POST", 400, body={"code": 300, "message": "The start_time is invalid."})
    summary = zoom_sync.run(t0)
    assert summary.failed == 1 and emitted == ["ZoomFailures"]
    failed = fresh(session)
    assert failed.meeting_state == "gagal" and "300" in failed.meeting_error
    assert zoom_sync.run(t0 + timedelta(hours=1)).due == 0  # never retried by itself

    [item] = admin.get("/staff/meetings/failed").json_body["items"]
    assert item["session_id"] == session.session_id and item["meeting"]["state"] == "gagal"
    retried = admin.post(f"/staff/sessions/{session.session_id}/meeting/retry", {})
    assert retried.status_code == 200 and retried.json_body["state"] == "perlu_dibuat"
    assert admin.post(f"/staff/sessions/{session.session_id}/meeting/retry", {}).status_code == 409
    assert admin.post("/staff/meetings/sync", {}).json_body["created"] == 1
    assert fresh(session).meeting_state == "siap" and admin.get("/staff/meetings/failed").json_body["items"] == []


def test_too_many_retryable_failures_end_failed(client, clinic, fake_zoom, emitted):
    [session] = book_online(client)
    at = now_utc()
    for attempt in range(1, meeting_rules.MAX_ATTEMPTS + 1):
        fake_zoom.fail("POST", 502, body={"code": 502, "message": "Bad gateway"})
        summary = zoom_sync.run(at)
        at = at + timedelta(seconds=backoff_seconds(attempt))
    assert summary.failed == 1 and emitted == ["ZoomFailures"]
    assert fresh(session).meeting_state == "gagal" and fresh(session).meeting_attempts == meeting_rules.MAX_ATTEMPTS
    assert fake_zoom.meetings == {}


def test_a_429_stops_the_run_and_leaves_the_rest_for_later(client, clinic, fake_zoom):
    book_online(client, 3)
    fake_zoom.fail("POST", 429, body={"code": 429, "message": "Too many requests"}, headers={"Retry-After": "60"})
    summary = zoom_sync.run(now_utc())
    assert summary.throttled == 1 and summary.deferred == 2 and fake_zoom.count("POST") == 1
    assert zoom_sync.run(now_utc() + timedelta(minutes=2)).created == 3
    assert len(fake_zoom.meetings) == 3


def test_run_dies_after_zoom_answered_next_run_adopts_exactly_one_meeting(client, clinic, fake_zoom, monkeypatch):
    [session] = book_online(client)
    t0 = now_utc()
    real_store = zoom_sync.store_meeting

    def die(*args, **kwargs):
        raise RuntimeError("simulated Lambda death after Zoom's 201")

    monkeypatch.setattr(zoom_sync, "store_meeting", die)
    with pytest.raises(RuntimeError):
        zoom_sync.run(t0)
    monkeypatch.setattr(zoom_sync, "store_meeting", real_store)
    assert fresh(session).meeting_state == "membuat" and fresh(session).meeting_id is None

    # While the claim holds, nobody touches it; once it has run out, the next run adopts.
    assert zoom_sync.run(t0 + timedelta(seconds=meeting_rules.CLAIM_SECONDS - 1)).due == 0
    summary = zoom_sync.run(t0 + timedelta(seconds=meeting_rules.CLAIM_SECONDS + 1))
    assert summary.adopted == 1 and summary.created == 0
    assert fake_zoom.count("POST") == 1  # exactly one POST /meetings across both runs
    assert fresh(session).meeting_state == "siap" and fresh(session).meeting_id == str(next(iter(fake_zoom.meetings)))


def test_overlapping_runs_create_one_meeting(client, clinic, fake_zoom, monkeypatch):
    [session] = book_online(client)
    t0 = now_utc()
    real_due = zoom_sync.due_sessions
    inner = {}

    def due_then_other_run(now):
        found = real_due(now)  # run A has read its work ...
        monkeypatch.setattr(zoom_sync, "due_sessions", real_due)
        inner["b"] = zoom_sync.run(now)  # ... run B reads the same, claims and creates ...
        return found  # ... then A goes on with what it read

    monkeypatch.setattr(zoom_sync, "due_sessions", due_then_other_run)
    a = zoom_sync.run(t0)
    assert inner["b"].created == 1 and a.skipped == 1 and a.created == 0
    assert fake_zoom.count("POST") == 1 and fresh(session).meeting_state == "siap"


def test_cancellation_deletes_the_meeting_and_already_gone_counts_as_deleted(client, clinic, fake_zoom, admin):
    first, second = book_online(client, 2)
    zoom_sync.run(now_utc())
    ids = [fresh(s).meeting_id for s in (first, second)]
    assert admin.post(f"/staff/sessions/{first.session_id}/cancel", {"requeue": False}).status_code == 200
    assert fresh(first).meeting_state == "perlu_dihapus"
    del fake_zoom.meetings[int(ids[1])]  # someone deleted the second one in Zoom by hand
    booking.cancel_by_office("admin@demo.local", second.session_id, requeue=False)
    summary = zoom_sync.run(now_utc())
    assert summary.deleted == 2 and summary.failed == 0
    assert fake_zoom.count("DELETE") == 2 and fake_zoom.meetings == {}
    assert fresh(first).meeting_state == "dihapus" and fresh(second).meeting_state == "dihapus"
    assert ("DELETE", f"/v2/meetings/{ids[0]}") in fake_zoom.calls


def test_a_meeting_zoom_refuses_to_delete_is_closed_and_its_old_link_lets_nobody_in(client, clinic, fake_zoom, admin,
                                                                                    emitted):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    old_link = fresh(session).join_url
    assert fake_zoom.admits(old_link)
    assert admin.post(f"/staff/sessions/{session.session_id}/cancel", {"requeue": False}).status_code == 200
    fake_zoom.fail("DELETE", 400, body={"code": 3000, "message": "Cannot access meeting info."})
    summary = zoom_sync.run(now_utc())
    assert summary.closed == 1 and summary.failed == 0 and "ZoomFailures" not in emitted
    meeting_id = int(fresh(session).meeting_id)
    assert ("PUT", f"/v2/meetings/{meeting_id}/status") in fake_zoom.calls
    closing = fake_zoom.bodies[-1]
    assert closing["password"] != "a1B2c3" and len(closing["password"]) <= 10
    assert closing["settings"] == {"waiting_room": True, "join_before_host": False}
    assert "DIBATALKAN" in fake_zoom.meetings[meeting_id]["topic"]
    assert not fake_zoom.admits(old_link)  # the link in the visitor's old messages opens nothing
    view = admin.get(f"/staff/sessions?from={fresh(session).day}&to={fresh(session).day}").json_body["items"]
    [mine] = [v for v in view if v["id"] == session.session_id]
    assert mine["meeting"]["state"] == "ditutup" and "tautan lama tidak bisa dipakai" in mine["meeting"]["state_label"]
    assert mine["meeting"]["join_url"] is None
    assert fresh(session).meeting_state == "ditutup" and zoom_sync.run(now_utc()).due == 0  # nothing left to do


def test_a_live_meeting_of_a_cancelled_session_is_ended(client, clinic, fake_zoom, admin):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    meeting_id = int(fresh(session).meeting_id)
    fake_zoom.meetings[meeting_id]["status"] = "started"  # someone is in it
    assert admin.post(f"/staff/sessions/{session.session_id}/cancel", {"requeue": False}).status_code == 200
    fake_zoom.fail("DELETE", 400, body={"code": 3002, "message": "Sorry, you cannot delete this meeting since it is in progress."})
    assert zoom_sync.run(now_utc()).closed == 1
    assert fake_zoom.meetings[meeting_id]["status"] == "finished" and not fake_zoom.admits(fresh(session).join_url)


def test_a_meeting_zoom_refuses_to_delete_and_to_close_tells_staff_what_to_do(client, clinic, fake_zoom, admin, emitted):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    meeting_id = fresh(session).meeting_id
    assert admin.post(f"/staff/sessions/{session.session_id}/cancel", {"requeue": False}).status_code == 200
    fake_zoom.fail("DELETE", 400, body={"code": 3000, "message": "Cannot access meeting info."})
    fake_zoom.fail("PATCH", 400, body={"code": 3000, "message": "Cannot access meeting info."})
    summary = zoom_sync.run(now_utc())
    assert summary.failed == 1 and summary.closed == 0 and "ZoomFailures" in emitted
    [item] = admin.get("/staff/meetings/failed").json_body["items"]
    todo = item["meeting"]["error"]
    assert meeting_id in todo and "Hapus rapat itu di zoom.us" in todo and "Coba lagi" in todo
    # Staff deleted it by hand in Zoom, then "Coba lagi": gone counts as deleted.
    del fake_zoom.meetings[int(meeting_id)]
    assert admin.post(f"/staff/sessions/{session.session_id}/meeting/retry", {}).status_code == 200
    assert zoom_sync.run(now_utc()).deleted == 1 and fresh(session).meeting_state == "dihapus"


def test_cancelled_before_any_meeting_needs_no_zoom_call(client, clinic, fake_zoom):
    [session] = book_online(client)
    booking.cancel_by_office("admin@demo.local", session.session_id, requeue=False)
    assert zoom_sync.run(now_utc()).deleted == 1
    assert fake_zoom.calls == [] and fresh(session).meeting_state == "dihapus"


def test_cancelled_while_zoom_creates_the_meeting_is_deleted(client, clinic, fake_zoom, monkeypatch):
    [session] = book_online(client)
    real_create = zoom.ZoomClient.create_meeting

    def create_while_staff_cancel(self, spec):
        meeting = real_create(self, spec)
        booking.cancel_by_office("admin@demo.local", session.session_id, requeue=False)
        return meeting

    monkeypatch.setattr(zoom.ZoomClient, "create_meeting", create_while_staff_cancel)
    t0 = now_utc()
    assert zoom_sync.run(t0).skipped == 1
    assert fresh(session).meeting_state == "perlu_dihapus" and fresh(session).meeting_id  # id kept for deletion
    zoom_sync.run(t0 + timedelta(seconds=1))
    assert fake_zoom.meetings == {} and fresh(session).meeting_state == "dihapus"


def test_move_keeps_the_meeting_and_updates_its_time(client, clinic, fake_zoom, admin):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    meeting_id = fresh(session).meeting_id
    day = session.day
    slots = admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"]
    target = next(s for s in slots if s["service"] == "ukm" and s["start"] != session.start)
    moved = admin.put(f"/staff/sessions/{session.session_id}", {"start": target["start"], "consultant_id": target["consultant_id"]})
    assert moved.status_code == 200
    new = SessionRecord.get(moved.json_body["id"])
    assert new.meeting_state == "perlu_diubah" and new.meeting_id == meeting_id
    assert fresh(session).meeting_state == "dipindah"

    summary = zoom_sync.run(now_utc())
    assert summary.updated == 1 and summary.deleted == 0 and summary.created == 0
    assert fake_zoom.count("PATCH") == 1 and fake_zoom.count("POST") == 1 and fake_zoom.count("DELETE") == 0
    patched = fake_zoom.bodies[-1]
    assert patched["start_time"] == rules.parse_utc_iso(target["start"]).astimezone(rules.WIB).strftime("%Y-%m-%dT%H:%M:%S")
    assert f"[{new.session_id}]" in patched["agenda"]
    assert fresh(new).meeting_state == "siap" and fresh(new).join_url == fresh(session).join_url


def test_move_of_a_meeting_deleted_in_zoom_makes_a_new_one(client, clinic, fake_zoom, admin):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    fake_zoom.meetings.clear()
    day = session.day
    target = next(s for s in admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"]
                  if s["service"] == "ukm" and s["start"] != session.start)
    new_id = admin.put(f"/staff/sessions/{session.session_id}", {"start": target["start"], "consultant_id": target["consultant_id"]}).json_body["id"]
    zoom_sync.run(now_utc())  # PATCH -> 404 3001 -> to be created
    zoom_sync.run(now_utc())
    assert fresh(SessionRecord(new_id)).meeting_state == "siap" and len(fake_zoom.meetings) == 1


def test_move_after_the_old_meeting_was_claimed_for_deletion_books_a_new_meeting(client, clinic, fake_zoom):
    [session] = book_online(client)
    zoom_sync.run(now_utc())
    session = fresh(session)
    booking.release(session, rules.SESSION_CANCELLED_OFFICE, rules.STATUS_WAITING, actor="a", action="sesi.pindah_lepas",
                     details={}, moving=True)
    released = fresh(session)
    assert zoom_sync._claim(released, now_utc(), "other-run")  # a sync run holds the old meeting
    slot = next(s for s in booking.free_slots(*(2 * [datetime.fromisoformat(session.day).date()]))
                if s.service == "ukm" and rules.to_utc_iso(s.start) != session.start)
    new = booking.book(Registration.get(session.reference), slot, session.mode, actor="a", meeting_from=session)
    assert new.meeting_state == "perlu_dibuat" and new.meeting_id is None


# --- the local provider ----------------------------------------------------------------------------

def test_local_provider_stands_in_without_credentials(client, clinic, no_zoom_credentials):
    [session] = book_online(client)
    with responses.RequestsMock() as rsps:  # any HTTP call would fail the test
        result = client.lambda_.invoke("sync_meetings", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={},
            resources=["arn:aws:events:ap-southeast-3:0:rule/sync_meetings"]))
        assert result.payload["created"] == 1 and not rsps.calls
    stored = fresh(session)
    assert re.fullmatch(r"local-[0-9a-f]{11}", stored.meeting_id)
    assert stored.join_url == f"https://zoom.invalid/j/{stored.meeting_id}"
    meeting = visitor_meeting(client, session)
    assert meeting["provider_label"] == "Zoom (lokal, demo)" and meeting["join_url"] == stored.join_url
    booking.cancel_by_office("admin@demo.local", session.session_id, requeue=False)
    assert zoom_sync.run(now_utc()).deleted == 1


def test_no_fake_links_in_aws_without_credentials(client, clinic, no_zoom_credentials, monkeypatch, emitted):
    [session] = book_online(client)
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("APP_STAGE", "prod")
    summary = zoom_sync.run(now_utc())
    assert summary.not_configured and emitted == ["ZoomFailures"]
    assert fresh(session).meeting_state == "perlu_dibuat" and fresh(session).join_url is None


# --- no Zoom call outlives the invocation -----------------------------------------------------------

class RecordingHttp:
    """A requests.Session stand-in that answers like Zoom and keeps each call's timeout."""

    def __init__(self):
        self.timeouts = []

    def post(self, url, **kwargs):
        self.timeouts.append(kwargs["timeout"])
        return _answer(200, {"access_token": "t", "token_type": "bearer", "expires_in": 3599})

    def request(self, method, url, **kwargs):
        self.timeouts.append(kwargs["timeout"])
        return _answer(201, {"id": 85746065432, "join_url": "https://us06web.zoom.us/j/85746065432?pwd=x",
                             "start_time": "2026-12-03T02:00:00Z", "topic": "t", "agenda": ""})


def _answer(status, body):
    response = requests.Response()
    response.status_code, response._content = status, json.dumps(body).encode()
    return response


SPEC = zoom.MeetingSpec(session_id="S-1", topic="Konsultasi", start=datetime(2026, 12, 3, 2, 0, tzinfo=rules.UTC),
                        duration_minutes=30, agenda="Sesi S-1")


def test_each_zoom_call_ends_before_the_invocation_does(monkeypatch):
    from chalicelib.budget import Deadline

    monkeypatch.setattr(zoom, "_TOKENS", {})
    http = RecordingHttp()
    client = zoom.ZoomClient("acc", "cid", "sec", http=http)
    client.deadline = Deadline.seconds(8.0)
    client.create_meeting(SPEC)
    assert len(http.timeouts) == 2  # the token, then the meeting
    for connect, read in http.timeouts:
        assert connect + read <= 8.0 - zoom.STORE_RESERVE_SECONDS + 0.01  # room left to store the result
    client.deadline = Deadline.seconds(zoom.STORE_RESERVE_SECONDS + 0.2)
    with pytest.raises(zoom.ZoomOutOfTime):
        client.create_meeting(SPEC)
    assert len(http.timeouts) == 2, "a call that could not finish in time was never started"


def test_a_session_left_for_lack_of_time_is_not_an_attempt(client, clinic, fake_zoom):
    from chalicelib.budget import Deadline

    [session] = book_online(client)
    t0 = now_utc()
    provider = zoom.provider()
    provider.deadline = Deadline.seconds(1.0)
    assert zoom_sync.process(fresh(session), provider, t0) == "deferred"
    left = fresh(session)
    assert left.meeting_state == "perlu_dibuat" and not left.meeting_attempts and not left.meeting_claim
    assert fake_zoom.calls == []
    assert zoom_sync.run(t0 + timedelta(seconds=1)).created == 1
