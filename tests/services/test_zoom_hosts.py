"""Each consultant hosts their own online sessions: meetings made for their Zoom user (or, with no
link, the office's user with them as alternative host), Zoom's 100 calls per user per day kept as
a write condition, a fresh start link on "Mulai Zoom", a move to another consultant moving the
meeting to them, deletions Zoom answers with 3007 treated as done and with 3002 (in progress) ended. Against Zoom's real
request and response shapes (`responses`)."""
import json
import re
from datetime import timedelta
from urllib.parse import urlparse

import responses

from chalicelib.adapters import zoom
from chalicelib.services import roster, team
from chalicelib.services import meetings as zoom_sync
from chalicelib.store import zoom_quota
from chalicelib.store.models import SessionRecord
from tests.services.test_booking import clinic, register  # noqa: F401 - fixture
from tests.services.test_meetings import (API, CREDS, FakeZoom, book_online, emitted, fresh,  # noqa: F401
                                          no_zoom_credentials, now_utc)
from tests.support.clinic import ADMIN

BUDI_ZOOM = "budi.prasetyo@diskopukm.example"


class HostedZoom(FakeZoom):
    """FakeZoom plus the consultant's own user and GET /meetings/{id} (with a fresh start_url)."""

    def __init__(self, rsps):
        super().__init__(rsps)
        self.hosts: dict[int, str] = {}
        rsps.add_callback(responses.POST, f"{API}/users/{BUDI_ZOOM}/meetings", callback=self._create_for_budi)
        rsps.add_callback(responses.GET, f"{API}/users/{BUDI_ZOOM}/meetings", callback=self._list)
        rsps.add_callback(responses.GET, re.compile(rf"{API}/meetings/\d+$"), callback=self._get)
        self.start_urls = 0

    def _create_for_budi(self, request):
        status, headers, body = self._create(request)
        self.hosts[json.loads(body)["id"]] = BUDI_ZOOM
        return status, headers, body

    def _get(self, request):
        def handle(req):
            meeting_id = int(urlparse(req.url).path.rsplit("/", 1)[1])
            if meeting_id not in self.meetings:
                return 404, {}, json.dumps({"code": 3001, "message": f"Meeting does not exist: {meeting_id}."})
            self.start_urls += 1
            return 200, {}, json.dumps({**self.meetings[meeting_id],
                                        "start_url": f"https://us06web.zoom.us/s/{meeting_id}?zak=fresh{self.start_urls}"})
        return self._api(request, handle)


def zoom_env(monkeypatch):
    for key, value in CREDS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("ZOOM_USER_ID", raising=False)
    zoom.clear_token_cache()


def link_budi():
    team.update_consultant(ADMIN, "K-BUDI", {"name": "Budi Prasetyo", "services": ["ukm"], "topics": ["pemasaran"],
                                             "modes": ["daring"], "staff_email": "budi@demo.local",
                                             "zoom_user": BUDI_ZOOM})


