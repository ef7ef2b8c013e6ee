"""The Survei Kepuasan Masyarakat (SKM) and its index (IKM), as PermenPANRB No. 14 Tahun 2017
(Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik) and its
Lampiran set them out. Pure (no I/O).

The nine elements (unsur) of the standard questionnaire, each answered on a 1–4 scale in its own
words; the respondent's profile the report shows (all optional: UU PDP asks for no more than
needed). For a period:

  NRR per unsur        = total of that unsur's answers / number who answered it
  NRR tertimbang       = NRR per unsur x 1/9 (equal weights; "bobot nilai rata-rata tertimbang")
  IKM unit pelayanan   = sum of the weighted NRR (1.00–4.00)
  IKM konversi         = IKM x 25 (25–100)
  mutu pelayanan       = A (Sangat Baik) 88.31–100.00, B (Baik) 76.61–88.30,
                         C (Kurang Baik) 65.00–76.60, D (Tidak Baik) 25.00–64.99

Rounding as the Lampiran's tables show it: NRR to 2 decimals, weighted NRR and IKM to 3, the
conversion to 2 (half up); everything is computed from the exact values and rounded only for
display, and the grade is read from the conversion as shown (2 decimals). An unsur nobody answered
in the period is left out and the others weighed equally among themselves (`complete` is then
False and the report says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from . import validation

# (key, unsur, question, the four answers from 1 to 4), in the Lampiran's order of unsur.
UNSUR: tuple[tuple[str, str, str, tuple[str, str, str, str]], ...] = (
    ("u1", "Persyaratan", "Bagaimana pendapat Anda tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    ("u2", "Sistem, mekanisme, dan prosedur", "Bagaimana pemahaman Anda tentang kemudahan prosedur pelayanan di unit ini?",
     ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah")),
    ("u3", "Waktu penyelesaian", "Bagaimana pendapat Anda tentang kecepatan waktu dalam memberikan pelayanan?",
     ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat")),
    ("u4", "Biaya/tarif", "Bagaimana pendapat Anda tentang kewajaran biaya/tarif dalam pelayanan?",
     ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")),
    ("u5", "Produk spesifikasi jenis pelayanan", "Bagaimana pendapat Anda tentang kesesuaian produk pelayanan antara yang "
     "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
     ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")),
    ("u6", "Kompetensi pelaksana", "Bagaimana pendapat Anda tentang kompetensi/kemampuan petugas dalam pelayanan?",
     ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten")),
    ("u7", "Perilaku pelaksana", "Bagaimana pendapat Anda tentang perilaku petugas dalam pelayanan terkait kesopanan "
     "dan keramahan?", ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah")),
    ("u8", "Penanganan pengaduan, saran dan masukan", "Bagaimana pendapat Anda tentang penanganan pengaduan pengguna layanan?",
     ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik")),
    ("u9", "Sarana dan prasarana", "Bagaimana pendapat Anda tentang kualitas sarana dan prasarana?",
     ("Buruk", "Cukup", "Baik", "Sangat baik")),
)
KEYS = tuple(k for k, *_ in UNSUR)
NAMES = {k: name for k, name, *_ in UNSUR}
WEIGHT = Fraction(1, len(UNSUR))

# The respondent's profile (the Lampiran's questionnaire asks sex, age, education, occupation); each optional.
PROFILE: dict[str, tuple[str, dict[str, str]]] = {
    "sex": ("Jenis kelamin", {"L": "Laki-laki", "P": "Perempuan"}),
    "age": ("Usia", {"u25": "≤ 25 tahun", "u35": "26–35 tahun", "u45": "36–45 tahun", "u55": "46–55 tahun",
                     "o55": "> 55 tahun"}),
    "edu": ("Pendidikan", {"sd": "SD", "smp": "SMP", "sma": "SMA/SMK", "d3": "D1–D3", "s1": "D4/S1", "s2": "S2",
                           "s3": "S3"}),
    "job": ("Pekerjaan", {"pns": "PNS", "tni": "TNI", "polri": "POLRI", "swasta": "Swasta", "wirausaha": "Wirausaha",
                          "lainnya": "Lainnya"}),
}

GRADES = (  # (lowest conversion, grade, mutu), from the best
    (Decimal("88.31"), "A", "Sangat Baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang Baik"),
    (Decimal("25.00"), "D", "Tidak Baik"),
)
MSG_CHOICE = "Pilih salah satu dari empat jawaban, atau kosongkan."


def validate(payload: dict, errors: validation.Errors) -> tuple[dict[str, int], dict[str, str]]:
    """The SKM answers ({"u1": 1..4, ...}: an unanswered unsur is absent) and the profile (only the
    parts given) of a feedback form; a field-level message for what is not one of the choices."""
    answers: dict[str, int] = {}
    raw = payload.get("skm")
    if raw is not None and not isinstance(raw, dict):
        errors.add("skm", "Jawaban survei tidak valid.")
        raw = {}
    for key in KEYS:
        value = (raw or {}).get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
            errors.add(f"skm.{key}", MSG_CHOICE)
        else:
            answers[key] = value
    profile: dict[str, str] = {}
    given = payload.get("profile")
    if given is not None and not isinstance(given, dict):
        errors.add("profile", "Data responden tidak valid.")
        given = {}
    for key, (_label, choices) in PROFILE.items():
        value = (given or {}).get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value not in choices:
            errors.add(f"profile.{key}", "Pilihan tidak dikenal; pilih dari daftar atau kosongkan.")
        else:
            profile[key] = value
    return answers, profile


# --- running totals --------------------------------------------------------------------------------

def counter_names(scope: str, answers: dict[str, int], profile: dict[str, str]) -> dict[str, int]:
    """The counters one respondent adds in a scope (``all`` or a service): per unsur the sum and the
    number who answered, the respondents, and the profile's counts."""
    if not answers:
        return {}
    out = {f"skm|{scope}|resp": 1}
    for key, value in answers.items():
        out[f"skm|{scope}|{key}|sum"] = value
        out[f"skm|{scope}|{key}|n"] = 1
    for key, value in profile.items():
        out[f"skm|{scope}|p|{key}|{value}"] = 1
    return out


