"""The ESC/POS ticket printer: the ticket's golden bytes, the simulator's parser on them, printing over every
transport, and the printer's faults as typed errors within the timeout, then printing again."""

from __future__ import annotations

import time

import pytest

from drivers import registry
from drivers.errors import (
    DeviceBusy,
    DeviceConfigError,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from drivers.escpos_printer import EscposPrinter, PaperOut, ascii_text, ticket_bytes
from drivers.interfaces import Ticket
from simulators.escpos import Cut, EscposParser, Image, Init, Line, Qr, StatusRequest, ticket_from_receipt
from simulators.escpos_usb import running_usb
from simulators.models.printer import ticket_lines
from simulators.wire.harness import running

TICKET = Ticket(
    office="Kecamatan Kalipare",
    service="Perekaman e-KTP",
    number="A012",
    issued_at_text="Senin, 24-11-2026 09:15 WIB",
    waiting_ahead=3,
    qr_payload="EKTP|A012",
)
ESC, GS = b"\x1b", b"\x1d"
RULE = b"-" * 42 + b"\n"
NORMAL = ESC + b"!\x00"  # python-escpos sends "normal size" as ESC ! 0 three times
#: The ticket, command by command (python-escpos 3.1 with the default profile).
GOLDEN = b"".join([
    ESC + b"@",  # initialise
    NORMAL * 3, ESC + b"E\x01", ESC + b"a\x01",  # normal size, bold, centred
    ESC + b"t\x00", b"Kecamatan Kalipare\n",  # code page 0 (CP437), office
    ESC + b"E\x00", RULE,
    b"NOMOR ANTREAN\n",
    GS + b"!\x22", ESC + b"E\x01", b"A012\n",  # 3 x 3 size, bold: the number
    NORMAL * 3, ESC + b"E\x00", b"Perekaman e-KTP\n",
    RULE,
    b"Senin, 24-11-2026 09:15 WIB\n",
    b"3 orang menunggu di depan Anda\n",
    GS + b"(k\x04\x001A2\x00",  # QR: model 2
    GS + b"(k\x03\x001C\x06",  # module size 6
    GS + b"(k\x03\x001E1",  # error correction M
    GS + b"(k\x0c\x001P0EKTP|A012",  # store the payload
    GS + b"(k\x03\x001Q0",  # print it
    b"Simpan tiket ini sampai dipanggil\n",
    ESC + b"d\x06", GS + b"V\x00",  # feed 6 lines, full cut
])  # fmt: skip


#: What the driver sends for one ticket: status before (printer, paper), the ticket, status after.
STATUS_CHECK = b"\x10\x04\x01\x10\x04\x04"


def simulated(transport: str = "inproc", scenario=None, **settings):
    """The printer simulator on ``transport``: the wire transports of the harness, or ``usb`` (pyusb backend)."""
    if transport == "usb":
        return running_usb(scenario, **settings)
    return running("printer", transport, scenario, **settings)


def recording(sim) -> bytearray:
    """Every byte the host sends to ``sim`` from now on, whatever the transport."""
    seen = bytearray()
    handle = sim.handle

    def spy(data: bytes, now: float) -> None:
        seen.extend(data)
        handle(data, now)

    sim.handle = spy
    return seen


def opened(url: str, **options) -> EscposPrinter:
    device = EscposPrinter(url, timeout=0.5, **options)
    device.open()
    return device


def timed(error, call, limit):
    started = time.monotonic()
    with pytest.raises(error) as caught:
        call()
    elapsed = time.monotonic() - started
    assert elapsed <= limit, f"{type(caught.value).__name__} after {elapsed:.2f} s"
    assert caught.value.message and "\n" not in caught.value.message
    return caught.value


def test_the_ticket_s_golden_bytes():
    assert ticket_bytes(TICKET) == GOLDEN


def test_the_parser_reads_the_golden_bytes_back_in_any_chunks():
    whole = EscposParser().feed(GOLDEN)
    parser = EscposParser()
    bytewise = [item for byte in GOLDEN for item in parser.feed(bytes([byte]))]
    assert whole == bytewise
    assert isinstance(whole[0], Init) and isinstance(whole[-1], Cut) and not whole[-1].partial
    lines = [item for item in whole if isinstance(item, Line)]
    assert lines[0] == Line("Kecamatan Kalipare", "center", True, 1, 1)
    assert Line("A012", "center", True, 3, 3) in lines
    assert [item for item in whole if isinstance(item, Qr)] == [Qr("EKTP|A012", "center")]
    assert sum(1 for line in lines if line.text == "") == 6  # the feed before the cut


def test_the_parser_skips_images_and_answers_status_requests():
    raster = GS + b"v0\x00\x02\x00\x03\x00" + bytes(6)  # 16 x 3 dots
    items = EscposParser().feed(b"\x10\x04\x01" + raster + GS + b"(L\x02\x000p" + b"ok\n" + b"\x10\x04\x04")
    assert items == [StatusRequest(1), Image(16, 3), Line("ok"), StatusRequest(4)]


def test_a_printed_ticket_reads_back_as_the_model_lays_it_out():
    with running("printer") as (url, control):
        device = opened(url)
        device.print_ticket(TICKET)
        sim = control.device
        assert sim.receipts == [ticket_lines(TICKET)[:-1]]  # same text as the in-process simulated printer
        assert sim.tickets == [TICKET]
        event = control.events_of("ticket")[0]
        assert event["number"] == "A012" and "[QR] EKTP|A012" in event["text"]
        assert ticket_from_receipt(sim.receipts[0]) == TICKET


@pytest.mark.parametrize("transport, network", [("pty", True), ("tcp", True), ("tcp", False)],
                         ids=["pty-serial", "tcp-network-9100", "tcp-socket-url"])
def test_printing_over_a_pty_and_tcp(transport, network):
    with running("printer", transport, printer_network=network) as (url, control):
        device = opened(url)
        for number in ("A001", "A002"):
            device.print_ticket(Ticket(**{**TICKET.__dict__, "number": number}))
        deadline = time.monotonic() + 2.0
        while len(control.device.tickets) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [t.number for t in control.device.tickets] == ["A001", "A002"]
        assert device.info().extra["printed"] == 2


def test_text_is_folded_to_ascii():
    assert ascii_text("Désa Kalipare – Ñ") == "Desa Kalipare ? N"
    data = ticket_bytes(Ticket(**{**TICKET.__dict__, "office": "Kécamatan Kalipare"}))
    assert b"Kecamatan Kalipare\n" in data and all(b < 0x80 for b in data)


STATUS_FAULTS = [
    ({"kind": "no_answer"}, DeviceTimeout, None),
    ({"kind": "garbage"}, ProtocolError, None),
    ({"kind": "slow", "seconds": 1.5}, DeviceTimeout, 1.6),
    ({"kind": "busy", "seconds": 1.0}, DeviceBusy, 1.1),
    ({"kind": "error_code", "code": "paper_out"}, PaperOut, "refill"),
    ({"kind": "unplug"}, DeviceUnavailable, "replug"),
    ({"kind": "replug", "seconds": 0.3}, DeviceUnavailable, 0.4),
]


@pytest.mark.parametrize("fault, error, recovery", STATUS_FAULTS, ids=[f["kind"] for f, *_ in STATUS_FAULTS])
@pytest.mark.parametrize("transport", ["inproc", "usb"])
def test_a_fault_on_the_status_is_a_typed_error_then_it_prints(fault, error, recovery, transport):
    with simulated(transport) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{**fault, "operation": "status", "attempt": 1}]})
        caught = timed(error, lambda: device.print_ticket(TICKET), 0.5 + 1.0)
        assert caught.retryable
        assert control.device.tickets == []
        if recovery == "refill":
            timed(PaperOut, lambda: device.print_ticket(TICKET), 1.5)  # still no paper
            control.device.refill()
        elif recovery == "replug":
            control.replug()
        elif recovery is not None:
            time.sleep(recovery)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


