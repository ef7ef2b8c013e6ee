"""A consultant deactivated on the team page loses access at once: their unexpired token opens
nothing (the authorizer), and in Cognito their account is disabled and signed out everywhere."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters import cognito as cognito_users
from chalicelib.services import team
from tests.support.clinic import ADMIN

POOL = "ap-southeast-3_AbCdEf123"
SITI = {"name": "Siti Rahmawati", "services": ["koperasi"], "topics": ["tata_kelola_rat"],
        "modes": ["tatap_muka", "daring"], "staff_email": "siti@demo.local"}


@pytest.fixture
def siti(aws):
    team.create_consultant(ADMIN, SITI, consultant_id="K-SITI")


def test_a_deactivated_consultants_token_opens_nothing_and_reactivation_restores_it(client, siti, admin, konsultan):
    assert konsultan.get("/staff/my-sessions?from=2026-12-07&to=2026-12-11").status_code == 200
    assert admin.put("/staff/consultants/K-SITI", {**SITI, "active": False}).status_code == 200
    # The same, still unexpired token: every staff route refused by the authorizer.
    assert konsultan.get("/staff/my-sessions?from=2026-12-07&to=2026-12-11").status_code == 403
    assert konsultan.get("/staff/me").status_code == 403
    assert admin.get("/staff/me").status_code == 200  # the admin (no consultant) is unaffected
    assert admin.put("/staff/consultants/K-SITI", {**SITI, "active": True}).status_code == 200
    assert konsultan.get("/staff/my-sessions?from=2026-12-07&to=2026-12-11").status_code == 200


def stubbed(monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "cognito")
    monkeypatch.setenv("COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("COGNITO_REGION", "ap-southeast-3")
    client = boto3.client("cognito-idp", region_name="ap-southeast-3")
    stub = Stubber(client)
    monkeypatch.setattr(cognito_users, "_client", client)
    return stub


def test_deactivation_disables_the_cognito_user_and_signs_them_out_everywhere(siti, monkeypatch):
    stub = stubbed(monkeypatch)
    stub.add_response("admin_disable_user", {}, {"UserPoolId": POOL, "Username": "siti@demo.local"})
    stub.add_response("admin_user_global_sign_out", {}, {"UserPoolId": POOL, "Username": "siti@demo.local"})
    stub.add_response("admin_enable_user", {}, {"UserPoolId": POOL, "Username": "siti@demo.local"})
    with stub:
        team.update_consultant(ADMIN, "K-SITI", {**SITI, "active": False})
        team.update_consultant(ADMIN, "K-SITI", {**SITI, "active": False, "name": "Siti R."})  # no change of state: no call
        team.update_consultant(ADMIN, "K-SITI", {**SITI, "active": True})
    stub.assert_no_pending_responses()


def test_a_consultant_without_a_cognito_account_is_deactivated_all_the_same(siti, monkeypatch):
    stub = stubbed(monkeypatch)
    stub.add_client_error("admin_disable_user", "UserNotFoundException", "User does not exist.",
                          expected_params={"UserPoolId": POOL, "Username": "siti@demo.local"})
    with stub:
        team.update_consultant(ADMIN, "K-SITI", {**SITI, "active": False})
    assert team.is_deactivated("K-SITI") is True


def test_the_local_issuer_has_no_pool_to_change(siti, monkeypatch):
    monkeypatch.setenv("AUTH_MODE", "local")
    assert cognito_users.set_enabled("siti@demo.local", False, client=object()) is False
