"""NIK / No. KK validation, wajib-KTP eligibility and masking (pure functions, reference date 2026-11-24)."""

from __future__ import annotations

from datetime import date

import pytest

from ektp_station.errors import InvalidNik
from ektp_station.nik import (
    check_nik,
    check_no_kk,
    eligibility,
    format_nik,
    mask_nik,
    normalise_sex,
    normalise_status_kawin,
    require_valid_nik,
)

TODAY = date(2026, 11, 24)
KALIPARE = {"code": "35.07.11", "province": "Jawa Timur", "regency": "Kabupaten Malang", "district": "Kalipare"}


# --------------------------------------------------------------------------- domain.md section 2 test vectors

VALID_VECTORS = [
    # (input, sex, birth date, serial, warnings)
    ("3507115501990001", "P", date(1999, 1, 15), "0001", []),
    ("3507111501990001", "L", date(1999, 1, 15), "0001", []),
    ("35.0711.550199.0001", "P", date(1999, 1, 15), "0001", []),
    ("3507115501990001 ", "P", date(1999, 1, 15), "0001", []),
    ("3507116902000001", "P", date(2000, 2, 29), "0001", []),
    ("3507113101990001", "L", date(1999, 1, 31), "0001", []),
    ("3507110101050002", "L", date(2005, 1, 1), "0002", []),
    ("3507111501260001", "L", date(2026, 1, 15), "0001", []),
    ("3507111501270001", "L", date(1927, 1, 15), "0001", []),
]


@pytest.mark.parametrize(("text", "sex", "born", "serial", "warnings"), VALID_VECTORS)
def test_valid_vectors(text, sex, born, serial, warnings):
    result = check_nik(text, today=TODAY)
    assert result.valid, result.reason
    assert result.reason is None and result.reason_code is None
    assert result.sex == sex
    assert result.birth_date == born
    assert result.serial == serial
    assert result.warnings == warnings
    assert result.region == KALIPARE


def test_first_vector_full_result_and_separators_normalise_to_it():
    first = check_nik("3507115501990001", today=TODAY)
    assert first.nik == "3507115501990001"
    assert first.to_json() == {
        "valid": True,
        "reason": None,
        "warnings": [],
        "region": KALIPARE,
        "sex": "P",
        "birth_date": "1999-01-15",
    }
    for variant in ("35.0711.550199.0001", "3507115501990001 ", " 3507-1155-0199-0001", "3507 1155 0199 0001"):
        assert check_nik(variant, today=TODAY) == first


INVALID_VECTORS = [
    ("3507112902010001", "birth_date_invalid", "290201"),
    ("3507113201990001", "birth_date_invalid", "ditambah 40"),
    ("3507110000990001", "birth_date_invalid", "000099"),
    ("3507111501990000", "serial_zero", "0000"),
    ("350711150199000", "format", "15 digit"),
    ("3500111501990001", "region_zero", "00"),
    ("9907111501990001", "province_unknown", "99"),
]


@pytest.mark.parametrize(("text", "code", "in_reason"), INVALID_VECTORS)
def test_invalid_vectors(text, code, in_reason):
    result = check_nik(text, today=TODAY)
    assert not result.valid
    assert result.reason_code == code
    assert in_reason in result.reason
    assert result.to_json()["valid"] is False
    assert result.to_json()["reason"] == result.reason


def test_unknown_kecamatan_is_only_a_warning():
    result = check_nik("3507990101900001", today=TODAY)
    assert result.valid
    assert "wilayah_unknown" in result.warnings
    assert "luar_kalipare" in result.warnings
    assert result.region == {
        "code": "35.07.99",
        "province": "Jawa Timur",
        "regency": "Kabupaten Malang",
        "district": None,
    }
    assert result.sex == "L" and result.birth_date == date(1990, 1, 1)


def test_nik_from_another_kecamatan_warns_but_stays_valid():
    result = check_nik("3507133101990001", today=TODAY)  # Kepanjen, the neighbour
    assert result.valid
    assert result.warnings == ["luar_kalipare"]
    assert result.region["district"] == "Kepanjen"
    assert result.warning_messages[0].startswith("NIK pertama kali terbit di luar Kecamatan Kalipare")


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("   ", "empty"), (None, "empty"), ("3507A15501990001", "format"), ("35071155019900011", "format")],
)
def test_shape_errors(text, code):
    result = check_nik(text, today=TODAY)
    assert not result.valid and result.reason_code == code
    assert result.region is None and result.sex is None and result.birth_date is None
    assert set(result.to_json()) == {"valid", "reason", "warnings", "region", "sex", "birth_date"}


