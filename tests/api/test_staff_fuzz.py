"""Property-based tests over every staff route: whatever shape a body or a query string has (a list
where a word belongs, a number where a day belongs, no body at all), the answer is never a 5xx,
and a refusal is `{"errors": {field: message}}`. The routes are read from the app, so a new one
is fuzzed without anyone remembering to."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.clinic import make_clinic

FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
# The words the staff routes read from a body or a query string.
FIELDS = ["service", "platform", "likes", "comments", "questions", "shares", "views", "entries", "requeue", "services", "mode", "modes", "day", "days", "from", "to", "start", "consultant_id", "room_id",
          "reference", "status", "requeue", "confirm", "name", "topics", "kind", "weekday", "pattern", "rules",
          "channel", "code", "title", "text", "limit", "q", "kecamatan", "campaign", "source", "active", "email",
          "staff_email", "zoom_user", "whatsapp", "template", "params", "audience", "week", "target", "url",
          "problem", "advice", "follow_up", "referral", "cursor", "month", "year", "reason", "segment", "id"]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
SCALARS = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=False) | TEXT | st.sampled_from(
    ["koperasi", "ukm", "daring", "tatap_muka", "2026-12-07", "K-SITI", "R-1", "terjadwal", "Senin", "1"])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8) | JSON
QUERIES = st.dictionaries(st.sampled_from(FIELDS), TEXT | st.sampled_from(["2026-12-07", "koperasi", "-1", "99999"]),
                          max_size=5)
PATH_VALUES = {"consultant_id": "K-SITI", "room_id": "R-1", "day": "2026-12-07", "service": "koperasi",
               "reference": "ABCDEF", "session_id": "S-000000000000", "message_id": "M-" + "0" * 24,
               "broadcast_id": "B-0000", "code": "CAMP1", "post_id": "P-1", "run_id": "R-0", "name": "bulanan.xlsx"}
# Routes that start a run in the background or draw an image: fuzzed by their own tests.
SLOW = {("POST", "/staff/allocation/run"), ("POST", "/staff/outbox/run"), ("POST", "/staff/meetings/sync"),
        ("GET", "/staff/campaigns/{code}/poster.png"), ("GET", "/staff/reports/{name}")}


def _routes() -> list[tuple[str, str]]:
    from app import app

    return sorted((method, path) for path, methods in app.routes.items() if path.startswith("/staff")
                  for method in methods if (method, path) not in SLOW)


def _fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: quote(PATH_VALUES.get(m.group(1), "x"), safe=""), path)


def _refusal_is_a_field_message(answer) -> None:
    assert answer.status_code < 500, (answer.status_code, answer.body[:300])
    if answer.status_code in (400, 409, 422):
        errors = json.loads(answer.body)["errors"]
        assert errors and all(isinstance(v, str) and v for v in errors.values()), errors


@pytest.fixture
def clinic(aws):
    make_clinic()


@pytest.mark.parametrize("method,path", _routes())
@FUZZ
@given(body=BODIES, query=QUERIES)
def test_no_body_or_query_makes_a_staff_route_fail(client, clinic, admin, method, path, body, query):
    headers = {"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"}
    url = _fill(path) + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query.items()) if query else "")
    if method == "GET":
        answer = client.http.get(url, headers=headers)
    else:
        answer = client.http.request(method, url, headers=headers, body=json.dumps(body))
    _refusal_is_a_field_message(answer)
