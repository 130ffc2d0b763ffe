"""The register's service definitions: each SOP of the catalogue with its workflow kinds, fields and signers.

``services.toml`` gives every catalogue step of a service a workflow *kind* (``submit``, ``check``, ``register``,
``review``, ``handover``, …). The register follows the catalogue's own steps: an action completes the steps of
the kinds it owns, in the catalogue's order, and times each against the catalogue's standard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ektp_station.register.fields import FieldDef, parse_field
from ektp_station.register.requirements import Requirement
from ektp_station.register.signers import Position
from ektp_station.errors import UnknownSop
from ektp_station.sop.catalogue import Catalogue, Sop, Step

#: Step kinds and the workflow action that completes them.
KIND_ACTION = {
    "submit": "intake",
    "check": "check",
    "register": "check",
    "register_review": "sign",
    "review": "sign",
    "sign": "sign",
    "copies": "sign",
    "handover": "handover",
    "archive": "archive",
    "monitor": "monitor",
    "report": "report",
}
#: Kinds every service must have exactly once.
REQUIRED_KINDS = ("submit", "check", "handover")
_KEYS = {"name", "steps", "signers", "stand_ins", "variant", "fields", "site_visit", "legalised_copies",
         "max_copies", "withdraws_documents"}


@dataclass(frozen=True)
class ServiceDef:
    code: str
    name: str
    sop: Sop
    kinds: tuple[str, ...]
    signers: tuple[str, ...]
    stand_ins: tuple[str, ...]
    variant_field: str | None
    fields: tuple[FieldDef, ...]
    requirements: tuple[Requirement, ...]
    site_visit: bool = False
    legalised_copies: int | None = None
    max_copies: int | None = None
    withdraws_documents: bool = False

    @property
    def steps(self) -> tuple[Step, ...]:
        return self.sop.steps

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    def steps_of(self, action: str) -> list[tuple[Step, str]]:
        """The catalogue steps an action completes, in order, with their kinds."""
        return [(step, kind) for step, kind in zip(self.sop.steps, self.kinds) if KIND_ACTION[kind] == action]

    def step_of_kind(self, kind: str) -> Step | None:
        for step, own in zip(self.sop.steps, self.kinds):
            if own == kind:
                return step
        return None

    def kind_of(self, ordinal: int) -> str:
        return self.kinds[ordinal - 1]

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def total_standard_minutes(self) -> float:
        """Standard minutes of the steps the applicant waits for (report and monitoring excluded)."""
        return sum(step.standard_minutes or 0 for step, kind in zip(self.sop.steps, self.kinds)
                   if kind not in ("report", "monitor", "archive"))

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "sop": self.sop.title,
            "steps": [
                {"ordinal": step.ordinal, "label": step.label, "kind": kind, "actor": step.actor,
                 "activity": step.activity, "standard_minutes": step.standard_minutes,
                 "until_event_end": step.until_event_end}
                for step, kind in zip(self.sop.steps, self.kinds)
            ],
            "signers": list(self.signers),
            "stand_ins": list(self.stand_ins),
            "variant_field": self.variant_field,
            "fields": [f.to_json() for f in self.fields],
            "requirements": [r.to_json() for r in self.requirements],
            "site_visit": self.site_visit,
        }


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} harus daftar teks")
    return tuple(value)


def _positive_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where} harus bilangan bulat 1 atau lebih")
    return value


def build_services(doc: dict[str, Any], catalogue: Catalogue, requirements: dict[str, tuple[Requirement, ...]],
                   signers: dict[str, Position]) -> dict[str, ServiceDef]:
    services: dict[str, ServiceDef] = {}
    for code, table in doc.items():
        where = f"[{code}]"
        if not isinstance(table, dict):
            raise ValueError(f"{where} harus tabel")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            raise ValueError(f"{where} kunci tidak dikenal {unknown[0]!r}")
        try:
            sop = catalogue.get(code)
        except UnknownSop:
            raise ValueError(f"{where} bukan kode SOP dalam katalog ({', '.join(catalogue.codes())})") from None
        if code == "EKTP":
            raise ValueError(f"{where} perekaman e-KTP dijalankan modul perekaman, bukan register")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where} name wajib berupa teks")
        kinds = _str_list(table.get("steps"), f"{where} steps")
        if len(kinds) != len(sop.steps):
            raise ValueError(f"{where} steps memuat {len(kinds)} jenis, katalog SOP punya {len(sop.steps)} langkah")
        for step, kind in zip(sop.steps, kinds):
            if kind not in KIND_ACTION:
                raise ValueError(f"{where} jenis langkah {kind!r} tidak dikenal; pilihan: {', '.join(KIND_ACTION)}")
            if (kind == "monitor") != step.until_event_end:
                raise ValueError(f"{where} langkah {step.label} ({step.ordinal}): 'monitor' hanya untuk langkah "
                                 "\"sampai dengan jadwal kegiatan berakhir\"")
        for kind in REQUIRED_KINDS:
            if kinds.count(kind) != 1:
                raise ValueError(f"{where} jenis langkah {kind!r} harus tepat satu kali")
        if sum(kinds.count(k) for k in ("review", "register_review", "sign")) < 1:
            raise ValueError(f"{where} perlu satu langkah penandatanganan (review, register_review atau sign)")
        if any(kinds.count(kind) > 1 for kind in set(kinds)):
            raise ValueError(f"{where} setiap jenis langkah hanya boleh satu kali")
        if kinds.index("submit") != 0 or kinds.index("check") != 1:
            raise ValueError(f"{where} langkah pertama harus submit lalu check")
        allowed = _str_list(table.get("signers"), f"{where} signers")
        stand_ins = _str_list(table.get("stand_ins", []), f"{where} stand_ins")
        if not allowed:
            raise ValueError(f"{where} signers tidak boleh kosong")
        for key in allowed + stand_ins:
            if key not in signers:
                raise ValueError(f"{where} jabatan {key!r} tidak ada di signers.toml")
        fields = tuple(parse_field(raw, f"{where} fields butir ke-{i}")
                       for i, raw in enumerate(table.get("fields", []), start=1))
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{where} nama isian dipakai dua kali")
        variant = table.get("variant")
        if variant is not None:
            field = next((f for f in fields if f.name == variant), None)
            if field is None or field.type != "choice" or not field.required:
                raise ValueError(f"{where} variant {variant!r} harus isian wajib bertipe choice")
        if code not in requirements:
            raise ValueError(f"{where} tidak punya daftar persyaratan di requirements.toml")
        choices = next((f.choices for f in fields if f.name == variant), ()) if variant else ()
        for item in requirements[code]:
            if item.variants is not None and not set(item.variants) <= set(choices):
                raise ValueError(f"requirements.toml {code} {item.code!r}: variants harus dari pilihan "
                                 f"{variant or '(layanan tanpa varian)'}: {', '.join(choices) or '-'}")
        site_visit = table.get("site_visit", False)
        withdraws = table.get("withdraws_documents", False)
        if not isinstance(site_visit, bool) or not isinstance(withdraws, bool):
            raise ValueError(f"{where} site_visit dan withdraws_documents harus true/false")
        services[code] = ServiceDef(
            code=code, name=name, sop=sop, kinds=kinds, signers=allowed, stand_ins=stand_ins,
            variant_field=variant, fields=fields, requirements=requirements[code], site_visit=site_visit,
            legalised_copies=_positive_int(table.get("legalised_copies"), f"{where} legalised_copies"),
            max_copies=_positive_int(table.get("max_copies"), f"{where} max_copies"),
            withdraws_documents=withdraws,
        )
    extra = sorted(set(requirements) - set(services))
    if extra:
        raise ValueError(f"requirements.toml memuat layanan {extra[0]!r} yang tidak ada di services.toml")
    return services
