"""``ektp-station residents``: import the population extract and look a resident up."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ektp_station.cli.common import emit_json, open_database
from ektp_station.clock import to_wib
from ektp_station.db.models import Resident
from ektp_station.errors import ResidentNotFound
from ektp_station.nik import SEX_NAMES, check_nik, eligibility, mask_nik, require_valid_nik
from ektp_station.residents import ImportResult, get_resident, read_extract, store_extract

#: Rejected lines listed in the text summary; --json always lists all of them.
SHOWN_REJECTIONS = 50

_STAGE_LABELS = {"periksa": "Memeriksa", "simpan": "Menyimpan"}


@click.group()
def residents() -> None:
    """Data penduduk (ekstrak SIAK) untuk verifikasi biodata."""


class _Progress:
    """tqdm bar on stderr, one per stage (checking, then writing)."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=_STAGE_LABELS.get(stage, stage), unit=" baris", file=sys.stderr)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _print_summary(source: str, result: ImportResult) -> None:
    click.echo(f"Impor data penduduk dari {source}:")
    click.echo(f"  baru       : {result.imported}")
    click.echo(f"  diperbarui : {result.updated}")
    click.echo(f"  ditolak    : {len(result.rejected)} baris")
    if not result.rejected:
        return
    click.echo("Baris yang ditolak (perbaiki lalu impor ulang; baris yang sudah masuk akan diperbarui):")
    for rejection in result.rejected[:SHOWN_REJECTIONS]:
        click.echo(f"  baris {rejection.line}: {rejection.reason}")
    hidden = len(result.rejected) - SHOWN_REJECTIONS
    if hidden > 0:
        click.echo(f"  … dan {hidden} baris lain (pakai --json untuk daftar lengkap)")


@residents.command("import")
@click.argument("file", metavar="FILE.csv")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def import_cmd(file: str, as_json: bool) -> None:
    """Mengimpor ekstrak data penduduk (CSV UTF-8).

    Baris yang salah ditolak dengan nomor baris dan alasannya; baris yang benar disimpan sekaligus dalam satu
    transaksi (NIK yang sudah ada diperbarui). Kode keluar 0 walau ada baris yang ditolak.
    """
    progress = _Progress() if not as_json and sys.stderr.isatty() else None
    try:
        parsed = read_extract(file, progress=progress)
        database = open_database()
        try:
            result = store_extract(database, parsed, progress=progress)
        finally:
            database.dispose()
    finally:
        if progress:
            progress.close()
    if as_json:
        emit_json(
            {
                "imported": result.written,
                "new": result.imported,
                "updated": result.updated,
                "rejected": [{"line": r.line, "reason": r.reason} for r in result.rejected],
            }
        )
    else:
        _print_summary(Path(file).name, result)


def _resident_json(resident: Resident) -> dict[str, Any]:
    return {
        "nik": resident.nik,
        "no_kk": resident.no_kk,
        "nama": resident.nama,
        "jenis_kelamin": resident.jenis_kelamin,
        "tempat_lahir": resident.tempat_lahir,
        "tanggal_lahir": resident.tanggal_lahir,
        "alamat": resident.alamat,
        "rt": resident.rt,
        "rw": resident.rw,
        "desa": resident.desa,
        "status_kawin": resident.status_kawin,
        "agama": resident.agama,
        "pekerjaan": resident.pekerjaan,
        "imported_at": to_wib(resident.imported_at),
    }


@residents.command("show")
@click.argument("nik_text", metavar="NIK")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON (NIK lengkap).")
def show_cmd(nik_text: str, as_json: bool) -> None:
    """Menampilkan data satu penduduk dan status wajib KTP-el (NIK disamarkan)."""
    nik = require_valid_nik(nik_text).nik or ""
    database = open_database()
    try:
        resident = get_resident(database, nik)
    finally:
        database.dispose()
    if resident is None:
        raise ResidentNotFound(f"NIK {mask_nik(nik)} tidak ada di data penduduk; impor ekstrak terbaru dulu.")
    status = eligibility(resident.tanggal_lahir, resident.status_kawin)
    warnings = check_nik(resident.nik).warning_messages
    if as_json:
        emit_json({**_resident_json(resident), "eligibility": status.to_json(), "warnings": warnings})
        return
    born = resident.tanggal_lahir.strftime("%d-%m-%Y")
    lines = [
        f"NIK              : {mask_nik(resident.nik)}",
        f"Nama             : {resident.nama}",
        f"Jenis kelamin    : {SEX_NAMES.get(resident.jenis_kelamin, resident.jenis_kelamin).capitalize()}",
        f"Tempat/tgl lahir : {resident.tempat_lahir}, {born} ({status.age} tahun)",
        f"Alamat           : {resident.alamat} RT {resident.rt}/RW {resident.rw}, Desa {resident.desa}",
        f"No. KK           : {mask_nik(resident.no_kk)}",
        f"Status kawin     : {resident.status_kawin}",
        f"Agama            : {resident.agama}",
        f"Pekerjaan        : {resident.pekerjaan}",
        f"Wajib KTP-el     : {status.reason}",
        f"Diimpor          : {to_wib(resident.imported_at).strftime('%d-%m-%Y %H:%M')} WIB",
    ]
    lines += [f"Peringatan       : {message}" for message in warnings]
    click.echo("\n".join(lines))
