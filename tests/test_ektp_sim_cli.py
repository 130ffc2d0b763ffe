"""``ektp-sim DEVICE --pty|--tcp|--rfc2217``: a separate process, one JSON readiness line, then one JSON line per
thing the device did; the drivers reach it over the pty / TCP / RFC 2217 port it printed, until it is killed."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.errors import DeviceUnavailable, ProtocolError
from drivers.escpos_printer import EscposPrinter
from drivers.interfaces import Call, Finger, Ticket
from drivers.isdv4 import Isdv4Pad
from drivers.ledboard import AlphaSignBoard
from drivers.zfm import ZfmScanner
from simulators.wire.harness import running

pytestmark = pytest.mark.slow


class SimProcess:
    """``ektp-sim`` in a child process: the readiness line, then events collected by a reader thread."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "simulators.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30.0)
        assert ready, "no readiness line within 30 s"
        line = self.proc.stdout.readline()
        assert line, f"ektp-sim ended: {self.proc.stderr.read()}"
        self.ready = json.loads(line)
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.events.append(json.loads(line))

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events if e.get("event") == kind]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"fewer than {count} {kind!r} events: {self.events}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()

    def __enter__(self) -> "SimProcess":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_zfm_over_a_pty():
    with SimProcess("zfm", "--pty", "--seed", "5") as sim:
        assert set(sim.ready) == {"device", "port"} and sim.ready["device"] == "zfm"
        port = sim.ready["port"]
        assert os.path.realpath(port).startswith("/dev/pts/")
        scanner = ZfmScanner(port)
        scanner.open()  # the module was just switched on: the handshake waits out its deafness
        image = scanner.capture_finger(Finger.R_THUMB, timeout=5)
        assert image.image.shape == (288, 256)
        scanner.close()
        (event,) = sim.wait_for("finger")
        assert event["finger"] == "R_THUMB" and event["asked"] == "R_THUMB" and event["quality"] > 40
        assert sim.stop() == 0
        assert not Path(port).exists()  # the link is removed when the simulator ends


def test_zfm_over_tcp_with_a_scenario_and_a_signal_unplug(tmp_path):
    scenario = tmp_path / "faults.toml"
    scenario.write_text('[[faults]]\nkind = "garbage"\noperation = "upload"\npart = "R_THUMB"\nattempt = 1\n')
    with SimProcess("zfm", "--tcp", "--scenario", str(scenario)) as sim:
        assert set(sim.ready) == {"device", "host", "port"} and sim.ready["host"] == "127.0.0.1"
        url = f"socket://{sim.ready['host']}:{sim.ready['port']}"
        scanner = ZfmScanner(url)
        scanner.open()
        with pytest.raises(ProtocolError):
            scanner.capture_finger(Finger.R_THUMB, timeout=3)
        assert sim.wait_for("fault")[0] == {"event": "fault", "kind": "garbage", "operation": "upload",
                                             "part": "R_THUMB"}
        scanner.capture_finger(Finger.R_THUMB, timeout=3)
        sim.proc.send_signal(signal.SIGUSR1)  # pull the cable
        sim.wait_for("unplug")
        with pytest.raises(DeviceUnavailable):
            scanner.capture_finger(Finger.R_INDEX, timeout=3)
        sim.proc.send_signal(signal.SIGUSR2)  # and put it back
        sim.wait_for("replug")
        time.sleep(0.1)
        assert scanner.capture_finger(Finger.R_INDEX, timeout=5).image.size
        scanner.close()
        assert [e["finger"] for e in sim.wait_for("finger", 2)] == ["R_THUMB", "R_INDEX"]
        assert sim.stop() == 0


def test_isdv4_printer_and_board_each_in_their_process():
    with SimProcess("isdv4", "--tcp", "--set", "pace=4") as pad_sim, \
            SimProcess("printer", "--tcp") as printer_sim, \
            SimProcess("ledboard", "--pty") as board_sim:  # fmt: skip
        pad = Isdv4Pad(f"socket://127.0.0.1:{pad_sim.ready['port']}")
        pad.open()
        events = pad.capture(timeout=5, idle=0.5)
        pad.close()
        assert sum(e.touching for e in events) == pad_sim.wait_for("signature")[0]["points"]

        printer = EscposPrinter(f"tcp://127.0.0.1:{printer_sim.ready['port']}")
        printer.open()
        printer.print_ticket(Ticket("Kecamatan Kalipare", "Perekaman e-KTP", "A012", "Senin 09:15", 0, "Q"))
        printer.close()
        ticket = printer_sim.wait_for("ticket")[0]
        assert ticket["number"] == "A012" and "Tidak ada antrean di depan Anda" in ticket["text"]

        board = AlphaSignBoard(board_sim.ready["port"])
        board.open()
        board.show_call(Call("A012", "2"))
        board.close()
        assert board_sim.wait_for("board")[0] == {"event": "board", "file": "A", "text": "A012 LOKET 2"}
        for sim in (pad_sim, printer_sim, board_sim):
            assert sim.stop() == 0


