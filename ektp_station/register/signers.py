"""Who may sign a service's letter, and the stand-in rule when the Camat is away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ektp_station.register.errors import InvalidInput

CAMAT = "CAMAT"


@dataclass(frozen=True)
class Position:
    key: str
    title: str
    short: str
    name: str
    nip: str


@dataclass(frozen=True)
class SignatureDecision:
    """The position signing, and ``on_behalf`` ("a.n. Camat Kalipare") when it stands in for the Camat."""

    position: Position
    on_behalf: str | None
    stand_in_reason: str | None


def parse_signers(doc: dict[str, Any]) -> dict[str, Position]:
    positions: dict[str, Position] = {}
    shorts: dict[str, str] = {}
    for key, table in doc.items():
        if not isinstance(table, dict):
            raise ValueError(f"{key!r} harus tabel [{key}]")
        unknown = sorted(set(table) - {"title", "short", "name", "nip"})
        if unknown:
            raise ValueError(f"[{key}] kunci tidak dikenal {unknown[0]!r}")
        for field in ("title", "short", "name", "nip"):
            if not isinstance(table.get(field), str) or not table[field].strip():
                raise ValueError(f"[{key}] kunci {field!r} wajib berupa teks tidak kosong")
        short = table["short"].strip().lower()
        if short in shorts:
            raise ValueError(f"[{key}] singkatan {table['short']!r} sudah dipakai [{shorts[short]}]")
        shorts[short] = key
        positions[key] = Position(key, table["title"], table["short"], table["name"], table["nip"])
    if CAMAT not in positions:
        raise ValueError("jabatan [CAMAT] wajib ada")
    return positions


def find_position(positions: dict[str, Position], text: str) -> Position:
    """A position by key (``SEKCAM``) or by its short name (``Sekcam``), any letter case."""
    wanted = (text or "").strip()
    for position in positions.values():
        if wanted.upper() == position.key or wanted.lower() == position.short.lower():
            return position
    names = ", ".join(f"{p.short} ({p.key})" for p in positions.values())
    raise InvalidInput(f"Penandatangan {text!r} tidak dikenal; pilihan: {names}")


def authorise(service_name: str, allowed: tuple[str, ...], stand_ins: tuple[str, ...],
              positions: dict[str, Position], signer: Position, camat_away_reason: str | None) -> SignatureDecision:
    """Check that ``signer`` may sign this service's letter.

    A position the SOP names signs in its own name. A stand-in position (``stand_ins``) may sign only "a.n. Camat"
    with the reason the Camat is away; any other position is refused. A reason given for a position that signs
    in its own name records that it signed for the absent Camat as well.
    """
    reason = (camat_away_reason or "").strip() or None
    camat_title = positions[CAMAT].title
    if signer.key in allowed:
        if not reason:
            return SignatureDecision(signer, None, None)
        if signer.key == CAMAT:
            raise InvalidInput("Camat sendiri yang menandatangani: alasan Camat berhalangan tidak berlaku.")
        if CAMAT not in allowed:
            raise InvalidInput(f"{service_name} tidak ditandatangani Camat: alasan Camat berhalangan tidak berlaku.")
        return SignatureDecision(signer, f"a.n. {camat_title}", reason)
    if signer.key in stand_ins:
        if not reason:
            raise InvalidInput(
                f"{service_name} ditandatangani Camat; {signer.short} hanya boleh menandatangani atas nama Camat "
                "dengan menyebut alasan Camat berhalangan."
            )
        return SignatureDecision(signer, f"a.n. {camat_title}", reason)
    names = ", ".join(positions[key].short for key in allowed + stand_ins if key in positions)
    raise InvalidInput(f"{signer.short} tidak berwenang menandatangani {service_name}; yang berwenang: {names}.")
