"""Service detail fields (isian): their definitions from ``services.toml`` and the validation of typed values.

Values arrive as text (CLI ``--field key=value``) or JSON values (HTTP API) and are stored JSON-native: dates
as ``YYYY-MM-DD``, numbers as integers, yes/no as booleans, NIK lists as lists of 16-digit strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from ektp_station.nik import check_nik, check_no_kk
from ektp_station.register.errors import InvalidInput

TYPES = ("text", "date", "int", "rupiah", "bool", "choice", "nik_list", "no_kk", "kecamatan_number")
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
_TRUE = {"ya", "y", "true", "1", "yes", "benar"}
_FALSE = {"tidak", "t", "n", "false", "0", "no", "bukan"}
MAX_TEXT = 500


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: str
    required: bool
    choices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type, "required": self.required}
        if self.choices:
            data["choices"] = list(self.choices)
        return data


def parse_field(raw: Any, where: str) -> FieldDef:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: harus tabel {{ name = ..., label = ..., type = ... }}")
    unknown = sorted(set(raw) - {"name", "label", "type", "required", "choices"})
    if unknown:
        raise ValueError(f"{where}: kunci tidak dikenal {unknown[0]!r}")
    name, label, kind = raw.get("name"), raw.get("label"), raw.get("type")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{where}: name harus huruf kecil/angka/garis bawah")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{where}: label wajib berupa teks")
    if kind not in TYPES:
        raise ValueError(f"{where}: type {kind!r} tidak dikenal; pilihan: {', '.join(TYPES)}")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise ValueError(f"{where}: required harus true/false")
    choices = raw.get("choices", [])
    if kind == "choice":
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
            raise ValueError(f"{where}: type choice memerlukan choices berupa daftar teks")
    elif choices:
        raise ValueError(f"{where}: choices hanya untuk type choice")
    return FieldDef(name, label, kind, required, tuple(choices))


def _parse_date(text: str, label: str) -> str:
    value = text.strip()
    for parse in (date.fromisoformat, _dmy):
        try:
            return parse(value).isoformat()
        except ValueError:
            continue
    raise InvalidInput(f"{label}: {text!r} bukan tanggal (pakai YYYY-MM-DD atau DD-MM-YYYY).")


def _dmy(text: str) -> date:
    match = re.fullmatch(r"([0-9]{1,2})[-/]([0-9]{1,2})[-/]([0-9]{4})", text)
    if not match:
        raise ValueError(text)
    return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))


def convert(field: FieldDef, value: Any, *, is_own_number: Callable[[str], bool]) -> Any:
    """One field's value, checked and converted to its stored form; ``None`` for an empty optional value."""
    label = field.label
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        if field.required:
            raise InvalidInput(f"Isian wajib '{field.name}' ({label}) belum diisi.")
        return None
    kind = field.type
    if kind == "text":
        text = " ".join(str(value).split())
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"{label}: paling panjang {MAX_TEXT} karakter.")
        return text
    if kind == "date":
        if isinstance(value, date):
            return value.isoformat()
        return _parse_date(str(value), label)
    if kind in ("int", "rupiah"):
        if isinstance(value, bool):
            raise InvalidInput(f"{label}: harus bilangan bulat.")
        try:
            number = int(str(value).replace(".", "").strip()) if not isinstance(value, int) else value
        except ValueError:
            raise InvalidInput(f"{label}: {value!r} bukan bilangan bulat.") from None
        if number < 0:
            raise InvalidInput(f"{label}: tidak boleh negatif.")
        return number
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise InvalidInput(f"{label}: jawab ya atau tidak, bukan {value!r}.")
    if kind == "choice":
        word = str(value).strip().lower()
        if word not in field.choices:
            raise InvalidInput(f"{label}: {value!r} tidak dikenal; pilihan: {', '.join(field.choices)}.")
        return word
    if kind == "nik_list":
        items = value if isinstance(value, list) else re.split(r"[,;]", str(value))
        niks = []
        for item in items:
            if not str(item).strip():
                continue
            result = check_nik(str(item))
            if not result.valid:
                raise InvalidInput(f"{label}: {result.reason}")
            niks.append(result.nik)
        if not niks and field.required:
            raise InvalidInput(f"Isian wajib '{field.name}' ({label}) belum diisi.")
        return niks or None
    if kind == "no_kk":
        result = check_no_kk(str(value))
        if not result.valid:
            raise InvalidInput(f"{label}: {result.reason}")
        return result.no_kk
    if kind == "kecamatan_number":
        text = " ".join(str(value).split())
        if not is_own_number(text):
            raise InvalidInput(
                f"{label}: {text!r} bukan nomor surat Kecamatan Kalipare; legalisasi hanya untuk dokumen yang "
                "diterbitkan kecamatan."
            )
        return text
    raise AssertionError(kind)  # pragma: no cover - TYPES is closed


def validate_details(fields: tuple[FieldDef, ...], values: dict[str, Any], *,
                     is_own_number: Callable[[str], bool], partial: bool = False) -> dict[str, Any]:
    """All of a service's details checked; unknown names are refused. ``partial``: only the names given."""
    by_name = {field.name: field for field in fields}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise InvalidInput(
            f"Isian {unknown[0]!r} tidak dikenal untuk layanan ini; isian yang ada: {', '.join(by_name) or '-'}"
        )
    result: dict[str, Any] = {}
    for field in fields:
        if partial and field.name not in values:
            continue
        converted = convert(field, values.get(field.name), is_own_number=is_own_number)
        if converted is not None:
            result[field.name] = converted
    return result
