"""Speech joined from recorded clips: one WAV per word in a folder (``nomor.wav``, ``antrian.wav``, ``e.wav``
for the letter E, ``dua.wav``, ``belas.wav``, ``silakan.wav``, ``menuju.wav``, ``loket.wav`` …; the full list is
``vocabulary()``), all in one format. An optional ``chime.wav`` replaces the synthesised gong.

``make_clips`` fills such a folder from espeak-ng, for a start before someone records a human voice.
"""

from __future__ import annotations

from pathlib import Path

from queue_display.voice.audio import Audio, VoiceError, join, read_wav, silence
from queue_display.voice.words import BASE_WORDS, LETTERS, NUMBER_WORDS, Announcement

WORD_GAP = 0.06
PHRASE_GAP = 0.35


def vocabulary() -> list[str]:
    """Every clip a call may need (file names without ``.wav``)."""
    return [*BASE_WORDS, *NUMBER_WORDS, *(letter.lower() for letter in LETTERS)]


def clip_name(word: str) -> str:
    return word.lower()


class ClipsBackend:
    name = "clips"

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()

    def _clip(self, word: str) -> Audio:
        return read_wav(self.folder / f"{clip_name(word)}.wav", name=f"{clip_name(word)}.wav")

    def missing(self, announcement: Announcement) -> list[str]:
        return sorted({clip_name(w) for w in announcement.words if not (self.folder / f"{clip_name(w)}.wav").is_file()})

    def render(self, announcement: Announcement) -> Audio:
        if not str(self.folder) or not self.folder.is_dir():
            raise VoiceError(f"Folder rekaman suara {str(self.folder)!r} tidak ada")
        lacking = self.missing(announcement)
        if lacking:
            raise VoiceError(f"Rekaman suara belum ada di {self.folder}: {', '.join(f'{w}.wav' for w in lacking)}")
        parts: list[Audio] = []
        for p, phrase in enumerate(announcement.phrases):
            if p:
                parts.append(silence(PHRASE_GAP, parts[-1]))
            for w, word in enumerate(phrase):
                clip = self._clip(word)
                if w:
                    parts.append(silence(WORD_GAP, clip))
                parts.append(clip)
        return join(parts)

    def chime(self) -> Audio | None:
        path = self.folder / "chime.wav"
        return read_wav(path, name="chime.wav") if path.is_file() else None

    def key(self) -> tuple:
        return (self.name, str(self.folder.resolve()))


def make_clips(folder: str | Path, speaker, words: list[str] | None = None) -> list[Path]:
    """Write ``<word>.wav`` for every word (default: the whole vocabulary) with ``speaker.say(word)``."""
    target = Path(folder).expanduser()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for word in words or vocabulary():
        audio = speaker.say(word.upper() if len(word) == 1 else word)
        path = target / f"{clip_name(word)}.wav"
        path.write_bytes(audio.to_wav())
        written.append(path)
    return written
