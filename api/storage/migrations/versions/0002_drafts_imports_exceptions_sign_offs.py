"""drafts imports exceptions sign-offs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:09:23.118845
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "drafts",
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column(
            "body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "provenance", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_urn"],
            ["schools.urn"],
        ),
        sa.PrimaryKeyConstraint("school_urn"),
    )
    op.create_table(
        "rule_exceptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("approver_name", sa.String(length=200), nullable=False),
        sa.Column("approver_role", sa.String(length=200), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_urn"],
            ["schools.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rule_exceptions", schema=None) as batch_op:
        batch_op.create_index("ix_rule_exceptions_school_rule", ["school_urn", "rule"], unique=False)

    op.create_table(
        "sign_offs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("signed_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_offs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_offs_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.add_column(sa.Column("la_code", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("establishment_type", sa.String(length=100), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_column("establishment_type")
        batch_op.drop_column("la_code")

    with op.batch_alter_table("sign_offs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_offs_report_id"))

    op.drop_table("sign_offs")
    with op.batch_alter_table("rule_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_rule_exceptions_school_rule")

    op.drop_table("rule_exceptions")
    op.drop_table("drafts")
    op.drop_table("import_jobs")
