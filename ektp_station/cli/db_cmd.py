"""``ektp-station db``: schema migrations."""

from __future__ import annotations

import click

from ektp_station.cli.common import emit_json
from ektp_station.db.engine import Database, current_revision, head_revision, upgrade


@click.group()
def db() -> None:
    """Basis data stasiun (SQLite bawaan, PostgreSQL lewat EKTP_DATABASE_URL)."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True, help="Revisi Alembic tujuan.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def upgrade_cmd(revision: str, as_json: bool) -> None:
    """Menjalankan migrasi skema sampai revisi terbaru."""
    database = Database(migrate=False)
    before = current_revision(database.engine)
    upgrade(database.engine, revision)
    after = current_revision(database.engine)
    if as_json:
        emit_json({"from": before, "to": after, "head": head_revision()})
    else:
        click.echo(f"Skema basis data: {before or '(kosong)'} -> {after}")
