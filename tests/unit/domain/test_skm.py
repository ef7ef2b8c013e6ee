"""The IKM as PermenPANRB 14/2017 computes it: bounds, equal weights, missing answers, rounding
and grades as the Lampiran's tables show them."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import skm, validation

answers = st.dictionaries(st.sampled_from(skm.KEYS), st.integers(1, 4), min_size=1)


def totals_of(respondents: list[dict]) -> skm.Totals:
    counters: dict[str, int] = {}
    for a in respondents:
        for name, value in skm.counter_names("all", a, {}).items():
            counters[name] = counters.get(name, 0) + value
    return skm.totals(counters, "all")


@given(st.lists(answers, min_size=1, max_size=40))
def test_the_index_stays_within_the_scale_and_its_conversion_within_25_to_100(respondents):
    idx = skm.index(totals_of(respondents))
    assert 1 <= idx.ikm <= 4 and Decimal("25") <= idx.conversion <= Decimal("100")
    assert idx.grade[0] in "ABCD" and idx.respondents == len(respondents)


@given(st.lists(st.fixed_dictionaries({k: st.integers(1, 4) for k in skm.KEYS}), min_size=1, max_size=30),
       st.permutations(skm.KEYS))
def test_every_unsur_weighs_the_same(respondents, order):
    """Swapping which unsur got which answers does not change the index (equal weights, 1/9)."""
    swapped = [{new: a[old] for old, new in zip(skm.KEYS, order)} for a in respondents]
    assert skm.index(totals_of(respondents)).ikm == skm.index(totals_of(swapped)).ikm
    idx = skm.index(totals_of(respondents))
    assert idx.ikm == sum(v * skm.WEIGHT for v in idx.nrr.values()) and idx.complete


@given(st.lists(answers, min_size=1, max_size=30))
def test_an_unanswered_unsur_is_left_out_not_counted_as_zero(respondents):
    t = totals_of(respondents)
    idx = skm.index(t)
    answered = [k for k in skm.KEYS if t.counts[k]]
    assert idx.complete == (len(answered) == 9)
    assert idx.ikm == sum(Fraction(t.sums[k], t.counts[k]) for k in answered) / len(answered)
    assert all((idx.nrr[k] is None) == (t.counts[k] == 0) for k in skm.KEYS)


def test_the_grade_boundaries_of_the_table():
    for conversion, letter in (("100.00", "A"), ("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
                               ("65.00", "C"), ("64.99", "D"), ("25.00", "D")):
        assert skm.grade(Decimal(conversion))[0] == letter


def test_a_worked_example_rounds_half_up_as_the_tables_show():
    """Four respondents; NRR 2 decimals, weighted 3, IKM 3, conversion 2 (half up)."""
    rows = [{"u1": 4, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 2, "u9": 3},
            {"u1": 3, "u2": 3, "u3": 2, "u4": 4, "u5": 3, "u6": 4, "u7": 4, "u8": 3, "u9": 3},
            {"u1": 4, "u2": 4, "u3": 3, "u4": 4, "u5": 4, "u6": 3, "u7": 4, "u8": 2, "u9": 3},
            {"u1": 3, "u2": 3, "u3": 3, "u4": 4, "u5": 3, "u6": 4, "u7": 3, "u8": 3, "u9": 4}]
    idx = skm.index(totals_of(rows)).as_dict()
    table = {u["key"]: (u["nrr"], u["weighted"]) for u in idx["unsur"]}
    assert table["u1"] == ("3.50", "0.389") and table["u3"] == ("2.75", "0.306") and table["u8"] == ("2.50", "0.278")
    # sum of exact NRR = 3.5+3.25+2.75+4+3.25+3.75+3.75+2.5+3.25 = 30; IKM = 30/9 = 3.3333...
    assert idx["ikm"] == "3.333" and idx["conversion"] == "83.33" and idx["grade"] == "B"
    assert idx["weakest"] == {"key": "u8", "unsur": "Penanganan pengaduan, saran dan masukan", "nrr": "2.50"}
    assert skm.rounded(Fraction(88305, 1000), 2) == Decimal("88.31")  # half up, not to even


def test_answers_and_profile_are_checked_field_by_field():
    errors = validation.Errors()
    got, profile = skm.validate({"skm": {"u1": 4, "u2": 5, "u3": True, "u4": ""},
                                 "profile": {"sex": "P", "age": "99", "edu": ""}}, errors)
    assert got == {"u1": 4} and profile == {"sex": "P"}
    assert set(errors) == {"skm.u2", "skm.u3", "profile.age"}
