"""The signup form's rules, field by field, with the messages a visitor reads."""
from datetime import date

import pytest

from chalicelib.domain import validation
from chalicelib.domain.validation import normalize_phone, validate_registration

TODAY = date(2026, 11, 27)  # a Friday
CLOSED = {date(2026, 12, 25), date(2026, 12, 24)}


def valid(**overrides):
    payload = {
        "name": "Siti Aminah",
        "whatsapp": "0812-3456-7890",
        "email": "siti@example.com",
        "kecamatan": "Cibinong",
        "desa": "Pakansari",
        "service": "ukm",
        "org_name": "Keripik Bu Siti",
        "business_sector": "kuliner",
        "nib": "",
        "topics": ["pemasaran", "legalitas"],
        "description": "Ingin memasarkan keripik ke toko oleh-oleh dan mengurus izin PIRT.",
        "mode": "daring",
        "days": ["2026-11-30", "2026-12-02"],
        "source": "instagram",
        "campaign": "ig-nov",
        "consent": True,
    }
    payload.update(overrides)
    return payload


def check(payload):
    return validate_registration(payload, today=TODAY, closed=CLOSED)


def test_valid_payload_is_cleaned():
    data, errors = check(valid(name="  Siti   Aminah ", whatsapp="+62 812 3456 7890"))
    assert errors == {}
    assert data.name == "Siti Aminah"
    assert data.phone == "+6281234567890"
    assert data.days == (date(2026, 11, 30), date(2026, 12, 2))
    assert data.campaign == "ig-nov"


@pytest.mark.parametrize(
    "raw",
    ["0812-3456-7890", "+62 812 3456 7890", "62812 3456 7890", "081234567890", "(0812) 3456.7890", "812-3456-7890"],
)
def test_phone_formats_are_accepted_and_stored_as_e164(raw):
    assert normalize_phone(raw) == ("+6281234567890", None)


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "wajib"),
        ("0812-ABCD-7890", "angka"),
        ("+1 415 555 2671", "Indonesia"),
        ("0812", "jumlah angka"),
        ("021-8765-4321", "ponsel"),  # a Jakarta landline: no WhatsApp
        ("0812345", "jumlah angka"),
        ("0800 1234 567", "ponsel"),  # toll-free
        (None, "wajib"),
        (81234567890, "wajib"),
    ],
)
def test_bad_phone_numbers_get_a_message(raw, fragment):
    phone, msg = normalize_phone(raw)
    assert phone is None
    assert fragment.lower() in msg.lower()


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("name", "", "Wajib"),
        ("name", "A", "terlalu pendek"),
        ("name", "A" * 101, "terlalu panjang"),
        ("name", 12345, "teks"),
        ("email", "bukan-email", "tidak valid"),
        ("email", "a@" + "b" * 260 + ".com", "terlalu panjang"),
        ("kecamatan", "Bekasi Utara", "tidak dikenal"),
        ("kecamatan", "", "Pilih kecamatan"),
        ("desa", "x" * 81, "terlalu panjang"),
        ("service", "umkm", "tidak dikenal"),
        ("org_name", "", "Wajib"),
        ("business_sector", "", "sektor"),
        ("nib", "12345", "13 angka"),
        ("topics", [], "minimal satu"),
        ("topics", ["simpan_pinjam"], "tidak tersedia"),  # cooperative-only topic for a UKM
        ("topics", "pemasaran", "minimal satu"),
        ("description", "tolong", "terlalu pendek"),
        ("description", "x" * 1001, "terlalu panjang"),
        ("mode", "telepon", "tidak dikenal"),
        ("days", [], "minimal satu"),
        ("days", ["2026-11-28"], "terlalu dekat"),  # tomorrow is Saturday: before the first working day
        ("days", ["2026-11-27"], "sudah lewat"),  # today
        ("days", ["2026-11-20"], "sudah lewat"),
        ("days", ["2026-12-05"], "akhir pekan"),
        ("days", ["2026-12-25"], "libur"),
        ("days", ["2027-02-01"], "terlalu jauh"),
        ("days", ["30-11-2026"], "Format"),
        ("days", ["2026-11-30", "2026-11-30"], "dua kali"),
        ("days", ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"], "paling banyak"),
        ("source", "tiktok", "tidak dikenal"),
        ("consent", False, "menyetujui"),
        ("consent", "true", "menyetujui"),
    ],
)
def test_each_bad_field_gets_its_own_message(field, value, fragment):
    data, errors = check(valid(**{field: value}))
    assert data is None
    assert field in errors, errors
    assert fragment.lower() in errors[field].lower()


def test_saturday_after_first_day_is_refused_as_weekend():
    _, errors = check(valid(days=["2026-12-05"]))
    assert "akhir pekan" in errors["days"]


def test_cooperative_needs_its_status_and_may_pick_cooperative_topics():
    data, errors = check(valid(service="koperasi", coop_status="belum_berdiri", topics=["pendirian_koperasi"]))
    assert errors == {}
    assert data.coop_status == "belum_berdiri"
    _, errors = check(valid(service="koperasi", coop_status="bubar", topics=["pendirian_koperasi"]))
    assert "coop_status" in errors


def test_missing_everything_reports_every_required_field():
    _, errors = check({})
    for field in ["name", "whatsapp", "kecamatan", "service", "org_name", "topics", "description", "mode", "days", "consent"]:
        assert field in errors
    assert "source" not in errors  # "Dari mana Anda tahu" is optional


def test_not_an_object():
    _, errors = check(["a", "b"])
    assert "_form" in errors


def test_invalid_campaign_code_is_dropped_silently():
    data, errors = check(valid(campaign="<script>"))
    assert errors == {} and data.campaign is None


def test_control_characters_are_removed():
    data, _ = check(valid(name="Siti\x00 Aminah\x1b"))
    assert data.name == "Siti Aminah"


def test_nib_with_spaces_is_normalised():
    data, errors = check(valid(nib="1234 5678 90123"))
    assert errors == {} and data.nib == "1234567890123"


def test_bookable_days_skip_weekends_and_closures():
    days = validation.bookable_days(TODAY, CLOSED)
    assert days[0] == date(2026, 11, 30)
    assert all(d.weekday() < 5 for d in days)
    assert date(2026, 12, 25) not in days and date(2026, 12, 24) not in days


def test_numbers_are_shown_as_people_write_them():
    from chalicelib.domain.validation import display_phone

    assert display_phone("+6281211112222") == "0812-1111-2222"
    assert display_phone("+628121111222") == "0812-1111-222"
    assert display_phone(None) == "" and display_phone("+15551234") == "+15551234"
