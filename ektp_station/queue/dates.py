"""Dates and times as Indonesians read them (WIB): "Selasa, 24 November 2026", "10.15 WIB"."""

from __future__ import annotations

from datetime import date, datetime

from ektp_station.clock import to_wib

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")


def tanggal(day: date, *, with_weekday: bool = True) -> str:
    """``Selasa, 24 November 2026`` (or ``24 November 2026``)."""
    text = f"{day.day} {BULAN[day.month - 1]} {day.year}"
    return f"{HARI[day.weekday()]}, {text}" if with_weekday else text


def jam(moment: datetime) -> str:
    """``10.15 WIB`` (Indonesian writes a dot between hours and minutes)."""
    wib = to_wib(moment)
    return f"{wib.hour:02d}.{wib.minute:02d} WIB"


def tanggal_jam(moment: datetime) -> str:
    """``Selasa, 24 November 2026 pukul 10.15 WIB``."""
    return f"{tanggal(to_wib(moment).date())} pukul {jam(moment)}"


def wib_day(moment: datetime) -> date:
    """The service day (WIB) a UTC moment falls on."""
    return to_wib(moment).date()