@pytest.mark.parametrize("transport", ["inproc", "usb"])
def test_paper_running_out_in_the_middle_of_a_ticket(transport):
    with simulated(transport) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{"kind": "error_code", "operation": "print", "after_lines": 4}]})
        timed(PaperOut, lambda: device.print_ticket(TICKET), 1.5)  # the check after the ticket sees it
        assert control.device.tickets == []  # no complete ticket came out
        control.device.refill()
        assert control.device.torn == [ticket_lines(TICKET)[:4]]
        control.scenario(None)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_paper_near_its_end_still_prints():
    with running("printer", paper="near_end") as (url, control):
        device = opened(url)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


@pytest.mark.parametrize("transport", ["inproc", "pty", "tcp", "usb"])
def test_the_cable_out_in_the_middle_of_a_ticket(transport):
    with simulated(transport) as (url, control):
        device = opened(url)
        control.scenario({"faults": [{"kind": "unplug", "operation": "print", "attempt": 1, "after_lines": 3}]})
        timed(DeviceUnavailable, lambda: device.print_ticket(TICKET), 2.0)
        timed(DeviceUnavailable, lambda: device.print_ticket(TICKET), 2.0)  # still out
        control.replug()
        device.print_ticket(TICKET)
        deadline = time.monotonic() + 2.0
        while not control.device.tickets and time.monotonic() < deadline:
            time.sleep(0.02)
        assert control.device.tickets == [TICKET]


