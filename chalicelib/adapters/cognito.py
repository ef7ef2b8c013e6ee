"""Staff accounts in the Cognito user pool: a deactivated consultant loses access at once.

`set_enabled(email, False)` disables the user (no new sign-in) and signs them out everywhere
(their refresh tokens stop working); `set_enabled(email, True)` enables them again. Their ID
token may still be valid for up to an hour: the authorizer refuses a token whose consultant is
inactive (api/guard.py), within the authorizer's 60-second cache. With the local issuer
(AUTH_MODE=local) there is no pool: nothing to do.
"""
from __future__ import annotations

import logging

from .. import settings

logger = logging.getLogger(__name__)

_client = None


def _cognito():
    global _client
    if _client is None:
        import boto3
        from botocore.config import Config

        _client = boto3.client("cognito-idp", region_name=settings.cognito_region() or None,
                               config=Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2}))
    return _client


def set_enabled(email: str | None, enabled: bool, client=None) -> bool:
    """True when the pool was changed; False when there is no pool or no such user."""
    pool = settings.cognito_user_pool_id()
    if not email or settings.auth_mode() != "cognito" or not pool:
        return False
    cognito = client or _cognito()
    try:
        if enabled:
            cognito.admin_enable_user(UserPoolId=pool, Username=email)
        else:
            cognito.admin_disable_user(UserPoolId=pool, Username=email)
            cognito.admin_user_global_sign_out(UserPoolId=pool, Username=email)
    except cognito.exceptions.UserNotFoundException:
        return False  # the account was never made: nothing to take away
    logger.info("staff account %s", "enabled" if enabled else "disabled and signed out")
    return True
