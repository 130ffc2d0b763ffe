"""``ektp-station record``: run, resume and list e-KTP recording sessions."""

from __future__ import annotations

import json
import sys

import click

from ektp_station.blobstore import BlobStore
from ektp_station.cli.common import emit_json, open_database
from ektp_station.clock import to_wib
from ektp_station.devices import StationDevices
from ektp_station.recording.queries import list_sessions
from ektp_station.recording.service import RecordingService
from ektp_station.station_config import load as load_config


def _fmt_minutes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g} mnt"


def _print_event_text(event: dict) -> None:
    kind = event.get("event")
    if kind == "step_started":
        click.echo(f"  {event['label']:<4} {event['activity'][:70]} …")
    elif kind == "hint":
        for hint in event["hints"]:
            click.echo(f"       ! {hint}")
    sys.stdout.flush()


def _print_timeline(result) -> None:
    click.echo("")
    click.echo(f"Sesi {result.session_id}  status {result.status}{'  (dilanjutkan)' if result.resumed else ''}")
    click.echo(f"{'Lgk':<5}{'Mulai':<10}{'Durasi':>10}  {'Standar':>9}  Hasil")
    for step in result.steps:
        from datetime import datetime

        start = to_wib(datetime.fromisoformat(step["started_at"])).strftime("%H:%M:%S")
        flag = "  LEWAT STANDAR" if step["overrun"] else ""
        click.echo(f"{step['label']:<5}{start:<10}{step['seconds']:>8.2f} d  {_fmt_minutes(step['standard_minutes']):>9}"
                   f"  {step['outcome']}{flag}")
    if result.reject_reason:
        click.echo(f"Ditolak: {result.reject_reason}")


@click.group(invoke_without_command=True)
@click.option("--simulate", is_flag=True, help="Pemohon tersimulasi di depan perangkat (tanpa operator).")
@click.option("--nik", help="NIK pemohon.")
@click.option("--resume", "resume_id", metavar="SESSION_ID", help="Lanjutkan sesi yang terhenti.")
@click.option("--pace", type=float, default=0.0, show_default=True, help="Jeda seperti manusia per langkah (detik).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Berkas station.toml.")
@click.option("--operator", help="Nama operator perekaman.")
@click.option("--kasi", help="Nama Kasi yang menyetujui.")
@click.option("--ticket", help="Nomor antrian (bawaan: nomor berikutnya hari ini).")
@click.option("--letter", help="Nomor Surat Panggilan.")
@click.option("--exception", "exceptions", multiple=True, metavar="finger:R_INDEX:ALASAN:permanen|sementara",
              help="Jari/mata yang tidak dapat direkam (boleh berulang).")
@click.option("--events", is_flag=True, help="Cetak setiap kejadian sebagai baris JSON (untuk antarmuka lain).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON di akhir.")
@click.pass_context
def record(ctx, simulate, nik, resume_id, pace, config_path, operator, kasi, ticket, letter, exceptions, events,
           as_json):
    """Perekaman e-KTP sesuai SOP PEREKAMAN E-KTP (langkah 1 sampai 5)."""
    if ctx.invoked_subcommand is not None:
        return
    if not simulate:
        raise click.UsageError("Versi ini menjalankan perekaman dengan --simulate (pemohon dan operator tersimulasi).")
    if bool(nik) == bool(resume_id):
        raise click.UsageError("Berikan salah satu: --nik NIK untuk sesi baru, atau --resume SESSION_ID.")
    if pace < 0:
        raise click.UsageError("--pace tidak boleh negatif")
    config = load_config(config_path)
    database = open_database()

    def on_event(event: dict) -> None:
        if events:
            sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        elif not as_json:
            _print_event_text(event)

    service = RecordingService(database, BlobStore.from_settings(), config, pace=pace, on_event=on_event)
    if resume_id:
        service.load(resume_id)  # unknown id: one-line error before any device opens
    else:
        service.validate_start(nik, list(exceptions))  # bad NIK or exception text: before any device opens
    # Devices open before a session is created: an unplugged or misconfigured device leaves nothing behind.
    with StationDevices(config) as devices:
        if resume_id:
            session_id = resume_id
        else:
            options = {"exceptions": list(exceptions)}
            for key, value in (("kasi", kasi), ("ticket", ticket), ("letter", letter)):
                if value:
                    options[key] = value
            session_id = service.start(nik, operator=operator, options=options)
        if events:
            on_event({"event": "session", "session_id": session_id, "resumed": bool(resume_id)})
        elif not as_json:
            click.echo(f"Sesi {session_id}{' dilanjutkan' if resume_id else ' dimulai'}")
        result = service.run(session_id, devices, resumed=bool(resume_id))
    if as_json:
        emit_json(result.to_json())
    elif events:
        on_event({"event": "finished", **result.to_json()})
    else:
        _print_timeline(result)
    if result.status == "REJECTED":
        ctx.exit(1)


@record.command("list")
@click.option("--status", help="Saring: IN_PROGRESS, BIO_CAPTURED, REJECTED.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def list_cmd(status, limit, as_json):
    """Daftar sesi perekaman (NIK disamarkan)."""
    rows = list_sessions(open_database(), status=status, limit=limit)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("Belum ada sesi perekaman.")
        return
    click.echo(f"{'Sesi':<34}{'NIK':<22}{'Status':<14}Langkah")
    for row in rows:
        step = row["current_step"]
        where = f"{step['label']} {step['activity'][:40]}" if step else "-"
        click.echo(f"{row['session_id']:<34}{row['nik']:<22}{row['status']:<14}{where}")

