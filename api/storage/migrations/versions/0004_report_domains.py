"""report domains; findings clustered by report on SQLite, without the index by rule; indexes for the latest audit

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 03:20:00.000000

Each report's domain scores get a table of their own (one row per domain, filled here from the stored report
bodies), so that a trust summary averages a few rows per school instead of recomputing domain scores from every
finding. On SQLite, ``findings`` and ``report_domains`` become ``WITHOUT ROWID`` tables, so a report's rows lie
side by side in primary-key order; PostgreSQL is unchanged there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BACKFILL = {
    "sqlite": (
        "INSERT INTO report_domains (report_id, domain, score) "
        "SELECT reports.id, json_extract(domain.value, '$.id'), json_extract(domain.value, '$.score') "
        "FROM reports, json_each(reports.body, '$.domains') AS domain"
    ),
    "postgresql": (
        "INSERT INTO report_domains (report_id, domain, score) "
        "SELECT reports.id, domain ->> 'id', (domain ->> 'score')::double precision "
        "FROM reports CROSS JOIN LATERAL jsonb_array_elements(reports.body -> 'domains') AS domain"
    ),
}


def upgrade() -> None:
    op.create_table(
        "report_domains",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
        ),
        sa.PrimaryKeyConstraint("report_id", "domain"),
        sqlite_with_rowid=False,
    )
    op.execute(BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index("ix_audits_school_latest", ["school_urn", "audit_date", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audits_replaces_id"), ["replaces_id"], unique=False)
    # Every query reads findings by report (the primary key); an index by rule only slowed each submission and
    # tempted the planner into reading every finding of every school to group by rule.
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_rule_status")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("findings", recreate="always", table_kwargs={"sqlite_with_rowid": False}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("findings", recreate="always"):
            pass
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_rule_status", ["rule", "status"], unique=False)
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audits_replaces_id"))
        batch_op.drop_index("ix_audits_school_latest")
    op.drop_table("report_domains")
