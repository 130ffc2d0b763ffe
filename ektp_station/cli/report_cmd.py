"""``ektp-station report``: reports to leadership."""

from __future__ import annotations

import click

from ektp_station.cli.common import emit_json, open_database
from ektp_station.clock import to_wib, utcnow
from ektp_station.reports import parse_week, weekly


@click.group()
def report() -> None:
    """Laporan untuk pimpinan."""


def _minutes(value) -> str:
    return "-" if value is None else f"{value:.2f}"


@report.command("weekly")
@click.option("--week", help="Minggu ISO (2026-W48) atau tanggal di minggu itu; bawaan: minggu ini.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def weekly_cmd(week, as_json):
    """Laporan mingguan perekaman e-KTP: per desa dan hari, ulang rekam, waktu per langkah vs standar."""
    try:
        day = parse_week(week) if week else to_wib(utcnow()).date()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None
    data = weekly(open_database(), day)
    if as_json:
        emit_json(data)
        return
    t = data["totals"]
    click.echo(f"LAPORAN MINGGUAN PEREKAMAN E-KTP  {data['week']} ({data['from']} s.d. {data['to']})")
    click.echo(f"Selesai rekam (BIO_CAPTURED): {t['BIO_CAPTURED']}   Ditolak: {t['REJECTED']}   "
               f"Belum selesai: {t['IN_PROGRESS']}   Ulang rekam: {t['ulang_rekam']}   Dilanjutkan: {t['dilanjutkan']}")
    click.echo("")
    click.echo(f"{'Desa':<24}{'Selesai':>8}{'Ditolak':>9}{'Proses':>8}{'Ulang':>7}")
    for row in data["per_desa"]:
        click.echo(f"{row['desa']:<24}{row['BIO_CAPTURED']:>8}{row['REJECTED']:>9}{row['IN_PROGRESS']:>8}"
                   f"{row['ulang_rekam']:>7}")
    click.echo("")
    click.echo(f"{'Tanggal':<12}{'Hari':<8}{'Selesai':>8}{'Ditolak':>9}")
    for day_iso, row in data["per_day"].items():
        click.echo(f"{day_iso:<12}{row['hari']:<8}{row['BIO_CAPTURED']:>8}{row['REJECTED']:>9}")
    click.echo("")
    click.echo(f"{'Lgk':<5}{'Jml':>5}{'Rata2':>8}{'P90':>8}{'Standar':>9}{'Lewat':>7}  (menit)")
    for row in data["steps"]:
        click.echo(f"{row['label']:<5}{row['count']:>5}{_minutes(row['mean_minutes']):>8}{_minutes(row['p90_minutes']):>8}"
                   f"{_minutes(row['standard_minutes']):>9}{row['overruns']:>7}")
