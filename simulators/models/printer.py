"""A thermal ticket printer that keeps what it printed as text lines (for the simulator and its tests).

Layout of one queue ticket on 80 mm paper (``DEFAULT_COLUMNS`` = 42 characters of font A), centred, in
Bahasa Indonesia as the applicant reads it; the QR code is recorded as ``[QR] <payload>``. A cut ends each
ticket. No I/O: the printer only appends to ``lines`` and ``tickets``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.interfaces import Ticket

#: Characters per line: 42 on 80 mm paper with font A (12 x 24 dots); 32 on 58 mm paper.
DEFAULT_COLUMNS = 42
CUT = "[POTONG]"


def ticket_lines(ticket: Ticket, columns: int = DEFAULT_COLUMNS) -> list[str]:
    """The text of one ticket, line by line, as the printer lays it out."""
    rule = "-" * columns

    def centre(text: str) -> str:
        return text[:columns].center(columns).rstrip()

    if ticket.waiting_ahead <= 0:
        waiting = "Tidak ada antrean di depan Anda"
    else:
        waiting = f"{ticket.waiting_ahead} orang menunggu di depan Anda"
    return [
        centre(ticket.office),
        rule,
        centre("NOMOR ANTREAN"),
        centre(ticket.number),
        centre(ticket.service),
        rule,
        centre(ticket.issued_at_text),
        centre(waiting),
        centre(f"[QR] {ticket.qr_payload}"),
        centre("Simpan tiket ini sampai dipanggil"),
        CUT,
    ]


@dataclass
class TicketPrinterModel:
    columns: int = DEFAULT_COLUMNS
    tickets: list[Ticket] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def print_ticket(self, ticket: Ticket) -> list[str]:
        printed = ticket_lines(ticket, self.columns)
        self.tickets.append(ticket)
        self.lines.extend(printed)
        return printed

    @property
    def receipts(self) -> list[list[str]]:
        """The printed text split at the cuts, one list of lines per ticket."""
        out: list[list[str]] = [[]]
        for line in self.lines:
            if line == CUT:
                out.append([])
            else:
                out[-1].append(line)
        return [r for r in out if r]
