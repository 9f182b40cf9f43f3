"""Agreed exceptions to rules: recording one, listing a school's, withdrawing one, and an exception's state today.

An exception is a school's agreed departure from one rule; none is ever deleted, and none can be agreed to a
statutory duty. Which rules an active exception leaves out of the score is :mod:`api.service.agreements.adjusted`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine

from api.errors import Conflict, Forbidden, NotFound, RequestInvalid
from api.rules.catalog import Catalog
from api.service.access import Principal, Role, require_school
from api.service.agreements.models import ExceptionOut, ExceptionState
from api.service.times import iso
from api.storage import repository
from api.storage.db import session_scope
from api.storage.queries import agreements
from api.storage.tables import ExceptionRow, utcnow

RISKS = ("low", "medium", "high")


def exception_state(row: ExceptionRow, *, today: dt.date) -> ExceptionState:
    """'withdrawn', 'expired' (the expiry date has passed) or 'active'."""
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "expired" if row.expires_on < today else "active"


def exception_view(row: ExceptionRow, *, today: dt.date) -> ExceptionOut:
    """An exception as the API shows it, with its state as of ``today``."""
    state = exception_state(row, today=today)
    return ExceptionOut(
        id=row.id,
        school_urn=row.school_urn,
        rule=row.rule,
        reason=row.reason,
        approver_name=row.approver_name,
        approver_role=row.approver_role,
        risk=row.risk,
        review_on=row.review_on.isoformat(),
        expires_on=row.expires_on.isoformat(),
        recorded_by=row.recorded_by,
        recorded_at=iso(row.created_at),
        withdrawn_at=iso(row.withdrawn_at),
        withdrawn_by=row.withdrawn_by,
        state=state,
        counted=state == "active",
        expired=state == "expired",
        review_due=state == "active" and row.review_on <= today,
    )


def _require_writer(*, principal: Principal, action: str) -> None:
    if principal.role is Role.governor:
        raise Forbidden(f"governor keys can read a school's exceptions but cannot {action} one")


def _check_rule(*, catalog: Catalog, rule: str) -> None:
    versions = [standards for standards in catalog.all() if standards.rule(rule) is not None]
    if not versions:
        raise RequestInvalid(f"rule: there is no rule {rule} in any standards version")
    statutory = [s.ref for s in versions if (found := s.rule(rule)) is not None and found.basis.value == "statutory"]
    if statutory:
        raise RequestInvalid(
            f"rule: {rule} is a statutory duty (in {', '.join(statutory)}); an exception cannot be agreed to the law"
        )


def record_exception(
    *,
    engine: Engine,
    catalog: Catalog,
    principal: Principal,
    urn: str,
    fields: Mapping[str, Any],
    today: dt.date,
) -> ExceptionOut:
    """Record an agreed exception to one rule for a school (school, trust or admin keys; not governors).

    ``fields`` are those of the API's ExceptionIn (rule, reason, approver_name, approver_role, risk, review_on and
    expires_on as dates). Raises NotFound (a school this key may not see), Forbidden (a governor key) and
    RequestInvalid (an unknown or statutory rule, an unknown risk, an expiry past, a review after the expiry).
    """
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
    _require_writer(principal=principal, action="record")
    rule = str(fields["rule"])
    _check_rule(catalog=catalog, rule=rule)
    review_on, expires_on = fields["review_on"], fields["expires_on"]
    if fields["risk"] not in RISKS:
        raise RequestInvalid(f"risk: must be one of {', '.join(RISKS)}")
    if expires_on < today:
        raise RequestInvalid(f"expires_on: {expires_on} has already passed; an exception must run until today or later")
    if review_on > expires_on:
        raise RequestInvalid(f"review_on: the review ({review_on}) must fall on or before the expiry ({expires_on})")
    row = ExceptionRow(
        id=uuid.uuid4().hex,
        school_urn=urn,
        rule=rule,
        reason=fields["reason"],
        approver_name=fields["approver_name"],
        approver_role=fields["approver_role"],
        risk=fields["risk"],
        review_on=review_on,
        expires_on=expires_on,
        recorded_by=principal.key_id,
    )
    with session_scope(engine) as session:
        repository.save_exception(session=session, row=row)
    return exception_view(row, today=today)


def list_school_exceptions(*, engine: Engine, principal: Principal, urn: str, today: dt.date) -> list[ExceptionOut]:
    """Every exception a school has recorded, active, expired and withdrawn, newest first, with its state as of
    ``today``. Raises NotFound (a school this key may not see)."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        rows = agreements.list_exceptions(session=session, urn=urn)
    return [exception_view(row, today=today) for row in rows]


def withdraw_exception(*, engine: Engine, principal: Principal, exception_id: str, today: dt.date) -> ExceptionOut:
    """Withdraw an exception: it stops counting at once and is kept, with when it was withdrawn and by which key.

    Raises NotFound (no exception this key can see), Forbidden (a governor key) and Conflict (already withdrawn).
    """
    with session_scope(engine) as session:
        row = agreements.get_exception(session=session, exception_id=exception_id)
        try:
            if row is None:
                raise NotFound("no such exception")
            require_school(session=session, principal=principal, urn=row.school_urn)
        except NotFound:
            raise NotFound(f"there is no exception {exception_id} that this key can see") from None
        _require_writer(principal=principal, action="withdraw")
        if row.withdrawn_at is not None:
            raise Conflict(f"exception {exception_id} was already withdrawn at {iso(row.withdrawn_at)}")
        row.withdrawn_at = utcnow()
        row.withdrawn_by = principal.key_id
        session.add(row)
        session.flush()
        return exception_view(row, today=today)