def test_to_json_has_exactly_the_documented_keys():
    for text in ("3507115501990001", "3507112902010001", "x", "3507990101900001"):
        assert set(check_nik(text, today=TODAY).to_json()) == {
            "valid",
            "reason",
            "warnings",
            "region",
            "sex",
            "birth_date",
        }


def test_female_day_offset_limits():
    assert check_nik("3507117101990001", today=TODAY).birth_date == date(1999, 1, 31)  # 71 = 31 + 40
    assert check_nik("3507117201990001", today=TODAY).reason_code == "birth_date_invalid"
    assert check_nik("3507114001990001", today=TODAY).reason_code == "birth_date_invalid"


def test_century_follows_the_reference_date():
    assert check_nik("3507111501260001", today=date(2026, 1, 15)).birth_date == date(2026, 1, 15)
    assert check_nik("3507111501260001", today=date(2025, 12, 31)).birth_date == date(1926, 1, 15)


def test_a_birth_date_after_today_falls_back_a_century():
    # yy 26 ≤ 26 gives 2026, but 15 December 2026 has not happened yet on 24 November 2026.
    result = check_nik("3507111512260001", today=TODAY)
    assert result.valid and result.birth_date == date(1926, 12, 15)


# --------------------------------------------------------------------------- record consistency


def test_record_matching_the_nik_passes():
    result = check_nik("3507115501990001", today=TODAY, sex="P", birth_date=date(1999, 1, 15))
    assert result.valid
    assert check_nik("3507111501990001", today=TODAY, sex="LAKI-LAKI", birth_date=date(1999, 1, 15)).valid
    assert check_nik("3507115501990001", today=TODAY, sex="Perempuan").valid


def test_sex_mismatch_says_which():
    result = check_nik("3507115501990001", today=TODAY, sex="L")
    assert not result.valid
    assert result.reason_code == "sex_mismatch"
    assert "perempuan" in result.reason and "laki-laki" in result.reason
    assert result.sex == "P"  # what the NIK says is still reported


def test_birth_date_mismatch_says_both_dates():
    result = check_nik("3507111501990001", today=TODAY, birth_date=date(1999, 1, 16))
    assert not result.valid
    assert result.reason_code == "birth_date_mismatch"
    assert "15-01-1999" in result.reason and "16-01-1999" in result.reason


def test_both_mismatches_are_reported():
    result = check_nik("3507115501990001", today=TODAY, sex="L", birth_date=date(1998, 1, 15))
    assert result.reason_code == "sex_mismatch"
    assert "laki-laki" in result.reason and "15-01-1998" in result.reason


def test_record_settles_the_century_for_the_very_old():
    # NIK yy=26 reads as 2026 on this reference date; a record saying 1926 is the same person, 100 years old.
    result = check_nik("3507111501260001", today=TODAY, birth_date=date(1926, 1, 15))
    assert result.valid and result.birth_date == date(1926, 1, 15)


def test_unknown_record_sex_is_a_programming_error():
    with pytest.raises(ValueError):
        check_nik("3507115501990001", today=TODAY, sex="X")


def test_record_is_not_compared_when_the_nik_date_is_invalid():
    result = check_nik("3507112902010001", today=TODAY, sex="L", birth_date=date(2001, 2, 28))
    assert result.reason_code == "birth_date_invalid"


def test_require_valid_nik():
    assert require_valid_nik("3507 1155 0199 0001", today=TODAY).nik == "3507115501990001"
    with pytest.raises(InvalidNik, match="0000") as caught:
        require_valid_nik("3507111501990000", today=TODAY)
    assert caught.value.exit_code == 1
    with pytest.raises(InvalidNik, match="laki-laki"):
        require_valid_nik("3507115501990001", today=TODAY, sex="L")


# --------------------------------------------------------------------------- No. KK


def test_no_kk_valid_with_issue_date():
    result = check_no_kk("3507111203180001", today=TODAY)
    assert result.valid and result.reason is None
    assert result.issue_date == date(2018, 3, 12)
    assert result.serial == "0001"
    assert result.region == KALIPARE
    assert result.to_json() == {
        "valid": True,
        "reason": None,
        "warnings": [],
        "region": KALIPARE,
        "issue_date": "2018-03-12",
    }
    assert check_no_kk("3507.1112.0318.0001", today=TODAY).no_kk == "3507111203180001"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("3507115203180001", "issue_date_invalid"),  # no +40 offset on a KK: day 52 does not exist
        ("3507113102180001", "issue_date_invalid"),
        ("3507110112260001", "issue_date_future"),  # 1 December 2026, a week after the reference date
        ("3507111203180000", "serial_zero"),
        ("350711120318001", "format"),
        ("9907111203180001", "province_unknown"),
        ("3507001203180001", "region_zero"),
        ("", "empty"),
    ],
)
def test_no_kk_invalid(text, code):
    result = check_no_kk(text, today=TODAY)
    assert not result.valid
    assert result.reason_code == code
    assert result.reason and "KK" in result.reason


