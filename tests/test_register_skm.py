"""SKM (Permenpan RB 14/2017): the IKM formula with exactly 1/9, the grade bands, and anonymity of the answers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import inspect, select

from ektp_station.register import skm
from ektp_station.register.config import load_register_data
from ektp_station.register.errors import InvalidInput
from ektp_station.register.models import SkmResponse, SkmToken
from ektp_station.register.service import RegisterService
from ektp_station.residents import import_csv
from tests.test_register_support import DETAILS, SAMPLE_CSV, SITI, T0, minutes


def _nrr_summing_to(total: str) -> list[Decimal]:
    """Nine NRR values whose sum is ``total`` (the published worked examples give only the sum)."""
    value = Decimal(total)
    base = (value / 9).quantize(Decimal("0.0001"))
    return [base] * 8 + [value - base * 8]


@pytest.mark.parametrize("total, ikm, weighted_0111", [("32.7", "90.83", "90.74"), ("27.4", "76.11", "76.04")])
def test_ikm_uses_exactly_one_ninth(total, ikm, weighted_0111):
    assert skm.ikm_from_nrr(_nrr_summing_to(total)) == Decimal(ikm)
    biased = (Decimal(total) * Decimal("0.111") * 25).quantize(Decimal("0.01"))
    assert biased == Decimal(weighted_0111) != Decimal(ikm)  # the 0.111 shortcut the notes warn about


@pytest.mark.parametrize("value, mutu, kinerja", [
    ("100.00", "A", "Sangat Baik"), ("88.31", "A", "Sangat Baik"), ("88.30", "B", "Baik"), ("76.61", "B", "Baik"),
    ("76.60", "C", "Kurang Baik"), ("65.00", "C", "Kurang Baik"), ("64.99", "D", "Tidak Baik"),
    ("25.00", "D", "Tidak Baik"),
])
def test_grade_bands(value, mutu, kinerja):
    assert skm.grade(Decimal(value)) == (mutu, kinerja)


def test_ikm_from_responses_rounds_half_up_on_the_exact_value():
    result = skm.ikm_from_responses([[4] * 9, [4] * 9, [3] * 9])
    assert result.nrr == tuple([Fraction(11, 3)] * 9)
    assert result.ikm == Decimal("91.67") and result.mutu == "A"  # 25 × 11/3 = 91.666…
    # Exactly 88.305 (NRR 3.5322 on every element) rounds half up to 88.31 and so lands in band A.
    exact = skm.ikm_from_totals(5000, [17661] * 9)
    assert (exact.ikm, exact.mutu) == (Decimal("88.31"), "A")
    assert skm.ikm_from_nrr([Fraction(35322, 10000)] * 9) == Decimal("88.31")
    with pytest.raises(ValueError):
        skm.ikm_from_totals(8, [113] * 9)  # more than 4 points per respondent
    assert skm.ikm_from_totals(0, [0] * 9).ikm is None


@pytest.mark.parametrize("answers, message", [
    ("4,4,4", "harus 9 nilai"), ("4,4,4,4,4,4,4,4,0", "U9 harus 1, 2, 3 atau 4"),
    ([4, 4, True, 4, 4, 4, 4, 4, 4], "U3"), ("a,4,4,4,4,4,4,4,4", "U1"),
])
def test_answers_are_nine_scores_from_one_to_four(answers, message):
    with pytest.raises(InvalidInput, match=message):
        skm.parse_answers(answers)


def test_questionnaire_has_the_nine_elements_in_order(data_dir):
    elements = load_register_data().skm_elements
    assert [e.name for e in elements] == [
        "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana"]
    assert all(len(e.answers) == 4 for e in elements)


def test_answers_cannot_be_linked_to_an_applicant(db):
    columns = {c["name"] for c in inspect(db.engine).get_columns("reg_skm_responses")}
    assert columns == {"id", "service", "period", *[f"u{i}" for i in range(1, 10)]}
    token_columns = {c["name"] for c in inspect(db.engine).get_columns("reg_skm_tokens")}
    assert token_columns == {"token_hash", "service", "period", "used"}

    import_csv(db, SAMPLE_CSV)
    register = RegisterService(db)
    app = register.intake("SKCK", SITI, details=DETAILS["SKCK"], at=T0)
    register.check(app["id"], all_present=True, at=T0 + minutes(2))
    register.issue(app["id"], at=T0 + minutes(3))
    register.sign(app["id"], "Kasi", at=T0 + minutes(4))
    handed = register.handover(app["id"], receipt_lost_reason="hilang", at=T0 + minutes(5))
    token = handed["skm"]["token"]
    assert token not in str(register.show(app["id"]))  # the token is not kept with the application
    with db.transaction() as s:
        stored = s.scalars(select(SkmToken)).one()
        assert stored.token_hash != token and len(stored.token_hash) == 64
    assert register.submit_skm(token, [4, 4, 4, 4, 3, 4, 4, 4, 4]) == {"recorded": True, "service": "SKCK",
                                                                      "period": "2026-11"}
    with pytest.raises(InvalidInput, match="sudah dipakai"):
        register.submit_skm(token, [1] * 9)
    with pytest.raises(InvalidInput, match="tidak dikenal"):
        register.submit_skm("bukan-token", [1] * 9)
    with db.transaction() as s:
        response = s.scalars(select(SkmResponse)).one()
        assert (response.service, response.period, response.u5) == ("SKCK", "2026-11", 3)
        assert len(response.id) == 32 and not response.id.isdigit()
