"""`make run`'s demo data shows every feature at the first start, on any day: the last service days
are played through by the system's own use cases (infra/local/demo_history.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import clock
from infra.local import demo_data, demo_history
from tests.support.messages import WA_ENV


@pytest.fixture
def local_stack_env(monkeypatch, tmp_path):
    """The environment `make run` gives the seeding process: messages to the local outbox, the
    webhook's app secret."""
    monkeypatch.setenv("LOCAL_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("WHATSAPP_APP_SECRET", WA_ENV["WHATSAPP_APP_SECRET"])
    for name in ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "outbox"


@pytest.mark.instants
def test_the_first_start_shows_sessions_replies_feedback_and_a_broadcast(client, admin, local_stack_env):
    demo_data.load()
    days = demo_history.past_service_days(clock.today())
    assert len(days) == demo_history.SERVICE_DAYS and max(days) < clock.today()

    dashboard = admin.get("/staff/dashboard").json_body  # its default range: the last weeks
    assert dashboard["sessions"]["attended"] >= 4 and dashboard["sessions"]["no_show"] >= 1
    assert dashboard["feedback"]["overall"]["count"] >= 4
    # A campaign post read from the (local stand-in of the) Graph API on each service day: a curve.
    series = admin.get("/staff/campaigns/ig-poster/insights").json_body["posts"][0]["series"]
    assert len(series) == demo_history.SERVICE_DAYS and series[-1]["views"] >= series[0]["views"] > 0
    # Walk-ins seated at the Loket, with their channel and their feedback.
    assert dict((c["key"], c["count"]) for c in dashboard["registrations"]["by_channel"])["datang_langsung"] >= 2
    assert sum(dashboard["sessions"]["walk_in"].values()) >= 2 and dashboard["feedback"]["walk_in"]["count"] >= 2
    assert dashboard["whatsapp"]["confirmed"] >= 1 and dashboard["whatsapp"]["cancelled_by_visitor"] >= 1
    finished = [b for b in dashboard["broadcasts"] if b["status"] == "selesai"]
    assert finished and finished[0]["recipients"] > 0 and finished[0]["delivered"] == finished[0]["recipients"]

    played = [days[0] - timedelta(days=n) for n in range(-(clock.today() - days[0]).days, 10)]  # with the signups
    replies = [x for d in played for x in admin.get(f"/staff/outbox/replies?day={d}").json_body["items"]]
    assert {x["kind"] for x in replies} >= {"button", "text"}  # taps and a question, as staff read them
    messages = [m for d in played for m in admin.get(f"/staff/outbox?day={d}&limit=100").json_body["items"]]
    assert {"cc_sesi_terjadwal", "cc_pengingat_besok", "cc_umpan_balik"} <= {m["template"] for m in messages}

    # The SKM of the service days' months: respondents, an index and its weakest unsur.
    months = sorted({d.strftime("%Y-%m") for d in days})
    skm = [admin.get(f"/staff/skm?period={m}").json_body for m in months]
    assert sum(r["index"]["respondents"] for r in skm) >= 4
    assert all(r["index"]["grade"] in "ABCD" and r["index"]["weakest"] for r in skm if r["index"]["respondents"])

    # Three months on: the outcome question went out and was answered; the month's WhatsApp spend.
    cohorts = [c for c in admin.get("/staff/outcomes").json_body["cohorts"] if any(s["asked"] for s in c["services"])]
    assert cohorts and sum(s["answered"] for c in cohorts for s in c["services"]) >= 2
    spend = admin.get("/staff/costs").json_body
    assert spend["messages"] > 0 and spend["usd"] > 0
    assert {c["category"] for c in spend["categories"] if c["messages"]} >= {"utility", "marketing"}

    # Waiting registrations for today's staff, too.
    waiting = admin.get("/staff/registrations?status=menunggu").json_body["items"]
    assert len(waiting) >= len(demo_data.VISITORS) - 1


def test_a_second_start_adds_nothing(client, admin, local_stack_env):
    demo_data.load()
    before = admin.get("/staff/registrations?limit=100").json_body["items"]
    outbox = sorted(p.name for p in local_stack_env.iterdir())
    demo_data.load()
    assert admin.get("/staff/registrations?limit=100").json_body["items"] == before
    assert sorted(p.name for p in local_stack_env.iterdir()) == outbox