def test_status_can_be_switched_off_for_printers_that_cannot_answer():
    with running("printer", scenario={"faults": [{"kind": "no_answer", "operation": "status"}]}) as (url, control):
        device = opened(url, status=False)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_urls_and_options():
    with pytest.raises(DeviceConfigError):
        EscposPrinter("usb://epson")
    with pytest.raises(DeviceConfigError):
        EscposPrinter("usb://04b8:0202?colour=red")
    with pytest.raises(DeviceConfigError):
        EscposPrinter("tcp://printer.local:9100", columns=10)
    with pytest.raises(DeviceConfigError):
        EscposPrinter("tcp://printer.local", cut="sideways")
    with pytest.raises(DeviceConfigError):
        EscposPrinter("/dev/ttyUSB0", paper="A4")
    with pytest.raises(DeviceNotFound):
        EscposPrinter("tcp://127.0.0.1:9", timeout=0.5).open()  # nothing listens on the discard port
    with pytest.raises(DeviceNotFound):
        EscposPrinter("/dev/ttyEKTP-missing").open()
    with running("printer") as (url, _):
        device = registry.open_device("ticket_printer", "escpos", url)
        device.close()
        with pytest.raises(DeviceUnavailable):
            device.print_ticket(TICKET)


# ------------------------------------------------------------------------------------------------------- USB


def test_a_ticket_over_usb_decodes_to_its_text_and_qr():
    with running_usb() as (url, control):
        assert url.startswith("escpossim://")
        device = opened(url)
        device.print_ticket(TICKET)
        sim = control.device
        assert sim.tickets == [TICKET]
        assert sim.receipts == [ticket_lines(TICKET)[:-1]]
        event = control.events_of("ticket")[0]
        assert event["number"] == "A012" and "[QR] EKTP|A012" in event["text"]
        # on the bulk OUT endpoint: the status check, the golden ticket, the status check
        assert bytes(control.backend.written) == STATUS_CHECK * 2 + GOLDEN + STATUS_CHECK
        assert device.info().extra["printed"] == 1
        device.close()


def test_usb_behaves_as_the_network_printer():
    """Same tickets, same bytes on the wire, same receipts and events over USB as over TCP port 9100."""
    runs = {}
    for transport in ("tcp", "usb"):
        with simulated(transport) as (url, control):
            sent = recording(control.device)
            device = opened(url)
            for number, waiting in (("A001", 2), ("A002", 0)):
                device.print_ticket(Ticket(**{**TICKET.__dict__, "number": number, "waiting_ahead": waiting}))
            deadline = time.monotonic() + 2.0
            while len(control.device.tickets) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            device.close()
            runs[transport] = (bytes(sent), control.device.receipts, control.device.tickets,
                               control.events_of("ticket"))
    assert runs["usb"] == runs["tcp"]
    sent, receipts, tickets, _ = runs["usb"]
    assert [t.number for t in tickets] == ["A001", "A002"] and len(receipts) == 2
    assert sent.count(b"\x1b@") == 2 and sent.startswith(STATUS_CHECK * 2 + b"\x1b@")


