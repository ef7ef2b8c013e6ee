"""What every benchmark of the app sets before it imports it: fake AWS credentials (DynamoDB Local
takes any), the bench stage and table prefix, staff signed in by the local issuer, background jobs
run inline, and the site's address and signing key. Each bench adds what its path needs."""
from __future__ import annotations

import os

BASE = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3", "STAGE": "bench", "APP_STAGE": "bench", "AUTH_MODE": "local",
        "TABLE_PREFIX": "bench", "BACKGROUND_JOBS": "inline", "SITE_URL": "https://klinik.example.go.id",
        "APP_SIGNING_KEY": "bench-signing-key"}


def app_environment(**extra: str) -> None:
    """Set the app's settings for a bench: BASE, then `extra` (which wins)."""
    os.environ.update({**BASE, **extra})
