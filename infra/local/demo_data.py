"""Demo data for `make run`: loaded once, safe to load again."""
from __future__ import annotations


def load() -> None:
    """Nothing to seed yet beyond the tables: the team, rooms and roster arrive with them."""