def test_a_linked_consultant_hosts_the_meeting_on_their_own_zoom_user(client, clinic, monkeypatch, admin):
    zoom_env(monkeypatch)
    link_budi()
    assert admin.get("/staff/consultants").json_body["items"][0]["zoom_user"] in (BUDI_ZOOM, None)
    [session] = book_online(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        assert zoom_sync.run(now_utc()).created == 1
    assert fake.count("POST", f"/users/{BUDI_ZOOM}/meetings") == 1 and fake.count("POST", "/users/me/") == 0
    stored = fresh(session)
    assert stored.meeting_host == BUDI_ZOOM and stored.meeting_state == "siap"
    assert "alternative_hosts" not in fake.bodies[-1]["settings"]  # he is the host


def test_without_a_link_the_office_user_hosts_with_the_consultant_as_alternative_host(client, clinic, monkeypatch):
    zoom_env(monkeypatch)
    [session] = book_online(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        zoom_sync.run(now_utc())
    assert fake.count("POST", "/users/me/meetings") == 1
    settings = fake.bodies[-1]["settings"]
    assert settings["alternative_hosts"] == "budi@demo.local" and settings["waiting_room"] is True
    assert fresh(session).meeting_host == "me"


def test_zooms_daily_limit_per_user_is_a_write_condition(client, clinic, monkeypatch):
    """With 100 calls made today for Budi's user, no 101st goes out: the session waits for Zoom's
    next day, counted as no attempt and no failure."""
    zoom_env(monkeypatch)
    link_budi()
    [session] = book_online(client)
    now = now_utc()
    for _ in range(zoom.DAILY_USER_LIMIT):
        assert zoom_quota.take(BUDI_ZOOM, now, zoom.DAILY_USER_LIMIT)
    assert zoom_quota.used(BUDI_ZOOM, now) == 100
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        summary = zoom_sync.run(now)
    assert summary.over_quota == 1 and summary.created == 0 and summary.failed == 0
    assert fake.count("POST", "/meetings") == 0
    waiting = fresh(session)
    assert waiting.meeting_state == "perlu_dibuat" and int(waiting.meeting_attempts or 0) == 0
    tomorrow = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    assert waiting.meeting_next_try == f"{tomorrow}T00:05:00Z"  # Zoom's day turns at 00:00 UTC
    assert "100 permintaan Zoom" in waiting.meeting_error
    assert zoom_quota.used(BUDI_ZOOM, now) == 100  # the refused call added nothing


def test_mulai_zoom_fetches_a_fresh_start_link_for_the_own_session_only(client, clinic, monkeypatch, tokens):
    from tests.conftest import StaffClient

    zoom_env(monkeypatch)
    link_budi()
    [session] = book_online(client)
    from chalicelib.staff_auth import local_issuer

    budi = StaffClient(client, local_issuer.issue_token("budi@demo.local", "demo12345"))
    siti = StaffClient(client, tokens["konsultan"])  # Siti: not her session
    admin = StaffClient(client, tokens["admin"])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        early = admin.post(f"/staff/sessions/{session.session_id}/zoom-start", {})
        assert early.status_code == 409 and "belum siap" in early.json_body["errors"]["_form"]
        zoom_sync.run(now_utc())
        first = admin.post(f"/staff/sessions/{session.session_id}/zoom-start", {})
        second = budi.post(f"/staff/sessions/{session.session_id}/zoom-start", {})
        refused = siti.post(f"/staff/sessions/{session.session_id}/zoom-start", {})
    assert first.status_code == 200 and first.json_body["start_url"].endswith("zak=fresh1")
    assert second.json_body["start_url"].endswith("zak=fresh2")  # fetched at each click, never reused
    assert first.headers["Cache-Control"] == "no-store"
    assert refused.status_code == 404
    assert "zak=" not in json.dumps(fresh(session).attribute_values)  # never stored
    assert fake.start_urls == 2


def test_a_move_to_another_consultant_moves_the_meeting_to_their_user(client, clinic, monkeypatch, admin):
    zoom_env(monkeypatch)
    team.update_consultant(ADMIN, "K-SITI", {"name": "Siti Rahmawati", "services": ["koperasi", "ukm"],
                                             "topics": ["tata_kelola_rat"], "modes": ["tatap_muka", "daring"],
                                             "staff_email": "siti@demo.local"})
    roster.set_weekly_pattern(ADMIN, "K-SITI", [{"weekday": d, "service": s} for d in range(5) for s in ("koperasi", "ukm")])
    link_budi()
    [session] = book_online(client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        zoom_sync.run(now_utc())
        old_meeting = fresh(session).meeting_id
        day = session.day
        slots = admin.get(f"/staff/slots?from={day}&to={day}").json_body["slots"]
        target = next(s for s in slots if s["service"] == "ukm" and s["consultant_id"] == "K-SITI" and not s["taken"]
                      and "daring" in s["modes"] and s["start"] > now_utc().strftime("%Y-%m-%dT%H:%M:%SZ"))
        moved = admin.put(f"/staff/sessions/{session.session_id}", {"start": target["start"], "consultant_id": "K-SITI"})
        assert moved.status_code == 200, moved.json_body
        new = SessionRecord.get(moved.json_body["id"])
        assert new.meeting_state == "perlu_dibuat" and new.meeting_id is None  # not handed over across hosts
        later = now_utc() + timedelta(minutes=5)
        zoom_sync.run(later)
    assert fresh(new).meeting_state == "siap" and fresh(new).meeting_host == "me"
    assert fake.bodies[-1]["settings"]["alternative_hosts"] == "siti@demo.local"
    assert fresh(session).meeting_state == "dihapus" and int(old_meeting) not in fake.meetings


def test_deleting_a_meeting_that_ended_is_done_and_one_running_is_ended(client, clinic, monkeypatch, admin, emitted):
    zoom_env(monkeypatch)
    sessions = book_online(client, 2)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = HostedZoom(rsps)
        zoom_sync.run(now_utc())
        for s in sessions:
            assert admin.post(f"/staff/sessions/{s.session_id}/cancel", {"requeue": False}).status_code == 200
        fake.fail("DELETE", 400, body={"code": 3007, "message": "Sorry, you cannot delete this meeting since it has ended."})
        fake.fail("DELETE", 400, body={"code": 3002, "message": "Sorry, you cannot delete this meeting since it is in progress."})
        summary = zoom_sync.run(now_utc() + timedelta(minutes=3))
    # Ended: nothing left to delete. In progress: ended, and its link locked (a new passcode).
    assert summary.deleted == 1 and summary.closed == 1 and summary.failed == 0
    assert sorted(fresh(s).meeting_state for s in sessions) == ["dihapus", "ditutup"]
    assert fake.count("PUT", "/status") == 1
    assert "ZoomFailures" not in emitted
