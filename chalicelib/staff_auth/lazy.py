"""PyJWT, imported when a token is first verified rather than when the app is imported.

`import jwt` pulls in most of `cryptography` (about 80 ms). Every Lambda function imports the
whole app, but only the staff authorizer (and the local sign-in) verifies tokens: the others no
longer pay for it at their cold start (bench/cold_start.py)."""
from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


jwt = LazyModule("jwt")
