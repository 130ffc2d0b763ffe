"""HTTP routes of the queue: tickets, counter operations, status, settings, statistics and summons letters.

Every route mirrors an ``ektp-station queue …`` command and answers JSON (the PDF route answers a PDF); errors
are ``{"detail": "<one line in Bahasa Indonesia>"}`` (see ``web.deps``). ``GET /antrean/{token}`` is the small
page behind the QR code of a ticket when the station has a ``public_url``.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ektp_station.db.engine import Database
from ektp_station.queue import config as queue_config
from ektp_station.queue import counters, stats, status, summons
from ektp_station.queue.dates import wib_day
from ektp_station.queue.errors import InvalidInput
from ektp_station.queue.printing import issue_and_print, reprint
from ektp_station.queue.service import QueueService
from ektp_station.queue.service_types import all_service_types
from ektp_station.clock import utcnow
from ektp_station.station_config import StationConfig
from ektp_station.web.deps import StationRoute, get_database, get_station_config

router = APIRouter(route_class=StationRoute)
api = APIRouter(prefix="/api/queue", tags=["antrean"], route_class=StationRoute)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueRequest(_Body):
    service: str = Field(max_length=20, description="Kode SOP, mis. EKTP atau KK")
    letter: str | None = Field(default=None, max_length=48, description="Nomor atau kode Surat Panggilan (EKTP)")
    print: bool = Field(default=True, description="Cetak tiket di printer antrean")


class TransferRequest(_Body):
    to_counter: int | None = None
    to_service: str | None = Field(default=None, max_length=20)


class CounterRequest(_Body):
    name: str | None = Field(default=None, max_length=40)
    services: list[str] | None = None


class SettingsRequest(_Body):
    running_text: str | None = Field(default=None, max_length=500)
    no_show_minutes: int | None = None
    voice_backend: str | None = Field(default=None, max_length=10)
    voice_clips_dir: str | None = Field(default=None, max_length=500)
    voice_rate: int | None = None
    public_url: str | None = Field(default=None, max_length=200)


class SummonsRequest(_Body):
    desa: str = Field(max_length=80)
    date: date
    time: str = Field(default="08.00", max_length=5)
    again: bool = False
    limit: int | None = None


class MarkRequest(_Body):
    letter: str = Field(max_length=48)
    status: str = Field(max_length=12)


def _queue(db: Database = Depends(get_database)) -> QueueService:
    return QueueService(db)


@api.get("/services", summary="Layanan dan awalan nomor antrean")
def list_services() -> list[dict[str, Any]]:
    return [t.to_json() for t in all_service_types()]


@api.post("/tickets", status_code=201, summary="Ambil nomor antrean")
def issue(body: IssueRequest, db: Database = Depends(get_database),
          config: StationConfig = Depends(get_station_config)) -> dict[str, Any]:
    queue = QueueService(db)
    if body.print:
        return issue_and_print(db, body.service, config, letter=body.letter, service_api=queue).to_json()
    return queue.issue(body.service, letter=body.letter).to_json()


@api.get("/tickets/{ref}", summary="Satu nomor antrean (nomor hari ini atau kode QR) dan riwayatnya")
def get_ticket(ref: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    data = queue.ticket(ref).to_json()
    data["events"] = queue.events_of(ref)
    return data


@api.post("/tickets/{ref}/return", summary="Nomor yang terlewat kembali ke antrean")
def return_ticket(ref: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.return_ticket(ref).to_json()


@api.post("/tickets/{ref}/print", summary="Cetak ulang tiket")
def print_again(ref: str, db: Database = Depends(get_database),
                config: StationConfig = Depends(get_station_config)) -> dict[str, Any]:
    return reprint(db, ref, config).to_json()


@api.post("/counters/{counter}/call", summary="Panggil nomor berikutnya di loket")
def call_next(counter: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.call_next(counter).to_json()


@api.post("/counters/{counter}/recall", summary="Panggil ulang nomor loket")
def recall(counter: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.recall(counter).to_json()


@api.post("/counters/{counter}/skip", summary="Lewati nomor yang tidak hadir")
def skip(counter: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.skip(counter).to_json()


@api.post("/counters/{counter}/start", summary="Mulai melayani nomor loket")
def start(counter: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.start(counter).to_json()


@api.post("/counters/{counter}/finish", summary="Selesai melayani nomor loket")
def finish(counter: str, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.finish(counter).to_json()


@api.post("/counters/{counter}/transfer", summary="Alihkan nomor ke loket atau layanan lain")
def transfer(counter: str, body: TransferRequest, queue: QueueService = Depends(_queue)) -> dict[str, Any]:
    return queue.transfer(counter, to_counter=body.to_counter, to_service=body.to_service).to_json()


@api.get("/counters", summary="Loket yang diatur")
def list_counters(db: Database = Depends(get_database)) -> list[dict[str, Any]]:
    return [c.to_json() for c in counters.list_counters(db)]


@api.put("/counters/{counter}", summary="Atur nama loket dan layanan yang dipanggilnya")
def set_counter(counter: str, body: CounterRequest, db: Database = Depends(get_database)) -> dict[str, Any]:
    return counters.set_counter(db, counter, name=body.name, services=body.services).to_json()


@api.delete("/counters/{counter}", status_code=204, summary="Hapus pengaturan loket")
def remove_counter(counter: str, db: Database = Depends(get_database)) -> Response:
    counters.remove_counter(db, counter)
    return Response(status_code=204)


@api.get("/status", summary="Keadaan antrean sekarang")
def queue_status(db: Database = Depends(get_database)) -> dict[str, Any]:
    return status.snapshot(db)


def _day(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"Tanggal tidak valid: {text!r} (bentuk TTTT-BB-HH)") from None


@api.get("/stats", summary="Waktu tunggu dan layanan per layanan dibanding waktu baku SOP")
def service_times(db: Database = Depends(get_database), start: str | None = Query(default=None, alias="from"),
                  end: str | None = Query(default=None, alias="to")) -> dict[str, Any]:
    first = _day(start, wib_day(utcnow()))
    return stats.service_times(db, first, _day(end, first))


@api.get("/settings", summary="Pengaturan antrean")
def get_settings(db: Database = Depends(get_database)) -> dict[str, Any]:
    return queue_config.load_settings(db).to_json()


@api.put("/settings", summary="Ubah pengaturan antrean")
def put_settings(body: SettingsRequest, db: Database = Depends(get_database)) -> dict[str, Any]:
    return queue_config.update_settings(db, **body.model_dump()).to_json()


@api.get("/summons", summary="Surat Panggilan dan statusnya")
def list_summons(db: Database = Depends(get_database), desa: str | None = None,
                 state: str | None = Query(default=None, alias="status")) -> list[dict[str, Any]]:
    return [letter.to_json() for letter in summons.list_letters(db, desa=desa, status=state)]


@api.post("/summons", status_code=201, summary="Buat Surat Panggilan untuk wajib KTP yang belum rekam di satu desa")
def create_summons(body: SummonsRequest, db: Database = Depends(get_database)) -> dict[str, Any]:
    letters = summons.create_letters(db, body.desa, summons.appointment_time(body.date, body.time),
                                     again=body.again, limit=body.limit)
    return {"count": len(letters), "letters": [letter.to_json() for letter in letters]}


@api.get("/summons.pdf", summary="Surat Panggilan sebagai PDF", response_class=Response)
def summons_pdf(db: Database = Depends(get_database), config: StationConfig = Depends(get_station_config),
                desa: str | None = None, state: str | None = Query(default="SUMMONED", alias="status"),
                signer: str = Query(default="", max_length=80)) -> Response:
    from ektp_station.queue.summons_pdf import render_letters

    letters = summons.list_letters(db, desa=desa, status=state)
    pdf = render_letters(letters, office=config.office, signer=signer)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="surat-panggilan.pdf"'})


@api.post("/summons/mark", summary="Ubah status Surat Panggilan (datang, sudah rekam, dikembalikan)")
def mark_summons(body: MarkRequest, db: Database = Depends(get_database)) -> dict[str, Any]:
    return summons.mark(db, body.letter, body.status).to_json()


@api.get("/summons/summary", summary="Jumlah surat per desa dan status")
def summons_summary(db: Database = Depends(get_database)) -> dict[str, Any]:
    return summons.summary(db)


@router.get("/antrean/{token}", response_class=HTMLResponse, include_in_schema=False)
def ticket_page(token: str, queue: QueueService = Depends(_queue)) -> HTMLResponse:
    ticket = queue.ticket(token)
    ahead = "" if ticket.waiting_ahead is None else f"<p>{ticket.waiting_ahead} orang menunggu di depan Anda</p>"
    counter = f"<p>Loket {ticket.counter}</p>" if ticket.counter else ""
    body = (f"<!doctype html><html lang='id'><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width'><title>Antrean {html.escape(ticket.number)}</title>"
            f"<body style='font-family:sans-serif;text-align:center'><h1>{html.escape(ticket.number)}</h1>"
            f"<p>{html.escape(ticket.service_name)}</p><p><b>{html.escape(ticket.status_label)}</b></p>"
            f"{counter}{ahead}</body></html>")
    return HTMLResponse(body)


router.include_router(api)
