"""ZFM fingerprint image upload against the wire simulator throttled to 57600 baud, as a share of the wire limit.

One UpImage of a 256 x 288 image is 12 command bytes, a 12-byte ack and 288 data packets of 128 + 11 bytes:
40,056 bytes, 6.95 s at 57600 baud 8N1 (10 bits per byte). The simulator releases its bytes at that line speed
(over a pty through the kernel, and in process); the driver reads, checks and unpacks them. The share of the
wire limit is (bytes x 10 / baud) / measured time; target at least 95 %.
"""

from __future__ import annotations

import math
import statistics
import time

BAUD = 57600
TARGET = 0.95


def _wire_seconds(geometry, packet_size: int) -> float:
    packets = math.ceil(geometry.packed_size / packet_size)
    return (12 + 12 + packets * (packet_size + 11)) * 10 / BAUD


def run(repeats: int = 3) -> list[dict]:
    from drivers.interfaces import Finger
    from drivers.zfm import ZfmScanner
    from simulators.wire.harness import running

    rows = []
    for transport, label in (("pty", "over a pty"), ("inproc", "in process (ektpsim://)")):
        with running("zfm", transport, throttle=BAUD) as (url, _):
            scanner = ZfmScanner(url, baud=BAUD)
            scanner.open()
            try:
                scanner.capture_finger(Finger.R_INDEX, timeout=30)  # puts an image in the module's buffer
                wire = _wire_seconds(scanner.geometry, scanner.params.packet_size)
                times = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    image = scanner.upload_image()
                    times.append(time.perf_counter() - started)
                    assert image.shape == (scanner.geometry.height, scanner.geometry.width)
            finally:
                scanner.close()
        share = wire / statistics.median(times)
        rows.append({
            "name": f"ZFM UpImage 256x288 at {BAUD} baud, {label}",
            "median_s": statistics.median(times),
            "max_s": max(times),
            "runs": len(times),
            "target": f">= {TARGET:.0%} of the wire limit ({wire:.2f} s)",
            "met": share >= TARGET,
            "note": f"{share:.1%} of the wire limit",
        })  # fmt: skip
    return rows
