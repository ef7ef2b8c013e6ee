"""The signup Flow's pure rules: the Flow JSON kept in the repo is current and within Meta's
documented limits; the screens' data stay within them for any roster; DAFTAR is understood."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import flow_json, flows, replies, rules

KEPT = Path(__file__).resolve().parents[3] / "chalicelib" / "templates" / "messages" / "flow_pendaftaran.json"


def test_the_kept_flow_json_is_current_and_within_metas_limits():
    from infra.whatsapp_flow import text

    assert KEPT.read_text(encoding="utf-8") == text("https://cleanclear.example.go.id"), \
        "run: python -m infra.whatsapp_flow json > chalicelib/templates/messages/flow_pendaftaran.json"
    flow = json.loads(KEPT.read_text(encoding="utf-8"))
    assert flow_json.limit_problems(flow) == []
    assert flow["version"] == flows.FLOW_JSON_VERSION and set(flow["routing_model"]) == set(flows.SCREENS)
    dropdown = next(c for s in flow["screens"] for c in s["layout"]["children"] if c.get("name") == "kecamatan")
    assert len(dropdown["data-source"]) == 40  # the 40 kecamatan, as on the web form


def test_the_limit_check_catches_what_meta_would_refuse():
    flow = flow_json.flow_json("https://x.example")
    screen = flow["screens"][0]["layout"]["children"]
    screen.append({"type": "Footer", "label": "x" * 36, "on-click-action": {"name": "complete"}})
    screen[1]["data-source"] = [{"id": str(n), "title": "t"} for n in range(21)]
    problems = flow_json.limit_problems(flow)
    assert any("more than 1 Footer" in p for p in problems) and any("Footer.label" in p for p in problems)
    assert any("21 options" in p for p in problems)


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=0, max_size=30))
def test_offered_days_fit_a_checkbox_group_and_skip_days_without_a_consultant(cells):
    start = date(2026, 12, 7)
    offer = [(start + timedelta(days=n), seats, min(free, seats)) for n, (seats, free) in enumerate(cells)]
    days = flows.day_options(offer)
    assert len(days) <= flows.LIMITS["CheckboxGroup_options"]
    assert all(len(d["title"]) <= 30 and len(d["description"]) <= 300 for d in days)
    assert {d["id"] for d in days} <= {day.isoformat() for day, seats, _ in offer[:flows.OFFERED_DAYS] if seats > 0}


@given(st.dictionaries(st.sampled_from(sorted(flows.FIELD_SCREENS) + ["_form"]), st.text(min_size=1, max_size=500),
                       min_size=1))
def test_an_error_names_the_first_field_in_the_flows_order_within_a_caption(errors):
    text = flows.error_text(errors)
    assert 0 < len(text) <= flows.LIMITS["TextCaption"]
    first = min(errors, key=lambda f: list(flows.FIELD_SCREENS).index(f) if f in flows.FIELD_SCREENS else 99)
    if first in flows.FIELD_SCREENS:
        assert text.startswith(flows.FIELD_SCREENS[first][1] + ": ")


@given(st.text(max_size=60))
def test_daftar_is_the_first_word_with_at_most_one_campaign_code(text):
    asked, code = replies.signup_request(text)
    if asked:
        assert replies.fold(text.split()[0]) in replies.SIGNUP_WORDS and len(text.split()) <= 2
    if code is not None:
        assert asked and code in text


def test_daftar_examples():
    assert replies.signup_request("DAFTAR") == (True, None)
    assert replies.signup_request("daftar IG-POSTER") == (True, "IG-POSTER")
    assert replies.signup_request("Daftar!") == (True, None)
    assert replies.signup_request("saya mau daftar") == (False, None)
    assert replies.signup_request("DAFTAR <script>") == (True, None)


def test_the_usaha_screen_asks_what_the_service_needs():
    assert flows.organisation(rules.SERVICE_KOPERASI)["org_choice_label"] == "Status koperasi"
    assert {o["id"] for o in flows.organisation(rules.SERVICE_UKM)["org_options"]} == set(rules.BUSINESS_SECTORS)
