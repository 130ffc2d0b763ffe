"""ISDV4 pen stream decode rate: the driver's decoding half (bytes -> pen events) on a long signature stream.

A 38400-baud line carries at most 426 nine-byte pen packets a second (a pad sends about 133); the target is
100 times the line's maximum, so decoding never limits a capture. A second row runs a whole capture of one
signature through the in-process wire simulator at 38400 baud and checks that no sample is lost.
"""

from __future__ import annotations

import statistics
import time

LINE_PACKETS_PER_S = 38400 / 10 / 9
TARGET_RATE = 100 * LINE_PACKETS_PER_S


def _stream(packets: int) -> bytes:
    from drivers.protocols.isdv4 import PenPacket
    from simulators.models import signature

    out = bytearray()
    attempt = 0
    while len(out) < packets * 9:
        for s in signature.signature_samples(1, attempt=attempt):
            out += PenPacket(True, s.touching, False, False, s.x, s.y, s.pressure if s.touching else 0).encode()
        attempt += 1
    return bytes(out[: packets * 9])


def run(repeats: int = 5, packets: int = 20000) -> list[dict]:
    from drivers.isdv4 import Isdv4Pad, PenStream
    from simulators.models import signature
    from simulators.wire.harness import running

    data = _stream(packets)
    times = []
    for _ in range(repeats):
        stream = PenStream()
        started = time.perf_counter()
        for offset in range(0, len(data), 9):  # one read per packet, as the driver reads them
            stream.feed(data[offset : offset + 9], 0.0)
        times.append(time.perf_counter() - started)
        assert stream.packets == packets and stream.damaged == 0
    rate = packets / statistics.median(times)
    rows = [{
        "name": f"ISDV4 decode, {packets} pen packets in 9-byte reads",
        "median_s": statistics.median(times),
        "max_s": max(times),
        "runs": len(times),
        "target": f">= {TARGET_RATE:,.0f} packets/s (100 x a 38400-baud line)",
        "met": rate >= TARGET_RATE,
        "note": f"{rate:,.0f} packets/s",
    }]  # fmt: skip

    expected = sum(1 for s in signature.signature_samples(1, attempt=0) if s.touching)
    with running("isdv4", "inproc", throttle=38400, sign_delay=0.05) as (url, _):
        pad = Isdv4Pad(url, settle=0.05)
        pad.open()
        started = time.perf_counter()
        events = pad.capture(timeout=10, idle=0.5)
        elapsed = time.perf_counter() - started
        pad.close()
    got = sum(1 for e in events if e.touching)
    rows.append({
        "name": "ISDV4 one signature at 38400 baud, in process (capture incl. 0.5 s idle)",
        "median_s": elapsed,
        "max_s": elapsed,
        "runs": 1,
        "target": "every pen-down sample arrives",
        "met": got == expected,
        "note": f"{got} of {expected} pen-down samples",
    })  # fmt: skip
    return rows
