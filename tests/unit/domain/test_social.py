"""Campaign posts' pure rules (chalicelib/domain/social.py): which post a pasted link names, which
comments ask something, how close Meta's usage headers say we are to the limit."""
from __future__ import annotations

import json
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import social

SHORTCODE = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", min_size=5, max_size=20)


@given(SHORTCODE, st.sampled_from(("p", "reel", "tv")), st.sampled_from(("https://www.", "https://", "http://m.")),
       st.sampled_from(("", "/", "/?igsh=MWx4b2Zk", "/?utm_source=ig_web_copy_link")), st.booleans())
def test_an_instagram_post_link_names_its_shortcode_whatever_the_decoration(code, kind, prefix, tail, with_user):
    user = "diskopukm.bogor/" if with_user else ""
    link, problem = social.parse_link(f"{prefix}instagram.com/{user}{kind}/{code}{tail}")
    assert problem is None and link.platform == social.INSTAGRAM and link.key == code
    assert social.same_post(link, f"https://www.instagram.com/{kind}/{code}/")
    assert not social.same_post(link, f"https://www.instagram.com/{kind}/{code}x/")


def test_facebook_links_of_every_shape_name_their_post():
    cases = {
        "https://www.facebook.com/diskopukmbogor/posts/pfbid02abcDEF123xyz": "pfbid02abcDEF123xyz",
        "https://m.facebook.com/story.php?story_fbid=1234567890&id=100064": "1234567890",
        "https://www.facebook.com/diskopukmbogor/videos/987654321/": "987654321",
    }
    for url, key in cases.items():
        link, problem = social.parse_link(url)
        assert problem is None and link.platform == social.FACEBOOK and link.key == key, url
    link, _ = social.parse_link("https://www.facebook.com/diskopukmbogor/posts/pfbid02abcDEF123xyz?__cft__=x")
    assert social.same_post(link, "https://www.facebook.com/diskopukmbogor/posts/pfbid02abcDEF123xyz")


@given(st.one_of(st.none(), st.integers(), st.text(max_size=80)))
def test_anything_else_gets_a_sentence_never_an_exception(value):
    link, problem = social.parse_link(value)
    assert (link is None) == (problem is not None)
    if problem:
        assert problem.endswith(".") and len(problem) < 200


def test_a_facebook_share_link_is_refused_with_where_to_copy_the_posts_address():
    link, problem = social.parse_link("https://www.facebook.com/share/p/1AbCdEfGh/")
    assert link is None and "/posts/" in problem


def test_a_profile_or_another_site_is_refused_with_what_to_do():
    assert "Salin tautan" in social.parse_link("https://www.instagram.com/diskopukm.bogor/")[1]
    assert "isi angkanya" in social.parse_link("https://www.tiktok.com/@x/video/1")[1]


def test_questions_are_told_by_a_question_mark_or_an_indonesian_question_word():
    asks = ["Daftarnya bagaimana kak", "kapan dibuka lagi", "Syaratnya apa saja?", "brp biayanya", "Info dong min",
            "Ini gratis？"]
    says = ["Mantap, terima kasih", "Semoga sukses koperasinya", "Keren", "Sangat bermanfaat", "Siap hadir",
            "mantapnya"]
    assert all(social.asks_something(t) for t in asks)
    assert not any(social.asks_something(t) for t in says)
    assert not social.asks_something(None)


@given(st.integers(0, 150), st.integers(0, 150), st.integers(0, 150))
def test_usage_is_the_highest_budget_used_from_either_header(calls, cpu, buc):
    headers = {"X-App-Usage": json.dumps({"call_count": calls, "total_cputime": cpu, "total_time": 1}),
               "X-Business-Use-Case-Usage": json.dumps({"1234": [{"type": "pages", "call_count": buc, "total_cputime": 0,
                                                                   "total_time": 0, "estimated_time_to_regain_access": 7}]})}
    assert social.usage_percent(headers) == min(100, max(calls, cpu, buc, 1))
    assert social.regain_minutes(headers) == 7
    assert social.usage_percent({"x-app-usage": "not json"}) == 0 and social.usage_percent({}) == 0


def test_a_post_is_read_while_its_campaign_runs_and_thirty_days_after():
    end = date(2027, 1, 31)
    assert social.still_read(date(2027, 1, 1), None) and social.still_read(end + timedelta(days=30), end)
    assert not social.still_read(end + timedelta(days=31), end)


def test_figures_keep_one_set_of_names_for_both_platforms():
    ig = social.instagram_figures({"views": 10, "reach": 8, "likes": 3, "comments": 2, "shares": 1, "saved": 1,
                                   "total_interactions": 7}, questions=1)
    fb = social.facebook_figures({"post_media_view": 20, "post_total_media_view_unique": 15},
                                 {"reactions": 4, "comments": 3, "shares": 2}, questions=2)
    assert set(ig) == set(fb) == set(social.FIGURES)
    assert ig["saves"] == 1 and ig["interactions"] == 7 and fb["interactions"] == 9 and fb["views"] == 20
    assert not {"impressions", "plays", "video_views"} & set(social.INSTAGRAM_METRICS)
    assert not any(m.startswith(("post_impressions", "page_fans")) for m in social.FACEBOOK_METRICS)
