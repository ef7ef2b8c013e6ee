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

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..domain import counters as stats
from ..domain import periods, rules
from ..domain.counters import feedback_summary
from ..domain.errors import InputError
from ..store import campaigns as campaigns_store
from ..store import feedback as feedback_store
from ..store import stats as stats_store
from . import broadcasts, campaigns, capacity, insights, team

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


# One definition per figure, shown on the page: the two ways of counting never read as a contradiction.
DEFINITIONS = {
    "cohort": "Pendaftar dan alurnya (dijadwalkan, hadir, umpan balik) dihitung dari orang yang mendaftar dalam rentang "
              "ini, kapan pun sesinya.",
    "sessions": "Sesi, kehadiran, kursi, waktu tunggu dan umpan balik dihitung dari sesi yang tanggalnya dalam rentang "
                "ini, kapan pun pendaftarnya mendaftar.",
}


@dataclass
class Weeks:
    """The counters of the whole ISO weeks (WIB) covering a requested range, read at once."""

    start: date  # as requested
    end: date
    mondays: list[date]
    weeks: list[dict]  # one counter item per week, in order
    all_time: dict

    @property
    def first(self) -> date:
        return self.mondays[0]

    @property
    def last(self) -> date:
        return self.mondays[-1] + timedelta(days=6)

    def total(self, name: str) -> int:
        return stats.total(self.weeks, name)

    def by(self, prefix: str) -> dict[str, int]:
        return stats.by_prefix(self.weeks, prefix)

    @classmethod
    def read(cls, start: date, end: date) -> "Weeks":
        mondays = stats.weeks_covering(start, end)
        keys = [stats.week_key(m) for m in mondays]
        stored = stats_store.read_periods(keys + [stats.ALL])
        return cls(start, end, mondays, [stored.get(k, {}) for k in keys], stored.get(stats.ALL, {}))


def build(start: date, end: date) -> dict:
    """The dashboard for start..end (WIB dates), widened to whole ISO weeks."""
    w = Weeks.read(start, end)
    names = {c.consultant_id: c.name for c in team.list_consultants()}
    campaign_records = campaigns_store.all()
    return {
        "range": {"requested_from": start.isoformat(), "requested_to": end.isoformat(), "from": w.first.isoformat(),
                  "to": w.last.isoformat(), "weeks": [stats.week_label(m) for m in w.mondays], "unit": "week"},
        "definitions": DEFINITIONS,
        "registrations": _registrations(w, {c.code: c.name for c in campaign_records}),
        "reach": _reach(w),
        "funnel": _funnel(w),
        "sessions": _sessions(w),
        "feedback": _feedback(w, names),
        "whatsapp": whatsapp_summary(w.weeks),
        "campaigns": _campaigns(w, campaign_records),
        "broadcasts": broadcasts.list_view(w.first, w.last, w.all_time),
    }


def _registrations(w: Weeks, campaign_names: dict[str, str]) -> dict:
    per_week = [{"week": stats.week_label(m), "start": m.isoformat(), "end": (m + timedelta(days=6)).isoformat(),
                 "total": item.get(stats.REG, 0),
                 "by_service": {s: item.get(stats.reg_key(stats.BY_SERVICE, s), 0) for s in rules.SERVICES},
                 "sessions": item.get(stats.SEAT, 0), "attended": item.get(stats.S_ATT, 0),
                 "no_show": item.get(stats.S_NOSHOW, 0)}
                for m, item in zip(w.mondays, w.weeks)]
    by_campaign = w.by(stats.reg_key(stats.BY_CAMPAIGN))
    return {
        "total": w.total(stats.REG),
        "per_week": per_week,
        "by_service": _labelled(w.by(stats.reg_key(stats.BY_SERVICE)), rules.SERVICES),
        "by_mode": _labelled(w.by(stats.reg_key(stats.BY_MODE)), rules.MODES),
        "by_topic": _labelled(w.by(stats.reg_key(stats.BY_TOPIC)), rules.TOPICS),
        "by_source": _labelled(w.by(stats.reg_key(stats.BY_SOURCE)), rules.SOURCE_LABELS),
        "by_campaign": [{"code": code, "name": campaign_names.get(code), "count": n}
                        for code, n in sorted(by_campaign.items(), key=lambda kv: (-kv[1], kv[0]))],
        "follow_ups": w.total(stats.REG_FOLLOW_UP),
        "by_channel": _channels(w),
    }


