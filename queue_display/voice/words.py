"""What the station says when it calls a ticket, built as words: "Nomor antrian E dua belas, silakan menuju
loket dua". Numbers are read as Indonesian numbers (lokal-id's ``terbilang``: 12 → "dua belas", 101 →
"seratus satu"), leading zeros dropped; the prefix is said as its letter.
"""

from __future__ import annotations

from dataclasses import dataclass

from lokal import terbilang

from ektp_station.queue.numbering import parse_number
from ektp_station.queue.errors import InvalidInput

#: Every word a call can use (what a folder of recorded clips must hold, see ``clips``).
BASE_WORDS = ("nomor", "antrian", "silakan", "menuju", "loket")
NUMBER_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
                "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu")
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def number_words(value: int) -> list[str]:
    """``12`` → ``["dua", "belas"]``."""
    if value < 0 or value > 999_999:
        raise InvalidInput(f"Angka {value} di luar jangkauan panggilan suara")
    return terbilang(value).split()


@dataclass(frozen=True)
class Announcement:
    """A call as phrases of words; the speech pauses between phrases."""

    phrases: tuple[tuple[str, ...], ...]

    @property
    def words(self) -> list[str]:
        return [word for phrase in self.phrases for word in phrase]

    @property
    def text(self) -> str:
        sentence = ", ".join(" ".join(phrase) for phrase in self.phrases)
        return sentence[:1].upper() + sentence[1:]


def call_announcement(number: str, counter: int) -> Announcement:
    """``("E-012", 2)`` → "Nomor antrian E dua belas, silakan menuju loket dua"."""
    parsed = parse_number(number)
    if parsed is None:
        raise InvalidInput(f"Nomor antrean tidak valid untuk dipanggil: {number!r}")
    prefix, seq = parsed
    return Announcement((
        ("nomor", "antrian", prefix, *number_words(seq)),
        ("silakan", "menuju", "loket", *number_words(counter)),
    ))


def call_words(number: str, counter: int) -> list[str]:
    return call_announcement(number, counter).words
