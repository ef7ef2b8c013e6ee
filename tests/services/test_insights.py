"""Campaign posts read from Meta's Graph API (services/insights.py), through the API on moto, with
the Graph API answered by `responses` in its documented shapes: lists paged with `cursors`, insights
items, error codes 4/17/32/613 (rate limits), 190 (a bad token), 100/33 (a deleted post), and the
X-App-Usage / X-Business-Use-Case-Usage headers."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import responses

from chalicelib import clock
from chalicelib.services import campaigns, insights
from chalicelib.store.models import CampaignRecord, PostInsightRecord

GRAPH = "https://graph.facebook.com/v26.0"
IG_USER, PAGE = "17841400000000001", "100064000000001"
ADMIN = "admin@demo.local"
IG_LINK = "https://www.instagram.com/p/DAbCdEf123/?igsh=abc"
FB_LINK = "https://www.facebook.com/diskopukmbogor/posts/pfbid02xyz789"


@pytest.fixture
def graph(aws, monkeypatch):
    for key, value in {"META_INSIGHTS_ACCESS_TOKEN": "EAAtoken", "META_INSIGHTS_IG_USER_ID": IG_USER,
                       "META_INSIGHTS_PAGE_ID": PAGE}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("LOCAL_OUTBOX_DIR", raising=False)
    campaigns.create(ADMIN, {"code": "rat-2027", "name": "Poster RAT 2027", "channel": "instagram"})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def usage(calls: int = 5) -> dict:
    return {"X-App-Usage": json.dumps({"call_count": calls, "total_cputime": 1, "total_time": 1})}


def media_pages(mock, posts_per_page=2, pages=3, target_page=2):
    """The account's media list in pages linked by cursors; the pasted post on `target_page`."""
    for n in range(pages):
        items = [{"id": f"1790{n}{i}", "permalink": f"https://www.instagram.com/p/OTHER{n}{i}x/",
                  "timestamp": "2026-12-01T02:00:00+0000"} for i in range(posts_per_page)]
        if n == target_page:
            items[0] = {"id": "17900TARGET", "permalink": "https://www.instagram.com/p/DAbCdEf123/",
                        "timestamp": "2026-12-03T03:00:00+0000"}
        paging = {"cursors": {"before": f"B{n}", "after": f"A{n}"}}
        if n < pages - 1:
            paging["next"] = f"{GRAPH}/{IG_USER}/media?after=A{n}"
        matcher = [responses.matchers.query_param_matcher(
            {"fields": "id,permalink,timestamp", "limit": "100", **({"after": f"A{n - 1}"} if n else {})})]
        mock.get(f"{GRAPH}/{IG_USER}/media", json={"data": items, "paging": paging}, match=matcher, headers=usage())


def ig_insights(mock, media_id="17900TARGET", views=120, likes=9, comments=("Daftarnya gimana?", "Mantap")):
    mock.get(f"{GRAPH}/{media_id}/insights", headers=usage(), json={"data": [
        {"name": name, "period": "lifetime", "values": [{"value": value}], "title": name, "id": f"{media_id}/insights/{name}/lifetime"}
        for name, value in (("views", views), ("reach", 80), ("likes", likes), ("comments", len(comments)),
                            ("shares", 2), ("saved", 1), ("total_interactions", likes + len(comments) + 3))]})
    mock.get(f"{GRAPH}/{media_id}/comments", headers=usage(),
             json={"data": [{"id": f"c{i}", "text": t} for i, t in enumerate(comments)], "paging": {"cursors": {}}})


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}
    if subcode:
        error["error_subcode"] = subcode
    return {"status": status, "json": {"error": error}}


def test_staff_link_a_post_by_its_link_and_see_its_figures_at_once(client, admin, graph):
    media_pages(graph)
    ig_insights(graph)
    answer = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": IG_LINK})
    assert answer.status_code == 201, answer.json_body
    post = answer.json_body["posts"][0]
    assert post["source"] == "api" and post["views"] == 120 and post["likes"] == 9 and post["questions"] == 1
    assert post["posted_on"] == "2026-12-03" and post["platform"] == "instagram"
    # The media list was followed through its cursors to the third page, and no further.
    listed = [c.request.url for c in graph.calls if "/media" in c.request.url]
    assert len(listed) == 3 and "after=A1" in listed[-1]
    series = admin.get("/staff/campaigns/rat-2027/insights").json_body["posts"][0]["series"]
    assert [(s["day"], s["views"], s["questions"]) for s in series] == [(clock.today().isoformat(), 120, 1)]
    # No comment text or commenter is kept anywhere.
    stored = json.dumps([i.attribute_values for i in PostInsightRecord.query(f"rat-2027#{post['id']}")], default=str)
    assert "Daftarnya" not in stored and "Daftarnya" not in json.dumps(answer.json_body)
    again = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": IG_LINK})
    assert again.status_code == 409 and "sudah ditautkan" in again.json_body["errors"]["url"]


