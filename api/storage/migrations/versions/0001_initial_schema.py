"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 01:00:24.160025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "trusts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "schools",
        sa.Column("urn", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=True),
        sa.Column("local_authority", sa.String(length=100), nullable=True),
        sa.Column("trust_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trust_id"],
            ["trusts.id"],
        ),
        sa.PrimaryKeyConstraint("urn"),
    )
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schools_trust_id"), ["trust_id"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("trust_id", sa.String(length=40), nullable=True),
        sa.Column("school_urn", sa.String(length=6), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_urn"],
            ["schools.urn"],
        ),
        sa.ForeignKeyConstraint(
            ["trust_id"],
            ["trusts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column("audit_date", sa.Date(), nullable=False),
        sa.Column("replaces_id", sa.String(length=32), nullable=True),
        sa.Column(
            "body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("submitted_by", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["audits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_urn"],
            ["schools.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audits_audit_date"), ["audit_date"], unique=False)
        batch_op.create_index("ix_audits_school_created", ["school_urn", "created_at", "id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
        ),
        sa.PrimaryKeyConstraint("key_id", "idempotency_key"),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("audit_id", sa.String(length=32), nullable=False),
        sa.Column("school_urn", sa.String(length=6), nullable=False),
        sa.Column("standards_set", sa.String(length=40), nullable=False),
        sa.Column("standards_version", sa.String(length=20), nullable=False),
        sa.Column("standards_sha256", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=40), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=True),
        sa.Column(
            "body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
        ),
        sa.ForeignKeyConstraint(
            ["school_urn"],
            ["schools.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("audit_id", "standards_set", "standards_version", name="uq_reports_audit_standards"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_school_urn"), ["school_urn"], unique=False)

    op.create_table(
        "findings",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("domain", sa.String(length=40), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("gap_amount", sa.Float(), nullable=True),
        sa.Column("gap_unit", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
        ),
        sa.PrimaryKeyConstraint("report_id", "rule"),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_rule_status", ["rule", "status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_rule_status")

    op.drop_table("findings")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_school_urn"))
        batch_op.drop_index(batch_op.f("ix_reports_audit_id"))

    op.drop_table("reports")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index("ix_audits_school_created")
        batch_op.drop_index(batch_op.f("ix_audits_audit_date"))

    op.drop_table("audits")
    op.drop_table("api_keys")
    with op.batch_alter_table("schools", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_schools_trust_id"))

    op.drop_table("schools")
    op.drop_table("trusts")
