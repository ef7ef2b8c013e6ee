"""The audit trail as staff read it: who changed what, when (written with every change by the
unit of work, store/unit_of_work.py), each entry as a sentence with names, not ids."""
from __future__ import annotations

from datetime import date

from ..domain import audit_text
from ..domain.references import normalize_reference
from ..messages import catalog
from ..store import audit as store
from ..store import registrations as registrations_store
from . import team


def list_day(day: date) -> list[dict]:
    items = store.list_day(day.isoformat())
    references = {i["target"] for i in items if normalize_reference(i["target"]) == i["target"]}
    names = audit_text.Names(
        visitors={ref: r.name for ref, r in registrations_store.get_many(references).items() if r.name},
        consultants={c.consultant_id: c.name for c in team.list_consultants()},
        rooms={r.room_id: r.name for r in team.list_rooms()},
        templates={name: kind.label for name, kind in catalog.BY_NAME.items()},
    )
    return [{**i, "when": audit_text.when(i["at"]),
             "sentence": audit_text.sentence(i["actor"], i["action"], i["target"], i["details"], names)} for i in items]