def test_no_kk_from_elsewhere_warns():
    result = check_no_kk("3507131203180001", today=TODAY)
    assert result.valid and result.warnings == ["luar_kalipare"]


# --------------------------------------------------------------------------- eligibility


def test_turning_17_today_is_wajib():
    result = eligibility(date(2009, 11, 24), "BELUM KAWIN", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (17, True, False)
    assert "17" in result.reason


def test_one_day_before_17_is_pre_recording():
    result = eligibility(date(2009, 11, 25), "BELUM KAWIN", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (16, False, True)
    assert "16" in result.reason


def test_16_unmarried_is_pre_recording_only():
    result = eligibility(date(2010, 3, 8), "belum kawin", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (16, False, True)


def test_16_married_is_wajib_not_pre_recording():
    result = eligibility(date(2010, 1, 19), "KAWIN TERCATAT", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (16, True, False)


def test_15_married_is_wajib():
    result = eligibility(date(2011, 6, 1), "KAWIN", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (15, True, False)
    assert "kawin" in result.reason


def test_15_unmarried_is_not_eligible():
    result = eligibility(date(2011, 6, 1), "BELUM KAWIN", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (15, False, False)
    assert "16" in result.reason


@pytest.mark.parametrize("status", ["CERAI HIDUP", "cerai mati", "Cerai_Hidup", "CERAI HIDUP BELUM TERCATAT"])
def test_ever_married_under_17_is_wajib(status):
    assert eligibility(date(2011, 6, 1), status, TODAY).wajib_ktp


def test_adult_unmarried_is_wajib():
    result = eligibility(date(1999, 1, 15), "BELUM KAWIN", TODAY)
    assert (result.age, result.wajib_ktp, result.pre_recording) == (27, True, False)


def test_leap_day_birthday_counts_from_1_march():
    assert eligibility(date(2008, 2, 29), None, date(2025, 2, 28)).age == 16
    assert eligibility(date(2008, 2, 29), None, date(2025, 3, 1)).age == 17


def test_missing_status_means_unmarried_and_unknown_status_raises():
    assert eligibility(date(2010, 3, 8), None, TODAY).pre_recording
    assert eligibility(date(2010, 3, 8), "  ", TODAY).pre_recording
    with pytest.raises(ValueError, match="status kawin"):
        eligibility(date(2010, 3, 8), "DUDA", TODAY)
    with pytest.raises(ValueError):
        eligibility(date(2027, 1, 1), "BELUM KAWIN", TODAY)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("KAWIN", "KAWIN"),
        ("Kawin", "KAWIN"),
        ("KAWIN TERCATAT", "KAWIN"),
        ("KAWIN BELUM TERCATAT", "KAWIN"),
        ("menikah", "KAWIN"),
        ("BELUM KAWIN", "BELUM KAWIN"),
        ("belum_kawin", "BELUM KAWIN"),
        ("CERAI HIDUP", "CERAI HIDUP"),
        ("CERAI HIDUP TERCATAT", "CERAI HIDUP"),
        ("cerai-mati", "CERAI MATI"),
        ("JANDA", None),
        ("", None),
    ],
)
def test_status_kawin_spellings(spelling, canonical):
    assert normalise_status_kawin(spelling) == canonical


@pytest.mark.parametrize(
    ("spelling", "sex"),
    [("L", "L"), ("p", "P"), ("LAKI-LAKI", "L"), ("Laki laki", "L"), ("PEREMPUAN", "P"), ("X", None)],
)
def test_sex_spellings(spelling, sex):
    assert normalise_sex(spelling) == sex


# --------------------------------------------------------------------------- masking


def test_mask_nik():
    assert mask_nik("3507115501990001") == "3507 11•• •••• 0001"
    assert mask_nik("35.0711.550199.0001") == "3507 11•• •••• 0001"
    assert mask_nik("12345") == "•2345"
    assert mask_nik("") == ""
    assert "5501" not in mask_nik("3507115501990001")


def test_format_nik():
    assert format_nik("35.0711.550199.0001") == "3507 1155 0199 0001"
