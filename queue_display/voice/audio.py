"""Mono/stereo PCM audio as WAV: read, write, silence, join, loudness. Standard library ``wave`` only."""

from __future__ import annotations

import io
import math
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

from ektp_station.errors import StationError


class VoiceError(StationError):
    """The call cannot be spoken (speech engine missing, clip missing, clips of different formats …)."""

    http_status = 503


@dataclass(frozen=True)
class Audio:
    rate: int
    channels: int
    width: int  # bytes per sample
    frames: bytes

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.rate * self.channels * self.width)

    @property
    def format(self) -> tuple[int, int, int]:
        return self.rate, self.channels, self.width

    def to_wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(self.channels)
            w.setsampwidth(self.width)
            w.setframerate(self.rate)
            w.writeframes(self.frames)
        return out.getvalue()


def read_wav(source: bytes | str | Path, *, name: str = "") -> Audio:
    label = name or str(source if not isinstance(source, bytes) else "audio")
    try:
        handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
        with handle, wave.open(handle, "rb") as w:
            if w.getcomptype() != "NONE":
                raise VoiceError(f"Berkas suara {label} bukan WAV PCM")
            return Audio(w.getframerate(), w.getnchannels(), w.getsampwidth(), w.readframes(w.getnframes()))
    except (wave.Error, EOFError) as exc:
        raise VoiceError(f"Berkas suara {label} bukan WAV yang sah ({exc})") from exc
    except OSError as exc:
        raise VoiceError(f"Berkas suara {label} tidak dapat dibaca ({exc.strerror})") from exc


def silence(seconds: float, like: Audio) -> Audio:
    count = int(round(seconds * like.rate)) * like.channels * like.width
    fill = b"\x80" if like.width == 1 else b"\x00"
    return Audio(like.rate, like.channels, like.width, fill * count)


def join(parts: list[Audio]) -> Audio:
    if not parts:
        raise VoiceError("Tidak ada suara untuk digabung")
    first = parts[0]
    for part in parts[1:]:
        if part.format != first.format:
            raise VoiceError(
                f"Rekaman suara berbeda format: {first.rate} Hz/{first.channels} kanal/{first.width * 8} bit dan "
                f"{part.rate} Hz/{part.channels} kanal/{part.width * 8} bit; samakan semua rekaman"
            )
    return Audio(first.rate, first.channels, first.width, b"".join(p.frames for p in parts))


def rms(audio: Audio) -> float:
    """Root mean square level, 0..1 of full scale (16-bit audio; other widths give 0 for silence only)."""
    if audio.width != 2 or not audio.frames:
        return 0.0 if not audio.frames or set(audio.frames) <= {0, 128} else 1.0
    samples = array("h", audio.frames[: len(audio.frames) // 2 * 2])
    return math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768.0
