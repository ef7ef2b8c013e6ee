"""The team and its rosters through the staff API: team, rooms, roster, closures, slots, capacity, audit."""
from datetime import date, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain.holidays import holiday_closures


def next_monday(after: date | None = None) -> date:
    """The Monday of the next week without a public holiday or cuti bersama (from the service
    calendar, so that the test means the same on any day it runs)."""
    today = after or clock.today()
    monday = today + timedelta(days=7 - today.weekday())
    while any(monday <= c.day < monday + timedelta(days=5) for y in {monday.year, (monday + timedelta(days=4)).year}
              for c in holiday_closures(y)):
        monday += timedelta(days=7)
    return monday


def consultant(**overrides):
    body = {"name": "Dewi Lestari", "whatsapp": "0812-1111-0001", "email": "dewi@example.go.id",
            "services": ["koperasi", "ukm"], "topics": ["keuangan", "simpan_pinjam"],
            "modes": ["tatap_muka", "daring"], "active": True, "staff_email": "dewi@example.go.id"}
    body.update(overrides)
    return body


def test_admin_adds_and_edits_a_consultant(admin):
    created = admin.post("/staff/consultants", consultant())
    assert created.status_code == 201
    item = created.json_body
    assert item["whatsapp"] == "+6281211110001"
    listed = admin.get("/staff/consultants").json_body["items"]
    assert [c["name"] for c in listed] == ["Dewi Lestari"]
    edited = admin.put(f"/staff/consultants/{item['id']}", consultant(name="Dewi L.", active=False))
    assert edited.status_code == 200 and edited.json_body["active"] is False
    assert admin.get("/staff/consultants").json_body["items"][0]["name"] == "Dewi L."


def test_consultant_validation_is_field_level(admin):
    answer = admin.post("/staff/consultants", consultant(name="", services=[], modes=["telepon"], whatsapp="123"))
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) >= {"name", "services", "modes", "whatsapp"}
    assert admin.get("/staff/consultants").json_body["items"] == []
    missing = admin.put("/staff/consultants/K-NOPE", consultant())
    assert missing.status_code == 404


def test_rooms(admin):
    r = admin.post("/staff/rooms", {"name": "Ruang Klinik 1", "active": True})
    assert r.status_code == 201
    assert admin.put(f"/staff/rooms/{r.json_body['id']}", {"name": "Ruang Klinik A", "active": False}).status_code == 200
    assert admin.get("/staff/rooms").json_body["items"] == [{"id": r.json_body["id"], "name": "Ruang Klinik A", "active": False}]
    assert admin.post("/staff/rooms", {"name": ""}).json_body["errors"]["name"]


@pytest.mark.instants
def test_roster_pattern_exceptions_and_week_grid(admin):
    cid = admin.post("/staff/consultants", consultant()).json_body["id"]
    saved = admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": 0, "service": "koperasi"}, {"weekday": 3, "service": "ukm"}]})
    assert saved.status_code == 200 and len(saved.json_body["rules"]) == 2
    monday = next_monday()
    week = admin.get(f"/staff/roster?week={monday + timedelta(days=2)}").json_body
    assert week["week_start"] == monday.isoformat()
    on_duty = {(d["day"], d["service"]) for d in week["duty"] if d["consultants"]}
    assert (monday.isoformat(), "koperasi") in on_duty
    assert ((monday + timedelta(days=3)).isoformat(), "ukm") in on_duty
    assert len(on_duty) == 2 or any(d["closed"] for d in week["duty"])

    # Leave on Monday, extra duty on Tuesday.
    assert admin.post("/staff/roster/exceptions", {"consultant_id": cid, "day": monday.isoformat(), "service": "koperasi", "kind": "cuti"}).status_code == 201
    tuesday = monday + timedelta(days=1)
    assert admin.post("/staff/roster/exceptions", {"consultant_id": cid, "day": tuesday.isoformat(), "service": "ukm", "kind": "tambahan"}).status_code == 201
    week = admin.get(f"/staff/roster?week={monday}").json_body
    cell = {(d["day"], d["service"]): d for d in week["duty"]}
    assert cell[(monday.isoformat(), "koperasi")]["consultants"] == []
    assert cell[(monday.isoformat(), "koperasi")]["off"][0]["id"] == cid
    assert cell[(tuesday.isoformat(), "ukm")]["consultants"][0]["source"] == "tambahan"

    # Removing the leave puts the pattern back.
    assert admin.delete(f"/staff/roster/exceptions/{cid}/{monday}/koperasi").status_code == 200
    week = admin.get(f"/staff/roster?week={monday}").json_body
    assert {(d["day"], d["service"]): d for d in week["duty"]}[(monday.isoformat(), "koperasi")]["consultants"]


