"""Errors the domain raises for the caller to answer with a 4xx: field -> message (Indonesian)."""
from __future__ import annotations


class InputError(Exception):
    """Bad input the client must fix: 400 with field-level messages."""

    status = 400

    def __init__(self, errors: dict, status: int | None = None):
        super().__init__(status or self.status)
        self.errors = dict(errors)
        if status is not None:
            self.status = status


class NotFound(InputError):
    status = 404


class Conflict(InputError):
    status = 409
