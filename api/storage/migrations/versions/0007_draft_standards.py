"""drafts record the standards version asked for

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00.000000

A draft saved from a form that asked for a standards version (a council's overlay, say) records it, so the draft
reopens with that version's questions. Drafts saved before this revision, and every draft whose form followed the
audit date, keep a null ``standards``: the national version in effect on the draft's audit date.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standards", sa.String(length=61), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("standards")