@dataclass(frozen=True)
class Totals:
    respondents: int
    sums: dict[str, int]
    counts: dict[str, int]
    profile: dict[str, dict[str, int]]


def totals(counters: dict[str, int], scope: str) -> Totals:
    """The running totals of one scope from a period's counters (summed over its months)."""
    prefix = f"skm|{scope}|"
    sums = {k: int(counters.get(f"{prefix}{k}|sum", 0)) for k in KEYS}
    counts = {k: int(counters.get(f"{prefix}{k}|n", 0)) for k in KEYS}
    profile = {p: {c: int(counters.get(f"{prefix}p|{p}|{c}", 0)) for c in choices} for p, (_, choices) in PROFILE.items()}
    return Totals(int(counters.get(f"{prefix}resp", 0)), sums, counts, profile)


# --- the index ------------------------------------------------------------------------------------

def rounded(value: Fraction, places: int) -> Decimal:
    """Half up, as the Lampiran's tables show values (not Python's banker's rounding)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def grade(conversion: Decimal) -> tuple[str, str]:
    for lowest, letter, words in GRADES:
        if conversion >= lowest:
            return letter, words
    return GRADES[-1][1], GRADES[-1][2]


@dataclass(frozen=True)
class Index:
    respondents: int
    nrr: dict[str, Fraction | None]  # per unsur; None: nobody answered it
    ikm: Fraction | None  # 1–4
    complete: bool  # every unsur was answered by someone

    @property
    def conversion(self) -> Decimal | None:
        return rounded(self.ikm * 25, 2) if self.ikm is not None else None

    @property
    def grade(self) -> tuple[str, str] | None:
        return grade(self.conversion) if self.ikm is not None else None

    @property
    def weakest(self) -> str | None:
        """The unsur with the lowest NRR (the first of them in the questionnaire's order on a tie)."""
        answered = [(v, KEYS.index(k), k) for k, v in self.nrr.items() if v is not None]
        return min(answered)[2] if answered else None

    def table(self) -> list[dict]:
        """The standard table: per unsur its NRR and weighted NRR, as the report prints them."""
        weight = Fraction(1, sum(v is not None for v in self.nrr.values()) or 1)
        return [{"key": k, "unsur": NAMES[k], "nrr": str(rounded(v, 2)) if v is not None else None,
                 "weighted": str(rounded(v * weight, 3)) if v is not None else None}
                for k, v in self.nrr.items()]

    def as_dict(self) -> dict:
        letter, words = self.grade or (None, None)
        return {"respondents": self.respondents, "unsur": self.table(), "complete": self.complete,
                "ikm": str(rounded(self.ikm, 3)) if self.ikm is not None else None,
                "conversion": str(self.conversion) if self.conversion is not None else None,
                "grade": letter, "grade_label": words,
                "weakest": {"key": self.weakest, "unsur": NAMES[self.weakest],
                            "nrr": str(rounded(self.nrr[self.weakest], 2))} if self.weakest else None}


def index(t: Totals) -> Index:
    """The IKM of a period's totals, exact (fractions), as the regulation computes it."""
    nrr = {k: Fraction(t.sums[k], t.counts[k]) if t.counts[k] else None for k in KEYS}
    answered = [v for v in nrr.values() if v is not None]
    ikm = sum(answered, Fraction(0)) / len(answered) if answered else None  # = sum(NRR x 1/9) when all answered
    return Index(t.respondents, nrr, ikm, len(answered) == len(KEYS))