def test_usb_unplugged_before_open_is_not_found_then_found_after_the_replug():
    with running_usb() as (url, control):
        control.unplug()
        timed(DeviceNotFound, lambda: EscposPrinter(url, timeout=0.5).open(), 1.0)
        control.replug()
        device = opened(url)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_usb_paper_out_from_the_start_and_the_printer_class_requests():
    import usb.core
    import usb.util

    with running_usb(paper="out") as (url, control):
        timed(PaperOut, lambda: opened(url), 1.0)
        found = usb.core.find(idVendor=0x04B8, idProduct=0x0202, backend=control.backend)
        assert found is not None and usb.util.get_string(found, found.iProduct).startswith("TM-T82")
        intf = found.get_active_configuration()[(0, 0)]
        assert (intf.bInterfaceClass, [ep.bEndpointAddress for ep in intf]) == (7, [0x01, 0x82])
        status = found.ctrl_transfer(0xA1, 1, 0, 0, 1)  # GET_PORT_STATUS: paper empty, not selected
        assert status[0] & 0x20 and not status[0] & 0x10
        ident = bytes(found.ctrl_transfer(0xA1, 0, 0, 0, 255))  # GET_DEVICE_ID
        assert int.from_bytes(ident[:2], "big") == len(ident) and b"CLS:PRINTER;" in ident
        usb.util.dispose_resources(found)
        control.device.refill()
        device = opened(url)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_a_usb_printer_that_does_not_answer_its_status_times_out():
    with running_usb({"faults": [{"kind": "no_answer", "operation": "status"}]}) as (url, control):
        timed(DeviceTimeout, lambda: EscposPrinter(url, timeout=0.5).open(), 1.0)
        device = opened(url, status=False)  # a printer that cannot answer: print without asking
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_a_usb_printer_that_refuses_the_job_is_a_write_timeout_and_then_prints():
    """A full receive buffer (offline, jammed) NAKs the bulk OUT packets: the driver's write times out with a
    typed, retryable error instead of hanging, and the next ticket prints."""
    refuse = {"faults": [{"kind": "no_answer", "operation": "usb_write", "attempt": 1}]}
    with running_usb(refuse) as (url, control):
        device = opened(url)
        caught = timed(DeviceTimeout, lambda: device.print_ticket(TICKET), 1.5)  # 0.5 s transfer timeout
        assert caught.code == "write_timeout" and caught.retryable
        assert control.device.tickets == [] and any(
            e["event"] == "fault" and e["operation"] == "usb_write" for e in control.events)
        device.print_ticket(TICKET)
        assert control.device.tickets == [TICKET]


def test_a_slow_usb_printer_within_the_timeout_prints():
    with running_usb({"faults": [{"kind": "slow", "operation": "usb_write", "seconds": 0.2}]}) as (url, control):
        device = opened(url)
        started = time.monotonic()
        device.print_ticket(TICKET)
        assert time.monotonic() - started >= 0.2 and control.device.tickets == [TICKET]


def test_usb_urls_and_the_injected_backend():
    with running_usb() as (_, control):
        for url in ("usb://04b8:0202", "usb://", "usb://04b8:0202?interface=0&in_ep=0x82&out_ep=0x01"):
            device = opened(url, backend=control.backend)
            device.print_ticket(TICKET)
            device.close()
        assert len(control.device.tickets) == 3
        timed(DeviceNotFound, lambda: EscposPrinter("usb://04b8:0203", backend=control.backend).open(), 1.0)
        timed(DeviceNotFound, lambda: EscposPrinter("usb://?interface=1", backend=control.backend).open(), 1.0)
    with pytest.raises(DeviceConfigError):
        EscposPrinter("usb://04b8:0202", backend="escpossim")  # a named backend goes in the URL scheme
    with pytest.raises(DeviceConfigError):
        EscposPrinter("tcp://127.0.0.1:9100", backend=object())
    with pytest.raises(DeviceConfigError):
        EscposPrinter("escpossim://bad-settings?colour=red").open()
    device = registry.open_device("ticket_printer", "escpos", "escpossim://", timeout=0.5)  # the default one
    device.print_ticket(TICKET)
    device.close()
