"""The services one takes a queue number for: one per SOP of the catalogue, each with its own prefix.

Prefixes are fixed (a printed ticket must keep meaning the same service): K Pengantar KK, P Surat Pindah,
C Rekomendasi SKCK, A Kartu Kuning/AK-1, U Surat Keterangan Usaha, W Ahli Waris, L Legalisasi, R Izin Keramaian,
N Dispensasi Nikah, E Perekaman e-KTP, S Proposal.

Standard times the queue is measured against, taken from the SOP's "Mutu Baku Waktu" column:

* waiting (ticket → first call): the SOP step in which the applicant waits with the queue number (SOP PEREKAMAN
  E-KTP step 3, 5 minutes); SOPs without such a step start with the applicant handing the file in (step 1,
  5 minutes in every SOP), which is what the applicant with a ticket waits to do.
* service at the counter (start → finish): for the e-KTP recording, steps 4 to 4.7 (call for verification up
  to handing the summons letter back); for the other SOPs, the counter staff's steps directly after step 1
  (receiving and checking the file, the register entry and receipt), before the file goes to the Kasi, Sekcam
  or Camat.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ektp_station.errors import CatalogueError
from ektp_station.sop.catalogue import Sop, Step, load_catalogue

PREFIXES: dict[str, str] = {
    "KK": "K", "PINDAH": "P", "SKCK": "C", "AK1": "A", "SKU": "U", "WARIS": "W", "LEGALISASI": "L",
    "KERAMAIAN": "R", "DISPNIKAH": "N", "EKTP": "E", "PROPOSAL": "S",
}  # fmt: skip

NAMES: dict[str, str] = {
    "KK": "Pengantar KK", "PINDAH": "Surat Pindah", "SKCK": "Rekomendasi SKCK", "AK1": "Kartu Kuning / AK-1",
    "SKU": "Surat Keterangan Usaha", "WARIS": "Keterangan Ahli Waris", "LEGALISASI": "Legalisasi",
    "KERAMAIAN": "Izin Keramaian", "DISPNIKAH": "Dispensasi Nikah", "EKTP": "Perekaman e-KTP",
    "PROPOSAL": "Rekomendasi Proposal",
}  # fmt: skip

EKTP = "EKTP"
_EKTP_SERVICE_LABELS = ("4", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7")


@dataclass(frozen=True)
class ServiceType:
    code: str
    prefix: str
    name: str
    title: str
    wait_steps: tuple[str, ...]
    wait_standard_minutes: float | None
    service_steps: tuple[str, ...]
    service_standard_minutes: float | None

    def to_json(self) -> dict:
        return {
            "code": self.code, "prefix": self.prefix, "name": self.name, "title": self.title,
            "wait_steps": list(self.wait_steps), "wait_standard_minutes": self.wait_standard_minutes,
            "service_steps": list(self.service_steps), "service_standard_minutes": self.service_standard_minutes,
        }  # fmt: skip


def _minutes(steps: list[Step]) -> float | None:
    values = [s.standard_minutes for s in steps if s.standard_minutes is not None]
    return sum(values) if values else None


def _is_counter_staff(step: Step) -> bool:
    actor = step.actor.lower()
    return "loker" in actor or "loket" in actor


def _build(sop: Sop) -> ServiceType:
    prefix = PREFIXES.get(sop.code)
    if prefix is None:
        raise CatalogueError(f"SOP {sop.code} belum mempunyai awalan nomor antrean")
    waiting = [s for s in sop.steps if "antrian" in s.activity.lower()] or [sop.steps[0]]
    if sop.code == EKTP:
        serving = [s for s in sop.steps if s.label in _EKTP_SERVICE_LABELS]
    else:
        serving = []
        for step in sop.steps[1:]:
            if not _is_counter_staff(step):
                break
            serving.append(step)
    return ServiceType(
        code=sop.code,
        prefix=prefix,
        name=NAMES.get(sop.code, sop.title),
        title=sop.title,
        wait_steps=tuple(s.label for s in waiting),
        wait_standard_minutes=_minutes(waiting),
        service_steps=tuple(s.label for s in serving),
        service_standard_minutes=_minutes(serving),
    )


@functools.cache
def _types() -> dict[str, ServiceType]:
    return {sop.code: _build(sop) for sop in load_catalogue()}


def service_type(code: str) -> ServiceType:
    """The queue service of an SOP code (any letter case); ``UnknownSop`` when the catalogue has no such SOP."""
    sop = load_catalogue().get(code)
    return _types()[sop.code]


def all_service_types() -> list[ServiceType]:
    return list(_types().values())


def by_prefix(prefix: str) -> ServiceType | None:
    prefix = prefix.upper()
    return next((t for t in _types().values() if t.prefix == prefix), None)
