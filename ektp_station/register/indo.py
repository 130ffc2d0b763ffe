"""Dates, times and amounts written the Indonesian way (for letters, receipts and reports)."""

from __future__ import annotations

from datetime import date, datetime

from ektp_station.clock import to_wib

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def tanggal(value: date | datetime | str | None) -> str:
    """``2026-11-25`` → ``25 November 2026``; datetimes are shown in WIB; None → ``-``."""
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = to_wib(value).date()
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def waktu(value: datetime) -> str:
    """``25 November 2026 pukul 09.05 WIB``."""
    local = to_wib(value)
    return f"{tanggal(local.date())} pukul {local:%H.%M} WIB"


def rupiah(value: int | None) -> str:
    if value is None:
        return "-"
    return "Rp" + f"{value:,}".replace(",", ".")


def menit(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}".replace(".", ",")
