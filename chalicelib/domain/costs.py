"""What the program's WhatsApp messages cost, from the `pricing` object Meta puts in status
webhooks (per-message pricing, "PMP": ``{"billable", "pricing_model", "category", "type"}``). Pure.

A message is charged when its pricing ``type`` is ``regular`` (free customer-service or
free-entry-point messages are not; an older webhook without ``type`` says ``billable``). Its price
is the office's rate for the category (settings: WHATSAPP_RATE_<CATEGORY>, US$ per delivered
message), kept in micro-dollars so the counters stay whole numbers. Counted once per message, in
the WIB month it was priced (item ``COST#<month>``): ``wa|<category>|n`` and ``wa|<category>|micro``.
"""
from __future__ import annotations

CATEGORIES = ("marketing", "utility", "authentication", "service")
# Meta's rates for Indonesia as the proposal's office planned them (US$ per message); the office
# updates them with the settings when Meta's rate card changes. Since October 2026 free-form replies
# (category service) are charged at the utility rate.
DEFAULT_RATES = {"marketing": 0.0411, "utility": 0.025, "authentication": 0.025, "service": 0.025}
LABELS = {"marketing": "Marketing (siaran)", "utility": "Utility (pemberitahuan)", "authentication": "Autentikasi",
          "service": "Balasan (dalam 24 jam)"}
MICRO = 1_000_000


def charged(pricing: dict | None) -> str | None:
    """The category a message is charged under, or None (free, or no pricing said)."""
    if not isinstance(pricing, dict):
        return None
    kind = pricing.get("type")
    paid = kind == "regular" if isinstance(kind, str) else pricing.get("billable") is True
    category = pricing.get("category")
    if not paid or not isinstance(category, str):
        return None
    category = category.split("_")[0]  # marketing_lite, authentication_international
    return category if category in CATEGORIES else None


def price_micro(category: str, rates: dict[str, float]) -> int:
    return round(rates.get(category, DEFAULT_RATES.get(category, 0.0)) * MICRO)


def period(month: str) -> str:
    return "COST#" + month


def counters(category: str, micro: int) -> dict[str, int]:
    return {f"wa|{category}|n": 1, f"wa|{category}|micro": micro}


def month_view(month: str, items: dict, attended: int) -> dict:
    """A month's WhatsApp spend by category and per attended session (with its base)."""
    rows = [{"category": c, "label": LABELS[c], "messages": int(items.get(f"wa|{c}|n", 0)),
             "usd": round(int(items.get(f"wa|{c}|micro", 0)) / MICRO, 4)} for c in CATEGORIES]
    total = round(sum(r["usd"] for r in rows), 4)
    return {"month": month, "categories": rows, "messages": sum(r["messages"] for r in rows), "usd": total,
            "attended_sessions": attended, "usd_per_session": round(total / attended, 4) if attended else None}
