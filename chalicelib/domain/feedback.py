"""The feedback form's answers: what a visitor may send after a session. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import skm, validation

IMPROVE_MAX = 1000
ANSWERED = {"ya": "Ya, terjawab", "sebagian": "Sebagian", "tidak": "Tidak terjawab"}


@dataclass(frozen=True)
class Answers:
    satisfaction: int
    answered: str
    helpfulness: int
    recommend: int
    improve: str | None
    follow_up: bool
    days: tuple[date, ...]
    skm: dict | None = None  # the SKM's nine unsur answered ({"u1": 1..4}: domain/skm.py)
    profile: dict | None = None  # the respondent's profile, only the parts given


def _score(payload: dict, errors: validation.Errors, field: str, lo: int, hi: int, missing: str) -> int | None:
    value = payload.get(field)
    if value is None or value == "":
        errors.add(field, missing)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, f"Nilai harus berupa angka bulat {lo}–{hi}.")
        return None
    if not lo <= value <= hi:
        errors.add(field, f"Nilai harus antara {lo} dan {hi}.")
        return None
    return value


def validate_answers(payload: object, *, today: date, closed: set[date]) -> tuple[Answers | None, validation.Errors]:
    """Check the feedback form. Returns (answers, {}) or (None, {field: message in Indonesian})."""
    errors = validation.Errors()
    if not isinstance(payload, dict):
        errors.add("_form", "Data formulir tidak valid.")
        return None, errors
    satisfaction = _score(payload, errors, "satisfaction", 1, 5, "Pilih tingkat kepuasan Anda (1–5).")
    answered = payload.get("answered")
    if answered is None or answered == "":
        errors.add("answered", "Pilih apakah masalah Anda terjawab.")
    elif not isinstance(answered, str) or answered not in ANSWERED:
        errors.add("answered", "Pilihan tidak dikenal. Pilih ya, sebagian, atau tidak.")
    helpfulness = _score(payload, errors, "helpfulness", 1, 5, "Pilih seberapa membantu konsultan (1–5).")
    recommend = _score(payload, errors, "recommend", 0, 10,
                       "Pilih seberapa besar kemungkinan Anda merekomendasikan layanan ini (0–10).")
    improve = validation.text_field(payload, errors, "improve", 0, IMPROVE_MAX, required=False,
                                     what="Saran perbaikan", multiline=True)
    follow_up = payload.get("follow_up", False)
    if follow_up is None:
        follow_up = False
    if not isinstance(follow_up, bool):
        errors.add("follow_up", "Pilih ya atau tidak.")
        follow_up = False
    days: list[date] = []
    if follow_up:
        days, msg = validation.validate_days(payload.get("days"), today, closed)
        if msg:
            errors.add("days", msg)
    survey, profile = skm.validate(payload, errors)
    if errors:
        return None, errors
    return Answers(satisfaction, answered, helpfulness, recommend, improve or None, follow_up, tuple(days),
                   survey or None, profile or None), errors
