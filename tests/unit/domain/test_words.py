"""How labels and names read inside a sentence (domain/words.py)."""
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import rules, words


def test_a_label_inside_a_sentence_keeps_its_acronyms():
    assert words.mid_sentence(rules.SERVICES[rules.SERVICE_UKM]) == "konsultasi UKM"
    assert words.mid_sentence(rules.SERVICES[rules.SERVICE_KOPERASI]) == "konsultasi koperasi"
    assert words.mid_sentence(rules.MODES[rules.MODE_DARING]) == "daring lewat Zoom"
    assert words.mid_sentence("UKM binaan") == "UKM binaan"
    assert words.mid_sentence("") == ""


def test_a_name_with_a_title_ends_a_sentence_once():
    assert words.ended("Siti Rahmawati, S.E.") == "Siti Rahmawati, S.E."
    assert words.ended("Siti Rahmawati") == "Siti Rahmawati."
    assert words.ended("Apa kabar?") == "Apa kabar?"
    assert words.ended("Siti Rahmawati, S.E. ") == "Siti Rahmawati, S.E."


@given(st.text(max_size=40))
def test_ended_always_ends_one_sentence(text):
    out = words.ended(text)
    assert out.endswith(words.SENTENCE_ENDS)
    assert not out.endswith("..") or text.rstrip().endswith("..")  # never adds a second one
    assert out.startswith(text.rstrip())


@given(st.text(min_size=1, max_size=40))
def test_mid_sentence_changes_at_most_the_first_letter(label):
    out = words.mid_sentence(label)
    assert out[1:] == label[1:] and out[0].lower() == label[0].lower()
