"""Letter templates: one editable TOML file per service (``register/templates/<code>.toml``, see its README.txt).

A template is data with named placeholders in ``{braces}``. Loading checks every placeholder against what the
service can fill (the applicant, the service's detail fields, the letter's number and date, and the extras of
the service: site visit, legalised copies, withdrawn documents), so a typo in a template fails at start-up, not
on the letter in front of the applicant. :meth:`LetterTemplate.render` returns the filled texts.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from typing import Any

from ektp_station.register.errors import RegisterDataError

LAYOUTS = ("keterangan", "dinas")
BASE_PLACEHOLDERS = frozenset({
    "nama", "nik", "alamat", "desa", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "pekerjaan", "agama",
    "status_kawin", "nomor", "tanggal", "tahun", "nomor_register", "jabatan_penandatangan",
})
VISIT_PLACEHOLDERS = frozenset({"kunjungan_petugas", "kunjungan_tanggal", "kunjungan_lokasi", "kunjungan_catatan"})
_TEXT_KEYS = ("title", "subject", "opening", "closing")
_KEYS = {"service", "layout", "title", "subject", "addressee", "opening", "identity", "paragraphs", "closing",
         "variants"}


@dataclass(frozen=True)
class RenderedLetter:
    layout: str
    title: str
    subject: str
    addressee: tuple[str, ...]
    opening: str
    identity: tuple[tuple[str, str], ...]
    paragraphs: tuple[str, ...]
    closing: str

    def to_json(self) -> dict[str, Any]:
        return {"layout": self.layout, "title": self.title, "subject": self.subject,
                "addressee": list(self.addressee), "opening": self.opening,
                "identity": [list(row) for row in self.identity], "paragraphs": list(self.paragraphs),
                "closing": self.closing}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderedLetter:
        return cls(layout=data["layout"], title=data["title"], subject=data["subject"],
                   addressee=tuple(data["addressee"]), opening=data["opening"],
                   identity=tuple((a, b) for a, b in data["identity"]), paragraphs=tuple(data["paragraphs"]),
                   closing=data["closing"])


@dataclass(frozen=True)
class LetterTemplate:
    service: str
    layout: str
    title: str = ""
    subject: str = ""
    addressee: tuple[str, ...] = ()
    opening: str = ""
    identity: tuple[tuple[str, str], ...] = ()
    paragraphs: tuple[str, ...] = ()
    closing: str = ""
    variants: dict[str, LetterTemplate] = field(default_factory=dict)

    def for_variant(self, variant: str | None) -> LetterTemplate:
        return self.variants.get(variant or "", self)

    def render(self, values: dict[str, str], variant: str | None = None) -> RenderedLetter:
        chosen = self.for_variant(variant)
        fill = _Filler(values)
        identity = tuple((label, fill(value)) for label, value in chosen.identity)
        # A row whose value came out empty (an optional field left blank) is left off the letter.
        identity = tuple((label, value) for label, value in identity if value.strip(" ,-"))
        return RenderedLetter(
            layout=chosen.layout, title=fill(chosen.title), subject=fill(chosen.subject),
            addressee=tuple(fill(line) for line in chosen.addressee), opening=fill(chosen.opening),
            identity=identity, paragraphs=tuple(p for p in (fill(x) for x in chosen.paragraphs) if p.strip()),
            closing=fill(chosen.closing),
        )

    def placeholders(self) -> set[str]:
        texts = [self.title, self.subject, self.opening, self.closing, *self.addressee, *self.paragraphs,
                 *(value for _label, value in self.identity)]
        names: set[str] = set()
        for text in texts:
            names |= _names(text)
        for variant in self.variants.values():
            names |= variant.placeholders()
        return names


class _Filler:
    def __init__(self, values: dict[str, str]):
        self.values = values

    def __call__(self, text: str) -> str:
        return " ".join(string.Formatter().vformat(text, (), _Blank(self.values)).split())


class _Blank(dict):
    """Missing optional values print as empty text (the template was checked against the allowed names)."""

    def __init__(self, values: dict[str, str]):
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""


def _names(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"teks {text[:40]!r}…: kurung kurawal tidak seimbang ({exc})") from None


def allowed_placeholders(service) -> frozenset[str]:
    names = set(BASE_PLACEHOLDERS) | {f.name for f in service.fields}
    if service.site_visit:
        names |= VISIT_PLACEHOLDERS
    if service.legalised_copies is not None:
        names.add("salinan")
    if service.withdraws_documents:
        names.add("penarikan")
    return frozenset(names)


def _parse_body(doc: dict[str, Any], base: LetterTemplate | None, where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        if key in doc:
            if not isinstance(doc[key], str):
                raise ValueError(f"{where}{key!r} harus teks")
            values[key] = doc[key]
    if "layout" in doc:
        if doc["layout"] not in LAYOUTS:
            raise ValueError(f"{where}layout harus salah satu dari {', '.join(LAYOUTS)}")
        values["layout"] = doc["layout"]
    for key in ("addressee", "paragraphs"):
        if key in doc:
            if not isinstance(doc[key], list) or not all(isinstance(x, str) for x in doc[key]):
                raise ValueError(f"{where}{key!r} harus daftar teks")
            values[key] = tuple(doc[key])
    if "identity" in doc:
        rows = doc["identity"]
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in rows
        ):
            raise ValueError(f"{where}'identity' harus daftar pasangan [label, nilai]")
        values["identity"] = tuple((a, b) for a, b in rows)
    return values


def parse_template(doc: dict[str, Any], services: dict[str, Any]) -> LetterTemplate:
    unknown = sorted(set(doc) - _KEYS)
    if unknown:
        raise ValueError(f"kunci tidak dikenal {unknown[0]!r}")
    code = doc.get("service")
    if code not in services:
        raise ValueError(f"service {code!r} bukan layanan register ({', '.join(services)})")
    service = services[code]
    values = _parse_body(doc, None, "")
    if "layout" not in values:
        raise ValueError("'layout' wajib ada")
    template = LetterTemplate(service=code, **values)
    if template.layout == "keterangan" and not template.title.strip():
        raise ValueError("layout keterangan memerlukan 'title'")
    if template.layout == "dinas" and (not template.subject.strip() or not template.addressee):
        raise ValueError("layout dinas memerlukan 'subject' dan 'addressee'")
    variants: dict[str, LetterTemplate] = {}
    raw_variants = doc.get("variants", {})
    if raw_variants:
        if service.variant_field is None:
            raise ValueError(f"layanan {code} tidak punya varian, [variants] tidak berlaku")
        choices = service.field(service.variant_field).choices
        if not isinstance(raw_variants, dict):
            raise ValueError("[variants] harus tabel")
        for name, body in raw_variants.items():
            if name not in choices:
                raise ValueError(f"varian {name!r} bukan pilihan {service.variant_field}: {', '.join(choices)}")
            if not isinstance(body, dict) or set(body) - (_KEYS - {"service", "variants"}):
                raise ValueError(f"[variants.{name}] hanya boleh memuat kunci isi surat")
            variant = replace(template, **_parse_body(body, template, f"[variants.{name}] "))
            if variant.layout == "dinas" and (not variant.subject.strip() or not variant.addressee):
                raise ValueError(f"[variants.{name}] layout dinas memerlukan 'subject' dan 'addressee'")
            variants[name] = variant
    template = replace(template, variants=variants)
    unknown_names = sorted(template.placeholders() - allowed_placeholders(service))
    if unknown_names:
        raise RegisterDataError(
            f"templat surat {code}: isian {{{unknown_names[0]}}} tidak dikenal; yang tersedia: "
            f"{', '.join(sorted(allowed_placeholders(service)))}"
        )
    return template
