"""an index of reports by audit and completeness

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:00:00.000000

Trust dashboards count each school by its latest audit whose report is not incomplete. Whether an audit's report
is incomplete is answered from this index alone (audit, complete, standards set and version), without reading the
report row, where SQLite stores ``complete`` after the body.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX: a batch would rebuild the table on SQLite, which the foreign keys onto it forbid.
    op.create_index(
        "ix_reports_audit_complete",
        "reports",
        ["audit_id", "complete", "standards_set", "standards_version"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_audit_complete", table_name="reports")
