"""NIK and No. KK validation, wajib-KTP eligibility and NIK masking. Pure functions: no database, no I/O.

NIK = ``PP KK CC DDMMYY SSSS``: province, kabupaten/kota, kecamatan of first issue, birth date (day + 40 for
women), SIAK serial. The structural rules are lokal-id's ``parse_nik`` (checked against the test vectors in the
domain notes, section 2); this module wraps it so that every rejection is one clear Indonesian sentence with a
stable machine code, and adds what lokal-id does not know about: the person's record (sex and birth date must
agree with the NIK), the station's own kecamatan, and a birth date that cannot lie in the future.

No check digit exists: a NIK that passes here may still be unregistered; only SIAK can confirm it.

Reason codes (``NikCheck.reason_code``): ``empty``, ``format``, ``province_unknown``, ``region_zero``,
``birth_date_invalid``, ``serial_zero``, ``sex_mismatch``, ``birth_date_mismatch``; No. KK adds
``issue_date_invalid`` and ``issue_date_future``. Warning codes: ``wilayah_unknown`` (region code absent from the
current Kemendagri list; codes survive pemekaran, so this never blocks) and ``luar_kalipare`` (first issued
outside the station's kecamatan: a resident who moved in, so warn, do not block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import lokal
from lokal import wilayah

from ektp_station.clock import WIB
from ektp_station.errors import InvalidNik

#: Kemendagri code of Kecamatan Kalipare, Kabupaten Malang (NIK prefix 350711).
KALIPARE_DISTRICT = "35.07.11"

SEX_NAMES = {"L": "laki-laki", "P": "perempuan"}

WARNING_MESSAGES = {
    "wilayah_unknown": "Kode wilayah tidak ada di daftar Kemendagri terbaru (bisa jadi kode lama sebelum pemekaran).",
    "luar_kalipare": "NIK pertama kali terbit di luar Kecamatan Kalipare (penduduk pindahan): periksa KK terbaru.",
}

# Spaces (any Unicode whitespace), dots and dashes are separators people type; everything else must be a digit.
_SEPARATORS = re.compile(r"[\s.\-]+")
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_ASCII_DIGITS = re.compile(r"[0-9]*")
_WORD_JOINERS = re.compile(r"[\s_\-]+")


def _today() -> date:
    return datetime.now(WIB).date()


def normalise_number(text: str | None) -> str:
    """Strip spaces, dots and dashes from a typed NIK or No. KK (no other change)."""
    return _SEPARATORS.sub("", text or "")


def format_nik(nik: str) -> str:
    """``3507115501990001`` → ``3507 1155 0199 0001`` (groups of four, for reading aloud)."""
    digits = normalise_number(nik)
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def mask_nik(nik: str) -> str:
    """Masked NIK for screens and printouts: region shown, birth date hidden, serial shown.

    ``3507115501990001`` → ``3507 11•• •••• 0001``. Anything that is not 16 digits keeps only its last four
    characters, so a mistyped number is never echoed in full either.
    """
    digits = normalise_number(nik)
    if _SIXTEEN_DIGITS.fullmatch(digits):
        return f"{digits[0:4]} {digits[4:6]}•• •••• {digits[12:16]}"
    if len(digits) <= 4:
        return "•" * len(digits)
    return "•" * (len(digits) - 4) + digits[-4:]


def normalise_sex(value: str | None) -> str | None:
    """``L``/``P`` from the spellings in population extracts (``LAKI-LAKI``, ``Perempuan``, …); None if unknown."""
    if value is None:
        return None
    key = _WORD_JOINERS.sub("", value).upper()
    if key in {"L", "LK", "LAKILAKI", "LAKI", "PRIA"}:
        return "L"
    if key in {"P", "PR", "PEREMPUAN", "WANITA"}:
        return "P"
    return None


def _dmy(value: date) -> str:
    return value.strftime("%d-%m-%Y")


@lru_cache(maxsize=8192)
def _wilayah_name(code: str) -> str | None:
    """lokal-id's region name look-up, memoised: an extract repeats the same few codes on every row."""
    return wilayah.wilayah_name(code)


def _region(digits: str) -> dict[str, Any]:
    """Region of the first six digits, names from lokal-id's Kemendagri data (None where unknown)."""
    pp, kk, cc = digits[0:2], digits[2:4], digits[4:6]
    province = lokal.PROVINCES.get(pp)
    regency = _wilayah_name(f"{pp}.{kk}") if province else None
    district = _wilayah_name(f"{pp}.{kk}.{cc}") if province else None
    return {"code": f"{pp}.{kk}.{cc}", "province": province, "regency": regency, "district": district}


