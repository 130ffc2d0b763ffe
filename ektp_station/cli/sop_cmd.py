"""``ektp-station sop``: browse the SOP PATEN 2017 catalogue (list the procedures, show one as a timeline)."""

from __future__ import annotations

import textwrap
from collections.abc import Collection, Sequence

import click

from ektp_station.cli.common import emit_json
from ektp_station.sop import Sop, Step, load_catalogue

_WRAP_WIDTH = 100
_ACTIVITY_INDENT = "      "


@click.group()
def sop() -> None:
    """Katalog SOP PATEN 2017 Kecamatan Kalipare."""


@sop.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def list_sops(as_json: bool) -> None:
    """Daftar SOP beserta jumlah langkah dan total waktu baku."""
    sops = load_catalogue().all()
    if as_json:
        emit_json([{"code": s.code, "title": s.title, "steps": len(s.steps)} for s in sops])
        return
    rows = [[s.code, s.title, str(len(s.steps)), _total_text(s)] for s in sops]
    click.echo(_table(["Kode", "Judul", "Langkah", "Total waktu baku"], rows, right_aligned={2}))
    click.echo(f"\n{len(sops)} SOP. Rincian: ektp-station sop show KODE")


@sop.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def show_sop(code: str, as_json: bool) -> None:
    """Langkah-langkah satu SOP (KODE, mis. EKTP) sebagai lini waktu."""
    procedure = load_catalogue().get(code)
    if as_json:
        emit_json(procedure.to_json())
        return
    click.echo(f"{procedure.code} — {procedure.title}")
    click.echo(f"Bagian    : {procedure.section}")
    click.echo(f"Pelaksana : {'; '.join(dict.fromkeys(procedure.actors))}")
    click.echo()
    click.echo(_timeline(procedure))
    click.echo()
    click.echo(f"Total waktu baku: {_total_text(procedure)}")
    if any(step.actor_inferred for step in procedure.steps):
        click.echo("* pelaksana disimpulkan dari uraian aktivitas (tanda bagan alir pada tabel sumber hilang).")
    click.echo(textwrap.fill(f"Catatan: {procedure.note}", width=_WRAP_WIDTH))


def _timeline(procedure: Sop) -> str:
    """The steps as a table, each row followed by its activity text, with the running total of minutes."""
    headers = ["Langkah", "Pelaksana", "Waktu baku", "Kumulatif", "Keluaran"]
    rows = []
    running = 0.0
    open_ended = False
    for step in procedure.steps:
        running += step.standard_minutes or 0.0
        open_ended = open_ended or step.until_event_end
        cumulative = _minutes(running) + (" + s.d. kegiatan" if open_ended else "")
        actor = step.actor + ("*" if step.actor_inferred else "")
        rows.append([step.label, actor, _step_time(step), cumulative, step.output or "-"])
    header, rule, *lines = _table(headers, rows).splitlines()
    out = [header, rule]
    for line, step in zip(lines, procedure.steps):
        out.append(line)
        out.extend(textwrap.wrap(step.activity, width=_WRAP_WIDTH,
                                 initial_indent=_ACTIVITY_INDENT, subsequent_indent=_ACTIVITY_INDENT))
    return "\n".join(out)


def _step_time(step: Step) -> str:
    if step.until_event_end:
        return "s.d. kegiatan berakhir"
    if step.standard_minutes is None:
        return "-"
    return _minutes(step.standard_minutes)


def _total_text(procedure: Sop) -> str:
    text = _minutes(procedure.total_standard_minutes)
    return text + " + s.d. kegiatan berakhir" if procedure.open_ended else text


def _minutes(value: float) -> str:
    """Minutes in Indonesian notation: 0.5 -> "0,5 menit", 35.0 -> "35 menit"."""
    return f"{value:g}".replace(".", ",") + " menit"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], right_aligned: Collection[int] = ()) -> str:
    """A plain-text table: header, a rule, then one line per row; columns padded to their widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        padded = [cell.rjust(width) if index in right_aligned else cell.ljust(width)
                  for index, (cell, width) in enumerate(zip(cells, widths))]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), "  ".join("-" * width for width in widths), *(line(row) for row in rows)])
