"""Token verification (staff_auth.tokens), the verifier the environment asks for (staff_auth.setup)
and the local issuer (staff_auth.local_issuer)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import stat
import time

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.staff_auth import local_issuer
from chalicelib.staff_auth import tokens as auth
from chalicelib.staff_auth.setup import verifier_from_env
from chalicelib.staff_auth.tokens import (
    AuthError,
    Forbidden,
    Principal,
    RemoteJwks,
    StaticJwks,
    TokenVerifier,
    bearer_token,
    require_role,
)

REGION = "ap-southeast-3"
POOL_ID = "ap-southeast-3_TestPool1"
CLIENT_ID = "test-app-client-id"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"
KID_A = "kid-a"
KID_B = "kid-b"

COGNITO_ENV = {
    "AUTH_MODE": "cognito",
    "COGNITO_REGION": REGION,
    "COGNITO_USER_POOL_ID": POOL_ID,
    "COGNITO_APP_CLIENT_ID": CLIENT_ID,
}


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="session")
def key_a():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def key_b():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def _fresh_caches():
    auth.clear_jwks_cache()
    local_issuer.reset_default_issuer()
    yield
    auth.clear_jwks_cache()
    local_issuer.reset_default_issuer()


def jwk_for(key, kid):
    data = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return dict(data, kid=kid, alg="RS256", use="sig")


def jwks_of(*pairs):
    return {"keys": [jwk_for(key, kid) for key, kid in pairs]}


def claims(**overrides):
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "sub": "5f0c1a2b-0000-4000-8000-000000000001",
        "email": "siti@example.id",
        "cognito:groups": ["konsultan"],
        "custom:consultant_id": "K-SITI",
        "iat": now,
        "exp": now + 3600,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def make_token(key, kid=KID_A, headers=None, **overrides):
    """An RS256 token signed by ``key``; claim overrides set to None are removed."""
    hdrs = {"kid": kid} if kid is not None else {}
    hdrs.update(headers or {})
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers=hdrs)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def sign_raw(key, header, payload):
    """RS256-sign any header/payload, including ones PyJWT refuses to encode."""
    signing_input = f"{b64json(header)}.{b64json(payload)}"
    sig = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key)
    return f"{signing_input}.{b64url(sig)}"


def verifier(key, kid=KID_A, **kwargs):
    kwargs.setdefault("issuer", ISSUER)
    kwargs.setdefault("audience", CLIENT_ID)
    return TokenVerifier(jwks=StaticJwks(jwks_of((key, kid))), **kwargs)


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


def assert_rejected(v, token, reason=None):
    with pytest.raises(AuthError) as info:
        v.verify(token)
    assert info.value.status == 401
    if reason is not None:
        assert info.value.reason == reason
    return info.value


# --------------------------------------------------------------------------- valid tokens


def test_admin_token_maps_to_admin_role(key_a):
    token = make_token(key_a, **{"cognito:groups": ["admin"], "custom:consultant_id": None,
                                 "email": "koordinator@example.id"})
    p = verifier(key_a).verify(token)
    assert p == Principal(
        subject="5f0c1a2b-0000-4000-8000-000000000001",
        email="koordinator@example.id",
        roles=frozenset({"admin"}),
        consultant_id=None,
    )
    assert p.is_admin and not p.is_konsultan
    assert require_role(p, "admin") is p
    with pytest.raises(Forbidden) as info:
        require_role(p, "konsultan")
    assert info.value.status == 403


def test_konsultan_token_maps_role_and_consultant_id(key_a):
    p = verifier(key_a).verify(make_token(key_a))
    assert p.roles == frozenset({"konsultan"})
    assert p.consultant_id == "K-SITI"
    assert p.email == "siti@example.id"
    assert p.has_role("admin", "konsultan") and not p.has_role("admin")
    assert require_role(p, "admin", "konsultan") is p


def test_unknown_groups_ignored_and_both_roles_kept(key_a):
    token = make_token(key_a, **{"cognito:groups": ["admin", "konsultan", "Admins", "us-east-1_x_Google"]})
    assert verifier(key_a).verify(token).roles == frozenset({"admin", "konsultan"})


@pytest.mark.parametrize("groups", [None, [], ["tamu"]])
def test_valid_token_without_role_is_authenticated_but_forbidden(key_a, groups):
    p = verifier(key_a).verify(make_token(key_a, **{"cognito:groups": groups}))
    assert p.roles == frozenset()
    assert not p.has_role("admin", "konsultan")
    with pytest.raises(Forbidden):
        require_role(p, "admin", "konsultan")


@pytest.mark.parametrize("groups", ["admin", {"admin": True}, [1, "admin"]])
def test_groups_claim_of_wrong_shape_rejected(key_a, groups):
    # A plain string "admin" must not be read character by character, nor accepted.
    assert_rejected(verifier(key_a), make_token(key_a, **{"cognito:groups": groups}), "bad groups claim")


def test_require_role_rejects_programming_errors(key_a):
    p = verifier(key_a).verify(make_token(key_a))
    with pytest.raises(ValueError):
        require_role(p)
    with pytest.raises(ValueError):
        require_role(p, "superuser")


def test_leeway_accepts_just_expired_token(key_a):
    now = int(time.time())
    token = make_token(key_a, iat=now - 3610, exp=now - 10)
    assert verifier(key_a, leeway=30).verify(token).roles == {"konsultan"}
    assert_rejected(verifier(key_a, leeway=0), token, "token expired")


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize("token", [None, "", "   ", 12345, b"bytes.are.not"])
def test_missing_token_rejected(key_a, token):
    assert_rejected(verifier(key_a), token)


def _good_parts(key):
    return make_token(key).split(".")


@pytest.mark.parametrize(
    "build",
    [
        lambda h, p, s: "garbage",
        lambda h, p, s: f"{h}.{p}",                      # 2 parts
        lambda h, p, s: f"{h}.{p}.{s}.{s}",              # 4 parts
        lambda h, p, s: "..",
        lambda h, p, s: "!!!.@@@.###",                    # not base64url
        lambda h, p, s: f"{h}.{p}!!.{s}",                 # bad base64 payload
        lambda h, p, s: f"%%%.{p}.{s}",                   # bad base64 header
        lambda h, p, s: f"{b64url(b'not json')}.{p}.{s}",
        lambda h, p, s: f"{b64json(['a', 'list'])}.{p}.{s}",
        lambda h, p, s: f"{h}.{b64url(b'not json')}.{s}",
        lambda h, p, s: f"{h}.{b64json(['a', 'list'])}.{s}",
        lambda h, p, s: f"{h}.{p}.{s}" + "A" * 20_000,    # absurdly long
        lambda h, p, s: "\x00\xff.\x01.\x02",
    ],
)
def test_malformed_tokens_rejected(key_a, build):
    h, p, s = _good_parts(key_a)
    assert_rejected(verifier(key_a), build(h, p, s))


def test_signature_by_another_key_with_same_kid_rejected(key_a, key_b):
    forged = make_token(key_b, kid=KID_A, **{"cognito:groups": ["admin"]})
    assert_rejected(verifier(key_a), forged, "bad signature")


def test_tampered_payload_rejected(key_a):
    h, _, s = make_token(key_a).split(".")
    payload = b64json(claims(**{"cognito:groups": ["admin"]}))
    assert_rejected(verifier(key_a), f"{h}.{payload}.{s}", "bad signature")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_rejected(key_a, alg):
    token = f"{b64json({'alg': alg, 'kid': KID_A, 'typ': 'JWT'})}.{b64json(claims())}."
    assert_rejected(verifier(key_a), token, "algorithm not allowed")
    assert_rejected(verifier(key_a), token + "c2ln", "algorithm not allowed")


def test_hs256_signed_with_public_key_as_secret_rejected(key_a):
    # The classic confusion attack: HMAC keyed with the (public) RSA key.
    for secret in (
        key_a.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        json.dumps(jwk_for(key_a, KID_A)).encode(),
    ):
        signing_input = f"{b64json({'alg': 'HS256', 'kid': KID_A, 'typ': 'JWT'})}.{b64json(claims())}"
        sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_rejected(verifier(key_a), f"{signing_input}.{b64url(sig)}", "algorithm not allowed")


def test_other_rsa_alg_in_header_rejected(key_a):
    token = jwt.encode(claims(), key_a, algorithm="RS512", headers={"kid": KID_A})
    assert_rejected(verifier(key_a), token, "algorithm not allowed")


def test_expired_token_rejected(key_a):
    now = int(time.time())
    assert_rejected(verifier(key_a), make_token(key_a, iat=now - 7200, exp=now - 3600), "token expired")


def test_iat_far_in_future_rejected(key_a):
    now = int(time.time())
    token = make_token(key_a, iat=now + 3600, exp=now + 7200)
    assert_rejected(verifier(key_a), token, "token not yet valid")


def test_nbf_in_future_rejected(key_a):
    now = int(time.time())
    assert_rejected(verifier(key_a), make_token(key_a, nbf=now + 3600), "token not yet valid")


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "sub", "token_use", "aud"])
def test_required_claim_missing_rejected(key_a, claim):
    assert_rejected(verifier(key_a), make_token(key_a, **{claim: None}))


@pytest.mark.parametrize("bad", [{"exp": "tomorrow"}, {"iat": "now"}, {"sub": ""}, {"sub": 42},
                                 {"email": ["a@b"]}, {"custom:consultant_id": 7}])
def test_claims_of_wrong_type_rejected(key_a, bad):
    assert_rejected(verifier(key_a), make_token(key_a, **bad))


@pytest.mark.parametrize(
    "iss",
    [
        "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_OtherPool",
        ISSUER + "/",
        ISSUER[:-1],  # a substring of the real issuer (CVE-2024-53861 style)
        "https://cognito-idp.ap-southeast-3.amazonaws.com",
        ISSUER.upper(),
        [ISSUER],
    ],
)
def test_wrong_issuer_rejected(key_a, iss):
    token = sign_raw(key_a, {"alg": "RS256", "typ": "JWT", "kid": KID_A}, claims(iss=iss))
    assert_rejected(verifier(key_a), token)


def test_sign_raw_helper_makes_valid_tokens(key_a):
    # Guards the helper: rejections above must come from the claim, not the signing.
    token = sign_raw(key_a, {"alg": "RS256", "typ": "JWT", "kid": KID_A}, claims())
    assert verifier(key_a).verify(token).roles == {"konsultan"}


@pytest.mark.parametrize("aud", ["another-client", CLIENT_ID + "x", [CLIENT_ID, "another-client"], ""])
def test_wrong_audience_rejected(key_a, aud):
    assert_rejected(verifier(key_a), make_token(key_a, aud=aud))


@pytest.mark.parametrize("token_use", ["access", "refresh", "ID", ""])
def test_wrong_token_use_rejected(key_a, token_use):
    assert_rejected(verifier(key_a), make_token(key_a, token_use=token_use))


def test_unknown_kid_rejected(key_a):
    assert_rejected(verifier(key_a), make_token(key_a, kid="kid-unknown"), "unknown key id")


@pytest.mark.parametrize(
    "kid, reason",
    [(None, "token has no key id"), ("", "token has no key id"), (17, "malformed token")],
)
def test_missing_or_bad_kid_rejected(key_a, kid, reason):
    header = {"alg": "RS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    token = sign_raw(key_a, header, claims())
    assert_rejected(verifier(key_a), token, reason)


# --------------------------------------------------------------------------- access tokens


def access_claims(**overrides):
    base = {"aud": None, "email": None, "custom:consultant_id": None,
            "token_use": "access", "client_id": CLIENT_ID, "scope": "aws.cognito.signin.user.admin"}
    base.update(overrides)
    return base


def test_access_token_checks_client_id_instead_of_aud(key_a):
    v = verifier(key_a, expected_token_use="access")
    p = v.verify(make_token(key_a, **access_claims()))
    assert p.roles == {"konsultan"} and p.email == "" and p.consultant_id is None
    assert_rejected(v, make_token(key_a, **access_claims(client_id="another-client")), "wrong client_id")
    assert_rejected(v, make_token(key_a, **access_claims(client_id=None)), "wrong client_id")
    assert_rejected(v, make_token(key_a), "wrong token_use")  # an ID token


def test_id_verifier_rejects_access_token(key_a):
    assert_rejected(verifier(key_a), make_token(key_a, **access_claims()))


def test_verifier_refuses_dangerous_configuration(key_a):
    for algs in (["HS256"], ["none"], ["RS256", "HS256"], []):
        with pytest.raises(ValueError):
            verifier(key_a, algorithms=algs)
    with pytest.raises(ValueError):
        verifier(key_a, expected_token_use="refresh")
    with pytest.raises(ValueError):
        verifier(key_a, issuer="")
    with pytest.raises(ValueError):
        verifier(key_a, audience="")


# --------------------------------------------------------------------------- logging


def test_nothing_sensitive_is_logged(key_a, key_b, caplog):
    caplog.set_level(logging.DEBUG)
    v = verifier(key_a)
    good = make_token(key_a)
    bad = make_token(key_b)
    v.verify(good)
    for token in (bad, good + "x", "garbage"):
        with pytest.raises(AuthError) as info:
            v.verify(token)
        assert "siti@example.id" not in str(info.value)
    assert caplog.records  # rejections are logged...
    text = caplog.text
    for secret in (good, bad, good.split(".")[1], bad.split(".")[2], "siti@example.id", "K-SITI"):
        assert secret not in text  # ...without tokens or claim values


# --------------------------------------------------------------------------- helpers


def test_bearer_token():
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("bearer   abc.def.ghi ") == "abc.def.ghi"
    assert bearer_token("abc.def.ghi") == "abc.def.ghi"
    for value in (None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"):
        with pytest.raises(AuthError):
            bearer_token(value)


def test_principal_context_round_trip():
    p = Principal("sub-1", "budi@demo.local", frozenset({"konsultan", "admin"}), "K-BUDI")
    ctx = p.to_context()
    assert all(isinstance(v, str) for v in ctx.values())
    assert Principal.from_context(ctx) == p
    q = Principal("sub-2", "", frozenset(), None)
    assert Principal.from_context(q.to_context()) == q
    with pytest.raises(AuthError):
        Principal.from_context({})


# --------------------------------------------------------------------------- remote JWKS


def remote_verifier(clock=None, **kwargs):
    source = RemoteJwks(JWKS_URL, clock=clock or FakeClock(), **kwargs)
    return TokenVerifier(issuer=ISSUER, audience=CLIENT_ID, jwks=source), source


@responses.activate
def test_jwks_fetched_once_and_cached(key_a):
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    v, _ = remote_verifier()
    token = make_token(key_a)
    for _ in range(10):
        assert v.verify(token).roles == {"konsultan"}
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == JWKS_URL
    assert responses.calls[0].request.req_kwargs["timeout"] == 3.0


@responses.activate
def test_unknown_kid_after_rotation_triggers_one_refetch(key_a, key_b):
    clock = FakeClock()
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A), (key_b, KID_B)))  # after rotation
    v, _ = remote_verifier(clock)
    assert v.verify(make_token(key_a)).roles == {"konsultan"}
    assert len(responses.calls) == 1
    clock.t += 60
    token_b = make_token(key_b, kid=KID_B, **{"cognito:groups": ["admin"]})
    assert v.verify(token_b).roles == {"admin"}
    assert len(responses.calls) == 2
    for _ in range(5):
        v.verify(token_b)
        v.verify(make_token(key_a))
    assert len(responses.calls) == 2


@responses.activate
def test_unknown_kid_refetch_at_most_once_per_five_minutes(key_a):
    clock = FakeClock()
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    v, _ = remote_verifier(clock)
    v.verify(make_token(key_a))
    bogus = make_token(key_a, kid="made-up")
    assert_rejected(v, bogus, "unknown key id")
    assert len(responses.calls) == 2  # first unknown kid: one refetch
    for _ in range(20):
        clock.t += 10
        assert_rejected(v, bogus, "unknown key id")
    assert len(responses.calls) == 2  # 200 s later: still no more
    clock.t += 100  # 300 s after the refetch
    assert_rejected(v, bogus, "unknown key id")
    assert len(responses.calls) == 3


@responses.activate
@pytest.mark.parametrize(
    "response_kwargs",
    [
        {"status": 500, "json": {"message": "oops"}},
        {"status": 404, "body": "not found"},
        {"status": 200, "body": "<html>not json</html>"},
        {"status": 200, "json": {"no": "keys"}},
        {"status": 200, "json": {"keys": []}},
        {"body": requests.ConnectionError("no route to host")},
        {"body": requests.Timeout("read timed out")},
    ],
)
def test_jwks_fetch_failure_is_auth_error_not_crash(key_a, response_kwargs):
    responses.get(JWKS_URL, **response_kwargs)
    v, _ = remote_verifier()
    assert_rejected(v, make_token(key_a), "signing keys unavailable")


@responses.activate
def test_jwks_failure_backs_off_then_recovers(key_a):
    clock = FakeClock()
    responses.get(JWKS_URL, status=503)
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    v, _ = remote_verifier(clock)
    token = make_token(key_a)
    assert_rejected(v, token, "signing keys unavailable")
    clock.t += 1
    assert_rejected(v, token, "signing keys unavailable")
    assert len(responses.calls) == 1  # no hammering while Cognito is down
    clock.t += 5
    assert v.verify(token).roles == {"konsultan"}
    assert len(responses.calls) == 2


@responses.activate
def test_failed_refetch_keeps_old_keys(key_a):
    clock = FakeClock()
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    responses.get(JWKS_URL, status=500)
    v, _ = remote_verifier(clock)
    v.verify(make_token(key_a))
    assert_rejected(v, make_token(key_a, kid="new-kid"), "unknown key id")
    assert len(responses.calls) == 2
    assert v.verify(make_token(key_a)).roles == {"konsultan"}


@responses.activate
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_jwks_skips_weak_and_unsuitable_keys(key_a):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    doc = jwks_of((weak, "weak"), (key_a, KID_A))
    doc["keys"].append(dict(jwk_for(key_a, "enc-key"), use="enc"))
    doc["keys"].append({"kty": "oct", "k": b64url(b"secret"), "kid": "hmac", "alg": "HS256"})
    responses.get(JWKS_URL, json=doc)
    v, _ = remote_verifier()
    assert v.verify(make_token(key_a)).roles == {"konsultan"}
    assert_rejected(v, make_token(weak, kid="weak"), "unknown key id")
    assert_rejected(v, make_token(key_a, kid="enc-key"), "unknown key id")


# --------------------------------------------------------------------------- verifier_from_env


@responses.activate
def test_cognito_verifier_from_env_uses_pool_jwks_and_shares_cache(key_a):
    responses.get(JWKS_URL, json=jwks_of((key_a, KID_A)))
    v1 = verifier_from_env(dict(COGNITO_ENV, STAGE="prod"))
    v2 = verifier_from_env(dict(COGNITO_ENV))
    assert v1.issuer == ISSUER and v1.audience == CLIENT_ID
    assert v1.expected_token_use == "id"
    assert v1.verify(make_token(key_a)).consultant_id == "K-SITI"
    assert v2.verify(make_token(key_a)).roles == {"konsultan"}
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == JWKS_URL


def test_cognito_access_token_mode_from_env():
    v = verifier_from_env(dict(COGNITO_ENV, COGNITO_TOKEN_USE="access"))
    assert v.expected_token_use == "access"
    with pytest.raises(RuntimeError):
        verifier_from_env(dict(COGNITO_ENV, COGNITO_TOKEN_USE="refresh"))


@pytest.mark.parametrize("missing", ["COGNITO_REGION", "COGNITO_USER_POOL_ID", "COGNITO_APP_CLIENT_ID"])
def test_cognito_missing_config_fails(missing):
    env = dict(COGNITO_ENV)
    del env[missing]
    with pytest.raises(RuntimeError, match=missing):
        verifier_from_env(env)
    env[missing] = "  "
    with pytest.raises(RuntimeError, match=missing):
        verifier_from_env(env)


@pytest.mark.parametrize(
    "override",
    [
        {"COGNITO_USER_POOL_ID": "us-east-1_TestPool1"},  # pool of another region
        {"COGNITO_REGION": "Jakarta"},
        {"COGNITO_USER_POOL_ID": "ap-southeast-3_x/../evil"},
    ],
)
def test_cognito_inconsistent_config_fails(override):
    with pytest.raises(RuntimeError):
        verifier_from_env(dict(COGNITO_ENV, **override))


@pytest.mark.parametrize("mode", [None, "", "none", "off", "Local-ish"])
def test_missing_or_unknown_auth_mode_fails(mode):
    env = {} if mode is None else {"AUTH_MODE": mode}
    with pytest.raises(RuntimeError):
        verifier_from_env(env)


@pytest.mark.parametrize(
    "env",
    [
        {"STAGE": "prod", "AUTH_MODE": "local"},
        {"APP_STAGE": "prod", "AUTH_MODE": "local"},
        {"STAGE": "PROD", "AUTH_MODE": "LOCAL"},
        {"STAGE": " prod ", "AUTH_MODE": "local"},
        {"STAGE": "dev", "APP_STAGE": "prod", "AUTH_MODE": "local"},
        {"STAGE": "production", "AUTH_MODE": "local"},
        {"STAGE": "prod"},
        {"STAGE": "prod", "AUTH_MODE": "disabled"},
    ],
)
def test_prod_stage_never_uses_local_issuer(env, tmp_path, monkeypatch):
    key_file = tmp_path / "key.pem"
    env = dict(env, LOCAL_ISSUER_KEY_FILE=str(key_file), **{
        k: v for k, v in COGNITO_ENV.items() if k != "AUTH_MODE"})

    # The local issuer has its own prod guard; take it out of the picture so this test
    # proves that verifier_from_env itself fails closed.
    def must_not_be_called(*args, **kwargs):
        raise AssertionError("local issuer consulted in prod")

    monkeypatch.setattr(local_issuer, "issuer_from_env", must_not_be_called)
    monkeypatch.setattr(local_issuer, "default_issuer", must_not_be_called)
    with pytest.raises(RuntimeError, match="prod"):
        verifier_from_env(env)
    assert not key_file.exists()


def test_local_mode_from_env_verifies_local_issuer_tokens(tmp_path):
    env = {"AUTH_MODE": "local", "STAGE": "dev", "LOCAL_ISSUER_KEY_FILE": str(tmp_path / "k.pem")}
    v = verifier_from_env(env)
    token = local_issuer.issuer_from_env(env).issue_token("siti@demo.local", "demo12345")
    p = v.verify(token)
    assert p.roles == {"konsultan"} and p.consultant_id == "K-SITI"
    assert p.email == "siti@demo.local"


def test_local_token_rejected_by_cognito_verifier(tmp_path, key_a):
    issuer = local_issuer.LocalIssuer(key_a)
    token = issuer.issue_token("admin@demo.local", "demo12345")
    # Even with the local key trusted, the issuer and audience do not match Cognito's.
    v = TokenVerifier(issuer=ISSUER, audience=CLIENT_ID, jwks=StaticJwks(issuer.jwks()))
    assert_rejected(v, token, "wrong issuer")


# --------------------------------------------------------------------------- local issuer


@pytest.fixture
def local_env(tmp_path):
    return {"LOCAL_ISSUER_KEY_FILE": str(tmp_path / "keys" / "issuer.pem")}


@pytest.fixture
def issuer_and_verifier(local_env):
    issuer = local_issuer.issuer_from_env(local_env)
    v = TokenVerifier(
        issuer=issuer.issuer,
        audience=issuer.client_id,
        jwks=StaticJwks(issuer.jwks()),
        consultant_id_claim="consultant_id",
    )
    return issuer, v


def test_local_key_file_created_0600_and_reused(local_env):
    path = local_env["LOCAL_ISSUER_KEY_FILE"]
    first = local_issuer.issuer_from_env(local_env)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as fh:
        assert b"PRIVATE KEY" in fh.read()
    second = local_issuer.issuer_from_env(local_env)
    assert first.kid == second.kid
    token = first.issue_token("admin@demo.local", "demo12345")
    assert TokenVerifier(issuer=second.issuer, audience=second.client_id,
                         jwks=StaticJwks(second.jwks())).verify(token).is_admin


def test_local_key_file_must_be_strong_rsa(tmp_path):
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "weak.pem"
    path.write_bytes(weak.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    with pytest.raises(RuntimeError):
        local_issuer.issuer_from_env({"LOCAL_ISSUER_KEY_FILE": str(path)})


@pytest.mark.parametrize(
    "email, roles, consultant_id",
    [
        ("admin@demo.local", {"admin"}, None),
        ("siti@demo.local", {"konsultan"}, "K-SITI"),
        ("budi@demo.local", {"konsultan"}, "K-BUDI"),
        ("  Budi@Demo.Local ", {"konsultan"}, "K-BUDI"),
    ],
)
def test_local_issuer_good_password(issuer_and_verifier, email, roles, consultant_id):
    issuer, v = issuer_and_verifier
    p = v.verify(issuer.issue_token(email, "demo12345"))
    assert p.roles == roles and p.consultant_id == consultant_id
    assert p.email == email.strip().lower()


@pytest.mark.parametrize(
    "email, password",
    [
        ("admin@demo.local", "wrong"),
        ("admin@demo.local", ""),
        ("admin@demo.local", "demo12345 "),
        ("admin@demo.local", None),
        ("nobody@demo.local", "demo12345"),
        ("", "demo12345"),
        (None, "demo12345"),
    ],
)
def test_local_issuer_bad_credentials_give_none(issuer_and_verifier, email, password):
    issuer, _ = issuer_and_verifier
    assert issuer.issue_token(email, password) is None


def test_local_token_shape(issuer_and_verifier):
    issuer, _ = issuer_and_verifier
    token = issuer.issue_token("siti@demo.local", "demo12345", now=1_700_000_000, ttl=600)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == issuer.kid
    body = jwt.decode(token, options={"verify_signature": False})
    assert body["iss"] == "http://localhost/local-issuer"
    assert body["aud"] == "clean-and-clear-local"
    assert body["token_use"] == "id"
    assert body["cognito:groups"] == ["konsultan"]
    assert body["consultant_id"] == "K-SITI"
    assert body["iat"] == 1_700_000_000 and body["exp"] == 1_700_000_600
    assert body["sub"] and body["sub"] != body["email"]
    jwks = issuer.jwks()
    assert [k["kid"] for k in jwks["keys"]] == [issuer.kid]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwks["keys"][0])


def test_local_token_with_old_now_is_expired(issuer_and_verifier):
    issuer, v = issuer_and_verifier
    token = issuer.issue_token("admin@demo.local", "demo12345", now=time.time() - 7200, ttl=3600)
    assert_rejected(v, token, "token expired")
    with pytest.raises(ValueError):
        issuer.issue_token("admin@demo.local", "demo12345", ttl=0)


def test_local_issuer_env_overrides(local_env):
    env = dict(
        local_env,
        LOCAL_DEMO_PASSWORD="another-demo-pass",
        LOCAL_ISSUER_URL="http://localhost:8000/issuer",
        LOCAL_DEMO_ACCOUNTS=json.dumps({
            "Rina@Demo.Local": {"role": "konsultan", "consultant_id": "K-RINA"},
            "boss@demo.local": {"roles": ["admin", "konsultan"]},
        }),
    )
    issuer = local_issuer.issuer_from_env(env)
    assert issuer.issue_token("rina@demo.local", "demo12345") is None
    assert issuer.issue_token("admin@demo.local", "another-demo-pass") is None  # defaults replaced
    v = TokenVerifier(issuer="http://localhost:8000/issuer", audience=issuer.client_id,
                      jwks=StaticJwks(issuer.jwks()), consultant_id_claim="consultant_id")
    rina = v.verify(issuer.issue_token("rina@demo.local", "another-demo-pass"))
    assert rina.roles == {"konsultan"} and rina.consultant_id == "K-RINA"
    assert v.verify(issuer.issue_token("boss@demo.local", "another-demo-pass")).roles == {"admin", "konsultan"}


@pytest.mark.parametrize(
    "raw",
    ["{not json", "[]", "{}", json.dumps({"x@demo.local": {"role": "superadmin"}}),
     json.dumps({"not-an-email": {"role": "admin"}}), json.dumps({"a@demo.local": "admin"})],
)
def test_local_issuer_bad_accounts_config_fails(local_env, raw):
    with pytest.raises(RuntimeError):
        local_issuer.issuer_from_env(dict(local_env, LOCAL_DEMO_ACCOUNTS=raw))


@pytest.mark.parametrize("stage_env", [{"STAGE": "prod"}, {"APP_STAGE": "prod"}])
def test_local_issuer_refuses_prod(local_env, stage_env):
    with pytest.raises(RuntimeError):
        local_issuer.issuer_from_env(dict(local_env, **stage_env))
    assert not os.path.exists(local_env["LOCAL_ISSUER_KEY_FILE"])


def test_module_level_issue_token_and_jwks_use_os_environ(local_env, monkeypatch):
    for name in ("STAGE", "APP_STAGE", "LOCAL_DEMO_ACCOUNTS", "LOCAL_DEMO_PASSWORD", "LOCAL_ISSUER_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOCAL_ISSUER_KEY_FILE", local_env["LOCAL_ISSUER_KEY_FILE"])
    monkeypatch.setenv("AUTH_MODE", "local")
    assert local_issuer.issue_token("budi@demo.local", "nope") is None
    token = local_issuer.issue_token("budi@demo.local", "demo12345")
    assert local_issuer.jwks()["keys"][0]["kid"] == jwt.get_unverified_header(token)["kid"]
    assert verifier_from_env().verify(token).consultant_id == "K-BUDI"
