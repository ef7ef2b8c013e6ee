"""How labels and names read inside a sentence a person reads (Bahasa Indonesia).

A label that starts a line ("Konsultasi UKM") keeps its capitals; inside a sentence only its first
letter is lowered, so an acronym stays one ("tidak melayani konsultasi UKM"). A sentence that ends
with a name ending in a title ("Siti Rahmawati, S.E.") gets no second full stop.
"""
from __future__ import annotations

SENTENCE_ENDS = (".", "!", "?", "\u2026")


def mid_sentence(label: str) -> str:
    """"Konsultasi UKM" -> "konsultasi UKM"; "UKM" stays "UKM" (an acronym is not a first word)."""
    if not label or (len(label) > 1 and label[:2].isupper()) or len(label[0].lower()) != 1:
        return label
    return label[0].lower() + label[1:]


def ended(text: str) -> str:
    """`text` ending with exactly one full stop: "Siti, S.E." stays, "Siti" becomes "Siti."."""
    text = (text or "").rstrip()
    return text if text.endswith(SENTENCE_ENDS) else text + "."


NO_ESTIMATE = "belum tersedia; jadwal kami kirim secepatnya."
ESTIMATE_LABEL = "Perkiraan: "  # domain/forecast.Estimate.words begins so


def estimate_after_label(text: str | None) -> str:
    """The estimate a visitor saw, to follow a message's own "Perkiraan waktu tunggu:" label."""
    return (text or "").removeprefix(ESTIMATE_LABEL).strip() or NO_ESTIMATE
