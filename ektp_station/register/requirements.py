"""Requirement checklists (persyaratan) per service and the completeness check at the counter."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from ektp_station.register.errors import InvalidInput

_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Requirement:
    code: str
    label: str
    required: bool
    variants: tuple[str, ...] | None

    def applies(self, variant: str | None) -> bool:
        return self.variants is None or variant in self.variants

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "required": self.required,
                "variants": list(self.variants) if self.variants is not None else None}


@dataclass(frozen=True)
class CheckOutcome:
    """``missing``: required items not handed in; ``present``: items handed in (applicable ones)."""

    complete: bool
    present: tuple[Requirement, ...]
    missing: tuple[Requirement, ...]

    def to_json(self) -> dict[str, Any]:
        return {"lengkap": self.complete, "ada": [r.code for r in self.present],
                "kurang": [{"code": r.code, "label": r.label} for r in self.missing]}


def parse_requirements(doc: dict[str, Any]) -> dict[str, tuple[Requirement, ...]]:
    result: dict[str, tuple[Requirement, ...]] = {}
    for service, items in doc.items():
        if not isinstance(items, list) or not items:
            raise ValueError(f"{service}: harus daftar persyaratan yang tidak kosong")
        seen: set[str] = set()
        parsed = []
        for position, item in enumerate(items, start=1):
            where = f"{service} butir ke-{position}"
            if not isinstance(item, dict):
                raise ValueError(f"{where}: harus tabel {{ code = ..., label = ... }}")
            unknown = sorted(set(item) - {"code", "label", "required", "variants"})
            if unknown:
                raise ValueError(f"{where}: kunci tidak dikenal {unknown[0]!r}")
            code, label = item.get("code"), item.get("label")
            if not isinstance(code, str) or not _CODE.match(code):
                raise ValueError(f"{where}: code harus huruf kecil/angka/garis bawah")
            if code in seen:
                raise ValueError(f"{where}: code {code!r} dipakai dua kali")
            seen.add(code)
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"{where}: label wajib berupa teks")
            required = item.get("required", True)
            if not isinstance(required, bool):
                raise ValueError(f"{where}: required harus true/false")
            variants = item.get("variants")
            if variants is not None and (
                not isinstance(variants, list) or not all(isinstance(v, str) for v in variants)
            ):
                raise ValueError(f"{where}: variants harus daftar teks")
            parsed.append(Requirement(code, label, required, tuple(variants) if variants is not None else None))
        result[service] = tuple(parsed)
    return result


def applicable(items: Iterable[Requirement], variant: str | None) -> tuple[Requirement, ...]:
    return tuple(item for item in items if item.applies(variant))


def evaluate(items: tuple[Requirement, ...], variant: str | None, present: Iterable[str]) -> CheckOutcome:
    """Which required items are missing, given the codes of the documents handed in.

    A code that is not on this service's list (or not for this variant) is an input error, so a typo can never
    make a file look complete.
    """
    relevant = applicable(items, variant)
    by_code = {item.code: item for item in relevant}
    given = []
    for raw in present:
        code = raw.strip().lower()
        if not code:
            continue
        if code not in by_code:
            raise InvalidInput(
                f"Persyaratan {raw!r} tidak ada dalam daftar layanan ini; kode yang sah: {', '.join(by_code)}"
            )
        given.append(code)
    have = set(given)
    present_items = tuple(item for item in relevant if item.code in have)
    missing = tuple(item for item in relevant if item.required and item.code not in have)
    return CheckOutcome(not missing, present_items, missing)
