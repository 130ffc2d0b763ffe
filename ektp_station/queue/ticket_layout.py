"""The printed queue ticket: what it says (``ticket_data``) and how it is laid out in ESC/POS (``escpos_ticket``).

On 80 mm paper, centred: the office, "NOMOR ANTREAN", the number four times the normal size, the service, date
and time (WIB), how many wait ahead, the ticket's QR code (printer-side, ``GS ( k``), a closing line, a cut.
``escpos_ticket`` writes to any python-escpos printer object (``Dummy`` in tests, ``Usb``/``Network``/``Serial``
in an ESC/POS driver), so the bytes are checked once against a golden copy.
"""

from __future__ import annotations

from typing import Any

from drivers.interfaces import Ticket
from ektp_station.queue.dates import tanggal_jam
from ektp_station.queue.service import TicketView

RULE_WIDTH = 42  # font A characters on 80 mm paper


def waiting_text(ahead: int) -> str:
    return "Tidak ada antrean di depan Anda" if ahead <= 0 else f"{ahead} orang menunggu di depan Anda"


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


def escpos_ticket(printer: Any, ticket: Ticket, *, columns: int = RULE_WIDTH) -> None:
    """Lay ``ticket`` out on a python-escpos printer (``escpos.escpos.Escpos``)."""
    printer.hw("INIT")
    printer.set(align="center", bold=True, normal_textsize=True)
    printer.textln(ticket.office.upper())
    printer.set(align="center", bold=False, normal_textsize=True)
    printer.textln("-" * columns)
    printer.textln("NOMOR ANTREAN")
    printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
    printer.textln(ticket.number)
    printer.set(align="center", bold=True, normal_textsize=True)
    printer.textln(ticket.service)
    printer.set(align="center", bold=False, normal_textsize=True)
    printer.textln("-" * columns)
    printer.textln(ticket.issued_at_text)
    printer.textln(waiting_text(ticket.waiting_ahead))
    printer.qr(ticket.qr_payload, size=6, native=True)
    printer.ln()
    printer.textln("Simpan tiket ini sampai dipanggil")
    printer.cut()


def escpos_bytes(ticket: Ticket, *, columns: int = RULE_WIDTH) -> bytes:
    """The ESC/POS bytes of one ticket (through python-escpos's ``Dummy`` printer)."""
    from escpos.printer import Dummy

    dummy = Dummy()
    escpos_ticket(dummy, ticket, columns=columns)
    return dummy.output
