"""Property-based tests over every public route: whatever a visitor (or a bot) sends, the answer is
never a 5xx, a refusal is `{"errors": {field: message}}` in Indonesian, and a refused request
writes nothing at all (every table is counted before and after, with plain boto3)."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.store.models import ALL_MODELS
from tests.support.clinic import make_clinic

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
FORM_FIELDS = ["name", "whatsapp", "email", "kecamatan", "desa", "service", "org_name", "coop_status", "business_sector",
               "nib", "topics", "description", "mode", "days", "source", "campaign", "consent", "kontak_lain",
               "reason", "confirm", "satisfaction", "helpfulness", "recommend", "answered", "improve", "follow_up",
               "e", "t", "token"]
# Any code point, lone surrogates and noncharacters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | ANY_TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ANY_TEXT, inner, max_size=5),
                    max_leaves=30)
FORMS = st.dictionaries(st.sampled_from(FORM_FIELDS) | ANY_TEXT, JSON, max_size=12)
ENGLISH = ("Unsupported", "Internal", "error occurred", "Traceback", "Missing", "Not Found", "Bad Request")


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


RAW = st.one_of(
    st.binary(max_size=300),
    st.integers(1, 20000).map(_deep),
    st.integers(1, 5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.builds(lambda n: json.dumps({"name": "x" * n}).encode(), st.integers(0, 40000)),
    st.builds(lambda n: json.dumps({"topics": ["keuangan"] * n}).encode(), st.integers(0, 3000)),
    st.builds(lambda n: json.dumps({f"k{i}": i for i in range(n)}).encode(), st.integers(0, 500)),
    st.just(b'{"name": "\\ud800"}'), st.just(b'{"name": "\\udfff\\ud800"}'), st.just(b'"just a string"'),
    st.just(b"null"), st.just(b"1e999999"), st.just(b"\xef\xbb\xbf{}"), st.just(b'{"a": NaN}'),
)


def _items() -> int:
    client = boto3.client("dynamodb", region_name="ap-southeast-3")
    return sum(client.scan(TableName=m.Meta.table_name, Select="COUNT")["Count"] for m in ALL_MODELS)


@pytest.fixture
def registered(client):
    """One real registration, so routes with a reference reach their checks."""
    make_clinic()
    options = client.http.get("/public/options").json_body
    body = {"name": "Budi Santoso", "whatsapp": "0813 1111 2222", "kecamatan": "Ciawi", "service": "koperasi",
            "org_name": "Koperasi Tani", "coop_status": "aktif", "topics": ["tata_kelola_rat"],
            "description": "Koperasi kami tiga tahun tidak RAT, bagaimana mengaktifkan kembali?", "mode": "tatap_muka",
            "days": options["days"][:1], "source": "teman", "consent": True}
    answer = client.http.post("/registrations", headers={"Content-Type": "application/json",
                                                         "Idempotency-Key": uuid.uuid4().hex}, body=json.dumps(body))
    assert answer.status_code == 201
    return answer.json_body


def _routes(registered):
    ref = registered["reference"]
    return [
        ("POST", "/registrations"),
        ("POST", f"/registrations/{ref}/cancel"),
        ("POST", f"/registrations/{ref}/days"),
        ("POST", f"/registrations/{ref}/delete"),
        ("POST", "/feedback/S-0123456789AB"),
        ("POST", "/webhooks/whatsapp"),
    ]


def _check(answer, before: int) -> None:
    assert answer.status_code < 500, answer.body[:300]
    text = answer.body.decode("utf-8")  # always valid UTF-8
    if answer.status_code >= 400:
        body = json.loads(text)
        assert isinstance(body.get("errors"), dict) and body["errors"], text[:300]
        for field, message in body["errors"].items():
            assert isinstance(field, str) and isinstance(message, str) and message.strip()
            assert not any(word in message for word in ENGLISH), message
        assert _items() == before, "a refused request wrote something"


@FUZZ
@given(form=FORMS, route=st.integers(0, 5), token=st.booleans())
def test_any_json_object_on_any_public_route(client, registered, form, route, token):
    method, path = _routes(registered)[route]
    headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
    if token:
        headers["X-Registration-Token"] = registered["token"]
        form = {**form, "token": registered["token"]}
    before = _items()
    answer = client.http.post(path, headers=headers, body=json.dumps(form))
    _check(answer, before)


@FUZZ
@given(raw=RAW, route=st.integers(0, 5), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/json; charset=utf-8", "text/html", "application/xml",
     "multipart/form-data; boundary=x", ""]))
def test_any_bytes_with_any_content_type(client, registered, raw, route, content_type):
    method, path = _routes(registered)[route]
    headers = {"Idempotency-Key": uuid.uuid4().hex, "X-Registration-Token": registered["token"]}
    if content_type:
        headers["Content-Type"] = content_type
    before = _items()
    answer = client.http.post(path, headers=headers, body=raw)
    _check(answer, before)


@FUZZ
@given(reference=ANY_TEXT.filter(lambda s: "/" not in s and s.strip()), token=ANY_TEXT,
       params=st.dictionaries(st.sampled_from(["e", "t", "src", "limit", "day", "x"]), ANY_TEXT, max_size=3))
def test_any_reference_token_and_query_on_the_reading_routes(client, registered, reference, token, params):
    from urllib.parse import quote, urlencode

    query = urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in params.items()})
    before = _items()
    for path in (f"/registrations/{quote(reference.encode('utf-8', 'surrogatepass'), safe='')}",
                 f"/registrations/{quote(reference.encode('utf-8', 'surrogatepass'), safe='')}/data",
                 f"/feedback/{quote(reference.encode('utf-8', 'surrogatepass'), safe='')}", "/public/options"):
        headers = {"X-Registration-Token": token.encode("utf-8", "surrogatepass").decode("latin-1")}
        answer = client.http.get(f"{path}?{query}" if query else path, headers=headers)
        _check(answer, before)
