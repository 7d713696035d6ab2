"""The first schema: api keys, users, jobs and their rejections, alerts, codes, history, audit.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key_id", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("upload_path", sa.String(1000), nullable=False),
        sa.Column("upload_sha256", sa.String(64), nullable=False),
        sa.Column("upload_bytes", sa.Integer, nullable=False),
        sa.Column("as_of", sa.String(10), nullable=True),
        sa.Column("min_level", sa.String(8), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("started_at", _utc(), nullable=True),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_screened", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=True),
        sa.Column("alerts_stored", sa.Integer, nullable=False),
        sa.Column("chunks_done", sa.Integer, nullable=False),
        sa.Column("counts", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_table(
        "job_rejections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_rejections_job_seq"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("shipment_id", sa.String(200), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("date", sa.String(10), nullable=True),
        sa.Column("shipper_name", sa.Text, nullable=True),
        sa.Column("consignee_name", sa.Text, nullable=True),
        sa.Column("parties", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("chemical", sa.Text, nullable=True),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.UniqueConstraint("job_id", "row", name="uq_alerts_job_row"),
    )
    op.create_index("ix_alerts_job_score", "alerts", ["job_id", "score"])
    op.create_index("ix_alerts_job_level", "alerts", ["job_id", "level"])
    op.create_index("ix_alerts_disposition", "alerts", ["disposition"])
    op.create_index("ix_alerts_assignee", "alerts", ["assignee"])
    op.create_table(
        "alert_codes",
        sa.Column(
            "alert_id",
            sa.Integer,
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code", sa.String(64), primary_key=True),
    )
    op.create_index("ix_alert_codes_code", "alert_codes", ["code"])
    op.create_table(
        "alert_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "alert_id",
            sa.Integer,
            sa.ForeignKey("alerts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("changes", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_alert_history_alert_id", "alert_history", ["alert_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("input_sha256", sa.String(64), nullable=True),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_log_action", "audit_log", ["action"])


def downgrade() -> None:
    for index, table in (
        ("ix_audit_log_action", "audit_log"),
        ("ix_alert_history_alert_id", "alert_history"),
        ("ix_alert_codes_code", "alert_codes"),
        ("ix_alerts_assignee", "alerts"),
        ("ix_alerts_disposition", "alerts"),
        ("ix_alerts_job_level", "alerts"),
        ("ix_alerts_job_score", "alerts"),
        ("ix_jobs_state", "jobs"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "audit_log",
        "alert_history",
        "alert_codes",
        "alerts",
        "job_rejections",
        "jobs",
        "users",
        "api_keys",
    ):
        op.drop_table(table)
