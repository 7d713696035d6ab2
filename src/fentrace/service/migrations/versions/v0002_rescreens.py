"""Re-screening: the knowledge base and watchlists a job was screened under; re-screens.

Jobs screened before this migration keep ``kb_version`` NULL (not recorded), never a guess.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("jobs", sa.Column("kb_version", sa.String(32), nullable=True))
    op.add_column("jobs", sa.Column("watchlists", sa.JSON, nullable=True))
    op.create_table(
        "rescreens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("as_of", sa.String(10), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("started_at", _utc(), nullable=True),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("screened_kb_version", sa.String(32), nullable=True),
        sa.Column("kb_version", sa.String(32), nullable=True),
        sa.Column("watchlists", sa.JSON, nullable=True),
        sa.Column("screened", sa.Integer, nullable=True),
        sa.Column("stored_alerts", sa.Integer, nullable=True),
        sa.Column("rose", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_rescreens_job_id", "rescreens", ["job_id"])
    op.create_index("ix_rescreens_state", "rescreens", ["state"])
    op.create_table(
        "rescreen_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "rescreen_id",
            sa.String(32),
            sa.ForeignKey("rescreens.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("row", sa.Integer, nullable=True),
        sa.Column("old_level", sa.String(8), nullable=False),
        sa.Column("new_level", sa.String(8), nullable=False),
        sa.Column("old_score", sa.Float, nullable=True),
        sa.Column("new_score", sa.Float, nullable=False),
        sa.Column("new_reasons", sa.JSON, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=True),
        sa.UniqueConstraint("rescreen_id", "seq", name="uq_rescreen_changes_rescreen_seq"),
    )


def downgrade() -> None:
    op.drop_table("rescreen_changes")
    op.drop_index("ix_rescreens_state", table_name="rescreens")
    op.drop_index("ix_rescreens_job_id", table_name="rescreens")
    op.drop_table("rescreens")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("watchlists")
        batch.drop_column("kb_version")
