"""The audit trail as sentences: names instead of ids, WIB times, references with their dash."""
from chalicelib.domain import audit_text

NAMES = audit_text.Names(visitors={"6F25AF": "Ani Suryani"}, consultants={"K-BUDI": "Budi Santoso"},
                         rooms={"R-1": "Ruang Klinik 1"})


def test_a_move_reads_as_a_sentence_with_names_and_wib_time():
    text = audit_text.sentence("admin@demo.local", "sesi.pindah", "6F25AF",
                               {"session": "S-E438D3112308", "start": "2026-12-03T06:30:00Z", "consultant": "K-BUDI"}, NAMES)
    assert text == "admin@demo.local memindahkan sesi Ani Suryani (6F2-5AF) ke Kamis 3 Des 13.30 dengan Budi Santoso"
    assert "S-E438" not in text and "K-BUDI" not in text


def test_visitor_actions_and_unknown_names():
    assert audit_text.sentence("pengunjung", "pendaftaran.batal", "6F25AF", {}, NAMES) == \
        "Pengunjung membatalkan pendaftaran Ani Suryani (6F2-5AF)"
    anonymous = audit_text.sentence("pengunjung", "pendaftaran.batal", "ZZZ999", {}, audit_text.Names())
    assert anonymous.endswith("ZZZ-999")  # a reference always with its dash


def test_team_actions_use_names():
    assert "mencatat Budi Santoso berhalangan pada Senin 7 Des 2026 (Konsultasi UKM)" in audit_text.sentence(
        "admin@demo.local", "piket.cuti", "K-BUDI", {"day": "2026-12-07", "service": "ukm"}, NAMES)
    assert audit_text.sentence("admin@demo.local", "ruang.ubah", "R-1", {}, NAMES).endswith("mengubah ruang Ruang Klinik 1")


def test_an_unknown_action_still_reads():
    assert audit_text.sentence("admin@demo.local", "baru.sekali", "X", {}, NAMES) == "admin@demo.local baru.sekali (X)"
