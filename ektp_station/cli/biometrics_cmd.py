"""``ektp-station biometrics``: retention of encrypted biometric captures."""

from __future__ import annotations

import click

from ektp_station.blobstore import BlobStore
from ektp_station.cli.common import emit_json, open_database
from ektp_station.retention import purge


@click.group()
def biometrics() -> None:
    """Data biometrik terenkripsi (UU 27/2022)."""


@biometrics.command("purge")
@click.option("--older-than", "days", type=click.IntRange(min=0), default=30, show_default=True,
              help="Hapus hasil rekam sesi yang selesai lebih dari N hari lalu.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def purge_cmd(days, as_json):
    """Menghapus foto, tanda tangan, sidik jari dan iris yang sudah tidak diperlukan."""
    result = purge(open_database(), BlobStore.from_settings(), older_than_days=days)
    if as_json:
        emit_json(result.to_json())
    else:
        click.echo(f"Dihapus: {result.blobs_deleted} berkas biometrik dari {result.sessions} sesi; "
                   f"{result.orphans_deleted} berkas yatim.")