def _region_warnings(region: dict[str, Any], home_district: str) -> list[str]:
    warnings: list[str] = []
    if region["province"] and not (region["regency"] and region["district"]):
        warnings.append("wilayah_unknown")
    if region["code"] != home_district:
        warnings.append("luar_kalipare")
    return warnings


def _shape_problem(digits: str, what: str) -> tuple[str, str] | None:
    """(code, reason) when the text cannot be a 16-digit number at all."""
    if not digits:
        return "empty", f"{what} kosong."
    if not _ASCII_DIGITS.fullmatch(digits):
        bad = next(ch for ch in digits if not ("0" <= ch <= "9"))
        return "format", f"{what} hanya boleh berisi angka 0–9 (ditemukan '{bad}')."
    if len(digits) != 16:
        return "format", f"{what} harus 16 digit, yang dimasukkan {len(digits)} digit."
    return None


def _nik_date_hint(ddmmyy: str) -> str:
    """Why the day part of a NIK date cannot be right, for the two common slips."""
    day = int(ddmmyy[0:2])
    if 32 <= day <= 40:
        return " (tanggal 32–40 tidak mungkin: untuk perempuan tanggal lahir ditambah 40)"
    if day > 71:
        return " (tanggal lebih dari 71 tidak mungkin)"
    return ""


# --------------------------------------------------------------------------------------------------- NIK


@dataclass(frozen=True)
class NikCheck:
    """Outcome of :func:`check_nik`. ``reason`` is None exactly when ``valid``."""

    valid: bool
    reason: str | None
    reason_code: str | None
    warnings: list[str] = field(default_factory=list)
    #: The 16 digits after stripping separators; None when the input is not 16 digits.
    nik: str | None = None
    #: ``{"code": "35.07.11", "province": ..., "regency": ..., "district": ...}``; None without 16 digits.
    region: dict[str, Any] | None = None
    #: ``"L"`` or ``"P"`` as encoded in the NIK (None when the date part is invalid).
    sex: str | None = None
    birth_date: date | None = None
    serial: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "region": dict(self.region) if self.region is not None else None,
            "sex": self.sex,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
        }

    @property
    def warning_messages(self) -> list[str]:
        return [WARNING_MESSAGES.get(code, code) for code in self.warnings]


def _lokal_error(code: str, message: str, digits: str) -> tuple[str, str]:
    """Our code and sentence for one lokal-id error (unknown lokal codes pass through unchanged)."""
    if code == "province":
        return "province_unknown", f"Kode provinsi {digits[0:2]} pada NIK tidak dikenal."
    if code == "wilayah":
        return "region_zero", "Kode kabupaten/kota dan kecamatan pada NIK (digit 3–6) tidak boleh 00."
    if code == "birth_date":
        ddmmyy = digits[6:12]
        hint = _nik_date_hint(ddmmyy)
        return "birth_date_invalid", f"Tanggal lahir pada NIK (digit 7–12: {ddmmyy}) bukan tanggal yang ada{hint}."
    if code == "serial":
        return "serial_zero", "Nomor urut NIK (4 digit terakhir) tidak boleh 0000."
    return code, message


def _century_back(value: date) -> date | None:
    try:
        return value.replace(year=value.year - 100)
    except ValueError:  # 29 February in a non-leap 19xx year
        return None