def test_a_post_that_is_not_ours_or_a_bad_link_is_told_clearly(client, admin, graph):
    media_pages(graph, target_page=99)  # the account has no such post
    answer = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": IG_LINK})
    assert answer.status_code == 400 and "tidak ditemukan di akun Instagram kantor" in answer.json_body["errors"]["url"]
    bad = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": "https://www.instagram.com/diskopukm.bogor/"})
    assert bad.status_code == 400 and "Salin tautan" in bad.json_body["errors"]["url"]
    assert CampaignRecord.get("clinic", "rat-2027").posts == []


def test_a_refused_token_when_linking_says_what_to_do(client, admin, graph):
    graph.get(f"{GRAPH}/{IG_USER}/media", **graph_error(190, "Error validating access token: Session has expired"))
    answer = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": IG_LINK})
    assert answer.status_code == 409 and "cleanclear/<stage>/meta_insights" in answer.json_body["errors"]["url"]


def _linked(admin, graph, n: int) -> list[str]:
    """n Instagram posts linked (found on the first page of the media list)."""
    items = [{"id": f"1791{i:03d}", "permalink": f"https://www.instagram.com/p/POST{i:03d}xx/"} for i in range(n)]
    graph.get(f"{GRAPH}/{IG_USER}/media", json={"data": items, "paging": {"cursors": {"after": "Z"}}}, headers=usage())
    for i in range(n):
        graph.get(re.compile(rf"{GRAPH}/1791{i:03d}/(insights|comments)"), **graph_error(2, "Service temporarily unavailable", 500))
        assert admin.post("/staff/campaigns/rat-2027/posts/link",
                          {"url": f"https://www.instagram.com/p/POST{i:03d}xx/"}).status_code == 201
    graph.reset()
    return [f"1791{i:03d}" for i in range(n)]


def test_the_daily_import_reads_each_post_once_a_day_and_keeps_one_snapshot_per_day(client, admin, graph, travel):
    ids = _linked(admin, graph, 3)
    for media_id in ids:
        ig_insights(graph, media_id, views=100)
    summary = insights.run_import()
    assert (summary.status, summary.read, summary.posts) == ("selesai", 3, 3)
    again = insights.run_import()  # the same day: nothing read twice
    assert (again.read, again.already) == (0, 3)
    travel.shift(timedelta(days=1))
    graph.reset()
    for media_id in ids:
        ig_insights(graph, media_id, views=150)
    assert insights.run_import().read == 3
    curve = admin.get("/staff/campaigns/rat-2027/insights").json_body["posts"][0]["series"]
    assert [s["views"] for s in curve] == [100, 150]
    assert admin.get("/staff/insights").json_body["last_run"]["status"] == "selesai"


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_a_rate_limit_stops_the_run_and_the_next_run_goes_on_from_there(client, admin, graph, code):
    ids = _linked(admin, graph, 3)
    ig_insights(graph, ids[0])
    ig_insights(graph, ids[2])
    graph.get(f"{GRAPH}/{ids[1]}/insights", **graph_error(code, "(#4) Application request limit reached"),
              headers={"X-Business-Use-Case-Usage": json.dumps({"1": [{"type": "pages", "call_count": 100,
                                                                         "estimated_time_to_regain_access": 12}]})})
    first = insights.run_import()
    assert (first.status, first.read) == ("berhenti", 2) and "12 menit" in first.reason  # the others of its batch
    graph.reset()
    for media_id in ids:
        ig_insights(graph, media_id)
    second = insights.run_import()
    assert (second.read, second.already) == (1, 2)  # on from where it stopped


def test_a_run_that_nears_the_limit_stops_before_meta_blocks_it(client, admin, graph):
    ids = _linked(admin, graph, insights.WORKERS + 2)
    for media_id in ids:
        ig_insights(graph, media_id)
    graph.replace(responses.GET, f"{GRAPH}/{ids[0]}/comments", json={"data": []}, headers=usage(85))
    summary = insights.run_import()
    # The batch under way finishes; no further batch starts.
    assert (summary.status, summary.read, summary.usage_percent) == ("berhenti", insights.WORKERS, 85)
    graph.replace(responses.GET, f"{GRAPH}/{ids[0]}/comments", json={"data": []}, headers=usage(10))
    assert insights.run_import().read == 2


def test_a_refused_token_pauses_the_import_and_raises_the_alarm(client, admin, graph, capsys):
    ids = _linked(admin, graph, 2)
    graph.get(f"{GRAPH}/{ids[0]}/insights", **graph_error(190, "Error validating access token: The session has been invalidated"))
    summary = insights.run_import()
    assert (summary.status, summary.read) == ("dijeda", 0) and "meta_insights" in summary.reason
    assert '"InsightsPaused"' in capsys.readouterr().out  # the metric the alarm watches (EMF on stdout)
    assert admin.get("/staff/insights").json_body["last_run"]["status"] == "dijeda"


