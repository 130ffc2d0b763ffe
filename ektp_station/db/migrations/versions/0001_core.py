"""Core schema: residents, recording sessions, their steps and biometric artefacts.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("nik", sa.String(16), primary_key=True),
        sa.Column("no_kk", sa.String(16), nullable=False, index=True),
        sa.Column("nama", sa.String(120), nullable=False),
        sa.Column("jenis_kelamin", sa.String(1), nullable=False),
        sa.Column("tempat_lahir", sa.String(80), nullable=False),
        sa.Column("tanggal_lahir", sa.Date, nullable=False),
        sa.Column("alamat", sa.String(200), nullable=False),
        sa.Column("rt", sa.String(3), nullable=False),
        sa.Column("rw", sa.String(3), nullable=False),
        sa.Column("desa", sa.String(80), nullable=False, index=True),
        sa.Column("status_kawin", sa.String(20), nullable=False),
        sa.Column("agama", sa.String(20), nullable=False),
        sa.Column("pekerjaan", sa.String(80), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_table(
        "recording_sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("nik", sa.String(16), nullable=False, index=True),
        sa.Column("desa", sa.String(80)),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("next_ordinal", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(40), nullable=False),
        sa.Column("operator", sa.String(80), nullable=False),
        sa.Column("started_at", TS, nullable=False, index=True),
        sa.Column("ended_at", TS),
        sa.Column("resumed_count", sa.Integer, nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
    )
    op.create_table(
        "recording_steps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id", sa.String(32), sa.ForeignKey("recording_sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("standard_minutes", sa.Float),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("overrun", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("session_id", "ordinal", name="uq_step_session_ordinal"),
    )
    op.create_table(
        "artefacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(32),
            sa.ForeignKey("recording_sessions.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("step_ordinal", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("position", sa.String(16)),
        sa.Column("blob_id", sa.String(64)),
        sa.Column("quality", sa.Float),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("forced", sa.Boolean, nullable=False),
        sa.Column("exception_reason", sa.Text),
        sa.Column("exception_permanent", sa.Boolean),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("purged_at", TS),
    )


def downgrade() -> None:
    op.drop_table("artefacts")
    op.drop_table("recording_steps")
    op.drop_table("recording_sessions")
    op.drop_table("residents")
