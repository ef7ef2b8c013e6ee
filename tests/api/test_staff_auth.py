"""Every staff route x every kind of bad token: denied with 401/403, nothing leaks."""
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import app as app_module
from chalicelib.api.guard import ROUTE_ROLES
from chalicelib.staff_auth import local_issuer

SAMPLE = {"consultant_id": "K-SITI", "room_id": "R-1", "day": "2026-12-01", "service": "koperasi", "reference": "ABC-DEF"}


def concrete(path: str) -> str:
    for name, value in SAMPLE.items():
        path = path.replace("{" + name + "}", value)
    return path


STAFF_ROUTES = sorted(ROUTE_ROLES.items())
ADMIN_ONLY_ROUTES = [(pm, roles) for pm, roles in STAFF_ROUTES if "konsultan" not in roles]


def forged(**claims):
    issuer = local_issuer.default_issuer()
    now = int(time.time())
    base = {"iss": issuer.issuer, "aud": issuer.client_id, "token_use": "id", "sub": "x", "email": "admin@demo.local",
            "cognito:groups": ["admin"], "iat": now, "exp": now + 600}
    base.update(claims)
    return base


def bad_tokens():
    issuer = local_issuer.default_issuer()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    past = time.time() - 7200
    return {
        "malformed": "not-a-jwt",
        "garbage_parts": "a.b.c",
        "bad_signature": jwt.encode(forged(), other, algorithm="RS256", headers={"kid": issuer.kid}),
        "expired": issuer.issue_token("admin@demo.local", "demo12345", now=past, ttl=3600),
        # Signed with the issuer's real key, but for another app client.
        "wrong_audience": local_issuer.LocalIssuer(issuer._key, client_id="someone-else").issue_token("admin@demo.local", "demo12345"),
        "alg_none": jwt.encode(forged(), None, algorithm="none"),
    }


def call(client, method, path, token=None):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = "{}" if method in ("POST", "PUT") else None
    return getattr(client.http, method.lower())(concrete(path), headers=headers, **({"body": body} if body else {}))


def test_every_staff_route_needs_a_token(client):
    assert len(STAFF_ROUTES) >= 15
    for (path, method), _roles in STAFF_ROUTES:
        answer = call(client, method, path)
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert b"Budi" not in answer.body and b"items" not in answer.body


@pytest.mark.parametrize("kind", ["malformed", "garbage_parts", "bad_signature", "expired", "wrong_audience", "alg_none"])
def test_every_staff_route_refuses_bad_tokens(client, kind):
    token = bad_tokens()[kind]
    assert token
    for (path, method), _roles in STAFF_ROUTES:
        answer = call(client, method, path, token)
        assert answer.status_code in (401, 403), (kind, method, path, answer.status_code)
        assert b"items" not in answer.body and b"email" not in answer.body


def test_konsultan_cannot_use_admin_routes(client, tokens):
    assert ADMIN_ONLY_ROUTES
    for (path, method), _roles in ADMIN_ONLY_ROUTES:
        answer = call(client, method, path, tokens["konsultan"])
        assert answer.status_code == 403, (method, path, answer.status_code)
        assert b"items" not in answer.body


def test_konsultan_can_use_own_routes(client, tokens):
    me = call(client, "GET", "/staff/me", tokens["konsultan"])
    assert me.status_code == 200
    assert me.json_body["roles"] == ["konsultan"]
    assert me.json_body["consultant_id"] == "K-SITI"


def test_admin_reaches_every_admin_get_route(client, tokens):
    for (path, method), _roles in STAFF_ROUTES:
        if method != "GET" or "{" in path:
            continue
        answer = call(client, method, path, tokens["admin"])
        assert answer.status_code == 200, (path, answer.status_code, answer.body[:200])


def test_local_login_issues_tokens_and_refuses_bad_passwords(client):
    ok = client.http.post("/auth/local/login", headers={"Content-Type": "application/json"},
                          body='{"email": "admin@demo.local", "password": "demo12345"}')
    assert ok.status_code == 200 and ok.json_body["roles"] == ["admin"]
    bad = client.http.post("/auth/local/login", headers={"Content-Type": "application/json"},
                           body='{"email": "admin@demo.local", "password": "salah"}')
    assert bad.status_code == 401 and "token" not in bad.json_body


def test_local_login_is_off_in_prod(aws):
    from chalice.test import Client

    with Client(app_module.app, stage_name="prod") as prod:
        answer = prod.http.post("/auth/local/login", headers={"Content-Type": "application/json"},
                                body='{"email": "admin@demo.local", "password": "demo12345"}')
    assert answer.status_code == 404
    assert "token" not in answer.json_body
