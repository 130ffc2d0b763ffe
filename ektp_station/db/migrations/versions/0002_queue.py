"""Queue: tickets, daily sequences, the event log, counters, settings; summons letters (Surat Panggilan).

Revision ID: 0002_queue
Revises: 0001_core
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_queue"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("issued_service", sa.String(16), nullable=False),
        sa.Column("service_code", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("number", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("counter", sa.Integer),
        sa.Column("target_counter", sa.Integer),
        sa.Column("rank_at", TS, nullable=False),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        sa.Column("call_count", sa.Integer, nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("called_at", TS),
        sa.Column("started_at", TS),
        sa.Column("finished_at", TS),
        sa.Column("skipped_at", TS),
        sa.UniqueConstraint("issued_service", "day", "seq", name="uq_queue_ticket_service_day_seq"),
        sa.UniqueConstraint("day", "number", name="uq_queue_ticket_day_number"),
    )
    op.create_index("ix_queue_tickets_day_status_service", "queue_tickets", ["day", "status", "service_code"])
    op.create_table(
        "queue_day_sequences",
        sa.Column("service_code", sa.String(16), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("queue_tickets.id", ondelete="CASCADE")),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("counter", sa.Integer),
        sa.Column("service_code", sa.String(16)),
        sa.Column("number", sa.String(12)),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_queue_events_ticket_id", "queue_events", ["ticket_id"])
    op.create_index("ix_queue_events_day_kind", "queue_events", ["day", "kind"])
    op.create_table(
        "queue_counters",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "queue_settings",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "summons_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("number", sa.String(48), nullable=False, unique=True),
        sa.Column("token", sa.String(32), nullable=False, unique=True),
        sa.Column("nik", sa.String(16), nullable=False),
        sa.Column("nama", sa.String(120), nullable=False),
        sa.Column("desa", sa.String(80), nullable=False),
        sa.Column("appointment", TS, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("summoned_at", TS, nullable=False),
        sa.Column("arrived_at", TS),
        sa.Column("recorded_at", TS),
        sa.Column("returned_at", TS),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("queue_tickets.id", ondelete="SET NULL")),
        sa.Column("recording_session_id", sa.String(32)),
        sa.UniqueConstraint("year", "seq", name="uq_summons_year_seq"),
    )
    op.create_index("ix_summons_letters_nik", "summons_letters", ["nik"])
    op.create_index("ix_summons_letters_desa", "summons_letters", ["desa"])
    op.create_index("ix_summons_letters_status", "summons_letters", ["status"])


def downgrade() -> None:
    op.drop_table("summons_letters")
    op.drop_table("queue_settings")
    op.drop_table("queue_counters")
    op.drop_index("ix_queue_events_day_kind", table_name="queue_events")
    op.drop_index("ix_queue_events_ticket_id", table_name="queue_events")
    op.drop_table("queue_events")
    op.drop_table("queue_day_sequences")
    op.drop_index("ix_queue_tickets_day_status_service", table_name="queue_tickets")
    op.drop_table("queue_tickets")