@pytest.mark.parametrize("args, message", [
    (["zfm"], "pilih --pty, --tcp atau --rfc2217"),
    (["zfm", "--pty", "--scenario", "/nonexistent/s.toml"], "tidak dapat dibaca"),
    (["zfm", "--pty", "--set", "colour=red"], "tidak dikenal"),
])
def test_usage_errors_are_one_line(args, message):
    result = subprocess.run([sys.executable, "-m", "simulators.cli", *args], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 if "pilih" in message else result.returncode != 0
    assert message in result.stderr and result.stdout == ""


@pytest.mark.parametrize("device, module", [("stu", "simulators.stu"), ("sbi", "simulators.sbi"),
                                            ("camera", "simulators.camera_server")])
def test_the_other_devices_are_reached_through_their_serve_cli(device, module, monkeypatch):
    import importlib

    from simulators.cli import main as sim_main

    calls = []
    try:
        target = importlib.import_module(module)
    except ImportError:
        pytest.skip(f"{module} is not there yet")
    if not hasattr(target, "serve_cli"):
        pytest.skip(f"{module}.serve_cli is not there yet")
    monkeypatch.setattr(target, "serve_cli", lambda *a: calls.append(a))
    assert sim_main([device, "--tcp", "--port", "4999"]) == 0
    assert calls == [("tcp", None, "127.0.0.1", 4999)]


def test_a_missing_simulator_module_is_a_clear_error(monkeypatch, capsys):
    from simulators.cli import main as sim_main

    monkeypatch.setitem(sys.modules, "simulators.stu", None)  # as if the module were not there
    assert sim_main(["stu", "--tcp"]) == 1
    assert "Simulator stu belum tersedia" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------- RFC 2217


def test_zfm_over_rfc2217_runs_at_the_rate_the_host_sets():
    # The simulated line starts at 9600 baud, where one image (about 40 kB) takes some 40 s; the host sets
    # 921600 baud through RFC 2217 and the capture is done in a fraction of that.
    with SimProcess("zfm", "--rfc2217", "--baud", "9600", "--seed", "5") as sim:
        assert sim.ready == {"device": "zfm", "host": "127.0.0.1", "port": sim.ready["port"], "protocol": "rfc2217"}
        scanner = ZfmScanner(f"rfc2217://127.0.0.1:{sim.ready['port']}", baud=921600)
        scanner.open()
        started = time.monotonic()
        image = scanner.capture_finger(Finger.R_THUMB, timeout=5)
        assert time.monotonic() - started < 5.0
        assert image.image.shape == (288, 256)
        scanner.close()
        assert sim.wait_for("line")[-1] == {"event": "line", "baud": 921600}
        (event,) = sim.wait_for("finger")
        assert event["finger"] == "R_THUMB" and event["quality"] > 40
        assert sim.stop() == 0


def test_printer_over_rfc2217_with_a_signal_unplug():
    ticket = Ticket("Kecamatan Kalipare", "Perekaman e-KTP", "A012", "Senin 09:15", 2, "EKTP|A012")
    with SimProcess("printer", "--rfc2217") as sim:
        assert sim.ready["protocol"] == "rfc2217" and sim.ready["host"] == "127.0.0.1"
        printer = EscposPrinter(f"rfc2217://127.0.0.1:{sim.ready['port']}?baud=19200")
        printer.open()
        printer.print_ticket(ticket)
        printed = sim.wait_for("ticket")[0]
        assert printed["number"] == "A012"
        for line in ("NOMOR ANTREAN", "2 orang menunggu di depan Anda", "[QR] EKTP|A012"):
            assert line in printed["text"]
        assert {"event": "line", "baud": 19200} in sim.events
        sim.proc.send_signal(signal.SIGUSR1)  # pull the cable
        sim.wait_for("unplug")
        started = time.monotonic()
        with pytest.raises(DeviceUnavailable):
            printer.print_ticket(ticket)
        assert time.monotonic() - started < 5.0  # pyserial's RFC 2217 client gives up after its 3 s network timeout
        sim.proc.send_signal(signal.SIGUSR2)
        sim.wait_for("replug")
        time.sleep(0.1)
        printer.print_ticket(Ticket(**{**ticket.__dict__, "number": "A013"}))
        printer.close()
        assert [e["number"] for e in sim.wait_for("ticket", 2)] == ["A012", "A013"]
        assert sim.stop() == 0


def test_the_host_s_baud_rate_reaches_a_throttled_simulator_only():
    with running("zfm", "rfc2217", throttle=9600) as (url, control):
        assert url.startswith("rfc2217://")
        scanner = ZfmScanner(url, baud=115200)
        scanner.open()
        assert control.device.throttle == 115200
        scanner.close()
    with running("zfm", "rfc2217") as (url, control):
        scanner = ZfmScanner(url, baud=115200)
        scanner.open()
        assert control.device.throttle == 0  # unthrottled stays as fast as the transport goes
        assert control.events_of("line") == [{"event": "line", "baud": 115200}]
        scanner.close()


@pytest.mark.parametrize("device", ["sbi", "camera"])
def test_http_devices_have_no_pty(device):
    result = subprocess.run([sys.executable, "-m", "simulators.cli", device, "--pty"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == f"Error: {device} adalah perangkat HTTP, bukan perangkat serial: --pty tidak tersedia, gunakan --tcp"


def test_rfc2217_is_for_the_serial_devices_only():
    from simulators.cli import main as sim_main

    assert sim_main(["stu", "--rfc2217"]) == 2
