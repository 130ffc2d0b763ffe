"""``ektp-station register``: the counter-service register (the ten non-recording SOPs).

intake → check → [visit] → issue → sign → handover → archive → [monitor] → report; plus reopen, cancel, show,
list, print, skm, verify and services. Every command takes ``--json``. REF is a file number (``K7QF2M9XAB``),
a register number (``0001/SKU/2026``) or a letter number. Times (``--at``, ``--arrived-at``) are ISO 8601; a time
without a zone is WIB.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ektp_station import settings
from ektp_station.cli.common import emit_json, open_database
from ektp_station.clock import WIB, to_wib, utcnow
from ektp_station.register.config import load_register_data
from ektp_station.register.errors import InvalidInput

if TYPE_CHECKING:
    from ektp_station.register.service import RegisterService


def _service() -> RegisterService:
    """The register service (imported here, not at the top: its letters and reports pull in fpdf2, which the
    station's other commands should not pay for at start-up)."""
    from ektp_station.register.service import RegisterService

    return RegisterService(open_database())


def _when(value: str | None, option: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise InvalidInput(f"{option}: {value!r} bukan waktu ISO (contoh 2026-11-24T09:30).") from None
    return parsed.replace(tzinfo=WIB) if parsed.tzinfo is None else parsed


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{option} {item!r}: tulis NAMA=NILAI.")
        result[key.strip()] = value.strip()
    return result


def _codes(values: tuple[str, ...]) -> list[str]:
    return [code for value in values for code in re.split(r"[,\s]+", value) if code]


def _print_dir() -> Path:
    path = settings.data_dir() / "register" / "cetak"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write(path: str | None, default_name: str, data: bytes | str) -> Path:
    """Write a printout or report file; a file that cannot be written is a one-line error (what the command
    recorded stays recorded: ``register print`` makes the printout again)."""
    target = Path(path) if path else _print_dir() / (re.sub(r"[^A-Za-z0-9._-]+", "_", default_name) + ".pdf")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"Berkas {target} tidak dapat ditulis ({exc.strerror or exc}); data sudah tercatat, "
                           "cetak ulang dengan `ektp-station register print`.") from None
    return target


def _minutes(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def _echo_app(view: dict) -> None:
    click.echo(f"Berkas {view['id']}  {view['service']} ({view['service_name']})  status {view['state']}")
    click.echo(f"  Pemohon   : {view['nama']}  NIK {view['nik']}  Desa {view['desa'] or '-'}")
    if view.get("register_number"):
        click.echo(f"  Register  : {view['register_number']}")
    if view.get("letter"):
        letter = view["letter"]
        signer = letter["signer"]
        signed = (f"ditandatangani {signer['title']} ({signer['name']})"
                  + (f" {signer['on_behalf']}" if signer["on_behalf"] else "")) if signer else "belum ditandatangani"
        click.echo(f"  Surat     : {letter['number']}  {signed}{'  (BATAL)' if letter['void'] else ''}")
    if view.get("archive"):
        a = view["archive"]
        click.echo(f"  Arsip     : map {a['folder']}, rak {a['shelf']}, boks {a['box']}")
    for warning in view.get("warnings", []):
        click.echo(f"  ! {warning}")


def _echo_steps(view: dict) -> None:
    click.echo(f"  {'Lgk':<5}{'Jenis':<16}{'Ke':>3}{'Menit':>9}{'Standar':>9}  Hasil")
    for step in view["steps"]:
        standard = "s.d. acara" if step["until_event_end"] else _minutes(step["standard_minutes"])
        flag = "  LEWAT STANDAR" if step["overrun"] else ""
        click.echo(f"  {step['label']:<5}{step['kind']:<16}{step['attempt']:>3}{_minutes(step['minutes']):>9}"
                   f"{standard:>9}  {step['outcome']}{flag}")
    for step in view["pending_steps"]:
        click.echo(f"  {step['label']:<5}{step['kind']:<16}  (belum)")


@click.group()
def register() -> None:
    """Register pelayanan loket: sepuluh SOP selain perekaman e-KTP."""


@register.command("services")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def services_cmd(as_json):
    """Daftar layanan: langkah SOP, isian, persyaratan, penandatangan."""
    data = load_register_data()
    listing = [service.to_json() for service in data.services.values()]
    if as_json:
        emit_json(listing)
        return
    for service in data.services.values():
        signers = ", ".join(data.signers[k].short for k in service.signers)
        click.echo(f"{service.code:<11}{service.name:<42}{len(service.steps):>3} langkah  ttd: {signers}")
        click.echo(f"{'':<11}isian: {', '.join(f.name + ('' if f.required else '?') for f in service.fields)}")
        click.echo(f"{'':<11}syarat: {', '.join(r.code + ('' if r.required else '?') for r in service.requirements)}")


@register.command("intake")
@click.option("--service", "service_code", required=True, help="Kode layanan (KK, PINDAH, SKCK, AK1, SKU, …).")
@click.option("--nik", required=True, help="NIK pemohon.")
@click.option("--name", help="Nama pemohon (bawaan: dari data penduduk).")
@click.option("--address", help="Alamat (bawaan: dari data penduduk).")
@click.option("--village", help="Desa (bawaan: dari data penduduk).")
@click.option("--field", "fields", multiple=True, metavar="NAMA=NILAI", help="Isian layanan (boleh berulang).")
@click.option("--officer", help="Petugas loket.")
@click.option("--arrived-at", help="Waktu pemohon menyerahkan berkas (bawaan: sekarang).")
@click.option("--at", "at", help="Waktu pencatatan (bawaan: sekarang).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def intake_cmd(service_code, nik, name, address, village, fields, officer, arrived_at, at, as_json):
    """Penerimaan berkas: pemohon (NIK diperiksa) dan isian layanan."""
    view = _service().intake(service_code, nik, nama=name, alamat=address, desa=village,
                             details=_pairs(fields, "--field"), officer=officer,
                             arrived_at=_when(arrived_at, "--arrived-at"), at=_when(at, "--at"))
    if as_json:
        emit_json(view)
        return
    _echo_app(view)
    click.echo(f"Berikutnya: register check {view['id']} --present KODE,KODE …")


@register.command("check")
@click.argument("ref")
@click.option("--present", multiple=True, metavar="KODE[,KODE]", help="Persyaratan yang diserahkan.")
@click.option("--all", "all_present", is_flag=True, help="Semua persyaratan diserahkan.")
@click.option("--officer", help="Petugas loket.")
@click.option("--at", "at", help="Waktu pemeriksaan (bawaan: sekarang).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Berkas PDF tanda terima / pengembalian.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def check_cmd(ref, present, all_present, officer, at, pdf_path, as_json):
    """Pemeriksaan kelengkapan: lengkap → buku register + tanda terima; kurang → tanda pengembalian."""
    service = _service()
    view = service.check(ref, _codes(present), all_present=all_present, officer=officer, at=_when(at, "--at"))
    if view["check"]["lengkap"]:
        number, data = service.receipt_pdf(view["id"])
        path = _write(pdf_path, f"tanda-terima-{number}", data)
    else:
        number, data = service.return_slip_pdf(view["id"])
        path = _write(pdf_path, f"pengembalian-{number}", data)
    if as_json:
        emit_json({**view, "pdf": str(path)})
        return
    _echo_app(view)
    if view["check"]["lengkap"]:
        click.echo(f"Lengkap. Nomor register {view['register_number']}, kode verifikasi "
                   f"{view['receipt']['verify_code']}. Tanda terima: {path}")
    else:
        click.echo("Belum lengkap, berkas dikembalikan. Kurang:")
        for item in view["check"]["kurang"]:
            click.echo(f"  - {item['label']} ({item['code']})")
        click.echo(f"Tanda pengembalian: {path}")


@register.command("reopen")
@click.argument("ref")
@click.option("--officer", help="Petugas loket.")
@click.option("--arrived-at", help="Waktu pemohon datang kembali.")
@click.option("--at", "at", help="Waktu pencatatan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def reopen_cmd(ref, officer, arrived_at, at, as_json):
    """Membuka kembali berkas yang dikembalikan (pemohon datang lagi)."""
    view = _service().reopen(ref, officer=officer, arrived_at=_when(arrived_at, "--arrived-at"),
                             at=_when(at, "--at"))
    emit_json(view) if as_json else _echo_app(view)


@register.command("visit")
@click.argument("ref")
@click.option("--officer", required=True, help="Petugas peninjauan.")
@click.option("--date", "visit_date", required=True, help="Tanggal peninjauan (YYYY-MM-DD).")
@click.option("--location", required=True, help="Lokasi yang ditinjau.")
@click.option("--notes", help="Catatan hasil peninjauan.")
@click.option("--photo", "photos", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Foto lokasi JPEG/PNG (boleh berulang, sedikitnya satu).")
@click.option("--at", "at", help="Waktu pencatatan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def visit_cmd(ref, officer, visit_date, location, notes, photos, at, as_json):
    """SKU: peninjauan lokasi usaha (petugas, tanggal, lokasi, foto)."""
    try:
        from ektp_station.register.service import Photo

        files = [Photo(Path(p).name, Path(p).read_bytes()) for p in photos]
    except OSError as exc:
        raise InvalidInput(f"Foto tidak dapat dibaca: {exc.filename} ({exc.strerror}).") from None
    view = _service().record_visit(ref, officer=officer, visit_date=visit_date, location=location, notes=notes,
                                   photos=files, at=_when(at, "--at"))
    if as_json:
        emit_json(view)
        return
    _echo_app(view)
    last = view["site_visits"][-1]
    click.echo(f"Peninjauan {last['visit_date']} oleh {last['officer']} di {last['location']}: "
               f"{len(last['photos'])} foto")


@register.command("issue")
@click.argument("ref")
@click.option("--classification", help="Kode klasifikasi (bawaan: kode layanan dalam tabel yang berlaku).")
@click.option("--table", type=click.Choice(["2012", "2022"]), help="Tabel klasifikasi (bawaan: classification.toml).")
@click.option("--set", "sets", multiple=True, metavar="NAMA=NILAI", help="Koreksi data pemohon/isian.")
@click.option("--ktp-withdrawn", is_flag=True, help="Pindah: KTP-el asli sudah ditarik.")
@click.option("--kk-withdrawn", is_flag=True, help="Pindah: KK asli sudah ditarik.")
@click.option("--copies", type=int, help="AK-1: jumlah salinan yang dilegalisasi.")
@click.option("--officer", help="Petugas/Kasi yang memeriksa ulang.")
@click.option("--at", "at", help="Waktu penerbitan.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Berkas PDF surat (konsep).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def issue_cmd(ref, classification, table, sets, ktp_withdrawn, kk_withdrawn, copies, officer, at, pdf_path, as_json):
    """Pemeriksaan ulang dan penerbitan surat bernomor resmi; diulang sebelum ttd = koreksi (nomor tetap)."""
    service = _service()
    view = service.issue(ref, classification=classification, table=table, corrections=_pairs(sets, "--set"),
                         ktp_withdrawn=ktp_withdrawn, kk_withdrawn=kk_withdrawn, copies=copies, officer=officer,
                         at=_when(at, "--at"))
    number, data = service.letter_pdf(view["id"])
    path = _write(pdf_path, f"surat-{number}", data)
    if as_json:
        emit_json({**view, "pdf": str(path)})
        return
    _echo_app(view)
    click.echo(f"Surat (konsep): {path}")


@register.command("sign")
@click.argument("ref")
@click.option("--signer", required=True, help="Jabatan penandatangan: Camat, Sekcam, Kasi, …")
@click.option("--signer-name", help="Nama penandatangan (bawaan: signers.toml).")
@click.option("--camat-away", "camat_away", metavar="ALASAN", help="Camat berhalangan: ditandatangani a.n. Camat.")
@click.option("--officer", help="Petugas yang mencatat.")
@click.option("--at", "at", help="Waktu penandatanganan.")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Berkas PDF surat yang ditandatangani.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def sign_cmd(ref, signer, signer_name, camat_away, officer, at, pdf_path, as_json):
    """Penandatanganan oleh pejabat yang disebut SOP (atau a.n. Camat bila Camat berhalangan)."""
    service = _service()
    view = service.sign(ref, signer, signer_name=signer_name, camat_away_reason=camat_away, officer=officer,
                        at=_when(at, "--at"))
    number, data = service.letter_pdf(view["id"])
    path = _write(pdf_path, f"surat-{number}", data)
    if as_json:
        emit_json({**view, "pdf": str(path)})
        return
    _echo_app(view)
    click.echo(f"Surat: {path}")


@register.command("handover")
@click.argument("ref")
@click.option("--receipt-code", help="Kode verifikasi pada tanda terima yang dikembalikan.")
@click.option("--receipt-lost", metavar="ALASAN", help="Tanda terima hilang: alasannya.")
@click.option("--skm", "skm_answers", metavar="N,N,…", help="Jawaban SKM U1..U9 (1-4), tanpa identitas.")
@click.option("--officer", help="Petugas loket.")
@click.option("--arrived-at", help="Waktu pemohon datang mengambil.")
@click.option("--at", "at", help="Waktu penyerahan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def handover_cmd(ref, receipt_code, receipt_lost, skm_answers, officer, arrived_at, at, as_json):
    """Penyerahan surat kepada pemohon (tanda terima dikembalikan); SKM ditawarkan."""
    view = _service().handover(ref, receipt_code=receipt_code, receipt_lost_reason=receipt_lost,
                               skm_answers=skm_answers, officer=officer,
                               arrived_at=_when(arrived_at, "--arrived-at"), at=_when(at, "--at"))
    if as_json:
        emit_json(view)
        return
    _echo_app(view)
    if view["skm"]["recorded"]:
        click.echo("SKM tercatat (tanpa identitas).")
    else:
        click.echo(f"Token SKM untuk pemohon: {view['skm']['token']}  (register skm --token … --answers …)")


@register.command("skm")
@click.option("--token", required=True, help="Token SKM dari penyerahan.")
@click.option("--answers", required=True, metavar="N,N,…", help="Sembilan nilai 1-4 untuk U1..U9.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def skm_cmd(token, answers, as_json):
    """Survei Kepuasan Masyarakat (anonim, satu kali per penyerahan)."""
    result = _service().submit_skm(token, answers)
    emit_json(result) if as_json else click.echo(f"Terima kasih. SKM {result['service']} {result['period']} tercatat.")


@register.command("archive")
@click.argument("ref")
@click.option("--folder", required=True, help="Map.")
@click.option("--shelf", required=True, help="Rak.")
@click.option("--box", required=True, help="Boks.")
@click.option("--officer", help="Petugas arsip.")
@click.option("--at", "at", help="Waktu pengarsipan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def archive_cmd(ref, folder, shelf, box, officer, at, as_json):
    """Pengarsipan berkas: map, rak, boks (Keramaian: pemantauan dibuka)."""
    view = _service().archive(ref, folder=folder, shelf=shelf, box=box, officer=officer, at=_when(at, "--at"))
    emit_json(view) if as_json else _echo_app(view)


@register.command("monitor")
@click.argument("ref")
@click.option("--notes", required=True, help="Hasil pemantauan kegiatan.")
@click.option("--officer", help="Petugas pemantau.")
@click.option("--at", "at", help="Waktu penutupan pemantauan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def monitor_cmd(ref, notes, officer, at, as_json):
    """Keramaian: menutup pemantauan setelah kegiatan berakhir."""
    view = _service().close_monitoring(ref, notes=notes, officer=officer, at=_when(at, "--at"))
    emit_json(view) if as_json else _echo_app(view)


@register.command("cancel")
@click.argument("ref")
@click.option("--reason", required=True, help="Alasan pembatalan.")
@click.option("--officer", help="Petugas.")
@click.option("--at", "at", help="Waktu pembatalan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def cancel_cmd(ref, reason, officer, at, as_json):
    """Membatalkan permohonan yang belum diserahkan (nomor surat tetap terpakai)."""
    view = _service().cancel(ref, reason=reason, officer=officer, at=_when(at, "--at"))
    emit_json(view) if as_json else _echo_app(view)


@register.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def show_cmd(ref, as_json):
    """Satu berkas: data, langkah SOP dengan waktunya, surat, riwayat."""
    view = _service().show(ref)
    if as_json:
        emit_json(view)
        return
    _echo_app(view)
    _echo_steps(view)
    for event in view["events"]:
        stamp = to_wib(datetime.fromisoformat(event["at"])).strftime("%Y-%m-%d %H:%M")
        moved = f"{event['from'] or '-'} → {event['to']}" if event["to"] else ""
        click.echo(f"  {stamp}  {event['action']:<9}{moved}  {event['note'] or ''}".rstrip())


@register.command("list")
@click.option("--service", "service_code", help="Saring per layanan.")
@click.option("--state", help="Saring per status.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def list_cmd(service_code, state, limit, as_json):
    """Daftar berkas terbaru (NIK disamarkan)."""
    rows = _service().listing(service=service_code, state=state, limit=limit)
    if as_json:
        emit_json(rows)
        return
    click.echo(f"{'Berkas':<12}{'Layanan':<11}{'Status':<14}{'Register':<18}{'NIK':<22}Nama")
    for row in rows:
        click.echo(f"{row['id']:<12}{row['service']:<11}{row['state']:<14}{row['register_number'] or '-':<18}"
                   f"{row['nik']:<22}{row['nama']}")
    click.echo(f"{len(rows)} berkas")


@register.command("print")
@click.argument("ref")
@click.argument("what", type=click.Choice(["receipt", "slip", "letter"]))
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Berkas PDF tujuan.")
def print_cmd(ref, what, out):
    """Mencetak ulang tanda terima, tanda pengembalian atau surat sebagai PDF."""
    service = _service()
    maker = {"receipt": (service.receipt_pdf, "tanda-terima"), "slip": (service.return_slip_pdf, "pengembalian"),
             "letter": (service.letter_pdf, "surat")}[what]
    number, data = maker[0](ref)
    click.echo(str(_write(out, f"{maker[1]}-{number}", data)))


@register.command("verify")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def verify_cmd(code, as_json):
    """Verifikasi kode pada tanda terima atau surat (kode QR)."""
    data = _service().verify(code)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{data['service']}  register {data['register_number'] or '-'}  status {data['state']}")
    click.echo(f"Pemohon {data['nama']}  NIK {data['nik']}")
    if "letter" in data:
        letter = data["letter"]
        signed = f"ditandatangani {letter['signer']}" if letter["signed"] else "belum ditandatangani"
        click.echo(f"Surat {letter['number']}  {signed}{'  (BATAL)' if letter['void'] else ''}")


@register.command("report")
@click.option("--week", help="Minggu ISO (2026-W48) atau tanggal di minggu itu; bawaan: minggu ini.")
@click.option("--month", help="Bulan (2026-11): laporan bulanan dengan IKM.")
@click.option("--service", "services", multiple=True, help="Hanya layanan ini (boleh berulang).")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False), help="Tulis PDF dengan grafik.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False), help="Tulis XLSX.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), help="Tulis CSV.")
@click.option("--submit", is_flag=True, help="Laporan mingguan diserahkan kepada pimpinan (langkah SOP terakhir).")
@click.option("--officer", help="Petugas pelapor (dengan --submit).")
@click.option("--started-at", help="Waktu mulai menyusun laporan (dengan --submit).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def report_cmd(week, month, services, pdf_path, xlsx_path, csv_path, submit, officer, started_at, as_json):
    """Laporan mingguan per layanan (status, berkas kurang, waktu per langkah vs standar) atau bulanan dengan IKM."""
    if week and month:
        raise InvalidInput("Pilih salah satu: --week atau --month.")
    if submit and month:
        raise InvalidInput("--submit hanya untuk laporan mingguan.")
    from ektp_station.register import reports

    service = _service()
    codes = [service.data.service(code).code for code in services]
    today = to_wib(utcnow()).date()
    with service.db.transaction() as session:
        if month:
            data = reports.monthly(session, service.data, reports.parse_month(month), codes or None)
        else:
            day = reports.parse_week(week) if week else today
            data = reports.weekly(session, service.data, day, codes or None)
    written = {}
    if pdf_path:
        from ektp_station.register import report_files  # fpdf/openpyxl load only when a report is written

        pdf = report_files.to_pdf(data, service.data.office)
        written["pdf"] = str(_write(pdf_path, f"laporan-{data['period']}", pdf))
    if xlsx_path:
        written["xlsx"] = str(_write(xlsx_path, "", report_files.to_xlsx(data)))
    if csv_path:
        written["csv"] = str(_write(csv_path, "", report_files.to_csv(data)))
    submitted = []
    if submit:
        for block in data["services"]:
            submitted.append(service.submit_weekly_report(block["code"], data["period"], officer=officer,
                                                          started_at=_when(started_at, "--started-at")))
    if as_json:
        emit_json({**data, "files": written, "submitted": submitted})
        return
    _echo_report(data)
    for kind, path in written.items():
        click.echo(f"{kind.upper()}: {path}")
    for item in submitted:
        click.echo(f"Diserahkan {item['service']}: {len(item['entries'])} berkas tercakup")


def _echo_report(data: dict) -> None:
    title = "LAPORAN MINGGUAN" if data["kind"] == "weekly" else "LAPORAN BULANAN"
    click.echo(f"{title} REGISTER PELAYANAN {data['period']} ({data['from']} s.d. {data['to']})")
    click.echo(f"{'Layanan':<12}{'Masuk':>6}{'Kurang':>8}{'Proses':>8}{'Serah':>7}{'Arsip':>7}{'Batal':>7}"
               f"{'Kembali':>9}{'Lewat':>7}")
    for block in data["services"]:
        c = block["counts"]
        busy = c["DITERIMA"] + c["DIPERIKSA"] + c["MENUNGGU_TTD"] + c["SIAP_DIAMBIL"]
        click.echo(f"{block['code']:<12}{block['received']:>6}{c['BERKAS_KURANG']:>8}{busy:>8}{c['DISERAHKAN']:>7}"
                   f"{c['DIARSIPKAN']:>7}{c['DIBATALKAN']:>7}{block['returned_incomplete']:>9}{block['overruns']:>7}")
    for block in data["services"]:
        timed = [s for s in block["steps"] if s["count"]]
        if not timed:
            continue
        click.echo(f"\n{block['code']}  {'Lgk':<5}{'Jenis':<16}{'Jml':>5}{'Rata2':>8}{'P90':>8}{'Standar':>9}"
                   f"{'Lewat':>7}  (menit)")
        for step in timed:
            standard = "acara" if step["until_event_end"] else _minutes(step["standard_minutes"])
            click.echo(f"{'':<{len(block['code'])}}  {step['label']:<5}{step['kind']:<16}{step['count']:>5}"
                       f"{_minutes(step['mean_minutes']):>8}{_minutes(step['p90_minutes']):>8}{standard:>9}"
                       f"{step['overruns']:>7}")
    if data["kind"] == "monthly":
        overall = data["skm"]["overall"]
        ikm = "-" if overall["ikm"] is None else f"{overall['ikm']:.2f} ({overall['mutu']}, {overall['kinerja']})"
        click.echo(f"\nIKM semua layanan: {ikm}, {overall['responden']} responden")
        for block in data["services"]:
            if block["skm"]["responden"]:
                click.echo(f"  {block['code']:<12}{block['skm']['ikm']:.2f} {block['skm']['mutu']} "
                           f"({block['skm']['responden']} responden)")

