"""The issuing office: letterhead lines, place, region code and the shapes of letter and register numbers."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from typing import Any

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
LETTER_TOKENS = {"kode", "no", "kode_wilayah", "bulan_romawi", "tahun"}
REGISTER_TOKENS = {"no", "layanan", "tahun"}
_SCOPES = {"global", "per_service"}
_CODE = re.compile(r"[0-9]{3}(?:\.[0-9]+)*\Z")


@dataclass(frozen=True)
class Office:
    government: str
    office: str
    address: str
    place: str
    region_code: str
    letter_number_format: str
    letter_sequence_scope: str
    register_number_format: str

    def letter_number(self, kode: str, no: int, day: date) -> str:
        return self.letter_number_format.format(
            kode=kode, no=no, kode_wilayah=self.region_code, bulan_romawi=ROMAN_MONTHS[day.month - 1], tahun=day.year
        )

    def register_number(self, service: str, no: int, year: int) -> str:
        return self.register_number_format.format(no=no, layanan=service, tahun=year)

    def letter_scope(self, service: str) -> str:
        """The sequence a service's letters draw from: the shared "SOP Surat Keluar" one unless set per service."""
        return "SURAT_KELUAR" if self.letter_sequence_scope == "global" else f"SURAT_KELUAR:{service}"

    def is_own_letter_number(self, text: str) -> bool:
        """A number of a letter this kecamatan issued: classification code first, region code, 4-digit year last."""
        parts = [part.strip() for part in (text or "").split("/")]
        return (
            len(parts) >= 4
            and bool(_CODE.match(parts[0]))
            and self.region_code in parts[1:-1]
            and re.fullmatch(r"(19|20)[0-9]{2}", parts[-1]) is not None
            and any(part.isdigit() for part in parts[1:-1])
        )


def _tokens(fmt: str) -> set[str]:
    names = set()
    for _text, field, _spec, _conv in string.Formatter().parse(fmt):
        if field is not None:
            names.add(field)
    return names


def _check_format(fmt: str, allowed: set[str], required: set[str], key: str, sample: dict[str, Any]) -> None:
    try:
        used = _tokens(fmt)
    except ValueError as exc:
        raise ValueError(f"{key}: format tidak sah ({exc})") from None
    unknown = used - allowed
    if unknown:
        raise ValueError(f"{key}: token tidak dikenal {sorted(unknown)}; yang boleh: {sorted(allowed)}")
    if not required <= used:
        raise ValueError(f"{key}: harus memuat {sorted('{' + r + '}' for r in required)}")
    try:
        fmt.format(**sample)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"{key}: format tidak dapat dipakai ({exc})") from None


def parse_office(doc: dict[str, Any]) -> Office:
    keys = ("government", "office", "address", "place", "region_code", "letter_number_format",
            "letter_sequence_scope", "register_number_format")
    unknown = sorted(set(doc) - set(keys))
    if unknown:
        raise ValueError(f"kunci tidak dikenal {unknown[0]!r}")
    for key in keys:
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise ValueError(f"kunci {key!r} wajib berupa teks tidak kosong")
    if not re.fullmatch(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}", doc["region_code"]):
        raise ValueError(f"region_code {doc['region_code']!r} harus berbentuk 35.07.11")
    if doc["letter_sequence_scope"] not in _SCOPES:
        raise ValueError(f"letter_sequence_scope harus salah satu dari {sorted(_SCOPES)}")
    _check_format(doc["letter_number_format"], LETTER_TOKENS, {"kode", "no"}, "letter_number_format",
                  {"kode": "470", "no": 1, "kode_wilayah": "35.07.11", "bulan_romawi": "I", "tahun": 2026})
    _check_format(doc["register_number_format"], REGISTER_TOKENS, {"no", "layanan", "tahun"},
                  "register_number_format", {"no": 1, "layanan": "KK", "tahun": 2026})
    return Office(**{key: doc[key] for key in keys})
