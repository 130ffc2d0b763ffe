"""The printed ticket: what a ticket says (laid out by the ESC/POS driver, whose golden bytes are in
tests/test_driver_escpos.py), and printing through the station's configured ticket printer (driver registry),
including a printer that fails."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from drivers.errors import DeviceError, DeviceNotFound
from drivers.escpos_printer import ticket_bytes
from drivers.interfaces import DeviceKind, Ticket
from ektp_station.devices import StationDevices
from ektp_station.queue.config import update_settings
from ektp_station.queue.models import QueueEvent, QueueTicket
from ektp_station.queue.printing import issue_and_print, reprint, ticket_data
from ektp_station.queue.service import QueueService
from ektp_station.station_config import StationConfig, parse

SAMPLE = Ticket(
    office="Kecamatan Kalipare",
    service="Perekaman e-KTP",
    number="E-012",
    issued_at_text="Selasa, 24 November 2026 pukul 10.15 WIB",
    waiting_ahead=3,
    qr_payload="ANTREAN-KALIPARE:Q2b8xLm4TzP0aVwE",
)

def test_the_ticket_says_what_the_applicant_needs():
    data = ticket_bytes(SAMPLE)  # the driver's layout (its golden bytes: tests/test_driver_escpos.py)
    assert data.startswith(b"\x1b@")  # ESC @ initialise
    assert b"Kecamatan Kalipare\n" in data and b"NOMOR ANTREAN\n" in data
    assert b"E-012\n" in data and b"Perekaman e-KTP\n" in data
    assert b"Selasa, 24 November 2026 pukul 10.15 WIB\n" in data
    assert b"3 orang menunggu di depan Anda\n" in data
    payload = SAMPLE.qr_payload.encode()
    store = b"\x1d(k" + (len(payload) + 3).to_bytes(2, "little") + b"1P0" + payload
    assert store in data and b"\x1d(k\x03\x001Q0" in data  # GS ( k: store the data, then print the symbol


def test_nobody_ahead_is_said_in_words():
    data = ticket_bytes(Ticket("Kecamatan Kalipare", "Pengantar KK", "K-001", "x", 0, "t"))
    assert b"Tidak ada antrean di depan Anda" in data


def test_ticket_data_from_an_issued_ticket(db):
    clock = lambda: datetime(2026, 11, 24, 3, 15, tzinfo=timezone.utc)  # noqa: E731 - 10.15 WIB
    queue = QueueService(db, now=clock)
    queue.issue("EKTP")
    update_settings(db, public_url="http://192.168.1.10:8000/")
    ticket = queue.issue("EKTP")
    data = ticket_data(ticket, "Kecamatan Kalipare")
    assert data.number == "E-002" and data.service == "Perekaman e-KTP" and data.waiting_ahead == 1
    assert data.issued_at_text == "Selasa, 24 November 2026 pukul 10.15 WIB"
    assert data.qr_payload == f"http://192.168.1.10:8000/antrean/{ticket.token}"
    assert queue.ticket(data.qr_payload).number == "E-002"  # a scanned ticket finds itself


def test_issue_prints_on_the_configured_printer(db):
    config = StationConfig()  # no station.toml: the simulated printer
    with StationDevices(config, kinds=(DeviceKind.TICKET_PRINTER,)) as devices:
        first = issue_and_print(db, "KK", config, devices=devices)
        second = issue_and_print(db, "kk", config, devices=devices)
        printer = devices.ticket_printer
    receipts = printer.paper.receipts
    assert [t.number for t in printer.tickets] == [first.number, second.number] == ["K-001", "K-002"]
    text = "\n".join(receipts[1])
    assert "Kecamatan Kalipare" in text and "K-002" in text and "Pengantar KK" in text
    assert "1 orang menunggu di depan Anda" in text
    assert f"[QR] {second.qr_payload}" in text
    with db.transaction() as s:
        kinds = [e.kind for e in s.scalars(select(QueueEvent).where(QueueEvent.number == "K-002").order_by(QueueEvent.id))]
    assert kinds == ["ISSUED", "PRINTED"]


def test_an_unknown_printer_driver_stops_before_any_ticket_exists(db):
    config = parse('[devices.ticket_printer]\ndriver = "tidakada"\nurl = "x"\n')
    with pytest.raises(DeviceNotFound, match="ticket_printer.tidakada"):
        issue_and_print(db, "KK", config)
    with db.transaction() as s:
        assert s.scalars(select(QueueTicket)).all() == []


def test_a_printer_failing_mid_way_keeps_the_ticket_and_says_how_to_reprint(db):
    config = StationConfig()
    devices = StationDevices(config, kinds=(DeviceKind.TICKET_PRINTER,)).open()
    try:
        devices.ticket_printer.close()  # unplugged between opening and printing
        with pytest.raises(DeviceError, match=r"E-001 tercatat tetapi tiket gagal dicetak.*queue print E-001"):
            issue_and_print(db, "EKTP", config, devices=devices)
        ticket = QueueService(db).ticket("E-001")
        assert ticket.status == "WAITING"
        devices.ticket_printer.open()
        reprint(db, "E-001", config, devices=devices)
        assert [t.number for t in devices.ticket_printer.tickets] == ["E-001"]
    finally:
        devices.close()
    assert [e["kind"] for e in QueueService(db).events_of("E-001")] == ["ISSUED", "PRINT_FAILED", "PRINTED"]



def test_the_printer_simulator_reads_this_layout_back():
    from simulators.escpos import EscposPrinterSimulator

    printer = EscposPrinterSimulator()
    printer.handle(ticket_bytes(SAMPLE), 0.0)
    (read,) = printer.tickets
    assert read.office.lower() == SAMPLE.office.lower()
    assert (read.number, read.service, read.issued_at_text, read.waiting_ahead, read.qr_payload) == (
        SAMPLE.number, SAMPLE.service, SAMPLE.issued_at_text, SAMPLE.waiting_ahead, SAMPLE.qr_payload)


@pytest.mark.slow
def test_issue_prints_through_the_escpos_driver_on_the_printer_simulator(db):
    """The real path: station.toml names the ESC/POS driver, the printer simulator listens on TCP like a
    network printer on port 9100, and reports every ticket it printed as a JSON line."""
    sim = subprocess.Popen([sys.executable, "-m", "simulators.cli", "printer", "--tcp", "--port", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = json.loads(sim.stdout.readline())
        config = parse(f'[devices.ticket_printer]\ndriver = "escpos"\nurl = "tcp://{ready["host"]}:{ready["port"]}"\n')
        QueueService(db).issue("KK")
        ticket = issue_and_print(db, "KK", config)
        event = json.loads(sim.stdout.readline())
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=10)
    assert event["event"] == "ticket" and event["number"] == ticket.number == "K-002"
    printed = [line.strip() for line in event["text"].splitlines()]
    assert printed[0] == "Kecamatan Kalipare"
    assert "Pengantar KK" in printed and "1 orang menunggu di depan Anda" in printed
    assert f"[QR] {ticket.qr_payload}" in printed
    assert any(line.endswith("WIB") and "pukul" in line for line in printed)
