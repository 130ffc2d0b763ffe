"""``ektp-station nik``: check a NIK by its structure (and against a record's sex and birth date)."""

from __future__ import annotations

from datetime import date

import click

from ektp_station.cli.common import emit_json
from ektp_station.errors import InvalidNik
from ektp_station.nik import SEX_NAMES, NikCheck, check_nik, format_nik, normalise_sex


@click.group()
def nik() -> None:
    """Pemeriksaan NIK (16 digit: wilayah, tanggal lahir, nomor urut)."""


def _parse_sex(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    sex = normalise_sex(value)
    if sex is None:
        raise click.BadParameter("pakai L atau P")
    return sex


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("format YYYY-MM-DD") from None


def _summary(result: NikCheck) -> list[str]:
    region = result.region or {}
    code = region.get("code") or ""
    district = region.get("district") or f"kecamatan {code[-2:]} (tidak ada di daftar Kemendagri)"
    place = ", ".join(part for part in (district, region.get("regency"), region.get("province")) if part)
    lines = [
        f"NIK {format_nik(result.nik or '')}: valid",
        f"  Wilayah terbit : {place} ({code})",
        f"  Jenis kelamin  : {SEX_NAMES[result.sex].capitalize() if result.sex else '-'}",
        f"  Tanggal lahir  : {result.birth_date.strftime('%d-%m-%Y') if result.birth_date else '-'}",
        f"  Nomor urut     : {result.serial}",
    ]
    lines += [f"  Peringatan     : {message}" for message in result.warning_messages]
    return lines


@nik.command("check")
@click.argument("nik_text", metavar="NIK")
@click.option(
    "--jenis-kelamin", "sex", callback=_parse_sex, help="Jenis kelamin di data (L/P): harus cocok dengan NIK."
)
@click.option(
    "--tanggal-lahir", "birth_date", callback=_parse_date, help="Tanggal lahir di data (YYYY-MM-DD): harus cocok."
)
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def check_cmd(nik_text: str, sex: str | None, birth_date: date | None, as_json: bool) -> None:
    """Memeriksa NIK; kode keluar 1 bila tidak valid.

    Spasi, titik dan tanda hubung diabaikan. NIK dari luar Kecamatan Kalipare hanya diberi peringatan.
    """
    result = check_nik(nik_text, sex=sex, birth_date=birth_date)
    if as_json:
        emit_json(result.to_json())
    elif result.valid:
        click.echo("\n".join(_summary(result)))
    if not result.valid:
        # main() prints the reason as one line on stderr and returns InvalidNik.exit_code (1).
        raise InvalidNik(result.reason or "NIK tidak valid.")
