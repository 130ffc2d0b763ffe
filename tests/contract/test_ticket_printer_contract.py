"""Contract of every ticket printer driver, over every driver + simulator pair (and a real printer when named).

``print_ticket(Ticket)`` is the interface the queue (issue 5) uses. ``control`` as in the other suites; a
simulated printer reports each cut receipt as an ``{"event": "ticket", "number", "text"}`` event, and faults
are scripted on the operations ``status`` (a status request) and ``print`` (a job).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from drivers.errors import DeviceError, DeviceTimeout, DeviceUnavailable
from drivers.interfaces import DeviceKind, Ticket, TicketPrinter
from tests.contract.conftest import pairs_for

PAIRS = pairs_for(DeviceKind.TICKET_PRINTER)
MARGIN = 1.0
TICKET = Ticket(
    office="Kecamatan Kalipare",
    service="Perekaman e-KTP",
    number="A012",
    issued_at_text="Senin, 24-11-2026 09:15 WIB",
    waiting_ahead=3,
    qr_payload="EKTP|A012|2026-11-24T09:15",
)


@pytest.fixture(params=PAIRS)
def spec(request):
    return request.param


@pytest.fixture
def pair(spec):
    with spec.open() as (device, control):
        yield device, control


@contextmanager
def faulty(spec, kind: str, operation: str, **fields):
    """The pair, opened healthy, then with one scripted fault on the next ``operation``."""
    with spec.open() as (device, control):
        if control is None:
            pytest.skip("this pair has no scriptable simulator")
        control.scenario({"faults": [{"kind": kind, "operation": operation, "attempt": 1, **fields}]})
        yield device, control


def _tickets(control) -> list[dict]:
    return [e for e in control.events if e.get("event") == "ticket"]


def test_identifies_itself_as_a_ticket_printer(pair):
    device, _ = pair
    assert isinstance(device, TicketPrinter)
    assert device.info().kind is DeviceKind.TICKET_PRINTER


def test_a_ticket_comes_out_with_its_number_and_text(pair):
    device, control = pair
    device.print_ticket(TICKET)
    device.print_ticket(Ticket(**{**TICKET.__dict__, "number": "A013", "waiting_ahead": 0}))
    if control is None:
        return  # a real printer: look at the paper
    deadline = time.monotonic() + 2.0
    while len(_tickets(control)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    first, second = _tickets(control)
    assert first["number"] == "A012" and second["number"] == "A013"
    for line in ("Kecamatan Kalipare", "NOMOR ANTREAN", "A012", "Perekaman e-KTP", "3 orang menunggu",
                 "[QR] EKTP|A012|2026-11-24T09:15"):
        assert line in first["text"]
    assert "Tidak ada antrean" in second["text"]


def test_a_closed_printer_is_unavailable(pair):
    device, _ = pair
    device.close()
    with pytest.raises(DeviceUnavailable):
        device.print_ticket(TICKET)


def test_a_silent_printer_times_out(spec):
    with faulty(spec, "no_answer", "status") as (device, _):
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            device.print_ticket(TICKET)
        assert time.monotonic() - started <= 1.0 + MARGIN
        device.print_ticket(TICKET)


def test_paper_out_is_a_retryable_error(spec):
    with faulty(spec, "error_code", "status", code="paper_out") as (device, control):
        with pytest.raises(DeviceError) as caught:
            device.print_ticket(TICKET)
        assert caught.value.retryable and "kertas" in caught.value.message.lower()
        control.device.refill()
        device.print_ticket(TICKET)
        assert _tickets(control)


def test_unplugged_in_the_middle_of_a_ticket_then_replugged(spec):
    with faulty(spec, "unplug", "print", after_lines=4) as (device, control):
        with pytest.raises(DeviceUnavailable):
            device.print_ticket(TICKET)
        assert not _tickets(control)
        control.replug()
        device.print_ticket(TICKET)
        assert [t["number"] for t in _tickets(control)] == ["A012"]
