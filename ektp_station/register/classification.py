"""Classification codes (kode klasifikasi) for letter numbers: the 2012 and 2022 tables and each service's default.

Permendagri 78/2012 was in force when the SOP was written; Permendagri 83/2022 replaced it. Both tables ship as
data; ``classification.toml`` says which one letters use (``"2012"``, ``"2022"`` or ``"auto"`` = by the letter
date against ``switch_date``) and gives every service a default code in each table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ektp_station.register.errors import InvalidInput

TABLES = ("2012", "2022")
_CODE = re.compile(r"[0-9]{3}(?:\.[0-9]+)*\Z")


@dataclass(frozen=True)
class ClassificationTable:
    regulation: str
    codes: dict[str, str]


@dataclass(frozen=True)
class Choice:
    table: str
    code: str
    meaning: str


@dataclass(frozen=True)
class ClassificationSettings:
    mode: str
    switch_date: date
    tables: dict[str, ClassificationTable]
    defaults: dict[str, dict[str, str]]

    def table_for(self, day: date, requested: str | None = None) -> str:
        if requested is not None:
            if requested not in TABLES:
                raise InvalidInput(f"Tabel klasifikasi {requested!r} tidak dikenal; pilihan: 2012, 2022.")
            return requested
        if self.mode != "auto":
            return self.mode
        return "2022" if day >= self.switch_date else "2012"

    def choose(self, service: str, day: date, *, code: str | None = None, table: str | None = None) -> Choice:
        """The code for a letter of ``service`` dated ``day``: the given one (checked) or the service default."""
        which = self.table_for(day, table)
        codes = self.tables[which].codes
        wanted = (code or "").strip() or self.defaults[service][which]
        if wanted not in codes:
            raise InvalidInput(
                f"Kode klasifikasi {wanted!r} tidak ada dalam tabel {self.tables[which].regulation}."
            )
        return Choice(which, wanted, codes[wanted])


def parse_table(doc: dict[str, Any]) -> ClassificationTable:
    if set(doc) != {"regulation", "codes"}:
        raise ValueError("harus berisi tepat 'regulation' dan [codes]")
    if not isinstance(doc["regulation"], str) or not isinstance(doc["codes"], dict) or not doc["codes"]:
        raise ValueError("'regulation' harus teks dan [codes] tidak boleh kosong")
    for code, meaning in doc["codes"].items():
        if not _CODE.match(code):
            raise ValueError(f"kode {code!r} harus berbentuk 470 atau 400.12.2.1")
        if not isinstance(meaning, str) or not meaning.strip():
            raise ValueError(f"kode {code!r}: arti harus teks tidak kosong")
    return ClassificationTable(doc["regulation"], dict(doc["codes"]))


def parse_classification(doc: dict[str, Any], tables: dict[str, ClassificationTable],
                         services: tuple[str, ...]) -> ClassificationSettings:
    unknown = sorted(set(doc) - {"table", "switch_date", "defaults"})
    if unknown:
        raise ValueError(f"kunci tidak dikenal {unknown[0]!r}")
    mode = doc.get("table")
    if mode not in (*TABLES, "auto"):
        raise ValueError("'table' harus \"2012\", \"2022\" atau \"auto\"")
    switch = doc.get("switch_date")
    if isinstance(switch, str):
        try:
            switch = date.fromisoformat(switch)
        except ValueError:
            raise ValueError(f"switch_date {switch!r} bukan tanggal YYYY-MM-DD") from None
    if not isinstance(switch, date):
        raise ValueError("switch_date wajib berupa tanggal YYYY-MM-DD")
    defaults = doc.get("defaults")
    if not isinstance(defaults, dict):
        raise ValueError("[defaults.<LAYANAN>] wajib ada")
    result: dict[str, dict[str, str]] = {}
    for service in services:
        entry = defaults.get(service)
        if not isinstance(entry, dict) or set(entry) != set(TABLES):
            raise ValueError(f"[defaults.{service}] harus memberi kode untuk \"2012\" dan \"2022\"")
        for which in TABLES:
            if entry[which] not in tables[which].codes:
                raise ValueError(
                    f"[defaults.{service}] kode {entry[which]!r} tidak ada dalam tabel {tables[which].regulation}"
                )
        result[service] = dict(entry)
    extra = sorted(set(defaults) - set(services))
    if extra:
        raise ValueError(f"[defaults.{extra[0]}] bukan layanan register")
    return ClassificationSettings(mode, switch, tables, result)
