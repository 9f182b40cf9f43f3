"""who withdrew an exception

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 03:50:00.000000

Exceptions withdrawn before this revision keep a null ``withdrawn_by``: who withdrew them was not recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rule_exceptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rule_exceptions", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_by")