def _channels(w: Weeks) -> list[dict]:
    """Registrations per channel: those counted by channel, and the web form for the rest."""
    counted = w.by(stats.reg_key(stats.BY_CHANNEL))
    other = {c: counted.get(c, 0) for c in rules.CHANNELS if c != rules.CHANNEL_WEB}
    return [{"key": c, "label": label, "count": other.get(c, w.total(stats.REG) - sum(other.values()))}
            for c, label in rules.CHANNELS.items()]


def _reach(w: Weeks) -> dict:
    kec = w.by(stats.reg_key(stats.BY_KECAMATAN))
    return {
        "kecamatan": [{"name": k, "count": kec.get(k, 0)} for k in rules.kecamatan_list()],
        "reached": sum(1 for k in rules.kecamatan_list() if kec.get(k, 0)),
        "total": len(rules.kecamatan_list()),
    }


def _funnel(w: Weeks) -> dict:
    return {
        "registered": w.total(stats.REG),
        "scheduled": w.total(stats.SCHED),
        "attended": w.total(stats.ATT),
        "feedback": w.total(stats.FB),
        "cancelled": w.total(stats.CANCEL),
        "expired_events": w.total(stats.EXP),
    }


def _sessions(w: Weeks) -> dict:
    attended, no_show = w.total(stats.S_ATT), w.total(stats.S_NOSHOW)
    histogram = w.by(stats.WAIT_PREFIX)
    taken = w.total(stats.SEAT)
    offered = len(capacity.slots(w.first, w.last))
    return {
        "held_seats": taken,
        "attended": attended,
        "no_show": no_show,
        "no_show_rate": _ratio(no_show, attended + no_show),
        "cancelled_by_visitor": w.total(stats.S_CANCEL_VISITOR),
        "cancelled_by_office": w.total(stats.S_CANCEL_OFFICE),
        "other_dates": w.total(stats.S_OTHER_DATES),  # given up for other dates: not a cancellation
        "by_service": {s: w.total(stats.seat_key(stats.BY_SERVICE, s)) for s in rules.SERVICES},
        "by_mode": {m: w.total(stats.seat_key(stats.BY_MODE, m)) for m in rules.MODES},
        # Seats taken at the walk-in desk (counted in held_seats too).
        "walk_in": {s: w.total(stats.seat_key(stats.BY_WALK_IN, s)) for s in rules.SERVICES},
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
    }


def _feedback(w: Weeks, names: dict[str, str]) -> dict:
    fb_con, fb_top, fb_svc = (_feedback_scopes(w.weeks, s) for s in ("con", "top", "svc"))
    return {
        "overall": feedback_summary(_feedback_scopes(w.weeks, "all").get("-", {})),
        "per_consultant": sorted(
            [{"id": cid, "name": names.get(cid, cid), **feedback_summary(v)} for cid, v in fb_con.items()],
            key=lambda r: (-r["count"], r["name"])),
        "per_topic": [{"key": t, "label": rules.TOPICS.get(t, t), **feedback_summary(fb_top[t])}
                      for t in list(rules.TOPICS) + sorted(set(fb_top) - set(rules.TOPICS)) if t in fb_top],
        "per_service": [{"key": s, "label": rules.SERVICES.get(s, s), **feedback_summary(fb_svc[s])}
                        for s in rules.SERVICES if s in fb_svc],
        "walk_in": feedback_summary(_feedback_scopes(w.weeks, stats.BY_CHANNEL).get(rules.CHANNEL_DESK, {})),
        "latest_comments": latest_comments(w.first, w.last, names),
    }


def _campaigns(w: Weeks, campaign_records: list) -> list[dict]:
    by_campaign = w.by(stats.reg_key(stats.BY_CAMPAIGN))
    known = {c.code for c in campaign_records}
    rows = []
    for c in sorted(campaign_records, key=lambda c: c.created_at, reverse=True):
        row = campaigns.view(c, registrations=by_campaign.get(c.code, 0))
        row["registrations_all_time"] = w.all_time.get(stats.reg_key(stats.BY_CAMPAIGN, c.code), 0)
        # The posts' interactions over the range, day by day, when they are read from Meta.
        row["days"] = insights.campaign_days(c.code, w.first, w.last) if any(p.media_id for p in c.posts or []) else []
        rows.append(row)
    for code in sorted(set(by_campaign) - known):
        rows.append({"code": code, "name": None, "channel": None, "registrations": by_campaign[code],
                     "registrations_all_time": w.all_time.get(stats.reg_key(stats.BY_CAMPAIGN, code), 0), "posts": [],
                     "interaction": {"likes": 0, "comments": 0, "questions": 0}, "unknown": True})
    return rows


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
