"""The register lifecycle: DITERIMA → BERKAS_KURANG → DIPERIKSA → MENUNGGU_TTD → SIAP_DIAMBIL → DISERAHKAN →
DIARSIPKAN, plus DIBATALKAN. Which action each state allows; every transition is timestamped as an event."""

from __future__ import annotations

from enum import StrEnum

from ektp_station.register.errors import WrongState


class State(StrEnum):
    DITERIMA = "DITERIMA"
    BERKAS_KURANG = "BERKAS_KURANG"
    DIPERIKSA = "DIPERIKSA"
    MENUNGGU_TTD = "MENUNGGU_TTD"
    SIAP_DIAMBIL = "SIAP_DIAMBIL"
    DISERAHKAN = "DISERAHKAN"
    DIARSIPKAN = "DIARSIPKAN"
    DIBATALKAN = "DIBATALKAN"


ORDER = tuple(State)

DESCRIPTIONS = {
    State.DITERIMA: "berkas diterima, menunggu pemeriksaan kelengkapan",
    State.BERKAS_KURANG: "berkas dikembalikan karena belum lengkap",
    State.DIPERIKSA: "tercatat di buku register, diperiksa ulang",
    State.MENUNGGU_TTD: "surat diterbitkan, menunggu tanda tangan",
    State.SIAP_DIAMBIL: "surat ditandatangani, siap diambil",
    State.DISERAHKAN: "surat diserahkan kepada pemohon",
    State.DIARSIPKAN: "berkas diarsipkan",
    State.DIBATALKAN: "permohonan dibatalkan",
}

ACTION_NAMES = {
    "check": "pemeriksaan kelengkapan",
    "reopen": "pembukaan kembali berkas",
    "visit": "peninjauan lokasi",
    "issue": "penerbitan surat",
    "sign": "penandatanganan",
    "handover": "penyerahan",
    "archive": "pengarsipan",
    "monitor": "penutupan pemantauan",
    "cancel": "pembatalan",
}

ALLOWED = {
    "check": {State.DITERIMA, State.BERKAS_KURANG},
    "reopen": {State.BERKAS_KURANG},
    "visit": {State.DIPERIKSA, State.MENUNGGU_TTD},
    "issue": {State.DIPERIKSA, State.MENUNGGU_TTD},
    "sign": {State.MENUNGGU_TTD},
    "handover": {State.SIAP_DIAMBIL},
    "archive": {State.DISERAHKAN},
    "monitor": {State.DIARSIPKAN},
    "cancel": {State.DITERIMA, State.BERKAS_KURANG, State.DIPERIKSA, State.MENUNGGU_TTD, State.SIAP_DIAMBIL},
}


def require(state: str, action: str, ref: str) -> State:
    """The current state, if ``action`` is allowed in it; otherwise a one-line WrongState."""
    current = State(state)
    if current not in ALLOWED[action]:
        allowed = " atau ".join(s.value for s in ORDER if s in ALLOWED[action])
        raise WrongState(
            f"Berkas {ref} berstatus {current.value} ({DESCRIPTIONS[current]}): {ACTION_NAMES[action]} hanya untuk "
            f"berkas berstatus {allowed}."
        )
    return current
