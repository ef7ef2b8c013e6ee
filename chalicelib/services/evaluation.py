"""The evaluation dashboard ("Evaluasi"): figures for a date range from the counters
(domain/counters.py).

Reads a bounded number of items whatever the number of registrations:
  - one BatchGetItem per 100 weeks of the range (+ the ``ALL`` item) from the stats table;
  - the campaigns and broadcasts (one Query each: tens to hundreds of items, one page);
  - the team tables for names and the offered seats (capacity.slots: a few Queries);
  - the latest comments: one Query page (50 answers) on the feedback month GSI, for at most
    the last two months of the range.

The unit is the ISO week (Monday..Sunday, WIB): a range is widened to the whole weeks that
cover it, and the answer says which weeks (`range.from`/`range.to` are the widened dates).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from ..domain import counters as stats
from ..domain import periods, rules
from ..domain.counters import feedback_summary
from ..domain.errors import InputError
from ..store import campaigns as campaigns_store
from ..store import feedback as feedback_store
from ..store import stats as stats_store
from . import broadcasts, campaigns, capacity, team

MAX_DAYS = 731  # two years: at most 106 weeks = two BatchGetItem calls
DEFAULT_DAYS = 56
COMMENT_MONTHS = 2
COMMENT_PAGE = 50
LATEST_COMMENTS = 10


def parse_range(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise InputError({"to": "Tanggal akhir sebelum tanggal awal."})
    if (end - start).days >= MAX_DAYS:
        raise InputError({"to": f"Rentang paling lama {MAX_DAYS} hari (2 tahun)."})
    return start, end


def _ratio(part: float, whole: float, digits: int = 3) -> float | None:
    return round(part / whole, digits) if whole else None


def _labelled(counts: dict[str, int], labels: dict[str, str], keep_all: bool = True) -> list[dict]:
    keys = list(labels) + sorted(k for k in counts if k not in labels)
    return [{"key": k, "label": labels.get(k, "Lainnya" if k == stats.OTHER else k), "count": counts.get(k, 0)}
            for k in keys if keep_all and k in labels or counts.get(k, 0)]


def _feedback_scopes(items: list[dict], scope: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for key_field, value in stats.by_prefix(items, stats.feedback_key(scope)).items():
        key, field = key_field.rsplit("|", 1)
        out.setdefault(key, {})[field] = value
    return out


def latest_comments(start: date, end: date, names: dict[str, str]) -> list[dict]:
    lo = rules.to_utc_iso(datetime.combine(start, datetime.min.time(), tzinfo=rules.WIB))
    hi = rules.to_utc_iso(datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=rules.WIB))
    out: list[dict] = []
    for month in periods.months_desc(start, end)[:COMMENT_MONTHS]:
        for f in feedback_store.comments_page(month, lo, hi, COMMENT_PAGE):
            if f.improve:
                out.append({"at": f.created_at, "session_day": f.session_day, "consultant_id": f.consultant_id,
                            "consultant_name": names.get(f.consultant_id, f.consultant_id), "service": f.service,
                            "topics": list(f.topics or []), "satisfaction": int(f.satisfaction),
                            "recommend": int(f.recommend), "answered": f.answered, "text": f.improve})
    # Always the same Queries (one page per month, at most COMMENT_MONTHS), however many
    # answers there are: the cost of a dashboard load does not depend on the data.
    return sorted(out, key=lambda c: c["at"], reverse=True)[:LATEST_COMMENTS]


def build(start: date, end: date) -> dict:
    """The dashboard for start..end (WIB dates), widened to whole ISO weeks."""
    mondays = stats.weeks_covering(start, end)
    first, last = mondays[0], mondays[-1] + timedelta(days=6)
    keys = [stats.week_key(m) for m in mondays]
    stored = stats_store.read_periods(keys + [stats.ALL])
    weeks = [stored.get(k, {}) for k in keys]
    all_time = stored.get(stats.ALL, {})

    consultants = team.list_consultants()
    names = {c.consultant_id: c.name for c in consultants}
    campaign_records = campaigns_store.all()

    per_week = [{"week": stats.week_label(m), "start": m.isoformat(), "end": (m + timedelta(days=6)).isoformat(),
                 "total": w.get(stats.REG, 0),
                 "by_service": {s: w.get(stats.reg_key(stats.BY_SERVICE, s), 0) for s in rules.SERVICES},
                 "sessions": w.get(stats.SEAT, 0), "attended": w.get(stats.S_ATT, 0), "no_show": w.get(stats.S_NOSHOW, 0)}
                for m, w in zip(mondays, weeks)]

    by_campaign = stats.by_prefix(weeks, stats.reg_key(stats.BY_CAMPAIGN))
    campaign_names = {c.code: c.name for c in campaign_records}
    kec = stats.by_prefix(weeks, stats.reg_key(stats.BY_KECAMATAN))
    registered = stats.total(weeks, stats.REG)

    attended_s, no_show_s = stats.total(weeks, stats.S_ATT), stats.total(weeks, stats.S_NOSHOW)
    histogram = stats.by_prefix(weeks, stats.WAIT_PREFIX)
    taken = stats.total(weeks, stats.SEAT)
    offered = len(capacity.slots(first, last))

    fb_all = _feedback_scopes(weeks, "all").get("-", {})
    fb_con = _feedback_scopes(weeks, "con")
    fb_top = _feedback_scopes(weeks, "top")
    fb_svc = _feedback_scopes(weeks, "svc")

    campaign_rows = []
    for c in sorted(campaign_records, key=lambda c: c.created_at, reverse=True):
        row = campaigns.view(c, registrations=by_campaign.get(c.code, 0))
        row["registrations_all_time"] = all_time.get(stats.reg_key(stats.BY_CAMPAIGN, c.code), 0)
        campaign_rows.append(row)
    for code in sorted(set(by_campaign) - set(campaign_names)):
        campaign_rows.append({"code": code, "name": None, "channel": None, "registrations": by_campaign[code],
                              "registrations_all_time": all_time.get(stats.reg_key(stats.BY_CAMPAIGN, code), 0), "posts": [],
                              "interaction": {"likes": 0, "comments": 0, "questions": 0}, "unknown": True})

    return {
        "range": {"requested_from": start.isoformat(), "requested_to": end.isoformat(), "from": first.isoformat(),
                  "to": last.isoformat(), "weeks": [stats.week_label(m) for m in mondays], "unit": "week"},
        "registrations": {
            "total": registered,
            "per_week": per_week,
            "by_service": _labelled(stats.by_prefix(weeks, stats.reg_key(stats.BY_SERVICE)), rules.SERVICES),
            "by_mode": _labelled(stats.by_prefix(weeks, stats.reg_key(stats.BY_MODE)), rules.MODES),
            "by_topic": _labelled(stats.by_prefix(weeks, stats.reg_key(stats.BY_TOPIC)), rules.TOPICS),
            "by_source": _labelled(stats.by_prefix(weeks, stats.reg_key(stats.BY_SOURCE)), rules.SOURCE_LABELS),
            "by_campaign": [{"code": code, "name": campaign_names.get(code), "count": n}
                            for code, n in sorted(by_campaign.items(), key=lambda kv: (-kv[1], kv[0]))],
            "follow_ups": stats.total(weeks, stats.REG_FOLLOW_UP),
        },
        "reach": {
            "kecamatan": [{"name": k, "count": kec.get(k, 0)} for k in rules.kecamatan_list()],
            "reached": sum(1 for k in rules.kecamatan_list() if kec.get(k, 0)),
            "total": len(rules.kecamatan_list()),
        },
        "funnel": {
            "registered": registered,
            "scheduled": stats.total(weeks, stats.SCHED),
            "attended": stats.total(weeks, stats.ATT),
            "feedback": stats.total(weeks, stats.FB),
            "cancelled": stats.total(weeks, stats.CANCEL),
            "expired_events": stats.total(weeks, stats.EXP),
        },
        "sessions": {
            "held_seats": taken,
            "attended": attended_s,
            "no_show": no_show_s,
            "no_show_rate": _ratio(no_show_s, attended_s + no_show_s),
            "cancelled_by_visitor": stats.total(weeks, stats.S_CANCEL_VISITOR),
            "cancelled_by_office": stats.total(weeks, stats.S_CANCEL_OFFICE),
            "by_service": {s: stats.total(weeks, stats.seat_key(stats.BY_SERVICE, s)) for s in rules.SERVICES},
            "by_mode": {m: stats.total(weeks, stats.seat_key(stats.BY_MODE, m)) for m in rules.MODES},
            "waiting_days": {
                "count": sum(histogram.values()),
                "median": stats.percentile_days(histogram, 0.5),
                "p90": stats.percentile_days(histogram, 0.9),
                # "days": "0".."60", then "61+" (a string, as the admin page reads it)
                "histogram": [{"days": k, "count": v, "over_limit": k.endswith("+")} for k, v in
                              sorted(histogram.items(), key=lambda kv: int(kv[0].rstrip("+"))) if v],
                "over_limit_label": f"lebih dari {stats.WAIT_MAX_DAYS} hari",
            },
            "utilisation": {"offered": offered, "taken": taken, "rate": _ratio(taken, offered)},
        },
        "feedback": {
            "overall": feedback_summary(fb_all),
            "per_consultant": sorted(
                [{"id": cid, "name": names.get(cid, cid), **feedback_summary(v)} for cid, v in fb_con.items()],
                key=lambda r: (-r["count"], r["name"])),
            "per_topic": [{"key": t, "label": rules.TOPICS.get(t, t), **feedback_summary(fb_top[t])}
                          for t in list(rules.TOPICS) + sorted(set(fb_top) - set(rules.TOPICS)) if t in fb_top],
            "per_service": [{"key": s, "label": rules.SERVICES.get(s, s), **feedback_summary(fb_svc[s])}
                            for s in rules.SERVICES if s in fb_svc],
            "latest_comments": latest_comments(first, last, names),
        },
        "whatsapp": whatsapp_summary(weeks),
        "campaigns": campaign_rows,
        "broadcasts": broadcasts.list_view(first, last, all_time),
    }


def whatsapp_summary(weeks: list[dict]) -> dict:
    """What the visitors did from WhatsApp (services/whatsapp_inbox.py), in the sessions' weeks:
    confirmations, cancellations, seats given back and refilled from the queue at once (and how
    long that took), and the no-show rate of sessions confirmed vs not confirmed."""
    att, noshow = stats.total(weeks, stats.S_ATT), stats.total(weeks, stats.S_NOSHOW)
    att_c, noshow_c = stats.total(weeks, stats.S_ATT_CONF), stats.total(weeks, stats.S_NOSHOW_CONF)
    refilled, refill_ms = stats.total(weeks, stats.S_REFILL), stats.total(weeks, stats.S_REFILL_MS)
    return {
        "confirmed": stats.total(weeks, stats.S_WA_CONFIRM),
        "cancelled": stats.total(weeks, stats.S_CANCEL_WHATSAPP),
        "cancelled_by_visitor": stats.total(weeks, stats.S_CANCEL_VISITOR),
        "refilled": refilled,
        "refill_seconds_avg": round(refill_ms / refilled / 1000, 1) if refilled else None,
        "confirmed_recorded": att_c + noshow_c,
        "no_show_rate_confirmed": _ratio(noshow_c, att_c + noshow_c),
        "unconfirmed_recorded": (att - att_c) + (noshow - noshow_c),
        "no_show_rate_unconfirmed": _ratio(noshow - noshow_c, (att - att_c) + (noshow - noshow_c)),
    }
