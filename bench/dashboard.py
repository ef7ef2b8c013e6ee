"""Benchmark: DynamoDB reads of one evaluation dashboard load at 1k and at 100k registrations.

Run:  .venv/bin/python bench/dashboard.py

What is loaded (in moto, in process), and what is NOT:
* a team of 8 consultants with weekly rosters and 2 rooms, 6 campaigns with posts;
* N registrations' worth of EVENTS spread over the 52 weeks before today: each registration is
  created (service, topics, source, campaign, kecamatan), ~85% get a session, ~75% of those
  come, ~10% are no-shows, ~60% of attendees answer the feedback form. Every event goes
  through the same pure functions the request paths use (chalicelib/domain/counters.py); their changes
  are summed per period in memory and each counter item is written with ONE PutItem, instead of
  one transaction per event: the items hold exactly what the ADD updates would have left.
* the registration, session and outbox ITEMS themselves are not created: the dashboard never
  reads them. Only the feedback answers with a comment are written as items (the dashboard's
  "latest comments" Query reads them): 40 per month at 1k, 4,000 per month at 100k.

It then loads the dashboard for the last 12 weeks (`chalicelib.services.evaluation.build`) and prints
every DynamoDB operation it made, the items those operations returned or examined, and the
time (moto in process: the time is CPU here, not network; in AWS add ~5-10 ms per call).
It exits non-zero if the read operations at 100k differ from those at 1k.
"""
from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from chalicelib import clock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "ap-southeast-3",
                   "AWS_REGION": "ap-southeast-3", "TABLE_PREFIX": "cleanclear-bench"})
