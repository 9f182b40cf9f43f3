"""audits record the question set they answered; reports record whether they are complete

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 18:00:00.000000

Every audit stored before this revision was validated by the self-audit contract that
``standards/national/questions/2025.1.yaml`` declares as data (published and locked; it serves national@2025.1
and national@2026.1), so each is recorded as answering it: the national version in effect on its audit date and
that file's sha256.

Reports gain ``complete``, by the completeness rule that question file declares (every statutory rule that
applies assessed, and at least 80% of the rules that apply assessed). An incomplete stored report keeps its
score; its body gains ``complete`` and ``incomplete_reasons`` (worded as the engine words them) and its band
becomes the lowest, Emerging, as a report scored today would be; a complete one gains ``complete: true`` and no
reasons. The rule and the words are written out here, as they stood at this revision.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

QUESTIONS_SHA256 = "6a8eebc475fec699eef7f76bd2a54617e52f291bd0defd10803e0d4556f0b400"
COVERAGE_AT_LEAST = 0.8
LOWEST_BAND = ("emerging", "Emerging")
BATCH = 500


def incomplete_reasons(body: dict[str, Any]) -> list[str]:
    """Why a stored report body falls short of the national completeness rule (none when complete)."""
    reasons: list[str] = []
    unassessed = [
        f"“{result['title']}”"
        for result in body.get("results", [])
        if result.get("status") == "not_assessed" and result.get("basis") == "statutory"
    ]
    if unassessed:
        duties = "legal duty" if len(unassessed) == 1 else "legal duties"
        reasons.append(
            f"{len(unassessed)} {duties} could not be checked because questions were left blank: "
            f"{'; '.join(unassessed)}."
        )
    coverage = body.get("coverage")
    if coverage is None:
        reasons.append("No rule could be checked: the questions that apply were left blank.")
    elif coverage < COVERAGE_AT_LEAST:
        percent = (round(coverage * 1000) + 5) // 10
        reasons.append(
            f"Only {percent}% of the rules that apply could be checked; a band above the lowest needs at "
            f"least {COVERAGE_AT_LEAST * 100:g}%."
        )
    return reasons


def with_completeness(body: dict[str, Any]) -> dict[str, Any]:
    """A stored report body with ``complete`` and ``incomplete_reasons`` placed after ``coverage`` (the order of a
    report scored today) and, when incomplete, the lowest band."""
    reasons = incomplete_reasons(body)
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key in ("complete", "incomplete_reasons"):
            continue
        out[key] = value
        if key == "coverage":
            out["complete"] = not reasons
            out["incomplete_reasons"] = reasons
    if reasons:
        out["band"], out["band_label"] = LOWEST_BAND
    return out


def _backfill_reports() -> None:
    bind = op.get_bind()
    reports = sa.table(
        "reports",
        sa.column("id", sa.String),
        sa.column("band", sa.String),
        sa.column("complete", sa.Boolean),
        sa.column("body", sa.JSON),
    )
    after = ""
    while True:
        rows = bind.execute(
            sa.select(reports.c.id, reports.c.body).where(reports.c.id > after).order_by(reports.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for report_id, raw in rows:
            body = json.loads(raw) if isinstance(raw, str) else raw
            new = with_completeness(body)
            bind.execute(
                reports.update()
                .where(reports.c.id == report_id)
                .values(complete=new["complete"], band=new["band"], body=new)
            )
        after = rows[-1][0]


def upgrade() -> None:
    # Plain ALTER TABLE … ADD COLUMN: a batch would rebuild these tables on SQLite, which the foreign keys onto
    # them forbid.
    op.add_column("audits", sa.Column("questions_set", sa.String(length=40), nullable=False, server_default="national"))
    op.add_column(
        "audits", sa.Column("questions_version", sa.String(length=20), nullable=False, server_default="2025.1")
    )
    op.add_column(
        "audits", sa.Column("questions_sha256", sa.String(length=64), nullable=False, server_default=QUESTIONS_SHA256)
    )
    op.execute("UPDATE audits SET questions_version = '2026.1' WHERE audit_date >= '2026-09-01'")
    op.add_column("reports", sa.Column("complete", sa.Boolean(), nullable=False, server_default=sa.true()))
    _backfill_reports()
    # The defaults only filled the rows already stored: every new audit and report states its own values. (SQLite
    # keeps them: dropping a default there rebuilds the table, which the foreign keys onto it forbid.)
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table("audits", schema=None) as batch_op:
        for name in ("questions_set", "questions_version", "questions_sha256"):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column("complete", server_default=None)


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): rebuilding these tables, as a batch would on
    # SQLite, is forbidden by the foreign keys onto them.
    op.drop_column("reports", "complete")
    for name in ("questions_sha256", "questions_version", "questions_set"):
        op.drop_column("audits", name)
