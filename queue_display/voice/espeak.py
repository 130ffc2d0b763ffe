"""Speech by espeak-ng's Indonesian voice (Debian package ``espeak-ng``, voice ``id``): offline, 22,050 Hz mono.

One utterance per call (the comma between phrases gives the pause); robotic but clear.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from queue_display.voice.audio import Audio, VoiceError, read_wav
from queue_display.voice.words import Announcement

TIMEOUT = 20.0


class EspeakBackend:
    name = "espeak"

    def __init__(self, *, rate: int = 140, voice: str = "id", binary: str = "espeak-ng"):
        self.rate = rate
        self.voice = voice
        self.binary = binary

    def _path(self) -> str:
        path = shutil.which(self.binary)
        if path is None:
            raise VoiceError(
                f"{self.binary} tidak terpasang (paket Debian espeak-ng); atau pakai rekaman suara: "
                "ektp-station queue settings --voice-backend clips --voice-clips-dir FOLDER"
            )
        return path

    def say(self, text: str) -> Audio:
        binary = self._path()
        with tempfile.TemporaryDirectory(prefix="ektp-voice-") as tmp:
            out = Path(tmp) / "call.wav"
            try:
                done = subprocess.run(
                    [binary, "-v", self.voice, "-s", str(self.rate), "-w", str(out), "--", text],
                    capture_output=True, timeout=TIMEOUT, check=False,
                )
            except subprocess.TimeoutExpired:
                raise VoiceError(f"espeak-ng tidak selesai dalam {TIMEOUT:.0f} detik") from None
            if done.returncode != 0 or not out.exists():
                reason = done.stderr.decode(errors="replace").strip().splitlines()
                raise VoiceError(f"espeak-ng gagal: {reason[0] if reason else f'kode {done.returncode}'}")
            return read_wav(out, name="keluaran espeak-ng")

    def render(self, announcement: Announcement) -> Audio:
        return self.say(announcement.text)

    def key(self) -> tuple:
        return (self.name, self.voice, self.rate)