os.environ.pop("DYNAMODB_ENDPOINT", None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from pynamodb.connection.base import Connection  # noqa: E402

from chalicelib.domain import counters as stats  # noqa: E402
from chalicelib.domain import rules  # noqa: E402
from chalicelib.services import evaluation as dashboard  # noqa: E402
from chalicelib.services import roster, team  # noqa: E402
from chalicelib.store.models import (  # noqa: E402
    TEAM,
    CampaignPost,
    CampaignRecord,
    FeedbackRecord,
    StatsRecord,
)
from chalicelib.store.tables import create_tables  # noqa: E402

ADMIN = "bench@demo.local"
WEEKS_OF_DATA = 52
RANGE_DAYS = 84  # the dashboard range: 12 weeks
CAMPAIGNS = ["ig-jan", "ig-mar", "fb-umkm", "acara-cibinong", "wa-B20260101", "fb-koperasi"]


class Recorder:
    """Counts every DynamoDB operation PynamoDB sends, and the items in each answer."""

    def __init__(self):
        self.ops: Counter = Counter()
        self.items = 0
        self.active = False
        self._original = Connection.dispatch

    def __enter__(self):
        recorder = self

        def dispatch(conn, operation_name, operation_kwargs):
            answer = recorder._original(conn, operation_name, operation_kwargs)
            if recorder.active:
                recorder.ops[operation_name] += 1
                if operation_name == "BatchGetItem":
                    recorder.items += sum(len(v) for v in answer.get("Responses", {}).values())
                elif operation_name in ("Query", "Scan"):
                    recorder.items += answer.get("ScannedCount", answer.get("Count", 0))
                elif operation_name == "GetItem":
                    recorder.items += 1 if answer.get("Item") else 0
            return answer

        Connection.dispatch = dispatch
        return self

    def __exit__(self, *exc):
        Connection.dispatch = self._original


def make_team(rng: random.Random) -> None:
    topics = list(rules.TOPICS)
    for n in range(8):
        services = ["koperasi"] if n < 3 else ["ukm"] if n < 6 else ["koperasi", "ukm"]
        team.create_consultant(ADMIN, {"name": f"Konsultan {n + 1}", "services": services,
                                       "topics": rng.sample(topics, 3), "modes": ["tatap_muka", "daring"]},
                               consultant_id=f"K-{n + 1:02d}")
        roster.set_weekly_pattern(ADMIN, f"K-{n + 1:02d}", [{"weekday": d, "service": s} for s in services
                                                         for d in sorted(rng.sample(range(5), 3))])
    for n in range(2):
        team.create_room(ADMIN, {"name": f"Ruang {n + 1}"}, room_id=f"R-{n + 1}")
    now = rules.to_utc_iso(clock.now())
    for code in CAMPAIGNS:
        posts = [CampaignPost(post_id=f"P{i}", platform="instagram", likes=rng.randint(10, 500),
                              comments=rng.randint(0, 40), questions=rng.randint(0, 15), updated_at=now, updated_by=ADMIN)
                 for i in range(1, 4)]
        CampaignRecord(TEAM, code, name=f"Kampanye {code}", channel="instagram", created_at=now, created_by=ADMIN,
                       updated_at=now, posts=posts).save()


TOTALS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def load_events(n: int, rng: random.Random, today) -> tuple[int, int]:
    """n registrations' worth of events, through chalicelib.stats; returns (items put, comments)."""
    kecamatan = rules.kecamatan_list()
    consultants = [f"K-{i:02d}" for i in range(1, 9)]
    comments_per_month: dict[str, int] = defaultdict(int)
    comment_quota = max(3, n // 300)  # feedback items with a comment, per month

    def add(change):
        for period, counters in change.items():
            for name, delta in counters.items():
                TOTALS[period][name] += delta

    first_day = today - timedelta(weeks=WEEKS_OF_DATA)
    comments = []
    for _ in range(n):
        created_day = first_day + timedelta(days=rng.randrange(WEEKS_OF_DATA * 7))
        created = datetime.combine(created_day, datetime.min.time(), tzinfo=rules.WIB) + timedelta(hours=rng.randint(7, 21))
        created_at = rules.to_utc_iso(created)
        service = rng.choice(["koperasi", "ukm", "ukm"])
        topics = rng.sample(list(rules.topics_for(service)), rng.randint(1, 3))
        mode = rng.choice(list(rules.MODES))
        add(stats.registration_created(created_at=created_at, service=service, topics=topics,
                                       source=rng.choice(list(rules.SOURCES)),
                                       campaign=rng.choice(CAMPAIGNS + [None] * 4),
                                       kecamatan=rng.choice(kecamatan), mode=mode))
        if rng.random() < 0.85:
            day = (created_day + timedelta(days=rng.randint(1, 20))).isoformat()
            add(stats.session_booked(registration_created_at=created_at, first=True, day=day, service=service, mode=mode))
            roll = rng.random()
            if roll < 0.75:
                add(stats.attendance_changed(registration_created_at=created_at, day=day, old="terjadwal", new="hadir"))
                if rng.random() < 0.6:
                    consultant = rng.choice(consultants)
                    rec = rng.randint(3, 10)
                    add(stats.feedback_given(registration_created_at=created_at, day=day, consultant_id=consultant,
                                             service=service, topics=topics, satisfaction=rng.randint(2, 5),
                                             helpfulness=rng.randint(2, 5), recommend=rec,
                                             answered=rng.choice(["ya", "ya", "sebagian", "tidak"])))
                    month = day[:7]
                    if comments_per_month[month] < comment_quota:
                        comments_per_month[month] += 1
                        comments.append((day, consultant, service, topics, rec))
            elif roll < 0.85:
                add(stats.attendance_changed(registration_created_at=created_at, day=day, old="terjadwal", new="tidak_hadir"))
    # The summed counters, one PutItem per period (the same item the ADD updates would leave).
    client = boto3.client("dynamodb", region_name="ap-southeast-3")
    for period, counters in TOTALS.items():
        item = {"period": {"S": period}, **{k: {"N": str(v)} for k, v in counters.items() if v}}
        client.put_item(TableName=StatsRecord.Meta.table_name, Item=item)
    for day, consultant, service, topics, rec in comments:
        at = datetime.fromisoformat(day).replace(hour=2, tzinfo=rules.UTC) + timedelta(minutes=rng.randint(0, 600))
        FeedbackRecord(f"S-{rng.getrandbits(48):012X}", reference="BENCH1", consultant_id=consultant, service=service,
                       mode="daring", topics=topics, session_day=day, satisfaction=4, answered="ya", helpfulness=4,
                       recommend=rec, improve="Ruang tunggu perlu kursi lebih banyak.", created_at=rules.to_utc_iso(at),
                       month=rules.wib_now(at).strftime("%Y-%m")).save()
    return len(TOTALS), len(comments)


def measure(start, end) -> tuple[Counter, int, float, dict]:
    with Recorder() as rec:
        rec.active = True
        t0 = time.perf_counter()
        answer = dashboard.build(start, end)
        seconds = time.perf_counter() - t0
    return rec.ops, rec.items, seconds, answer


def main() -> int:
    rng = random.Random(20261128)
    today = clock.today()
    start, end = today - timedelta(days=RANGE_DAYS - 1), today
    results = {}
    with mock_aws():
        create_tables()
        make_team(rng)
        loaded = 0
        for target in (1_000, 100_000):
            t0 = time.perf_counter()
            added = target - loaded
            calls, comments = load_events(added, rng, today)
            load_seconds = time.perf_counter() - t0
            loaded = target
            ops, items, seconds, answer = measure(start, end)
            results[target] = ops
            print(f"--- {target:,} registrations' worth of events over {WEEKS_OF_DATA} weeks "
                  f"(this step added {added:,} in {load_seconds:.1f} s; {calls} counter items put, "
                  f"{comments} feedback items with comments; no registration/session items)")
            print(f"dashboard {start} .. {end} (widened to {answer['range']['from']} .. {answer['range']['to']}, "
                  f"{len(answer['range']['weeks'])} weeks)")
            print(f"  DynamoDB operations: {sum(ops.values())}  " + ", ".join(f"{k} {v}" for k, v in sorted(ops.items())))
            print(f"  items returned/examined by them: {items}")
            print(f"  time: {seconds * 1000:.0f} ms (moto in process)")
            print(f"  figures: {answer['registrations']['total']:,} registrations in range, funnel "
                  f"{answer['funnel']['registered']:,} > {answer['funnel']['scheduled']:,} > {answer['funnel']['attended']:,} > "
                  f"{answer['funnel']['feedback']:,}, waiting median {answer['sessions']['waiting_days']['median']} d / "
                  f"p90 {answer['sessions']['waiting_days']['p90']} d, utilisation {answer['sessions']['utilisation']['rate']}, "
                  f"NPS {answer['feedback']['overall']['nps']}, {len(answer['feedback']['latest_comments'])} latest comments")
    print("(100k registrations a year is far more than this 8-consultant roster can serve: a utilisation above 1 "
          "is the synthetic load, not a bug; the point is the read count)")
    same = results[1_000] == results[100_000]
    print(f"read operations at 1k == at 100k: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
