"""Counter-service register: applications, timed SOP steps, events, letters, number sequences, site visits,
attachments, report submissions and the anonymous SKM.

Revision ID: 0002_register
Revises: 0001_core
Create Date: 2026-11-25

A branch of its own on 0001_core (the queue feature adds another); the station upgrades to all heads.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_register"
down_revision = "0001_core"
branch_labels = ("register",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reg_applications",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("nik", sa.String(16), nullable=False, index=True),
        sa.Column("nama", sa.String(120), nullable=False),
        sa.Column("alamat", sa.String(200)),
        sa.Column("desa", sa.String(80)),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("checklist", sa.JSON, nullable=False),
        sa.Column("officer", sa.String(80)),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("register_year", sa.Integer),
        sa.Column("register_seq", sa.Integer),
        sa.Column("register_number", sa.String(40), unique=True),
        sa.Column("registered_at", TS),
        sa.Column("verify_code", sa.String(16), nullable=False, unique=True),
        sa.Column("returned_count", sa.Integer, nullable=False),
        sa.Column("archive_folder", sa.String(40)),
        sa.Column("archive_shelf", sa.String(40)),
        sa.Column("archive_box", sa.String(40)),
        sa.UniqueConstraint("service", "register_year", "register_seq", name="uq_reg_app_service_year_seq"),
    )
    op.create_index("ix_reg_app_received", "reg_applications", ["received_at", "service", "state"])
    op.create_index("ix_reg_app_service_received", "reg_applications", ["service", "received_at"])
    op.create_index("ix_reg_app_state_received", "reg_applications", ["state", "received_at"])

    op.create_table(
        "reg_step_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.String(12), sa.ForeignKey("reg_applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("standard_minutes", sa.Float),
        sa.Column("until_event_end", sa.Boolean, nullable=False),
        sa.Column("deadline", TS),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS),
        sa.Column("seconds", sa.Float),
        sa.Column("overrun", sa.Boolean),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("officer", sa.String(80)),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("application_id", "ordinal", "attempt", name="uq_reg_step_app_ordinal_attempt"),
    )
    op.create_index("ix_reg_step_ended", "reg_step_runs",
                    ["ended_at", "service", "ordinal", "kind", "outcome", "seconds", "overrun"])

    op.create_table(
        "reg_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.String(12), sa.ForeignKey("reg_applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("from_state", sa.String(16)),
        sa.Column("to_state", sa.String(16)),
        sa.Column("officer", sa.String(80)),
        sa.Column("note", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
    )

    op.create_table(
        "reg_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.String(12), sa.ForeignKey("reg_applications.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("classification_table", sa.String(4), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("variant", sa.String(24)),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("signed_at", TS),
        sa.Column("signer_key", sa.String(24)),
        sa.Column("signer_title", sa.String(120)),
        sa.Column("signer_name", sa.String(120)),
        sa.Column("signer_nip", sa.String(40)),
        sa.Column("on_behalf", sa.String(120)),
        sa.Column("stand_in_reason", sa.Text),
        sa.Column("verify_code", sa.String(16), nullable=False, unique=True),
        sa.Column("void", sa.Boolean, nullable=False),
    )

    op.create_table(
        "reg_counters",
        sa.Column("scope", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "reg_number_allocations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("allocated_at", TS, nullable=False),
        sa.UniqueConstraint("scope", "year", "number", name="uq_reg_number_scope_year_number"),
    )

    op.create_table(
        "reg_site_visits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.String(12), sa.ForeignKey("reg_applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("officer", sa.String(80), nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "reg_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.String(12), sa.ForeignKey("reg_applications.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("visit_id", sa.Integer, sa.ForeignKey("reg_site_visits.id", ondelete="CASCADE")),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )

    op.create_table(
        "reg_reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(16), nullable=False, index=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("officer", sa.String(80)),
        sa.Column("entries", sa.Integer, nullable=False),
    )

    op.create_table(
        "reg_skm_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("used", sa.Boolean, nullable=False),
    )
    op.create_table(
        "reg_skm_responses",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        *[sa.Column(f"u{i}", sa.SmallInteger, nullable=False) for i in range(1, 10)],
        *[sa.CheckConstraint(f"u{i} BETWEEN 1 AND 4", name=f"ck_reg_skm_u{i}") for i in range(1, 10)],
    )
    op.create_index("ix_reg_skm_period_service", "reg_skm_responses", ["period", "service"])


def downgrade() -> None:
    op.drop_index("ix_reg_skm_period_service", table_name="reg_skm_responses")
    op.drop_table("reg_skm_responses")
    op.drop_table("reg_skm_tokens")
    op.drop_table("reg_reports")
    op.drop_table("reg_attachments")
    op.drop_table("reg_site_visits")
    op.drop_table("reg_number_allocations")
    op.drop_table("reg_counters")
    op.drop_table("reg_letters")
    op.drop_table("reg_events")
    op.drop_index("ix_reg_step_ended", table_name="reg_step_runs")
    op.drop_table("reg_step_runs")
    op.drop_index("ix_reg_app_state_received", table_name="reg_applications")
    op.drop_index("ix_reg_app_service_received", table_name="reg_applications")
    op.drop_index("ix_reg_app_received", table_name="reg_applications")
    op.drop_table("reg_applications")
