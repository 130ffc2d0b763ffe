"""Issue a ticket and print it on the station's ticket printer (``[devices.ticket_printer]`` in station.toml,
through the driver registry; the simulator when the file names none).

What the ticket says is decided here (``ticket_data``: office, service, number, date and time in WIB, people
ahead, the QR payload); how it is laid out is the printer driver's business (``drivers.escpos_printer``).

The printer is opened before the ticket exists, so an unplugged printer stops the request with nothing written.
When printing fails after the ticket was committed, the ticket stays (it has a place in line), a
``PRINT_FAILED`` event records it, and the error names the command that prints it again.
"""

from __future__ import annotations

from contextlib import nullcontext

from drivers.errors import DeviceError
from drivers.interfaces import DeviceKind, Ticket
from ektp_station.clock import utcnow
from ektp_station.db.engine import Database
from ektp_station.devices import StationDevices
from ektp_station.queue import events
from ektp_station.queue.dates import tanggal_jam, wib_day
from ektp_station.queue.events import EventKind
from ektp_station.queue.models import QueueTicket
from ektp_station.queue.service import QueueService, TicketView
from ektp_station.queue.tx import run_write
from ektp_station.station_config import StationConfig


def ticket_data(ticket: TicketView, office: str = "Kecamatan Kalipare") -> Ticket:
    """The device-neutral ticket the ``TicketPrinter`` driver prints."""
    return Ticket(
        office=office,
        service=ticket.service_name,
        number=ticket.number,
        issued_at_text=tanggal_jam(ticket.issued_at),
        waiting_ahead=ticket.waiting_ahead or 0,
        qr_payload=ticket.qr_payload,
    )


def _note(db: Database, ticket: TicketView, kind: EventKind, detail: dict) -> None:
    def work(s):
        row = s.get(QueueTicket, ticket.id)
        now = utcnow()
        events.record(s, kind, at=now, day=wib_day(now), ticket=row, detail=detail)

    run_write(db, work)


def _print(db: Database, devices: StationDevices, ticket: TicketView, config: StationConfig) -> None:
    printer_cfg = config.device(DeviceKind.TICKET_PRINTER)
    try:
        devices.ticket_printer.print_ticket(ticket_data(ticket, config.office))
    except DeviceError as exc:
        _note(db, ticket, EventKind.PRINT_FAILED, {"alasan": exc.message, "driver": printer_cfg.driver})
        raise type(exc)(
            f"Nomor {ticket.number} tercatat tetapi tiket gagal dicetak ({exc.message}); "
            f"cetak ulang: ektp-station queue print {ticket.number}",
            code=exc.code,
        ) from exc
    _note(db, ticket, EventKind.PRINTED, {"driver": printer_cfg.driver})


def _printer(config: StationConfig, devices: StationDevices | None) -> StationDevices | nullcontext:
    """The caller's opened devices, or the configured printer opened for this one ticket."""
    if devices is not None:
        return nullcontext(devices)
    return StationDevices(config, kinds=(DeviceKind.TICKET_PRINTER,))


def issue_and_print(db: Database, service: str, config: StationConfig, *, letter: str | None = None,
                    service_api: QueueService | None = None, devices: StationDevices | None = None) -> TicketView:
    """Open the printer, issue the ticket, print it. ``devices``: an already opened ``StationDevices`` holding
    the ticket printer (a kiosk keeps it open); by default the printer is opened and closed around the ticket."""
    queue = service_api or QueueService(db)
    with _printer(config, devices) as opened:
        ticket = queue.issue(service, letter=letter)
        _print(db, opened, ticket, config)
    return ticket


def reprint(db: Database, ref: str, config: StationConfig, *, service_api: QueueService | None = None,
            devices: StationDevices | None = None) -> TicketView:
    """Print an existing ticket again (after a paper jam), with the current count of people ahead."""
    queue = service_api or QueueService(db)
    ticket = queue.ticket(ref)
    with _printer(config, devices) as opened:
        _print(db, opened, ticket, config)
    return ticket
