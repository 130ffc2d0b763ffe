"""The two-tone gong ("ding-dong") played before every call, synthesised in the speech's own format."""

from __future__ import annotations

import math
from array import array

from queue_display.voice.audio import Audio

NOTES = ((659.25, 0.0), (523.25, 0.55))  # E5 then C5, seconds from the start
LENGTH = 1.6
DECAY = 3.2  # per second


def chime(rate: int = 22050, channels: int = 1, width: int = 2, volume: float = 0.45) -> Audio:
    total = int(LENGTH * rate)
    samples = [0.0] * total
    for freq, start in NOTES:
        first = int(start * rate)
        for i in range(first, total):
            t = (i - first) / rate
            envelope = math.exp(-DECAY * t) * min(1.0, t * 200)  # 5 ms attack, no click
            samples[i] += envelope * (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t))
    peak = max(abs(s) for s in samples) or 1.0
    if width == 2:
        pcm = array("h", (int(volume * 32767 * s / peak) for s in samples for _ in range(channels))).tobytes()
    elif width == 1:
        pcm = bytes(128 + int(volume * 127 * s / peak) for s in samples for _ in range(channels))
    else:
        scale = volume * (2 ** (8 * width - 1) - 1) / peak
        pcm = b"".join(int(scale * s).to_bytes(width, "little", signed=True) for s in samples for _ in range(channels))
    return Audio(rate, channels, width, pcm)
