"""What the program pays WhatsApp: each charged message's price from the `pricing` object of
Meta's status webhooks, counted once per message in the month, by category and per attended
session, at the office's rates (settings)."""
from __future__ import annotations

import json

from chalicelib import clock
from chalicelib.domain import costs
from chalicelib.store.models import OutboxRecord
from tests.services.test_whatsapp_replies import booked_and_confirmed, clinic, graph, post  # noqa: F401

UTILITY = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}


def statuses(*items) -> bytes:
    """Meta's status webhook: (wamid, status, pricing or None)."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1098765432"},
                                       "statuses": [{"id": w, "status": s, "timestamp": "1794000000",
                                                     "recipient_id": "6281320000001",
                                                     **({"pricing": p} if p else {})} for w, s, p in items]}}]}]}).encode()


def test_a_charged_message_is_counted_once_at_the_offices_rate(client, clinic, graph, admin, monkeypatch):
    monkeypatch.setenv("WHATSAPP_RATE_UTILITY", "0.0300")
    _, _, confirmation = booked_and_confirmed(client, graph)
    wamid = confirmation["_wamid"]
    for status in ("sent", "delivered", "read"):  # each status carries the pricing again
        assert post(client, statuses((wamid, status, UTILITY))).status_code == 200
    post(client, statuses((wamid, "read", UTILITY)))  # and Meta delivers a webhook twice
    record = OutboxRecord.by_provider_id.query(wamid).next()
    assert (record.price_category, record.price_micro) == ("utility", 30_000)
    month = clock.wib_now().strftime("%Y-%m")
    spend = admin.get(f"/staff/costs?month={month}").json_body
    utility = next(c for c in spend["categories"] if c["category"] == "utility")
    assert (utility["messages"], utility["usd"], spend["usd"]) == (1, 0.03, 0.03)
    assert spend["attended_sessions"] == 0 and spend["usd_per_session"] is None  # never a figure without its base
    assert admin.get("/staff/costs?month=2026-13").status_code == 400


def test_free_messages_and_statuses_without_pricing_cost_nothing():
    assert costs.charged({"billable": False, "pricing_model": "PMP", "category": "service",
                          "type": "free_customer_service"}) is None
    assert costs.charged({"pricing_model": "PMP", "category": "utility", "type": "free_entry_point"}) is None
    assert costs.charged(None) is None and costs.charged({"category": "utility"}) is None
    assert costs.charged({"billable": True, "category": "marketing_lite"}) == "marketing"  # an older shape
    assert costs.charged({**UTILITY, "category": "service"}) == "service"
    assert costs.price_micro("marketing", {}) == 41_100 and costs.price_micro("utility", {"utility": 0.02}) == 20_000