def test_roster_refuses_weekend_and_foreign_service(admin):
    cid = admin.post("/staff/consultants", consultant(services=["ukm"], topics=["pemasaran"])).json_body["id"]
    assert admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": 5, "service": "ukm"}]}).status_code == 400
    answer = admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": 1, "service": "koperasi"}]})
    assert answer.status_code == 400 and "tidak melayani konsultasi koperasi." in answer.json_body["errors"]["entries"]
    ukm_only = admin.post("/staff/consultants", consultant(services=["koperasi"], topics=["keuangan"])).json_body["id"]
    answer = admin.put(f"/staff/roster/rules/{ukm_only}", {"entries": [{"weekday": 1, "service": "ukm"}]})
    assert answer.json_body["errors"]["entries"].endswith("tidak melayani konsultasi UKM.")  # the acronym kept
    bad = admin.post("/staff/roster/exceptions", {"consultant_id": cid, "day": "2026-13-01", "service": "x", "kind": "libur"})
    assert set(bad.json_body["errors"]) >= {"day", "service", "kind"}


def test_copy_week_forward_reproduces_the_duty(admin):
    cid = admin.post("/staff/consultants", consultant()).json_body["id"]
    monday = next_monday()
    admin.post("/staff/roster/exceptions", {"consultant_id": cid, "day": (monday + timedelta(days=2)).isoformat(), "service": "koperasi", "kind": "tambahan"})
    changed = admin.post("/staff/roster/copy-week", {"from_week": monday.isoformat(), "to_week": (monday + timedelta(days=7)).isoformat()})
    assert changed.status_code == 200 and changed.json_body["changed"] == 1

    def duty(week):
        data = admin.get(f"/staff/roster?week={week}").json_body["duty"]
        return {(date.fromisoformat(d["day"]).weekday(), d["service"], c["id"]) for d in data for c in d["consultants"]}

    assert duty(monday) == duty(monday + timedelta(days=7)) != set()


@pytest.mark.instants
def test_closures_hide_days_from_signup_and_slots(admin, client):
    monday = next_monday()
    cid = admin.post("/staff/consultants", consultant()).json_body["id"]
    admin.post("/staff/rooms", {"name": "Ruang 1", "active": True})
    admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": d, "service": "koperasi"} for d in range(5)]})
    wednesday = monday + timedelta(days=2)
    added = admin.post("/staff/closures", {"day": wednesday.isoformat(), "service": None, "reason": "Pelatihan pegawai"})
    assert added.status_code == 201
    assert admin.post("/staff/closures", {"day": wednesday.isoformat(), "service": None, "reason": "Lagi"}).status_code == 409
    # A weekend has no service to close: refused at the field, nothing stored.
    saturday = monday + timedelta(days=5)
    weekend = admin.post("/staff/closures", {"day": saturday.isoformat(), "service": None, "reason": "Kerja bakti"})
    assert weekend.status_code == 400 and "Senin sampai Jumat" in weekend.json_body["errors"]["day"]
    listed = admin.get(f"/staff/closures?year={wednesday.year}").json_body
    assert {"day": wednesday.isoformat(), "service": None, "reason": "Pelatihan pegawai"} in listed["office"]
    assert all(c["day"] != saturday.isoformat() for c in listed["office"])
    assert any("Natal" in h["reason"] for h in admin.get("/staff/closures?year=2026").json_body["holidays"])
    assert wednesday.isoformat() not in client.http.get("/public/options").json_body["days"]

    slots = admin.get(f"/staff/slots?from={monday}&to={monday + timedelta(days=4)}").json_body["slots"]
    slot_days = {s["day"] for s in slots}
    assert wednesday.isoformat() not in slot_days
    assert monday.isoformat() in slot_days or monday in _holidays(monday)
    assert all(s["start_wib"][11:] in {"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"} for s in slots)
    assert all(s["consultant_name"] == "Dewi Lestari" and s["room_name"] == "Ruang 1" for s in slots)

    assert admin.delete(f"/staff/closures/{wednesday}/all").status_code == 200
    assert admin.delete(f"/staff/closures/{wednesday}/all").status_code == 404


