"""Staff lists registrations with filters, search and pagination: Queries only."""
import json
import uuid
from datetime import date, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain import periods
from chalicelib.services import registrations
from tests.support.clinic import make_clinic


@pytest.fixture
def stored(client):
    make_clinic()
    days = client.http.get("/public/options").json_body["days"][:2]
    people = [
        ("Ahmad Fauzi", "0812-0000-0001", "Cibinong", "ukm", "pemasaran"),
        ("Budi Hartono", "0812-0000-0002", "Ciawi", "koperasi", "simpan_pinjam"),
        ("Citra Ayu", "0812-0000-0003", "Cibinong", "koperasi", "tata_kelola_rat"),
        ("Dedi Kurnia", "0812-0000-0004", "Jonggol", "ukm", "keuangan"),
        ("Euis Ratna", "0812-0000-0005", "Cibinong", "ukm", "legalitas"),
    ]
    refs = {}
    for name, phone, kec, service, topic in people:
        body = {"name": name, "whatsapp": phone, "kecamatan": kec, "service": service, "org_name": "Usaha " + name,
                "coop_status": "aktif" if service == "koperasi" else None,
                "business_sector": "kuliner" if service == "ukm" else None, "topics": [topic],
                "description": "Uraian masalah yang cukup panjang untuk lolos validasi.", "mode": "daring",
                "days": days, "source": "teman", "consent": True}
        answer = client.http.post("/registrations", headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
                                  body=json.dumps(body))
        assert answer.status_code == 201
        refs[name] = answer.json_body["reference"]
    return refs


def names(answer):
    return [i["name"] for i in answer.json_body["items"]]


def test_list_is_newest_first_and_pages_with_a_cursor(admin, stored):
    first = admin.get("/staff/registrations?limit=2")
    assert first.status_code == 200
    seen = names(first)
    cursor = first.json_body["next_cursor"]
    while cursor:
        page = admin.get(f"/staff/registrations?limit=2&cursor={cursor}")
        seen += names(page)
        cursor = page.json_body["next_cursor"]
    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen)) == 5


def test_a_cursor_only_when_there_is_more(admin, stored):
    """"masih ada lagi" is said only when one more registration exists after the page."""
    whole = admin.get("/staff/registrations?limit=5").json_body
    assert len(whole["items"]) == 5 and whole["next_cursor"] is None
    first = admin.get("/staff/registrations?limit=4").json_body
    assert len(first["items"]) == 4 and first["next_cursor"]
    rest = admin.get(f"/staff/registrations?limit=1&cursor={first['next_cursor']}").json_body
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    # With a filter (the name is matched after the read), a full page that is the whole match too.
    both = admin.get("/staff/registrations?kecamatan=Cibinong&limit=3").json_body
    assert len(both["items"]) == 3 and both["next_cursor"] is None


def test_filters_combine(admin, stored):
    assert sorted(names(admin.get("/staff/registrations?kecamatan=Cibinong"))) == ["Ahmad Fauzi", "Citra Ayu", "Euis Ratna"]
    assert sorted(names(admin.get("/staff/registrations?kecamatan=Cibinong&service=ukm"))) == ["Ahmad Fauzi", "Euis Ratna"]
    assert sorted(names(admin.get("/staff/registrations?status=menunggu&service=koperasi"))) == ["Budi Hartono", "Citra Ayu"]
    assert names(admin.get("/staff/registrations?status=selesai")) == []
    today = clock.today()
    assert len(names(admin.get(f"/staff/registrations?from={today}&to={today}"))) == 5
    assert names(admin.get(f"/staff/registrations?from={today - timedelta(days=9)}&to={today - timedelta(days=1)}")) == []


def search(admin, **body):
    return admin.post("/staff/registration-search", body)


def test_search_by_name_phone_and_reference(admin, stored):
    assert names(search(admin, q="citra")) == ["Citra Ayu"]
    assert names(search(admin, q="0812 0000 0004")) == ["Dedi Kurnia"]
    ref = stored["Euis Ratna"]
    assert names(search(admin, q=ref.lower())) == ["Euis Ratna"]
    assert names(search(admin, q="citra", status="menunggu", limit=5)) == ["Citra Ayu"]
    detail = admin.get(f"/staff/registrations/{ref}").json_body
    assert detail["whatsapp"] == "+6281200000005" and detail["description"].startswith("Uraian")
    assert admin.get("/staff/registrations/ZZZ-ZZZ").status_code == 404


def test_bad_filters_get_field_messages(admin, stored):
    answer = admin.get("/staff/registrations?status=x&service=y&kecamatan=z&limit=1000")
    assert answer.status_code == 400
    assert set(answer.json_body["errors"]) == {"status", "service", "kecamatan", "limit"}
    assert admin.get("/staff/registrations?cursor=%%%").status_code == 400
    bad = search(admin, q=["citra"], limit="many", status=3)
    assert bad.status_code == 400 and set(bad.json_body["errors"]) <= {"q", "limit", "status"}


def test_no_name_or_number_travels_in_a_url(admin, stored):
    """Access logs keep URLs: a search text in the query string is refused, never run."""
    answer = admin.get("/staff/registrations?q=0812%200000%200004")
    assert answer.status_code == 400 and "POST" in answer.json_body["errors"]["q"]
    # A page of a phone search continues from a cursor that holds the number: it goes in the body too.
    first = search(admin, q="0812 0000 0004", limit=1).json_body
    assert first["items"]


def test_a_sparse_filter_costs_bounded_reads(admin, stored, dynamo_ops):
    dynamo_ops.clear()
    answer = search(admin, q="tidak-ada-nama-seperti-ini").json_body
    today = clock.today()
    months = periods.months_desc(date(today.year - 1, today.month, 1), today)  # the default range's partitions
    # Each month is read once, and a filter that keeps matching nothing stops after MAX_READS more.
    assert dynamo_ops.count("Query") <= registrations.MAX_READS + len(months)
    assert "Scan" not in dynamo_ops
    assert answer == {"items": [], "next_cursor": None}  # read to the end: nothing more to offer
