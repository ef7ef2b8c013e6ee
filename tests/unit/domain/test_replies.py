"""The pure rules of WhatsApp replies: signed payloads, keywords and day names (hypothesis)."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import replies


def sign(text: str) -> str:
    return hmac.new(b"k", text.encode(), hashlib.sha256).hexdigest()[:22]


def other_key(text: str) -> str:
    return hmac.new(b"other", text.encode(), hashlib.sha256).hexdigest()[:22]


ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=26)
payloads = st.builds(replies.Payload, st.sampled_from(replies.BUTTON_ACTIONS), ids.map(lambda s: "S-" + s), ids.map(lambda s: "M-" + s),
                     st.one_of(st.just(""), st.dates(date(2026, 1, 1), date(2030, 12, 31)).map(date.isoformat)))


@given(payloads)
def test_a_payload_reads_back_only_with_its_key(p):
    text = replies.encode(p, sign)
    assert len(text) <= replies.MAX_PAYLOAD
    assert replies.decode(text, sign) == p
    assert replies.decode(text, other_key) is None


@given(payloads, payloads)
def test_a_signature_never_carries_over_to_another_payload(a, b):
    """Moving a payload's signature onto another session, message, action or day is refused."""
    if a == b:
        return
    signature = replies.encode(a, sign).rsplit("|", 1)[1]
    moved = "|".join((replies.VERSION, b.action, b.subject, b.message_id, b.extra, signature))
    assert replies.decode(moved, sign) is None


@given(st.text(max_size=300))
def test_decode_never_raises_on_anything(text):
    assert replies.decode(text, sign) is None or text.startswith("cc1|")


@given(st.sampled_from(["STATUS", "status", " Link ", "LINK!", "tautan", "Batal.", "BATALKAN", "berhenti", "Stop!", "MULAI"]))
def test_keywords_ignore_case_spacing_and_punctuation(word):
    assert replies.keyword(word) is not None


@given(st.sampled_from(["status saya apa", "batal besok", "halo", "", "berhenti dulu ya"]))
def test_a_sentence_is_not_a_keyword(text):
    assert replies.keyword(text) is None


def offered_from(start: date, n: int) -> list[date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


@settings(max_examples=200)
@given(st.dates(date(2026, 1, 1), date(2030, 1, 1)), st.integers(1, 10),
       st.lists(st.sampled_from(["senin", "Selasa", "rabu", "kamis", "jumat", "sabtu", "dan", ",", "tgl", "14 des",
                                 "2/1", "31 januari", "hari"]), min_size=1, max_size=6))
def test_day_words_only_ever_name_offered_days_once(start, n, words):
    offered = offered_from(start, n)
    found = replies.day_words(" ".join(words), offered)
    if found is not None:
        assert all(d in offered for d in found.days)
        assert len(set(found.days)) == len(found.days)


def test_day_words_read_what_visitors_write():
    offered = [date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16), date(2026, 12, 21)]  # Mon Tue Wed, Mon
    assert replies.day_words("Senin dan Rabu", offered).days == (date(2026, 12, 14), date(2026, 12, 16))
    assert replies.day_words("Senin 21 Desember", offered).days == (date(2026, 12, 21),)
    assert replies.day_words("Rabu saja, terima kasih Pak", offered).days == (date(2026, 12, 16),)
    assert replies.day_words("tgl 15/12", offered).days == (date(2026, 12, 15),)
    assert replies.day_words("16 des 2026", offered).days == (date(2026, 12, 16),)
    gone = replies.day_words("Sabtu", offered)
    assert gone.days == () and gone.unmatched == 1
    assert replies.day_words("Apakah bisa online?", offered) is None
    assert replies.day_words("", offered) is None
