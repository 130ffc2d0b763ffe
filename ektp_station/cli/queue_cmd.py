"""``ektp-station queue …``: tickets, counter operations, status, settings, statistics and summons letters.

Every command mirrors a route of ``/api/queue`` and takes ``--json``. For the e-KTP recording, the counter calls
the next EKTP ticket and hands its number to the recording, which uses it as the queue number of SOP step 3::

    ektp-station queue call --counter 3            # → E-005
    ektp-station record --simulate --nik NIK --ticket E-005 --letter 470/001/35.07.11/2026
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ektp_station.cli.common import emit_json, open_database


def _ticket_line(t) -> str:
    where = f", loket {t.counter}" if t.counter else (f", untuk loket {t.target_counter}" if t.target_counter else "")
    ahead = f", {t.waiting_ahead} orang di depan" if t.waiting_ahead is not None else ""
    return f"{t.number} {t.service_name}: {t.status_label}{where}{ahead}"


def _queue():
    from ektp_station.queue.service import QueueService

    return QueueService(open_database())


def _out(data, as_json: bool, line: str) -> None:
    if as_json:
        emit_json(data)
    else:
        click.echo(line)


def _check_writable(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(path.name + ".tmp")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise click.ClickException(f"Tidak dapat menulis {path}: {exc.strerror}") from None


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _parse_day(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    from ektp_station.queue.errors import InvalidInput

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"Tanggal {what} tidak valid: {value!r} (bentuk TTTT-BB-HH)") from None


counter_option = click.option("--counter", "-c", required=True, metavar="N", help="Nomor loket.")
json_option = click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")


@click.group()
def queue() -> None:
    """Antrean: nomor per layanan, panggilan loket, layar antrean, Surat Panggilan e-KTP."""


@queue.command("issue")
@click.option("--service", "-s", required=True, metavar="KODE", help="Kode SOP layanan (EKTP, KK, PINDAH, …).")
@click.option("--letter", metavar="NOMOR", help="Nomor atau kode QR Surat Panggilan (hanya EKTP).")
@click.option("--no-print", is_flag=True, help="Jangan cetak tiket.")
@json_option
def issue(service: str, letter: str | None, no_print: bool, as_json: bool) -> None:
    """Ambil nomor antrean (dan cetak tiketnya)."""
    from ektp_station import station_config
    from ektp_station.queue.printing import issue_and_print
    from ektp_station.queue.service import QueueService

    db = open_database()
    if no_print:
        ticket = QueueService(db).issue(service, letter=letter)
    else:
        ticket = issue_and_print(db, service, station_config.load(), letter=letter)
    _out(ticket.to_json(), as_json, f"Nomor antrean {ticket.number} ({ticket.service_name}), "
                                    f"{ticket.waiting_ahead} orang di depan" + ("" if no_print else "; tiket dicetak"))


@queue.command("call")
@counter_option
@json_option
def call(counter: str, as_json: bool) -> None:
    """Panggil nomor berikutnya untuk loket (yang masih dipegang loket diselesaikan dulu)."""
    result = _queue().call_next(counter)
    data = result.to_json()
    if result.ticket is None:
        line = data["message"]
    else:
        line = f"Memanggil {result.ticket.number} ({result.ticket.service_name}) ke loket {result.counter}"
        if "record_hint" in data:
            line += f"\nPerekaman: {data['record_hint']}"
    if result.finished is not None and not as_json:
        line = f"{result.finished.number} selesai.\n" + line
    _out(data, as_json, line)


@queue.command("recall")
@counter_option
@json_option
def recall(counter: str, as_json: bool) -> None:
    """Panggil ulang nomor yang sedang dipanggil loket."""
    ticket = _queue().recall(counter)
    _out(ticket.to_json(), as_json, f"Memanggil ulang {ticket.number} ke loket {ticket.counter} "
                                    f"(panggilan ke-{ticket.call_count})")


@queue.command("skip")
@counter_option
@json_option
def skip(counter: str, as_json: bool) -> None:
    """Lewati nomor yang dipanggil tetapi tidak hadir (boleh kembali dalam batas waktu)."""
    from ektp_station.queue.config import load_settings

    queue_service = _queue()
    ticket = queue_service.skip(counter)
    minutes = load_settings(queue_service.db).no_show_minutes
    _out(ticket.to_json(), as_json, f"{ticket.number} dilewati (tidak hadir); boleh kembali dalam {minutes} menit: "
                                    f"ektp-station queue return {ticket.number}")


@queue.command("return")
@click.argument("number")
@json_option
def return_(number: str, as_json: bool) -> None:
    """Nomor yang terlewat kembali ke antrean di tempatnya semula."""
    ticket = _queue().return_ticket(number)
    _out(ticket.to_json(), as_json, f"{ticket.number} kembali ke antrean, {ticket.waiting_ahead} orang di depan")


@queue.command("transfer")
@counter_option
@click.option("--to-counter", metavar="N", help="Loket tujuan.")
@click.option("--to-service", metavar="KODE", help="Layanan tujuan (kode SOP).")
@json_option
def transfer(counter: str, to_counter: str | None, to_service: str | None, as_json: bool) -> None:
    """Alihkan nomor loket ke loket dan/atau layanan lain (tetap di urutannya)."""
    ticket = _queue().transfer(counter, to_counter=to_counter, to_service=to_service)
    _out(ticket.to_json(), as_json, f"{ticket.number} dialihkan: {_ticket_line(ticket)}")


@queue.command("start")
@counter_option
@json_option
def start(counter: str, as_json: bool) -> None:
    """Mulai melayani nomor yang dipanggil."""
    ticket = _queue().start(counter)
    _out(ticket.to_json(), as_json, f"{ticket.number} mulai dilayani di loket {ticket.counter}")


@queue.command("finish")
@counter_option
@json_option
def finish(counter: str, as_json: bool) -> None:
    """Selesai melayani nomor loket."""
    ticket = _queue().finish(counter)
    _out(ticket.to_json(), as_json, f"{ticket.number} selesai dilayani di loket {ticket.counter}")


@queue.command("show")
@click.argument("number")
@json_option
def show(number: str, as_json: bool) -> None:
    """Satu nomor antrean (nomor hari ini atau kode QR) dan riwayatnya."""
    queue_service = _queue()
    ticket = queue_service.ticket(number)
    history = queue_service.events_of(number)
    data = {**ticket.to_json(), "events": history}
    lines = [_ticket_line(ticket)]
    from datetime import datetime

    from ektp_station.clock import to_wib

    for event in history:
        at = to_wib(datetime.fromisoformat(event["at"])).strftime("%H.%M.%S")
        where = f" loket {event['counter']}" if event["counter"] else ""
        lines.append(f"  {at}  {event['label']}{where}")
    _out(data, as_json, "\n".join(lines))


@queue.command("print")
@click.argument("number")
@json_option
def print_(number: str, as_json: bool) -> None:
    """Cetak ulang tiket."""
    from ektp_station import station_config
    from ektp_station.queue.printing import reprint

    ticket = reprint(open_database(), number, station_config.load())
    _out(ticket.to_json(), as_json, f"Tiket {ticket.number} dicetak ulang")


@queue.command("status")
@json_option
def status_(as_json: bool) -> None:
    """Keadaan antrean sekarang: panggilan terakhir, loket, yang menunggu."""
    from ektp_station.queue.status import snapshot

    state = snapshot(open_database())
    if as_json:
        emit_json(state)
        return
    current = state["current"]
    lines = [f"Antrean {state['day_text']}"]
    lines.append(f"Panggilan sekarang: {current['number']} → {current['counter_name']}" if current
                 else "Panggilan sekarang: -")
    if state["recent"]:
        lines.append("Sebelumnya: " + ", ".join(f"{c['number']} → {c['counter_name']}" for c in state["recent"]))
    for panel in state["counters"]:
        services = ", ".join(panel["services"]) or "semua layanan"
        lines.append(f"  {panel['name']:<12} {panel['ticket'] or '-':<7} {panel['status_label']:<12} ({services})")
    waiting = ", ".join(f"{code} {n}" for code, n in state["waiting"].items()) or "tidak ada"
    lines.append(f"Menunggu: {waiting} (jumlah {state['waiting_total']})")
    click.echo("\n".join(lines))


@queue.command("stats")
@click.option("--from", "start_day", metavar="TTTT-BB-HH", help="Tanggal awal (bawaan: hari ini).")
@click.option("--to", "end_day", metavar="TTTT-BB-HH", help="Tanggal akhir (bawaan: tanggal awal).")
@json_option
def stats_(start_day: str | None, end_day: str | None, as_json: bool) -> None:
    """Waktu tunggu dan waktu layanan per layanan dibanding waktu baku SOP."""
    from ektp_station.clock import utcnow
    from ektp_station.queue.dates import wib_day
    from ektp_station.queue.stats import service_times

    first = _parse_day(start_day, "--from") or wib_day(utcnow())
    result = service_times(open_database(), first, _parse_day(end_day, "--to") or first)
    if as_json:
        emit_json(result)
        return

    def fmt(summary) -> str:
        if not summary["count"]:
            return "-"
        standard = f"{summary['standard']:g}" if summary["standard"] is not None else "-"
        return (f"rata2 {summary['mean']:.1f}, p90 {summary['p90']:.1f} mnt (baku {standard}; "
                f"lewat {summary['over_standard']})")

    lines = [f"Waktu antrean {result['from']} s.d. {result['to']}"]
    for row in result["services"]:
        if not row["issued"] and not row["called"]:
            continue
        lines.append(f"{row['service']:<10} ambil {row['issued']:>3}  panggil {row['called']:>3}  selesai "
                     f"{row['done']:>3}  tidak hadir {row['no_show']:>3}")
        lines.append(f"           tunggu: {fmt(row['waiting_minutes'])}")
        lines.append(f"           layanan: {fmt(row['service_minutes'])}")
    if len(lines) == 1:
        lines.append("Belum ada nomor antrean pada rentang ini.")
    click.echo("\n".join(lines))


@queue.command("services")
@json_option
def services(as_json: bool) -> None:
    """Layanan, awalan nomor dan waktu baku dari SOP."""
    from ektp_station.queue.service_types import all_service_types

    types = all_service_types()
    _out([t.to_json() for t in types], as_json, "\n".join(
        f"{t.prefix}  {t.code:<10} {t.name:<24} tunggu {t.wait_standard_minutes:g} mnt, "
        f"layanan {t.service_standard_minutes:g} mnt" for t in types))


@queue.group("counter")
def counter_group() -> None:
    """Loket dan layanan yang dipanggilnya."""


@counter_group.command("list")
@json_option
def counter_list(as_json: bool) -> None:
    """Loket yang diatur (loket lain memanggil semua layanan)."""
    from ektp_station.queue.counters import list_counters

    items = list_counters(open_database())
    _out([c.to_json() for c in items], as_json, "\n".join(
        f"{c.number:>2}  {c.name:<16} {', '.join(c.services) or 'semua layanan'}" for c in items)
        or "Belum ada loket yang diatur; setiap loket memanggil semua layanan.")


@counter_group.command("set")
@click.argument("number")
@click.option("--name", help="Nama di layar (bawaan: Loket N).")
@click.option("--services", metavar="KODE,KODE", help="Layanan yang dipanggil; kosong (\"\") berarti semua.")
@json_option
def counter_set(number: str, name: str | None, services: str | None, as_json: bool) -> None:
    """Atur satu loket."""
    from ektp_station.queue.counters import set_counter

    info = set_counter(open_database(), number, name=name, services=services)
    _out(info.to_json(), as_json, f"{info.name}: {', '.join(info.services) or 'semua layanan'}")


@counter_group.command("remove")
@click.argument("number")
@json_option
def counter_remove(number: str, as_json: bool) -> None:
    """Hapus pengaturan loket (kembali memanggil semua layanan)."""
    from ektp_station.queue.counters import remove_counter

    remove_counter(open_database(), number)
    _out({"removed": int(number)}, as_json, f"Pengaturan loket {number} dihapus")


@queue.command("settings")
@click.option("--running-text", help="Teks berjalan di layar antrean.")
@click.option("--no-show-minutes", type=int, help="Batas kembali nomor yang terlewat (menit).")
@click.option("--voice-backend", help="Suara panggilan: espeak atau clips.")
@click.option("--voice-clips-dir", help="Folder rekaman suara (untuk clips).")
@click.option("--voice-rate", type=int, help="Kecepatan espeak-ng (kata per menit).")
@click.option("--public-url", help="Alamat stasiun untuk kode QR tiket, mis. http://192.168.1.10:8000.")
@json_option
def settings_(as_json: bool, **changes) -> None:
    """Lihat atau ubah pengaturan antrean."""
    from ektp_station.queue.config import update_settings

    current = update_settings(open_database(), **changes)
    _out(current.to_json(), as_json, "\n".join(f"{k}: {v}" for k, v in current.to_json().items()))


@queue.group("summons")
def summons_group() -> None:
    """Surat Panggilan perekaman e-KTP untuk wajib KTP yang belum rekam."""


@summons_group.command("create")
@click.option("--desa", required=True, help="Desa di Kecamatan Kalipare.")
@click.option("--date", "day", required=True, metavar="TTTT-BB-HH", help="Tanggal kedatangan.")
@click.option("--time", "at", default="08.00", show_default=True, help="Jam kedatangan (WIB).")
@click.option("--again", is_flag=True, help="Panggil lagi yang sudah pernah mendapat surat.")
@click.option("--limit", type=int, help="Paling banyak sekian surat.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Tulis surat ke PDF ini.")
@click.option("--signer", default="", help="Nama Camat penanda tangan.")
@json_option
def summons_create(desa, day, at, again, limit, out, signer, as_json) -> None:
    """Buat Surat Panggilan untuk satu desa (dan PDF-nya)."""
    from ektp_station import station_config
    from ektp_station.queue import summons
    from ektp_station.queue.summons_pdf import render_letters

    db = open_database()
    when = summons.appointment_time(_parse_day(day, "--date"), at)
    office = station_config.load().office
    rendered: list[bytes] = []
    if out is not None:
        _check_writable(out)

    def render(letters) -> None:  # inside the letters' transaction: no PDF, no letters
        rendered.append(render_letters(letters, office=office, signer=signer))

    letters = summons.create_letters(db, desa, when, again=again, limit=limit,
                                     on_created=render if out is not None else None)
    pdf = rendered[0] if rendered else None
    if pdf is not None:
        _write_atomic(out, pdf)
    data = {"count": len(letters), "letters": [letter.to_json() for letter in letters],
            "pdf": str(out) if pdf else None}
    if not letters:
        line = f"Tidak ada wajib KTP yang belum rekam dan belum dipanggil di Desa {summons.canonical_desa(desa)}"
    else:
        line = f"{len(letters)} Surat Panggilan dibuat ({letters[0].number} s.d. {letters[-1].number})"
        if pdf:
            line += f"; PDF: {out}"
    _out(data, as_json, line)


@summons_group.command("list")
@click.option("--desa", help="Hanya desa ini.")
@click.option("--status", "state", help="SUMMONED, ARRIVED, RECORDED atau RETURNED.")
@json_option
def summons_list(desa, state, as_json) -> None:
    """Surat Panggilan dan statusnya (NIK disamarkan)."""
    from ektp_station.queue import summons

    letters = summons.list_letters(open_database(), desa=desa, status=state)
    _out([letter.to_json() for letter in letters], as_json, "\n".join(
        f"{letter.number:<24} {letter.nik_masked}  {letter.nama:<24} {letter.desa:<14} {letter.status_label}"
        + (f" (antrean {letter.ticket_number})" if letter.ticket_number else "") for letter in letters)
        or "Belum ada Surat Panggilan.")


@summons_group.command("pdf")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Berkas PDF.")
@click.option("--desa", help="Hanya desa ini.")
@click.option("--status", "state", default="SUMMONED", show_default=True, help="Status surat yang dicetak.")
@click.option("--signer", default="", help="Nama Camat penanda tangan.")
@json_option
def summons_pdf(out, desa, state, signer, as_json) -> None:
    """Cetak ulang Surat Panggilan ke PDF."""
    from ektp_station import station_config
    from ektp_station.queue import summons
    from ektp_station.queue.summons_pdf import render_letters

    letters = summons.list_letters(open_database(), desa=desa, status=state)
    pdf = render_letters(letters, office=station_config.load().office, signer=signer)
    _check_writable(out)
    _write_atomic(out, pdf)
    _out({"count": len(letters), "pdf": str(out)}, as_json, f"{len(letters)} surat ditulis ke {out}")


@summons_group.command("mark")
@click.argument("letter")
@click.argument("state", metavar="STATUS")
@json_option
def summons_mark(letter, state, as_json) -> None:
    """Ubah status surat: ARRIVED, RECORDED atau RETURNED (surat dikembalikan, SOP langkah 4.7)."""
    from ektp_station.queue import summons

    view = summons.mark(open_database(), letter, state)
    _out(view.to_json(), as_json, f"{view.number}: {view.status_label}")


@summons_group.command("summary")
@json_option
def summons_summary(as_json) -> None:
    """Jumlah surat per desa dan status."""
    from ektp_station.queue import summons

    data = summons.summary(open_database())
    labels = summons.STATUS_LABELS
    _out(data, as_json, "\n".join(
        f"{desa:<14} " + "  ".join(f"{labels[k]} {v}" for k, v in counts.items()) for desa, counts in data.items())
        or "Belum ada Surat Panggilan.")