def _holidays(day):
    from chalicelib.domain.holidays import public_holidays

    return {d for d, _ in public_holidays(day.year)}


@pytest.mark.instants
def test_capacity_counts_seats_per_mode(admin):
    monday = next_monday()
    a = admin.post("/staff/consultants", consultant(name="Ani Tatap", modes=["tatap_muka"])).json_body["id"]
    b = admin.post("/staff/consultants", consultant(name="Bayu Daring", modes=["daring"])).json_body["id"]
    admin.post("/staff/rooms", {"name": "Ruang 1", "active": True})
    for cid in (a, b):
        admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": d, "service": "koperasi"} for d in range(5)]})
    days = admin.get(f"/staff/capacity?from={monday}&to={monday + timedelta(days=4)}").json_body["days"]
    open_days = [d for d in days if d["services"]["koperasi"]["seats"]["offered"]]
    assert open_days
    cell = open_days[0]["services"]["koperasi"]
    assert cell["seats"] == {"offered": 12, "taken": 0, "free": 12}
    assert cell["tatap_muka"]["offered"] == 6 and cell["daring"]["offered"] == 6
    assert open_days[0]["services"]["ukm"]["seats"]["offered"] == 0


def test_range_limits(admin):
    assert admin.get("/staff/slots?from=2026-12-10&to=2026-12-01").status_code == 400
    assert admin.get("/staff/slots?from=2026-01-01&to=2026-03-01").status_code == 400
    assert admin.get("/staff/slots?from=kemarin").json_body["errors"]["from"]


def test_every_write_is_audited_with_its_actor(admin):
    cid = admin.post("/staff/consultants", consultant()).json_body["id"]
    admin.put(f"/staff/roster/rules/{cid}", {"entries": [{"weekday": 0, "service": "ukm"}]})
    admin.post("/staff/rooms", {"name": "Ruang 2", "active": True})
    entries = admin.get("/staff/audit").json_body["items"]
    assert {e["action"] for e in entries} >= {"konsultan.tambah", "piket.pola", "ruang.tambah"}
    assert all(e["actor"] == "admin@demo.local" for e in entries)


@pytest.mark.instants
def test_a_full_week_pattern_and_a_big_copy_fit_the_transaction_limit(admin):
    """Ten rules (every block of the week) and a copy with many changes are stored whole."""
    cids = [admin.post("/staff/consultants", consultant(name=f"Konsultan {n}")).json_body["id"] for n in range(3)]
    full_week = [{"weekday": d, "service": s} for d in range(5) for s in ("koperasi", "ukm")]
    answer = admin.put(f"/staff/roster/rules/{cids[0]}", {"entries": full_week})
    assert answer.status_code == 200 and len(answer.json_body["rules"]) == 10
    monday = next_monday()
    week = admin.get(f"/staff/roster?week={monday}").json_body
    assert sum(1 for d in week["duty"] if any(c["id"] == cids[0] for c in d["consultants"])) == \
        sum(1 for d in week["duty"] if not d["closed"])
    for cid in cids[1:]:
        for d in range(5):
            admin.post("/staff/roster/exceptions", {"consultant_id": cid, "day": (monday + timedelta(days=d)).isoformat(), "service": "ukm", "kind": "tambahan"})
    changed = admin.post("/staff/roster/copy-week", {"from_week": monday.isoformat(), "to_week": (monday + timedelta(days=7)).isoformat()})
    assert changed.status_code == 200 and changed.json_body["changed"] >= 10
