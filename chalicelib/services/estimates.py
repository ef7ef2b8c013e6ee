"""What a visitor reads about the wait: the published estimate (services/forecast.py publishes it
every 30 minutes), for their service and mode, and for the days they actually pick. One GetItem,
no computation beyond reading the published futures.
"""
from __future__ import annotations

from datetime import date

from ..domain import forecast as fc
from ..store import forecasts as store


def public_view() -> dict:
    """What the signup page reads: the estimates' words per service and mode (or nothing yet)."""
    item = store.load(store.PUBLIC)
    if item is None:
        return {"estimates": {}, "computed_at": None}
    return {"estimates": {s: {m: {k: e[k] for k in ("status", "median", "p90", "text")} for m, e in modes.items()}
                          for s, modes in item["estimates"].items()}, "computed_at": item["computed_at"]}


def public_estimate(service: str, mode: str, days) -> dict | None:
    """The estimate for a visitor who offers `days` (ISO dates) for `service` and `mode`, from the
    published futures (one GetItem); None before the first publication or for an unknown choice."""
    item = store.load(store.PUBLIC)
    found = ((item or {}).get("estimates") or {}).get(service, {}).get(mode)
    if not found or "masks" not in found:
        return {k: found[k] for k in ("status", "median", "p90", "text")} if found else None
    general = fc.Estimate(service, mode, found["status"], found["median"], found["p90"], found.get("horizon", 0))
    chosen = []
    for d in days or ():
        try:
            chosen.append(date.fromisoformat(d))
        except (TypeError, ValueError):
            continue
    e = fc.for_days(service, mode, chosen, tuple(date.fromisoformat(d) for d in item.get("offered", [])),
                    tuple(date.fromisoformat(d) for d in item.get("working", [])), found["masks"], general)
    return {k: v for k, v in e.as_dict().items() if k in ("status", "median", "p90", "text")}


def text_for(service: str, mode: str, days) -> str | None:
    """The words a visitor who picked these days reads (and is sent in the confirmation)."""
    found = public_estimate(service, mode, days)
    return found["text"] if found else None


def for_query(service: str | None, mode: str | None, days: str | None) -> dict:
    """The signup page's question: every published estimate, or the one for a service, a mode and
    the days picked (comma-separated ISO dates, at most a handful)."""
    if not service and not mode and not days:
        return public_view()
    chosen = [d for d in (days or "").split(",") if d][:10]
    found = public_estimate(service or "", mode or "", chosen) if service and mode else None
    return {"estimate": found}