def check_nik(
    text: str | None,
    *,
    today: date | None = None,
    sex: str | None = None,
    birth_date: date | None = None,
    home_district: str = KALIPARE_DISTRICT,
) -> NikCheck:
    """Validate a NIK typed by an operator or read from an extract.

    ``today`` is the reference date for the century (yy ≤ today's yy → 20yy, else 19yy); a 20yy date after
    ``today`` falls back to 19yy, since nobody is born in the future. ``sex`` (``L``/``P`` or a spelling
    :func:`normalise_sex` accepts) and ``birth_date`` are the person's record: when given they must agree with
    the NIK; a record date a century away from the NIK's inferred year settles the century.
    """
    ref = today or _today()
    record_sex = normalise_sex(sex) if sex is not None else None
    if sex is not None and record_sex is None:
        raise ValueError(f"jenis kelamin tidak dikenal: {sex!r} (pakai L atau P)")
    digits = normalise_number(text)
    shape = _shape_problem(digits, "NIK")
    if shape:
        return NikCheck(valid=False, reason=shape[1], reason_code=shape[0])

    info = lokal.parse_nik(digits, lookup_wilayah=_wilayah_name, reference_date=ref)
    region = {
        "code": info.district_code,
        "province": info.province,
        "regency": info.regency,
        "district": info.district,
    }
    warnings = [issue.code for issue in info.warnings]  # lokal-id's only warning is wilayah_unknown
    if info.district_code != home_district:
        warnings.append("luar_kalipare")

    problems = [_lokal_error(issue.code, issue.message, digits) for issue in info.errors]
    nik_sex = info.gender
    nik_birth = date.fromisoformat(info.birth_date) if info.birth_date else None

    if nik_birth is not None and nik_birth > ref:
        nik_birth = _century_back(nik_birth)
        if nik_birth is None:
            nik_sex = None
            problems.append(
                ("birth_date_invalid", f"Tanggal lahir pada NIK (digit 7–12: {digits[6:12]}) bukan tanggal yang ada.")
            )

    if nik_birth is not None and record_sex is not None:
        if record_sex != nik_sex:
            encoded = "tanggal lahir ditambah 40" if nik_sex == "P" else "tanggal lahir tanpa tambahan 40"
            problems.append(
                (
                    "sex_mismatch",
                    f"NIK menunjukkan {SEX_NAMES[nik_sex]} ({encoded}), tetapi data menyebut {SEX_NAMES[record_sex]}.",
                )
            )
    if nik_birth is not None and birth_date is not None:
        same_day = (birth_date.day, birth_date.month, birth_date.year % 100) == (
            nik_birth.day,
            nik_birth.month,
            nik_birth.year % 100,
        )
        if same_day and birth_date <= ref:
            nik_birth = birth_date  # the record settles the century for people near or over 100
        elif not same_day:
            problems.append(
                (
                    "birth_date_mismatch",
                    f"Tanggal lahir pada NIK ({_dmy(nik_birth)}) tidak sama dengan tanggal lahir di data "
                    f"({_dmy(birth_date)}).",
                )
            )

    date_ok = nik_birth is not None
    return NikCheck(
        valid=not problems,
        reason=" ".join(message for _, message in problems) or None,
        reason_code=problems[0][0] if problems else None,
        warnings=warnings,
        nik=digits,
        region=region,
        sex=nik_sex if date_ok else None,
        birth_date=nik_birth,
        serial=digits[12:16],
    )


def require_valid_nik(text: str | None, **kwargs: Any) -> NikCheck:
    """:func:`check_nik`, raising :class:`~ektp_station.errors.InvalidNik` with the reason when invalid."""
    result = check_nik(text, **kwargs)
    if not result.valid:
        raise InvalidNik(result.reason or "NIK tidak valid.")
    return result


# ------------------------------------------------------------------------------------------------ No. KK


@dataclass(frozen=True)
class KkCheck:
    """Outcome of :func:`check_no_kk`: like :class:`NikCheck`, with the issue date instead of sex/birth date."""

    valid: bool
    reason: str | None
    reason_code: str | None
    warnings: list[str] = field(default_factory=list)
    no_kk: str | None = None
    region: dict[str, Any] | None = None
    issue_date: date | None = None
    serial: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "region": dict(self.region) if self.region is not None else None,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
        }


def check_no_kk(
    text: str | None, *, today: date | None = None, home_district: str = KALIPARE_DISTRICT
) -> KkCheck:
    """Validate a Nomor Kartu Keluarga: region of issue, issue date DDMMYY (no +40), family serial.

    Same structure rules as the NIK; the issue date must exist and not lie after ``today``.
    """
    ref = today or _today()
    digits = normalise_number(text)
    shape = _shape_problem(digits, "No. KK")
    if shape:
        return KkCheck(valid=False, reason=shape[1], reason_code=shape[0])

    region = _region(digits)
    problems: list[tuple[str, str]] = []
    if region["province"] is None:
        problems.append(("province_unknown", f"Kode provinsi {digits[0:2]} pada No. KK tidak dikenal."))
    if digits[2:4] == "00" or digits[4:6] == "00":
        problems.append(("region_zero", "Kode kabupaten/kota dan kecamatan pada No. KK (digit 3–6) tidak boleh 00."))
    warnings = _region_warnings(region, home_district)

    ddmmyy = digits[6:12]
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    year = 2000 + yy if yy <= ref.year % 100 else 1900 + yy
    try:
        issued: date | None = date(year, month, day)
    except ValueError:
        issued = None
        problems.append(
            ("issue_date_invalid", f"Tanggal terbit pada No. KK (digit 7–12: {ddmmyy}) bukan tanggal yang ada.")
        )
    if issued is not None and issued > ref:
        problems.append(
            ("issue_date_future", f"Tanggal terbit pada No. KK ({_dmy(issued)}) ada di masa depan.")
        )
        issued = None
    if digits[12:16] == "0000":
        problems.append(("serial_zero", "Nomor urut No. KK (4 digit terakhir) tidak boleh 0000."))

    return KkCheck(
        valid=not problems,
        reason=" ".join(message for _, message in problems) or None,
        reason_code=problems[0][0] if problems else None,
        warnings=warnings,
        no_kk=digits,
        region=region,
        issue_date=issued,
        serial=digits[12:16],
    )


