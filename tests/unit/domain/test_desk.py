"""The walk-in desk's pure rules (chalicelib/domain/desk.py), with hypothesis: any payload gets
field messages or a registration, never an exception; the seats come fitting consultants first,
each consultant's in time order, only face to face with a room and still to come; any spelling of
a kecamatan's name finds it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import desk, rules
from chalicelib.domain.service_calendar import Slot

DAY = date(2027, 1, 11)  # a Monday
START = datetime.combine(DAY, time(9), tzinfo=rules.WIB)
CONSULTANTS = ("K-A", "K-B", "K-C")
TOPICS = {"K-A": {"keuangan"}, "K-B": {"pemasaran"}, "K-C": {"keuangan", "legalitas"}}

slot = st.builds(
    lambda n, c, svc, modes, room: Slot(START + timedelta(minutes=30 * n), svc, c, modes, room),
    st.integers(0, 13), st.sampled_from(CONSULTANTS), st.sampled_from(tuple(rules.SERVICES)),
    st.sampled_from((frozenset({"tatap_muka"}), frozenset({"daring"}), frozenset({"tatap_muka", "daring"}))),
    st.sampled_from(("R-1", "R-2", None)))


@settings(max_examples=200, deadline=None)
@given(st.lists(slot, max_size=40), st.sampled_from((None, *rules.SERVICES)),
       st.lists(st.sampled_from(("keuangan", "pemasaran", "legalitas", "operasional")), max_size=2), st.integers(0, 14))
def test_seats_come_fitting_consultants_first_each_in_time_order_face_to_face_and_to_come(slots, service, topics, n):
    now = START + timedelta(minutes=30 * n - 1)
    out = desk.order_seats(slots, service, topics, TOPICS, now)
    assert all(c.slot.start > now and "tatap_muka" in c.slot.modes and c.slot.room_id for c in out)
    assert all(service in (None, c.slot.service) for c in out)
    expected = [s for s in slots if s.start > now and "tatap_muka" in s.modes and s.room_id and service in (None, s.service)]
    assert sorted(map(id, (c.slot for c in out))) == sorted(map(id, expected))
    fits = [c.fits for c in out]
    assert fits == sorted(fits, reverse=True)  # every fitting consultant before any other
    assert all(c.fits == bool(set(topics) & TOPICS[c.slot.consultant_id]) for c in out)
    for consultant in CONSULTANTS:
        mine = [c.slot.start for c in out if c.slot.consultant_id == consultant]
        assert mine == sorted(mine)


def test_among_equal_fits_the_consultant_free_soonest_comes_first():
    slots = [Slot(START + timedelta(hours=1), "koperasi", "K-A", frozenset({"tatap_muka"}), "R-1"),
             Slot(START, "koperasi", "K-C", frozenset({"tatap_muka"}), "R-2"),
             Slot(START + timedelta(minutes=30), "koperasi", "K-B", frozenset({"tatap_muka"}), "R-1")]
    assert [c.slot.consultant_id for c in desk.order_seats(slots, "koperasi", ["keuangan"], TOPICS, START - timedelta(1))] \
        == ["K-C", "K-A", "K-B"]


@given(st.sampled_from(rules.kecamatan_list()), st.sampled_from((str.lower, str.upper, str.title, lambda s: s)),
       st.text(" \t", max_size=3))
def test_any_spelling_of_a_kecamatan_finds_it(name, case, pad):
    typed = pad + case(name).replace(" ", "  ") + pad
    assert desk.kecamatan_named(typed) == name


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.dictionaries(
    st.sampled_from(("whatsapp", "name", "org_name", "kecamatan", "choice", "topics", "consent", "email", "description",
                     "days", "nib", "desa")),
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30), st.lists(st.text(max_size=12), max_size=3)),
    max_size=12)))
def test_any_payload_gets_field_messages_or_a_registration_never_an_exception(payload):
    data, errors = desk.validate(payload, today=DAY, closed=set(), seat_day=DAY)
    assert (data is None) == bool(errors)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    assert not set(errors) & {"service", "coop_status", "business_sector", "mode"}  # the desk's own fields


def test_a_complete_walk_in_is_face_to_face_on_the_seat_day_and_consent_is_needed():
    payload = {"whatsapp": "0812 7000 0001", "name": "Bu Sumarni", "org_name": "Koperasi Sumber Rejeki",
               "kecamatan": "cibinong", "choice": "ukm:kuliner", "topics": ["pemasaran"], "consent": True}
    data, errors = desk.validate(payload, today=DAY, closed=set(), seat_day=DAY)
    assert errors == {} and data.mode == "tatap_muka" and data.days == (DAY,) and data.kecamatan == "Cibinong"
    assert data.service == "ukm" and data.business_sector == "kuliner" and data.description == desk.TOLD_IN_PERSON
    _, errors = desk.validate({**payload, "consent": "ya"}, today=DAY, closed=set(), seat_day=DAY)
    assert errors == {"consent": desk.CONSENT_MESSAGE}
    _, errors = desk.validate({**payload, "choice": "ukm:tambang"}, today=DAY, closed=set(), seat_day=DAY)
    assert errors == {"choice": desk.CHOICE_MESSAGE}


def test_every_choice_names_a_service_and_a_detail_the_web_form_knows():
    for key, (service, field, value, label) in desk.CHOICES.items():
        allowed = rules.COOPERATIVE_STATUSES if field == "coop_status" else rules.BUSINESS_SECTORS
        assert service in rules.SERVICES and value in allowed and label
        assert desk.choice_of(service, value if field == "coop_status" else None,
                              value if field == "business_sector" else None) == key
    assert len(desk.CHOICES) == len(rules.COOPERATIVE_STATUSES) + len(rules.BUSINESS_SECTORS)
