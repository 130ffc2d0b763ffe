"""The handwritten migration 0002_register matches the register's ORM models, sits on its own branch next to the
other features, and downgrades cleanly. SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import ektp_station.register.models  # noqa: F401 - registers the reg_ tables on Base.metadata
from ektp_station.db.engine import MIGRATIONS, current_revision
from ektp_station.db.models import Base

REG_TABLES = {"reg_applications", "reg_step_runs", "reg_events", "reg_letters", "reg_counters",
              "reg_number_allocations", "reg_site_visits", "reg_attachments", "reg_reports", "reg_skm_tokens",
              "reg_skm_responses"}


def _touches_register(diff) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item[1:]:
            name = getattr(part, "name", None) or getattr(getattr(part, "table", None), "name", None)
            if isinstance(part, str) and part.startswith("reg_") or (name or "").startswith(("reg_", "ix_reg_",
                                                                                              "uq_reg_", "ck_reg_")):
                return True
    return False


def test_models_and_migration_agree(db):
    assert REG_TABLES <= set(db.table_names())
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _touches_register(d)]
    assert diffs == []
    assert "0002_register" in current_revision(db.engine).split(",")


def test_the_register_branch_downgrades_and_upgrades_again(db):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "register@-1")
    tables = set(inspect(db.engine).get_table_names())
    assert not tables & REG_TABLES and "residents" in tables
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    assert REG_TABLES <= set(inspect(db.engine).get_table_names())
