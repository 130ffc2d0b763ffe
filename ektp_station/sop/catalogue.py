"""The SOP catalogue: the service procedures of "SOP PATEN 2017 Kecamatan Kalipare".

Each SOP is one TOML file in ``ektp_station/sop/data/`` (``<code>.toml``), transcribed from the eleven
tables of the seed document. ``load_catalogue`` reads and strictly validates those files; any problem is
a :class:`~ektp_station.errors.CatalogueError` naming the file and the reason. ``Catalogue.get`` looks an
SOP up by code, case-insensitively, and raises :class:`~ektp_station.errors.UnknownSop` otherwise.

Data file layout (every key below is required unless marked optional; no other key is accepted)::

    code = "EKTP"                  # upper-case letters/digits, unique in the catalogue
    title = "SOP PEREKAMAN E-KTP"  # the table's title line as printed
    section = "Pelayanan E-KTP"    # the table's section row as printed
    seed_order = 10                # position of the table in the seed document (>= 1, unique)
    actors = ["Pemohon", ...]      # the Pelaksana column headings as printed
    note = "..."                   # how the step actors were decided

    [[steps]]
    label = "4.6"                  # as printed; may repeat or skip numbers
    ordinal = 11                   # 1..n, in order
    activity = "..."
    actor = "Kasi Pemerintahan"    # one of ``actors``
    actor_inferred = true          # the actor was inferred from the activity text
    equipment = "..."              # the Persyaratan / Kelengkapan cell (may be empty)
    standard_minutes = 4           # optional, > 0
    standard_text = "4 menit"      # optional; the Waktu cell as printed, required with a time
    until_event_end = false        # optional; true for "Sampai dengan jadwal kegiatan berakhir"
    output = "..."                 # optional; the Output cell
    related = "SOP Surat Keluar"   # optional; the Ket. cell without "Keterkaitan :"
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

from ektp_station.errors import CatalogueError, UnknownSop

_DATA_PACKAGE = "ektp_station.sop"
_DATA_DIR = "data"
_CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*\Z")


@dataclass(frozen=True)
class Step:
    """One row of an SOP table."""

    label: str
    ordinal: int
    activity: str
    actor: str
    actor_inferred: bool
    equipment: str
    standard_minutes: float | None
    standard_text: str | None
    until_event_end: bool
    output: str | None
    related: str | None

    def to_json(self) -> dict[str, Any]:
        """The step as printed by ``ektp-station sop show CODE --json``."""
        return {
            "label": self.label,
            "ordinal": self.ordinal,
            "activity": self.activity,
            "actor": self.actor,
            "equipment": self.equipment,
            "standard_minutes": self.standard_minutes,
            "standard_text": self.standard_text,
            "until_event_end": self.until_event_end,
            "output": self.output,
            "related": self.related,
        }


@dataclass(frozen=True)
class Sop:
    """One standard operating procedure: its actors and its ordered steps."""

    code: str
    title: str
    section: str
    actors: tuple[str, ...]
    steps: tuple[Step, ...]
    note: str

    @property
    def total_standard_minutes(self) -> float:
        """Sum of the steps' standard times; steps without a number count as nothing."""
        return sum(step.standard_minutes for step in self.steps if step.standard_minutes is not None)

    @property
    def open_ended(self) -> bool:
        """True when a step lasts until the event it watches is over (no fixed total)."""
        return any(step.until_event_end for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        """The SOP as printed by ``ektp-station sop show CODE --json``."""
        return {"code": self.code, "title": self.title, "steps": [step.to_json() for step in self.steps]}


class Catalogue:
    """The SOPs in seed order, looked up by code."""

    def __init__(self, sops: Iterable[Sop]):
        self._sops = tuple(sops)
        self._by_code = {sop.code.upper(): sop for sop in self._sops}
        if len(self._by_code) != len(self._sops):
            raise ValueError("duplicate SOP code in catalogue")

    def get(self, code: str) -> Sop:
        """The SOP with this code (any letter case)."""
        sop = self._by_code.get(code.strip().upper())
        if sop is None:
            raise UnknownSop(f"SOP {code!r} tidak dikenal; kode yang tersedia: {', '.join(self.codes())}")
        return sop

    def all(self) -> tuple[Sop, ...]:
        return self._sops

    def codes(self) -> tuple[str, ...]:
        return tuple(sop.code for sop in self._sops)

    def __iter__(self) -> Iterator[Sop]:
        return iter(self._sops)

    def __len__(self) -> int:
        return len(self._sops)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate every ``*.toml`` file in ``path`` (default: the data shipped in the package).

    The default catalogue is read once per process and cached. The shipped files keep the seed's texts
    exactly as printed, typos included ("KERAMAIAAN", "Sugnature pad", "Rekeomendasi", ...), with one
    deliberate change: the HTML ``<i>`` and ``</i>`` tags that wrapped some parenthesised activity
    texts in the seed were stripped (the words inside them are kept).

    Raises ``CatalogueError`` (file name and reason) on unreadable TOML, a missing or unknown key, a
    value of the wrong type, ordinals that are not 1..n in order, a step actor outside the SOP's actors,
    a standard time that is not a positive number, ``until_event_end`` together with a number, a time
    without its printed text, or a code / seed order used by two files.
    """
    if path is None:
        return _default_catalogue()
    directory = Path(path)
    if not directory.is_dir():
        raise CatalogueError(f"direktori data SOP {directory} tidak ada")
    return _load_directory(directory, str(directory))


@functools.cache
def _default_catalogue() -> Catalogue:
    return _load_directory(resources.files(_DATA_PACKAGE).joinpath(_DATA_DIR), f"{_DATA_PACKAGE}/{_DATA_DIR}")


def _load_directory(directory: Traversable, shown_as: str) -> Catalogue:
    files = sorted((entry for entry in directory.iterdir() if entry.is_file() and entry.name.endswith(".toml")),
                   key=lambda entry: entry.name)
    if not files:
        raise CatalogueError(f"direktori data SOP {shown_as} tidak berisi berkas .toml")
    loaded: list[tuple[int, Sop]] = []
    code_owner: dict[str, str] = {}
    order_owner: dict[int, str] = {}
    for entry in files:
        seed_order, sop = _load_file(entry)
        if sop.code in code_owner:
            raise CatalogueError(
                f"berkas SOP {entry.name}: kode SOP {sop.code!r} sudah dipakai oleh {code_owner[sop.code]}"
            )
        if seed_order in order_owner:
            raise CatalogueError(
                f"berkas SOP {entry.name}: seed_order {seed_order} sudah dipakai oleh {order_owner[seed_order]}"
            )
        code_owner[sop.code] = entry.name
        order_owner[seed_order] = entry.name
        loaded.append((seed_order, sop))
    loaded.sort(key=lambda item: item[0])
    return Catalogue(sop for _, sop in loaded)


# --- validation of one file -------------------------------------------------------------------------------

_SOP_REQUIRED = {"code": str, "title": str, "section": str, "seed_order": int, "actors": list, "note": str,
                 "steps": list}
_STEP_REQUIRED = {"label": str, "ordinal": int, "activity": str, "actor": str, "actor_inferred": bool,
                  "equipment": str}
_STEP_OPTIONAL = {"standard_minutes": float, "standard_text": str, "until_event_end": bool, "output": str,
                  "related": str}
_TYPE_NAMES = {str: "teks", int: "bilangan bulat", float: "bilangan", bool: "boolean (true/false)",
               list: "daftar", dict: "tabel"}


class _FileProblem(Exception):
    """A validation failure inside one file; turned into CatalogueError with the file name."""


def _problem(reason: str) -> NoReturn:
    raise _FileProblem(reason)


def _load_file(entry: Traversable) -> tuple[int, Sop]:
    try:
        try:
            document = tomllib.loads(entry.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            _problem("bukan teks UTF-8")
        except tomllib.TOMLDecodeError as exc:
            _problem(f"bukan TOML yang sah ({exc})")
        return _parse_sop(document)
    except _FileProblem as exc:
        reason = " ".join(str(exc).split())
        raise CatalogueError(f"berkas SOP {entry.name}: {reason}") from None


def _check_keys(table: dict[str, Any], required: dict[str, type], optional: dict[str, type], where: str) -> None:
    unknown = sorted(set(table) - set(required) - set(optional))
    if unknown:
        _problem(f"{where}kunci tidak dikenal {unknown[0]!r}")
    for key, expected in required.items():
        if key not in table:
            _problem(f"{where}kunci wajib {key!r} tidak ada")
        _check_type(table[key], expected, f"{where}{key!r}")
    for key, expected in optional.items():
        if key in table:
            _check_type(table[key], expected, f"{where}{key!r}")


def _check_type(value: Any, expected: type, what: str) -> None:
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        _problem(f"{what} harus {_TYPE_NAMES[expected]}, bukan {_toml_type(value)}")


def _toml_type(value: Any) -> str:
    for python_type in (bool, int, float, str, list, dict):
        if isinstance(value, python_type):
            return _TYPE_NAMES[python_type]
    return type(value).__name__


def _non_empty(value: str, what: str) -> str:
    if not value.strip():
        _problem(f"{what} tidak boleh kosong")
    return value


def _parse_sop(document: dict[str, Any]) -> tuple[int, Sop]:
    _check_keys(document, _SOP_REQUIRED, {}, "")
    code = document["code"]
    if not _CODE_PATTERN.match(code):
        _problem(f"kode {code!r} harus huruf besar/angka tanpa spasi, diawali huruf")
    seed_order = document["seed_order"]
    if seed_order < 1:
        _problem(f"seed_order harus 1 atau lebih, bukan {seed_order}")
    actors = document["actors"]
    if not actors:
        _problem("'actors' tidak boleh kosong")
    for index, actor in enumerate(actors, start=1):
        _check_type(actor, str, f"'actors' butir ke-{index}")
        _non_empty(actor, f"'actors' butir ke-{index}")
    steps = document["steps"]
    if not steps:
        _problem("'steps' tidak boleh kosong")
    parsed_steps = []
    for position, raw in enumerate(steps, start=1):
        _check_type(raw, dict, f"'steps' butir ke-{position}")
        parsed_steps.append(_parse_step(raw, position, actors))
    sop = Sop(
        code=code,
        title=_non_empty(document["title"], "'title'"),
        section=_non_empty(document["section"], "'section'"),
        actors=tuple(actors),
        steps=tuple(parsed_steps),
        note=_non_empty(document["note"], "'note'"),
    )
    return seed_order, sop


def _parse_step(raw: dict[str, Any], position: int, actors: list[str]) -> Step:
    where = f"langkah ke-{position}: "
    _check_keys(raw, _STEP_REQUIRED, _STEP_OPTIONAL, where)
    if raw["ordinal"] != position:
        _problem(f"{where}ordinal {raw['ordinal']}, seharusnya {position} (ordinal harus 1..n berurutan)")
    if raw["actor"] not in actors:
        _problem(f"{where}pelaksana {raw['actor']!r} bukan salah satu pelaksana SOP ({'; '.join(actors)})")
    minutes = raw.get("standard_minutes")
    text = raw.get("standard_text")
    until_event_end = raw.get("until_event_end", False)
    if minutes is not None and not (math.isfinite(minutes) and minutes > 0):
        _problem(f"{where}standard_minutes harus bilangan lebih dari 0, bukan {minutes}")
    if until_event_end and minutes is not None:
        _problem(f"{where}until_event_end = true tidak boleh bersama standard_minutes")
    if (minutes is not None or until_event_end) and text is None:
        _problem(f"{where}waktu baku tanpa standard_text (teks waktu sebagaimana tercetak)")
    if text is not None and minutes is None and not until_event_end:
        _problem(f"{where}standard_text tanpa standard_minutes atau until_event_end = true")
    optional_texts = {key: raw.get(key) for key in ("standard_text", "output", "related")}
    for key, value in optional_texts.items():
        if value is not None:
            _non_empty(value, f"{where}{key!r}")
    return Step(
        label=_non_empty(raw["label"], f"{where}'label'"),
        ordinal=raw["ordinal"],
        activity=_non_empty(raw["activity"], f"{where}'activity'"),
        actor=raw["actor"],
        actor_inferred=raw["actor_inferred"],
        equipment=raw["equipment"],
        standard_minutes=None if minutes is None else float(minutes),
        standard_text=text,
        until_event_end=until_event_end,
        output=optional_texts["output"],
        related=optional_texts["related"],
    )