# ------------------------------------------------------------------------------------------ eligibility

BELUM_KAWIN = "BELUM KAWIN"
KAWIN = "KAWIN"
CERAI_HIDUP = "CERAI HIDUP"
CERAI_MATI = "CERAI MATI"
#: Statuses that make someone wajib KTP-el regardless of age (UU 24/2013 Pasal 63(1)).
EVER_MARRIED = frozenset({KAWIN, CERAI_HIDUP, CERAI_MATI})

_STATUS_SPELLINGS = {
    "BELUM KAWIN": BELUM_KAWIN,
    "BELUM MENIKAH": BELUM_KAWIN,
    "BELUM NIKAH": BELUM_KAWIN,
    "TIDAK KAWIN": BELUM_KAWIN,
    "LAJANG": BELUM_KAWIN,
    "KAWIN": KAWIN,
    "SUDAH KAWIN": KAWIN,
    "MENIKAH": KAWIN,
    "SUDAH MENIKAH": KAWIN,
    "NIKAH": KAWIN,
    "CERAI HIDUP": CERAI_HIDUP,
    "CERAI MATI": CERAI_MATI,
}
# SIAK appends whether the marriage/divorce is registered: "KAWIN BELUM TERCATAT", "CERAI HIDUP TERCATAT".
_REGISTRATION_SUFFIX = re.compile(r"\s+(?:(?:BELUM|TIDAK)\s+)?TERCATAT$")


def normalise_status_kawin(value: str | None) -> str | None:
    """One of ``BELUM KAWIN``, ``KAWIN``, ``CERAI HIDUP``, ``CERAI MATI`` from common spellings; None if unknown.

    Case, underscores/dashes and SIAK's ``TERCATAT`` / ``BELUM TERCATAT`` suffix are ignored.
    """
    if value is None:
        return None
    key = _WORD_JOINERS.sub(" ", value).strip().upper()
    key = _REGISTRATION_SUFFIX.sub("", key)
    return _STATUS_SPELLINGS.get(key)


@dataclass(frozen=True)
class Eligibility:
    """Wajib KTP-el status on a given day. ``pre_recording``: 16 and unmarried, may record, card printed at 17."""

    age: int
    wajib_ktp: bool
    pre_recording: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "wajib_ktp": self.wajib_ktp,
            "pre_recording": self.pre_recording,
            "reason": self.reason,
        }


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (someone born on 29 February turns a year older on 1 March in common years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def eligibility(birth_date: date, status_kawin: str | None, today: date | None = None) -> Eligibility:
    """Wajib KTP-el = age ≥ 17 or ever married; 16 and unmarried may pre-record; under 16 not yet.

    ``status_kawin`` None or blank is taken as unmarried; an unrecognised spelling raises ValueError.
    """
    ref = today or _today()
    if birth_date > ref:
        raise ValueError(f"tanggal lahir {_dmy(birth_date)} ada di masa depan")
    status = BELUM_KAWIN if status_kawin is None or not status_kawin.strip() else normalise_status_kawin(status_kawin)
    if status is None:
        raise ValueError(
            f"status kawin tidak dikenal: {status_kawin!r} (pilihan: belum kawin, kawin, cerai hidup, cerai mati)"
        )
    age = age_on(birth_date, ref)
    married = status in EVER_MARRIED
    if age >= 17:
        return Eligibility(age, True, False, f"Wajib KTP-el: berumur {age} tahun (17 tahun atau lebih).")
    if married:
        return Eligibility(
            age, True, False, f"Wajib KTP-el: berumur {age} tahun tetapi berstatus {status.lower()}."
        )
    if age == 16:
        return Eligibility(
            age,
            False,
            True,
            "Belum wajib KTP-el (berumur 16 tahun): boleh perekaman lebih awal, "
            "kartu dicetak setelah berumur 17 tahun.",
        )
    return Eligibility(
        age, False, False, f"Belum wajib KTP-el: berumur {age} tahun, perekaman baru boleh mulai umur 16 tahun."
    )
