"""Service rules on an application's details beyond their types (dates in order, copy limits, …)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ektp_station.register.errors import InvalidInput
from ektp_station.register.services import ServiceDef


def _day(details: dict[str, Any], name: str) -> date | None:
    value = details.get(name)
    return date.fromisoformat(value) if value else None


def check_details(service: ServiceDef, details: dict[str, Any], today: date) -> None:
    """Refuse details that are well-typed but cannot be right for this service on ``today``."""
    code = service.code
    if code == "KERAMAIAN":
        start, end = _day(details, "tanggal_mulai"), _day(details, "tanggal_selesai")
        if start and end and end < start:
            raise InvalidInput("Tanggal berakhir kegiatan tidak boleh sebelum tanggal mulai.")
        if end and end < today:
            raise InvalidInput("Kegiatan sudah berakhir: rekomendasi ijin keramaian diajukan sebelum kegiatan.")
    if code == "DISPNIKAH":
        akad = _day(details, "tanggal_akad")
        if akad and akad < today:
            raise InvalidInput("Tanggal akad nikah sudah lewat.")
    if code == "WARIS":
        died = _day(details, "tanggal_meninggal")
        if died and died > today:
            raise InvalidInput("Tanggal meninggal pewaris tidak boleh di masa depan.")
    if code == "SKU":
        since = _day(details, "mulai_usaha")
        if since and since > today:
            raise InvalidInput("Tanggal mulai usaha tidak boleh di masa depan.")
    if service.max_copies is not None and "jumlah_salinan" in details:
        copies = details["jumlah_salinan"]
        if not 1 <= copies <= service.max_copies:
            raise InvalidInput(f"Jumlah salinan untuk {service.name} 1 sampai {service.max_copies} lembar.")