def test_a_deleted_post_is_marked_and_no_longer_read(client, admin, graph):
    ids = _linked(admin, graph, 2)
    graph.get(f"{GRAPH}/{ids[0]}/insights", **graph_error(
        100, "Unsupported get request. Object with ID '17910000' does not exist", subcode=33))
    ig_insights(graph, ids[1])
    summary = insights.run_import()
    assert (summary.gone, summary.read, summary.status) == (1, 1, "selesai")
    post = admin.get("/staff/campaigns/rat-2027").json_body["posts"][0]
    assert "dihapus" in post["import_problem"]
    assert insights.run_import().posts == 1  # the deleted one is left alone


def test_facebook_page_posts_use_current_metrics_and_their_own_counts(client, admin, graph):
    graph.get(f"{GRAPH}/{PAGE}/posts", headers=usage(), json={"data": [
        {"id": f"{PAGE}_555", "permalink_url": "https://www.facebook.com/diskopukmbogor/posts/pfbid02xyz789",
         "created_time": "2026-12-02T01:00:00+0000"}], "paging": {"cursors": {"after": "Q"}}})
    graph.get(f"{GRAPH}/{PAGE}_555/insights", headers=usage(), json={"data": [
        {"name": "post_media_view", "period": "lifetime", "values": [{"value": 300}]},
        {"name": "post_total_media_view_unique", "period": "lifetime", "values": [{"value": 210}]}]})
    graph.get(f"{GRAPH}/{PAGE}_555", headers=usage(), json={
        "id": f"{PAGE}_555", "shares": {"count": 4}, "reactions": {"data": [], "summary": {"total_count": 25}},
        "comments": {"data": [], "summary": {"total_count": 3, "order": "ranked"}}})
    graph.get(f"{GRAPH}/{PAGE}_555/comments", headers=usage(), json={"data": [
        {"id": "1", "message": "Kapan ada lagi?"}, {"id": "2", "message": "Terima kasih"}, {"id": "3", "message": "Info dong"}]})
    answer = admin.post("/staff/campaigns/rat-2027/posts/link", {"url": FB_LINK})
    assert answer.status_code == 201, answer.json_body
    post = answer.json_body["posts"][0]
    assert (post["views"], post["reach"], post["likes"], post["comments"], post["shares"], post["questions"]) == (300, 210, 25, 3, 4, 2)
    asked = [c.request.url for c in graph.calls if "/insights" in c.request.url][0]
    assert "post_media_view" in asked and "post_impressions" not in asked


def test_typed_figures_stay_possible_and_are_marked_as_typed(client, admin, graph):
    typed = admin.post("/staff/campaigns/rat-2027/posts", {"platform": "whatsapp", "likes": 5, "comments": 2, "questions": 1})
    assert typed.status_code == 201 and typed.json_body["posts"][0]["source"] == "manual"


def test_without_a_token_nothing_is_read_and_the_run_says_why(client, admin, aws, monkeypatch):
    for key in ("META_INSIGHTS_ACCESS_TOKEN", "LOCAL_OUTBOX_DIR"):
        monkeypatch.delenv(key, raising=False)
    summary = insights.run_import()
    assert summary.status == "belum" and "token Meta belum diisi" in summary.reason


def test_a_run_near_its_lambda_deadline_reads_nothing_more_and_the_next_goes_on(client, admin, graph):
    from chalicelib.budget import Deadline

    ids = _linked(admin, graph, 2)
    for media_id in ids:
        ig_insights(graph, media_id)
    late = insights.run_import(Deadline.seconds(insights.SAFETY_SECONDS - 1))
    assert (late.status, late.read) == ("berhenti", 0) and "Waktu fungsi" in late.reason
    assert insights.run_import(Deadline.seconds(110)).read == 2


def test_two_overlapping_runs_keep_one_snapshot_per_post_per_day(client, admin, graph):
    ids = _linked(admin, graph, 2)
    for media_id in ids:
        ig_insights(graph, media_id, views=70)
    insights.run_import()
    post_id = CampaignRecord.get("clinic", "rat-2027").posts[0].post_id
    campaigns.record_readings("rat-2027", {post_id: ({"views": 70}, None)}, "1999-01-01")  # another run's stale write
    insights.run_import()  # a second run the same day reads the post again (its day was overwritten)
    assert [s.day for s in PostInsightRecord.query(f"rat-2027#{post_id}")] == [clock.today().isoformat()]


def test_evaluasi_shows_each_campaigns_interactions_day_by_day_beside_its_registrations(client, admin, graph, travel):
    ids = _linked(admin, graph, 2)
    for day_views in (100, 180):
        graph.reset()
        for media_id in ids:
            ig_insights(graph, media_id, views=day_views, likes=day_views // 10)
        insights.run_import()
        travel.shift(timedelta(days=1))
    board = admin.get("/staff/dashboard").json_body
    row = next(c for c in board["campaigns"] if c["code"] == "rat-2027")
    assert [d["views"] for d in row["days"]] == [200, 360]  # the two posts' sum, each day
    assert [d["interactions"] for d in row["days"]] == [2 * (10 + 2 + 3), 2 * (18 + 2 + 3)]
    assert row["reading"]["views"] == 360 and "registrations" in row
