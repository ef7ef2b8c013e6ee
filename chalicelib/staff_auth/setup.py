"""Which token verifier the environment asks for (AUTH_MODE), and the local sign-in.

AUTH_MODE=cognito: COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_APP_CLIENT_ID (required);
    COGNITO_TOKEN_USE "id" (default) or "access".
AUTH_MODE=local: the local issuer (make run, tests); refused in the prod stage.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .tokens import (
    COGNITO_CONSULTANT_ID_CLAIM,
    LOCAL_CONSULTANT_ID_CLAIM,
    TOKEN_USE_ACCESS,
    TOKEN_USE_ID,
    StaticJwks,
    TokenVerifier,
    cognito_issuer,
    cognito_jwks_url,
    is_prod_stage,
    shared_remote_jwks,
)

_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def verifier_from_env(env: Mapping[str, str] | None = None) -> TokenVerifier:
    """Build the verifier the environment asks for; ``RuntimeError`` on any doubt.

    AUTH_MODE=cognito: COGNITO_REGION, COGNITO_USER_POOL_ID, COGNITO_APP_CLIENT_ID
        (required); COGNITO_TOKEN_USE "id" (default) or "access".
    AUTH_MODE=local:   the local issuer (staff_auth/local_issuer.py); refused in prod.
    """
    env = os.environ if env is None else env
    mode = (env.get("AUTH_MODE") or "").strip().lower()
    if is_prod_stage(env) and mode != "cognito":
        # Hard rule: the local issuer (known demo password, key on disk) never guards prod.
        raise RuntimeError(
            "AUTH_MODE must be 'cognito' in the prod stage; refusing to start"
        )

    if mode == "cognito":
        region = (env.get("COGNITO_REGION") or "").strip()
        pool_id = (env.get("COGNITO_USER_POOL_ID") or "").strip()
        client_id = (env.get("COGNITO_APP_CLIENT_ID") or "").strip()
        missing = [
            name
            for name, value in (
                ("COGNITO_REGION", region),
                ("COGNITO_USER_POOL_ID", pool_id),
                ("COGNITO_APP_CLIENT_ID", client_id),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(f"AUTH_MODE=cognito needs {', '.join(missing)}")
        if not _REGION_RE.match(region):
            raise RuntimeError("COGNITO_REGION does not look like an AWS region")
        # Cognito user pool ids are "<region>_<id>"; a mismatch is a config mistake.
        if not pool_id.startswith(region + "_") or "/" in pool_id:
            raise RuntimeError("COGNITO_USER_POOL_ID does not belong to COGNITO_REGION")
        token_use = (env.get("COGNITO_TOKEN_USE") or TOKEN_USE_ID).strip().lower()
        if token_use not in (TOKEN_USE_ID, TOKEN_USE_ACCESS):
            raise RuntimeError("COGNITO_TOKEN_USE must be 'id' or 'access'")
        return TokenVerifier(
            issuer=cognito_issuer(region, pool_id),
            audience=client_id,
            jwks=shared_remote_jwks(cognito_jwks_url(region, pool_id)),
            expected_token_use=token_use,
            consultant_id_claim=COGNITO_CONSULTANT_ID_CLAIM,
        )

    if mode == "local":
        from . import local_issuer  # noqa: PLC0415 - local mode only: its RSA key code is cold-start time in Lambda

        issuer = (
            local_issuer.default_issuer()
            if env is os.environ
            else local_issuer.issuer_from_env(env)
        )
        return TokenVerifier(
            issuer=issuer.issuer,
            audience=issuer.client_id,
            jwks=StaticJwks(issuer.jwks()),
            expected_token_use=TOKEN_USE_ID,
            consultant_id_claim=LOCAL_CONSULTANT_ID_CLAIM,
        )

    raise RuntimeError("AUTH_MODE must be 'cognito' or 'local'")


def issue_local_token(email: str, password: str) -> str | None:
    """The local issuer's sign-in (AUTH_MODE=local only; loaded on first use, never in Lambda)."""
    from . import local_issuer  # noqa: PLC0415 - see verifier_from_env

    return local_issuer.issue_token(email, password)
